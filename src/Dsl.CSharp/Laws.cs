using Microsoft.FSharp.Core;
using FS = TargetProp.Dsl;

namespace TargetProp.CSharp;

/// <summary>The laws a target rule can be checked against (the F# <see cref="FS.Laws"/>; DESIGN.md §4).</summary>
public enum Law
{
    /// <summary>A top target equal to the top value gives every target equal to its value, and no layer below moves.</summary>
    FixedPoint,
    /// <summary>ĥ_l = h_l gives ĥ_{l-1} = h_{l-1}, whatever g_l is (Lee et al. 2015).</summary>
    DifferenceCorrection,
    /// <summary>The rule's local weight gradients equal ∂ℓ/∂W_l.</summary>
    BpEquivalence,
    /// <summary>With linear layers and g_l = f_l⁻¹, the rule's targets equal inversion's (tp).</summary>
    LinearInverse,
    /// <summary>A small gradient step on V_l and c_l lowers g_l's feedback loss.</summary>
    Reconstruction,
    /// <summary>The forward update has a positive inner product with −∇ℓ (for most rules, on a fraction of networks).</summary>
    Descent,
    /// <summary>One compiled step changes every parameter as the float64 reference does.</summary>
    CompiledEqualsReference,
}

/// <summary>The laws as checks over generated networks (F# Laws.fraction): each case a small stack and batch drawn from a fixed seed.</summary>
public static class Laws
{
    /// <summary>Whether the law holds on every one of <paramref name="cases"/> generated networks.</summary>
    /// <param name="law">The law.</param>
    /// <param name="rule">The rule.</param>
    /// <param name="cases">How many networks.</param>
    public static bool Holds(Law law, Rule rule, int cases = 100) => Fraction(law, rule, cases) == 1.0;

    /// <summary>The fraction of <paramref name="cases"/> generated networks on which the law holds.</summary>
    /// <param name="law">The law.</param>
    /// <param name="rule">The rule.</param>
    /// <param name="cases">How many networks.</param>
    public static double Fraction(Law law, Rule rule, int cases = 100)
    {
        ArgumentNullException.ThrowIfNull(rule);
        return FS.Laws.fraction(cases, FSharpLaw(law), rule.Value);
    }

    private static FSharpFunc<FS.Rule, FSharpFunc<FS.Case, bool>> FSharpLaw(Law law)
    {
        Func<FS.Rule, FS.Case, bool> f = law switch
        {
            Law.FixedPoint => FS.Laws.fixedPoint,
            Law.DifferenceCorrection => FS.Laws.differenceCorrection,
            Law.BpEquivalence => FS.Laws.bpEquivalence,
            Law.LinearInverse => FS.Laws.linearInverse,
            Law.Reconstruction => FS.Laws.reconstruction,
            Law.Descent => FS.Laws.descent,
            Law.CompiledEqualsReference => FS.Laws.compiledEqualsReference,
            _ => throw new ArgumentOutOfRangeException(nameof(law), law, "not a law"),
        };
        return FuncConvert.FromFunc(f);
    }
}
