using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace TargetProp.Runtime.Optim;

/// An update rule for a parameter vector, as a fused single-pass span kernel.
public abstract class Optimiser
{
    /// How many state vectors, each as long as the parameters, Step needs.
    public abstract int StateSlots { get; }

    /// One update of parameters p from gradient g (descent: p moves against g). state.Length == StateSlots * p.Length,
    /// zero-initialised by the caller; step counts from 1 (Adam's bias correction).
    public abstract void Step(Span<float> p, ReadOnlySpan<float> g, Span<float> state, long step);

    /// A Step: the checks, then one fused pass of the optimiser's element update.
    private protected void Run<TOp>(in TOp op, Span<float> p, ReadOnlySpan<float> g, Span<float> state, long step)
        where TOp : struct, IStepOperator
    {
        CheckStep(p, g, state, step);
        StepDriver.Run(op, p, g, state);
    }

    /// The checks every Step makes before its loop: lengths, step ≥ 1, and no overlap (p and g may be the same span, though
    /// that is rarely meant; the state shares memory with neither).
    private protected void CheckStep(Span<float> p, ReadOnlySpan<float> g, Span<float> state, long step)
    {
        if (g.Length != p.Length || state.Length != (long)StateSlots * p.Length || step < 1)
            OptimErrors.BadStep(this, p.Length, g.Length, state.Length, step);
        if ((p.Overlaps(g, out int shift) && shift != 0) || p.Overlaps(state) || g.Overlaps(state))
            OptimErrors.Overlap(this);
    }

    // Settings checks for the constructors: each returns its value, so a primary constructor can check as it stores.
    private protected static float CheckLearningRate(string owner, float value, [CallerArgumentExpression(nameof(value))] string name = "") =>
        float.IsFinite(value) && value > 0 ? value : OptimErrors.Setting<float>(owner, name, value, "a finite number > 0");

    private protected static float CheckFraction(string owner, float value, [CallerArgumentExpression(nameof(value))] string name = "") =>
        value is >= 0 and < 1 ? value : OptimErrors.Setting<float>(owner, name, value, "[0, 1)");

    private protected static float CheckEpsilon(string owner, float value, [CallerArgumentExpression(nameof(value))] string name = "") =>
        float.IsFinite(value) && value > 0 ? value : OptimErrors.Setting<float>(owner, name, value, "a finite number > 0");

    /// Shortest round-trip form, with a C-style exponent: 0.001, 1e-8.
    private protected static string Show(float x)
    {
        string s = x.ToString(CultureInfo.InvariantCulture);
        int e = s.IndexOf('E');
        return e < 0 ? s : $"{s[..e]}e{int.Parse(s[(e + 1)..], CultureInfo.InvariantCulture)}";
    }
}

/// One optimiser's element update, with a scalar and a Vector&lt;float&gt; form that compute the same operations in the same
/// order, so every element gets the same bits whichever path (vector body or scalar tail) it falls in.
/// s0..s2 are the state slots (an optimiser with fewer slots ignores the rest); the result is the change added to p.
internal interface IStepOperator
{
    static abstract int Slots { get; }
    float Invoke(float g, ref float s0, ref float s1, ref float s2);
    Vector<float> Invoke(Vector<float> g, ref Vector<float> s0, ref Vector<float> s1, ref Vector<float> s2);
}

/// The one loop shared by the optimisers: slot k of element i lives at state[k * n + i].
/// TensorPrimitives has no multi-output element-wise operation (each optimiser updates p and up to three state vectors
/// from the same g), so this fuses the whole update into one pass instead of 5–9 TensorPrimitives passes.
internal static class StepDriver
{
    public static void Run<TOp>(in TOp op, Span<float> p, ReadOnlySpan<float> g, Span<float> state) where TOp : struct, IStepOperator
    {
        int n = p.Length;
        ref float rp = ref MemoryMarshal.GetReference(p);
        ref float rg = ref MemoryMarshal.GetReference(g);
        ref float r0 = ref MemoryMarshal.GetReference(state);
        // Unused slots alias slot 0; their operators never touch them, and TOp.Slots is a JIT-time constant.
        ref float r1 = ref (TOp.Slots > 1 ? ref Unsafe.Add(ref r0, n) : ref r0);
        ref float r2 = ref (TOp.Slots > 2 ? ref Unsafe.Add(ref r0, 2 * n) : ref r0);
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
            {
                nuint at = (nuint)i;
                var s0 = Vector.LoadUnsafe(ref r0, at);
                var s1 = TOp.Slots > 1 ? Vector.LoadUnsafe(ref r1, at) : default;
                var s2 = TOp.Slots > 2 ? Vector.LoadUnsafe(ref r2, at) : default;
                var dp = op.Invoke(Vector.LoadUnsafe(ref rg, at), ref s0, ref s1, ref s2);
                (Vector.LoadUnsafe(ref rp, at) + dp).StoreUnsafe(ref rp, at);
                s0.StoreUnsafe(ref r0, at);
                if (TOp.Slots > 1) s1.StoreUnsafe(ref r1, at);
                if (TOp.Slots > 2) s2.StoreUnsafe(ref r2, at);
            }
        }
        // Scalar tail (fewer than Vector<float>.Count elements), same operations as the vector body.
        for (; i < n; i++)
        {
            float unused = 0;
            ref float s1 = ref (TOp.Slots > 1 ? ref Unsafe.Add(ref r1, i) : ref unused);
            ref float s2 = ref (TOp.Slots > 2 ? ref Unsafe.Add(ref r2, i) : ref unused);
            Unsafe.Add(ref rp, i) += op.Invoke(Unsafe.Add(ref rg, i), ref Unsafe.Add(ref r0, i), ref s1, ref s2);
        }
    }
}

/// Cold throw helpers for the optimisers.
internal static class OptimErrors
{
    [DoesNotReturn]
    public static T Setting<T>(string owner, string name, float value, string range) =>
        throw new ArgumentOutOfRangeException(name, value,
            $"{owner}: the setting {name} is {value.ToString(CultureInfo.InvariantCulture)}; it must be in {range}.");

    [DoesNotReturn]
    public static void BadStep(Optimiser o, int p, int g, int state, long step)
    {
        if (g != p)
            throw new ArgumentException($"{o}: the gradient has {g} elements but the parameters have {p}; they must match.", nameof(g));
        if (state != (long)o.StateSlots * p)
            throw new ArgumentException(
                $"{o}: the state has {state} elements; it must hold {o.StateSlots} slots × {p} parameters = {(long)o.StateSlots * p}.", nameof(state));
        throw new ArgumentOutOfRangeException(nameof(step), step, $"{o}: step counts from 1; got {step}.");
    }

    [DoesNotReturn]
    public static void Overlap(Optimiser o) =>
        throw new ArgumentException($"{o}: the parameters, gradient and state overlap in memory; give each its own buffer.", "state");
}
