using System.Runtime.CompilerServices;
namespace TargetProp.Runtime.Optim;

/// Centred RMSprop with momentum, as Lee et al. 2015 train DTP (Graves 2013, eq. 38–41):
///     a ← ρa + (1−ρ)g;  s ← ρs + (1−ρ)g²;  v ← μv − lr·g/√(s − a² + ε);  p ← p + v     (ε inside the root)
/// State slots: a, s, v.
public sealed class CentredRmsProp(float learningRate, float decay = 0.95f, float momentum = 0.9f, float epsilon = 1e-3f, float weightDecay = 0) : Optimiser(weightDecay)
{
    private const string Owner = "centredRmsProp";
    /// <summary>lr, the step size: finite and &gt; 0.</summary>
    public float LearningRate { get; } = CheckLearningRate(Owner, learningRate);
    /// <summary>ρ, the decay of the running averages a of g and s of g²: in [0, 1).</summary>
    public float Decay { get; } = CheckFraction(Owner, decay);
    /// <summary>μ, the decay of the velocity v: in [0, 1).</summary>
    public float Momentum { get; } = CheckFraction(Owner, momentum);
    /// <summary>ε, added inside the root √(s − a² + ε): finite and &gt; 0.</summary>
    public float Epsilon { get; } = CheckEpsilon(Owner, epsilon);

    /// <summary>3: a, s, then v.</summary>
    public override int StateSlots => 3;

    /// <summary>One centred RMSprop update of p from g; state holds a, s then v, each p.Length long
    /// (<paramref name="step"/> must be ≥ 1 but does not change the update).</summary>
    public override void Step(Span<float> p, ReadOnlySpan<float> g, Span<float> state, long step) =>
        Run(new Op(LearningRate, Decay, Momentum, Epsilon), p, g, state, step);

    /// <summary>The rule and its settings as a printed plan shows them, e.g.
    /// "centredRmsProp 0.001 (decay 0.95, momentum 0.9, eps 0.001)".</summary>
    public override string ToString() =>
        $"{Owner} {Show(LearningRate)} (decay {Show(Decay)}, momentum {Show(Momentum)}, eps {Show(Epsilon)}{ShowDecay()})";

    private readonly struct Op(float lr, float rho, float mu, float eps) : IStepOperator
    {
        private readonly float _oneMinusRho = 1 - rho;
        public static int Slots => 3;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public T Invoke<T>(T g, ref T a, ref T s, ref T v) where T : struct, ILanes<T>
        {
            a = rho * a + _oneMinusRho * g;
            s = rho * s + _oneMinusRho * (g * g);
            v = mu * v - lr * g / T.Sqrt(s - a * a + eps);
            return v;
        }
    }
}
