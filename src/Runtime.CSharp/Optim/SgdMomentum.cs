using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace TargetProp.Runtime.Optim;

/// Stochastic gradient descent with (heavy-ball) momentum:
///     v ← μv − lr·g;  p ← p + v
/// State slot: v; with momentum 0 (plain SGD, p ← p − lr·g) there is no state, and without weight decay the step is one
/// TensorPrimitives.MultiplyAdd.
public sealed class SgdMomentum(float learningRate, float momentum = 0.9f, float weightDecay = 0) : Optimiser(weightDecay)
{
    private const string Owner = "sgdMomentum";
    /// <summary>lr, the step size: finite and &gt; 0.</summary>
    public float LearningRate { get; } = CheckLearningRate(Owner, learningRate);
    /// <summary>μ, the decay of the velocity v: in [0, 1); 0 is plain SGD.</summary>
    public float Momentum { get; } = CheckFraction(Owner, momentum);

    /// <summary>1 (v), or 0 with momentum 0.</summary>
    public override int StateSlots => Momentum == 0 ? 0 : 1;

    /// <summary>One update of p from g: v ← μv − lr·g, p ← p + v with state holding v, or p ← p − lr·g with momentum 0
    /// and an empty state (<paramref name="step"/> must be ≥ 1 but does not change the update).</summary>
    public override void Step(Span<float> p, ReadOnlySpan<float> g, Span<float> state, long step)
    {
        CheckStep(p, g, state, step);
        if (Momentum == 0 && WeightDecay == 0)
            TensorPrimitives.MultiplyAdd(g, -LearningRate, p, p);   // p ← g·(−lr) + p
        else if (Momentum == 0)
            StepDriver.Run(new PlainOp(LearningRate), p, g, state, WeightDecay);   // checked above
        else
            StepDriver.Run(new Op(LearningRate, Momentum), p, g, state, WeightDecay);
    }

    /// <summary>The rule and its settings as a printed plan shows them, e.g.
    /// "sgdMomentum 0.1 (momentum 0.9)".</summary>
    public override string ToString() => $"{Owner} {Show(LearningRate)} (momentum {Show(Momentum)}{ShowDecay()})";

    /// p ← p − lr·g, without state.
    private readonly struct PlainOp(float lr) : IStepOperator
    {
        public static int Slots => 0;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public T Invoke<T>(T g, ref T unused0, ref T unused1, ref T unused2) where T : struct, ILanes<T> => -(lr * g);
    }

    private readonly struct Op(float lr, float mu) : IStepOperator
    {
        public static int Slots => 1;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public T Invoke<T>(T g, ref T v, ref T unused1, ref T unused2) where T : struct, ILanes<T> => v = mu * v - lr * g;
    }
}
