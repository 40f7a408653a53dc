using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.Intrinsics;
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

/// One optimiser's element update, written once over <see cref="ILanes{TSelf}"/>: the same operations in the same order
/// at every width, so every element gets the same bits whichever path (vector body or scalar tail) it falls in.
/// s0..s2 are the state slots (an optimiser with fewer slots ignores the rest); the result is the change added to p.
internal interface IStepOperator
{
    static abstract int Slots { get; }
    T Invoke<T>(T g, ref T s0, ref T s1, ref T s2) where T : struct, ILanes<T>;
}

/// The one loop shared by the optimisers: slot k of element i lives at state[k * n + i]. It runs on 512-bit vectors
/// where the machine has them (else 256-bit), then a scalar tail.
/// TensorPrimitives has no multi-output element-wise operation (each optimiser updates p and up to three state vectors
/// from the same g), so this fuses the whole update into one pass instead of 5–9 TensorPrimitives passes.
internal static class StepDriver
{
    public static void Run<TOp>(in TOp op, Span<float> p, ReadOnlySpan<float> g, Span<float> state) where TOp : struct, IStepOperator
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated) i = Run<TOp, Lanes16>(op, p, g, state, i);
        else if (Vector256.IsHardwareAccelerated) i = Run<TOp, Lanes8>(op, p, g, state, i);
        Run<TOp, Lane1>(op, p, g, state, i);
    }

    /// Elements from `from` on, T.Count at a time while a whole T fits; returns where it stopped.
    /// The operator's Invoke must inline here (it does: everything it calls is AggressiveInlining), or the state
    /// round-trips through memory: that cost 5× on a 57,600-element update.
    private static int Run<TOp, T>(in TOp op, Span<float> p, ReadOnlySpan<float> g, Span<float> state, int from)
        where TOp : struct, IStepOperator where T : struct, ILanes<T>
    {
        int n = p.Length;
        ref float rp = ref MemoryMarshal.GetReference(p);
        ref float rg = ref MemoryMarshal.GetReference(g);
        ref float r0 = ref MemoryMarshal.GetReference(state);
        // Unused slots alias slot 0; their operators never touch them, and TOp.Slots is a JIT-time constant.
        ref float r1 = ref (TOp.Slots > 1 ? ref Unsafe.Add(ref r0, n) : ref r0);
        ref float r2 = ref (TOp.Slots > 2 ? ref Unsafe.Add(ref r0, 2 * n) : ref r0);
        int i = from;
        for (; i <= n - T.Count; i += T.Count)
        {
            nuint at = (nuint)i;
            var s0 = T.Load(ref r0, at);
            var s1 = TOp.Slots > 1 ? T.Load(ref r1, at) : default;
            var s2 = TOp.Slots > 2 ? T.Load(ref r2, at) : default;
            var dp = op.Invoke(T.Load(ref rg, at), ref s0, ref s1, ref s2);
            (T.Load(ref rp, at) + dp).Store(ref rp, at);
            s0.Store(ref r0, at);
            if (TOp.Slots > 1) s1.Store(ref r1, at);
            if (TOp.Slots > 2) s2.Store(ref r2, at);
        }
        return i;
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
