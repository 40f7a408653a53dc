using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace TargetProp.Runtime;

/// <summary>An update left NaN or ∞ in a parameter: the run is diverging. Parameter names the buffer (W3ᵀ, V2ᵀ, b1),
/// Update counts its updates (from 1); GradientFinite says whether the gradient it stepped on was finite (if so, the
/// optimiser's step itself overflowed). The training loop adds where it happened (epoch, phase) and what to lower.</summary>
public sealed class NonFiniteException(string parameter, long update, bool gradientFinite)
    : Exception($"its update {update} left NaN or ∞ in {parameter} ({(gradientFinite ? "from a finite gradient: the step overflowed" : "its gradient was not finite")})")
{
    /// <summary>The parameter buffer left non-finite, by its name in the plan (W3ᵀ, V2ᵀ, b1).</summary>
    public string Parameter { get; } = parameter;
    /// <summary>The optimiser op's update count (from 1) when the NaN or ∞ was found.</summary>
    public long Update { get; } = update;
    /// <summary>Whether the gradient it stepped on was finite: if so, the optimiser's step itself overflowed.</summary>
    public bool GradientFinite { get; } = gradientFinite;
}

internal static partial class ThrowHelper
{
    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    internal static void NonFinite(string parameter, long update, bool gradientFinite) => throw new NonFiniteException(parameter, update, gradientFinite);
}
