using System.Runtime.CompilerServices;
namespace TargetProp.Runtime.Optim;

/// RMSprop (Tieleman and Hinton 2012), ε outside the root as in PyTorch:
///     s ← ρs + (1−ρ)g²;  p ← p − lr·g/(√s + ε)
/// State slot: s.
public sealed class RmsProp(float learningRate, float decay = 0.9f, float epsilon = 1e-8f, float weightDecay = 0) : Optimiser(weightDecay)
{
    private const string Owner = "rmsProp";
    public float LearningRate { get; } = CheckLearningRate(Owner, learningRate);
    public float Decay { get; } = CheckFraction(Owner, decay);
    public float Epsilon { get; } = CheckEpsilon(Owner, epsilon);

    public override int StateSlots => 1;

    public override void Step(Span<float> p, ReadOnlySpan<float> g, Span<float> state, long step) =>
        Run(new Op(LearningRate, Decay, Epsilon), p, g, state, step);

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
