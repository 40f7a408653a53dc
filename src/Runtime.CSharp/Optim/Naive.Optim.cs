namespace TargetProp.Runtime;

/// Naive twins of the optimiser kernels (TargetProp.Runtime.Optim): one scalar loop each, in double precision, with the
/// same state layout (slot k of element i at state[k·n + i]). They are the test oracles, not fast paths.
public static partial class Naive
{
    /// a ← ρa + (1−ρ)g;  s ← ρs + (1−ρ)g²;  v ← μv − lr·g/√(s − a² + ε);  p ← p + v
    public static void CentredRmsPropStep(double learningRate, double decay, double momentum, double epsilon,
        Span<double> p, ReadOnlySpan<double> g, Span<double> state)
    {
        int n = p.Length;
        for (int i = 0; i < n; i++)
        {
            ref double a = ref state[i];
            ref double s = ref state[n + i];
            ref double v = ref state[2 * n + i];
            a = decay * a + (1 - decay) * g[i];
            s = decay * s + (1 - decay) * g[i] * g[i];
            v = momentum * v - learningRate * g[i] / Math.Sqrt(s - a * a + epsilon);
            p[i] += v;
        }
    }

    /// s ← ρs + (1−ρ)g²;  p ← p − lr·g/(√s + ε)
    public static void RmsPropStep(double learningRate, double decay, double epsilon,
        Span<double> p, ReadOnlySpan<double> g, Span<double> state)
    {
        for (int i = 0; i < p.Length; i++)
        {
            state[i] = decay * state[i] + (1 - decay) * g[i] * g[i];
            p[i] -= learningRate * g[i] / (Math.Sqrt(state[i]) + epsilon);
        }
    }

    /// m ← β₁m + (1−β₁)g;  u ← β₂u + (1−β₂)g²;  p ← p − lr·(m/(1−β₁ᵗ)) / (√(u/(1−β₂ᵗ)) + ε),  t = step ≥ 1
    public static void AdamStep(double learningRate, double beta1, double beta2, double epsilon,
        Span<double> p, ReadOnlySpan<double> g, Span<double> state, long step)
    {
        int n = p.Length;
        for (int i = 0; i < n; i++)
        {
            ref double m = ref state[i];
            ref double u = ref state[n + i];
            m = beta1 * m + (1 - beta1) * g[i];
            u = beta2 * u + (1 - beta2) * g[i] * g[i];
            double mHat = m / (1 - Math.Pow(beta1, step));
            double uHat = u / (1 - Math.Pow(beta2, step));
            p[i] -= learningRate * mHat / (Math.Sqrt(uHat) + epsilon);
        }
    }

    /// v ← μv − lr·g;  p ← p + v   (state holds v; with momentum 0 it may be empty)
    public static void SgdMomentumStep(double learningRate, double momentum, Span<double> p, ReadOnlySpan<double> g, Span<double> state)
    {
        for (int i = 0; i < p.Length; i++)
        {
            double v = (state.IsEmpty ? 0 : momentum * state[i]) - learningRate * g[i];
            if (!state.IsEmpty)
                state[i] = v;
            p[i] += v;
        }
    }
}
