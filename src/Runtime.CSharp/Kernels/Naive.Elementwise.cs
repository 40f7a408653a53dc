namespace TargetProp.Runtime;

/// <summary>Naive twins of the element-wise kernels: plain loops in double precision, the oracles of the kernel tests.</summary>
public static partial class Naive
{
    private static double Derivative(Activation a, double h) => a switch
    {
        Activation.Tanh => 1 - h * h,
        Activation.Sigmoid => h * (1 - h),
        Activation.Relu => h > 0 ? 1 : 0,
        Activation.HardTanh => Math.Abs(h) < 1 ? 1 : 0,
        Activation.Linear or Activation.Softmax => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(a), a, $"no derivative for the activation {a}."),
    };

    private static double Activate(Activation a, double z) => a switch
    {
        Activation.Tanh => Math.Tanh(z),
        Activation.Sigmoid => 1 / (1 + Math.Exp(-z)),
        Activation.Relu => Math.Max(z, 0),
        Activation.HardTanh => Math.Clamp(z, -1, 1),
        Activation.Linear or Activation.Softmax => z,
        _ => throw new ArgumentOutOfRangeException(nameof(a), a, $"no body for the activation {a}."),
    };

    /// <summary>z[r, j] ← σ(k·(z[r, j] + b[j])), k the gain.</summary>
    public static void BiasActivate(Activation a, int rows, int cols, ReadOnlySpan<float> bias, Span<float> z, float gain = 1)
    {
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < cols; j++)
                z[r * cols + j] = (float)Activate(a, gain * ((double)z[r * cols + j] + bias[j]));
    }

    /// <summary>d = s·(h − t)·σ'(h).</summary>
    public static void ScaledDelta(Activation a, float scale, ReadOnlySpan<float> h, ReadOnlySpan<float> t, Span<float> d)
    {
        for (int i = 0; i < h.Length; i++) d[i] = (float)(scale * ((double)h[i] - t[i]) * Derivative(a, h[i]));
    }

    /// <summary>d = x·σ'(h).</summary>
    public static void MultiplyDerivative(Activation a, ReadOnlySpan<float> h, ReadOnlySpan<float> x, Span<float> d)
    {
        for (int i = 0; i < h.Length; i++) d[i] = (float)(x[i] * Derivative(a, h[i]));
    }

    /// <summary>d = e(r) from the definitions: sign(r) = ±1 at r &gt; 0, step(r) = [r &gt; ½], Bernoulli(r) = [U_i &lt; r] with
    /// U_i = Noise.UniformAt(seed, step, stream, offset + i).</summary>
    public static void Emit(Emission e, ReadOnlySpan<float> r, Span<float> d, ulong seed, long step, int stream, long offset)
    {
        for (int i = 0; i < r.Length; i++)
            d[i] = e switch
            {
                Emission.Sign => r[i] > 0 ? 1 : -1,
                Emission.Step => r[i] > 0.5 ? 1 : 0,
                Emission.Bernoulli => Noise.UniformAt(seed, step, stream, offset + i) < r[i] ? 1 : 0,
                _ => throw new ArgumentOutOfRangeException(nameof(e), e, $"no body for the emission {e}."),
            };
    }

    /// <summary>d = c0·x0 + c1·x1 + c2·x2.</summary>
    public static void Combine3(float c0, ReadOnlySpan<float> x0, float c1, ReadOnlySpan<float> x1, float c2, ReadOnlySpan<float> x2, Span<float> d)
    {
        for (int i = 0; i < x0.Length; i++) d[i] = (float)((double)c0 * x0[i] + (double)c1 * x1[i] + (double)c2 * x2[i]);
    }

    /// <summary>d[j] = Σ_r x[r, j].</summary>
    public static void ColumnSums(int rows, int cols, ReadOnlySpan<float> x, Span<float> d)
    {
        for (int j = 0; j < cols; j++)
        {
            double s = 0;
            for (int r = 0; r < rows; r++) s += x[r * cols + j];
            d[j] = (float)s;
        }
    }

    /// <summary>Σ_b −log softmax(a_b)[y_b] and (softmax(a) − onehot(y)) / rows, from the definition.</summary>
    public static double SoftmaxCrossEntropy(int rows, int cols, ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, Span<float> gradient)
    {
        double loss = 0;
        for (int r = 0; r < rows; r++)
        {
            double max = double.NegativeInfinity;
            for (int j = 0; j < cols; j++) max = Math.Max(max, logits[r * cols + j]);
            double sum = 0;
            for (int j = 0; j < cols; j++) sum += Math.Exp(logits[r * cols + j] - max);
            for (int j = 0; j < cols; j++)
            {
                double p = Math.Exp(logits[r * cols + j] - max) / sum;
                gradient[r * cols + j] = (float)((p - (j == labels[r] ? 1 : 0)) / rows);
            }
            loss += -(logits[r * cols + labels[r]] - max - Math.Log(sum));
        }
        return loss;
    }

    /// <summary>d = softmax of each row of x, in double.</summary>
    public static void SoftmaxRows(int rows, int cols, ReadOnlySpan<float> x, Span<float> d)
    {
        for (int r = 0; r < rows; r++)
        {
            double max = double.NegativeInfinity, sum = 0;
            for (int j = 0; j < cols; j++) max = Math.Max(max, x[r * cols + j]);
            for (int j = 0; j < cols; j++) sum += Math.Exp(x[r * cols + j] - max);
            for (int j = 0; j < cols; j++) d[r * cols + j] = (float)(Math.Exp(x[r * cols + j] - max) / sum);
        }
    }

    /// <summary>d = one-hot rows of the labels.</summary>
    public static void OneHot(int cols, ReadOnlySpan<int> labels, Span<float> d)
    {
        for (int r = 0; r < labels.Length; r++)
            for (int j = 0; j < cols; j++) d[r * cols + j] = j == labels[r] ? 1 : 0;
    }
}
