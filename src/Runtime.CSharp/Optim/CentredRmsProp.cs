using System.Runtime.CompilerServices;
namespace TargetProp.Runtime.Optim;

/// Centred RMSprop with momentum, as Lee et al. 2015 train DTP (Graves 2013, eq. 38–41):
///     a ← ρa + (1−ρ)g;  s ← ρs + (1−ρ)g²;  v ← μv − lr·g/√(s − a² + ε);  p ← p + v     (ε inside the root)
/// State slots: a, s, v.
public sealed class CentredRmsProp(float learningRate, float decay = 0.95f, float momentum = 0.9f, float epsilon = 1e-3f, float weightDecay = 0) : Optimiser(weightDecay)
{
    private const string Owner = "centredRmsProp";
    public float LearningRate { get; } = CheckLearningRate(Owner, learningRate);
    public float Decay { get; } = CheckFraction(Owner, decay);
    public float Momentum { get; } = CheckFraction(Owner, momentum);
    public float Epsilon { get; } = CheckEpsilon(Owner, epsilon);

    public override int StateSlots => 3;

    public override void Step(Span<float> p, ReadOnlySpan<float> g, Span<float> state, long step) =>
        Run(new Op(LearningRate, Decay, Momentum, Epsilon), p, g, state, step);

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
