using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace TargetProp.Runtime.Optim;

/// An update rule for a parameter vector, as a fused single-pass span kernel. With a weight decay λ > 0 the rule steps
/// on g + λp instead of g (L2 weight decay coupled to the gradient, as PyTorch's weight_decay), in the same pass.
public abstract class Optimiser(float weightDecay)
{
    /// λ: the rule steps on g + λp (0: on g).
    public float WeightDecay { get; } = float.IsFinite(weightDecay) && weightDecay >= 0
        ? weightDecay : OptimErrors.Setting<float>("optimiser", nameof(weightDecay), weightDecay, "[0, ∞)");

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
        StepDriver.Run(op, p, g, state, WeightDecay);
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

    /// ", weight decay λ" when λ > 0, for ToString.
    private protected string ShowDecay() => WeightDecay > 0 ? $", weight decay {Show(WeightDecay)}" : "";

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

/// The optimisers' pass over their elements, on the element-wise loop (LaneLoop): slot k of element i lives at
/// state[k * n + i]. With λ > 0 the operator is given g + λp.
/// TensorPrimitives has no multi-output element-wise operation (each optimiser updates p and up to three state vectors
/// from the same g), so this fuses the whole update into one pass instead of 5–9 TensorPrimitives passes.
internal static class StepDriver
{
    public static void Run<TOp>(in TOp op, Span<float> p, ReadOnlySpan<float> g, Span<float> state, float weightDecay)
        where TOp : struct, IStepOperator
    {
        var kernel = new StepKernel<TOp>(op, p, g, state, weightDecay);
        LaneLoop.Run(ref kernel, p.Length);
    }

    /// Element i's update. The operator's Invoke must inline here (everything it calls is AggressiveInlining), or the
    /// state round-trips through memory: that cost 5× on a 57,600-element update.
    private ref struct StepKernel<TOp>(TOp op, Span<float> p, ReadOnlySpan<float> g, Span<float> state, float weightDecay) : ILaneKernel
        where TOp : struct, IStepOperator
    {
        private readonly bool _decays = weightDecay != 0;
        private readonly ref float _p = ref MemoryMarshal.GetReference(p), _g = ref MemoryMarshal.GetReference(g),
            // An operator without state (plain SGD under weight decay) never loads or stores a slot.
            _s0 = ref MemoryMarshal.GetReference(state),
            // Unused slots alias slot 0; their operators never touch them, and TOp.Slots is a JIT-time constant.
            _s1 = ref TOp.Slots > 1 ? ref MemoryMarshal.GetReference(state.Slice(p.Length)) : ref MemoryMarshal.GetReference(state),
            _s2 = ref TOp.Slots > 2 ? ref MemoryMarshal.GetReference(state.Slice(2 * p.Length)) : ref MemoryMarshal.GetReference(state);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Apply<T>(nuint i) where T : struct, ILanes<T>
        {
            var s0 = TOp.Slots > 0 ? T.Load(ref _s0, i) : default;
            var s1 = TOp.Slots > 1 ? T.Load(ref _s1, i) : default;
            var s2 = TOp.Slots > 2 ? T.Load(ref _s2, i) : default;
            var p = T.Load(ref _p, i);
            var g = T.Load(ref _g, i);
            // g + λp: λ > 0 is one predictable branch per vector; at λ = 0 g is used as it is, so the bits are those of no decay.
            if (_decays) g = g + weightDecay * p;
            var dp = op.Invoke(g, ref s0, ref s1, ref s2);
            (p + dp).Store(ref _p, i);
            if (TOp.Slots > 0) s0.Store(ref _s0, i);
            if (TOp.Slots > 1) s1.Store(ref _s1, i);
            if (TOp.Slots > 2) s2.Store(ref _s2, i);
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
