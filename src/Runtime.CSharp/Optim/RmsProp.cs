using System.Runtime.CompilerServices;
namespace TargetProp.Runtime.Optim;

/// RMSprop (Tieleman and Hinton 2012), ε outside the root as in PyTorch:
///     s ← ρs + (1−ρ)g²;  p ← p − lr·g/(√s + ε)
/// State slot: s.
public sealed class RmsProp(float learningRate, float decay = 0.9f, float epsilon = 1e-8f, float weightDecay = 0) : Optimiser(weightDecay)
{
    private const string Owner = "rmsProp";
    /// <summary>lr, the step size: finite and &gt; 0.</summary>
    public float LearningRate { get; } = CheckLearningRate(Owner, learningRate);
    /// <summary>ρ, the decay of the running average s of g²: in [0, 1).</summary>
    public float Decay { get; } = CheckFraction(Owner, decay);
    /// <summary>ε, added outside the root √s: finite and &gt; 0.</summary>
    public float Epsilon { get; } = CheckEpsilon(Owner, epsilon);

    /// <summary>1: s.</summary>
    public override int StateSlots => 1;

    /// <summary>One RMSprop update of p from g; state holds s, p.Length long (<paramref name="step"/> must be ≥ 1 but
    /// does not change the update).</summary>
    public override void Step(Span<float> p, ReadOnlySpan<float> g, Span<float> state, long step) =>
        Run(new Op(LearningRate, Decay, Epsilon), p, g, state, step);

    /// <summary>The rule and its settings as a printed plan shows them, e.g.
    /// "rmsProp 0.001 (decay 0.9, eps 1e-8)".</summary>
    public override string ToString() => $"{Owner} {Show(LearningRate)} (decay {Show(Decay)}, eps {Show(Epsilon)}{ShowDecay()})";

    private readonly struct Op(float lr, float rho, float eps) : IStepOperator
    {
        private readonly float _oneMinusRho = 1 - rho;
        public static int Slots => 1;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public T Invoke<T>(T g, ref T s, ref T unused1, ref T unused2) where T : struct, ILanes<T>
        {
            s = rho * s + _oneMinusRho * (g * g);
            return -(lr * g) / (T.Sqrt(s) + eps);
        }
    }
}
