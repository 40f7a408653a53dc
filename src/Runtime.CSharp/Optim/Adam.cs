using System.Runtime.CompilerServices;
namespace TargetProp.Runtime.Optim;

/// Adam (Kingma and Ba 2015, Algorithm 1), with bias correction at step t (from 1):
///     m ← β₁m + (1−β₁)g;  u ← β₂u + (1−β₂)g²;  p ← p − lr·(m/(1−β₁ᵗ)) / (√(u/(1−β₂ᵗ)) + ε)
/// State slots: m, u.
public sealed class Adam(float learningRate, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float weightDecay = 0) : Optimiser(weightDecay)
{
    private const string Owner = "adam";
    /// <summary>lr, the step size: finite and &gt; 0.</summary>
    public float LearningRate { get; } = CheckLearningRate(Owner, learningRate);
    /// <summary>β₁, the decay of the first-moment estimate m: in [0, 1).</summary>
    public float Beta1 { get; } = CheckFraction(Owner, beta1);
    /// <summary>β₂, the decay of the second-moment estimate u: in [0, 1).</summary>
    public float Beta2 { get; } = CheckFraction(Owner, beta2);
    /// <summary>ε, added to the root of the corrected u: finite and &gt; 0.</summary>
    public float Epsilon { get; } = CheckEpsilon(Owner, epsilon);

    /// <summary>2: m, then u.</summary>
    public override int StateSlots => 2;

    /// <summary>One Adam update of p from g, bias-corrected for t = <paramref name="step"/> (from 1); state holds m
    /// then u, each p.Length long.</summary>
    public override void Step(Span<float> p, ReadOnlySpan<float> g, Span<float> state, long step) =>
        Run(new Op(LearningRate, Beta1, Beta2, Epsilon, step), p, g, state, step);

    /// <summary>The rule and its settings as a printed plan shows them, e.g.
    /// "adam 0.001 (beta1 0.9, beta2 0.999, eps 1e-8)".</summary>
    public override string ToString() =>
        $"{Owner} {Show(LearningRate)} (beta1 {Show(Beta1)}, beta2 {Show(Beta2)}, eps {Show(Epsilon)}{ShowDecay()})";

    private readonly struct Op(float lr, float b1, float b2, float eps, long t) : IStepOperator
    {
        private readonly float _oneMinusB1 = 1 - b1, _oneMinusB2 = 1 - b2;
        // The bias corrections 1/(1−βᵗ), once per step in double (βᵗ underflows gracefully to 0 for large t; t ≥ 1 is checked
        // before any element is touched, and t < 1 only makes these infinite, never throws).
        private readonly float _c1 = (float)(1 / (1 - Math.Pow(b1, t))), _c2 = (float)(1 / (1 - Math.Pow(b2, t)));
        public static int Slots => 2;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public T Invoke<T>(T g, ref T m, ref T u, ref T unused) where T : struct, ILanes<T>
        {
            m = b1 * m + _oneMinusB1 * g;
            u = b2 * u + _oneMinusB2 * (g * g);
            return -(lr * (m * _c1)) / (T.Sqrt(u * _c2) + eps);
        }
    }
}
