using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace TargetProp.Runtime;

/// <summary>Bias + activation and activation derivatives on row-major [rows × cols] spans.</summary>
public static class Activations
{
    /// <summary>h = σ(k·(z + b)) row by row, in place: z holds the pre-activations on entry and h on exit; the gain k
    /// makes a steep (k &gt; 1) or flat unit, tanh(4a), and is 1 for the plain one (then k·x is x, bit for bit).
    /// Softmax is treated as linear here (the logits are the layer's value; see <see cref="Activation"/>).
    /// One pass over z for tanh, relu and linear (sigmoid adds a TensorPrimitives pass). The derivative of a unit with
    /// a gain is k·σ'(k·a): the derivative kernels take k in their scale.</summary>
    public static void BiasActivate(Activation activation, int rows, int cols, ReadOnlySpan<float> bias, Span<float> z, float gain = 1)
    {
        using var profiled = Profile.Time(ProfileKind.Activation);
        ThrowHelper.ThrowIfMatrixTooShort(z.Length, rows, cols, nameof(z));
        ThrowHelper.ThrowIfLengthDiffers(bias.Length, cols, nameof(bias));
        switch (activation)
        {
            case Activation.Tanh: BiasActivate<TanhOp>(rows, cols, bias, z, gain); break;
            case Activation.Relu: BiasActivate<ReluOp>(rows, cols, bias, z, gain); break;
            case Activation.HardTanh: BiasActivate<HardTanhOp>(rows, cols, bias, z, gain); break;
            case Activation.Sigmoid:
                BiasActivate<LinearOp>(rows, cols, bias, z, gain);
                TensorPrimitives.Sigmoid(z[..(rows * cols)], z);
                break;
            case Activation.Linear or Activation.Softmax: BiasActivate<LinearOp>(rows, cols, bias, z, gain); break;
            default: ThrowHelper.UnknownActivation(activation, nameof(BiasActivate)); break;
        }
    }

    /// <summary>
    /// tanh x ≈ x·P(x²)/Q(x²), P of degree 5 and Q of degree 3 in x², fitted to tanh(x)/x on |x| ≤ 7.9053 by
    /// Lawson-weighted least squares (tools/fit_tanh.py); beyond that tanh rounds to ±1 in float32, so x is clamped
    /// there. Against float64 tanh: at most 4.7 ulp, about 0.5 ulp on average; 2.4× faster than TensorPrimitives.Tanh on
    /// 512-bit vectors. NaN stays NaN. The same bits at every vector width.
    /// Inlined into its loops: called, it passed each vector through the stack and ran at a third of the speed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static T Tanh<T>(T x) where T : struct, ILanes<T>
    {
        const float Clamp = 7.90531110763549805f;
        x = T.Clamp(x, -Clamp, Clamp);
        var t = x * x;
        var p = T.FusedMultiplyAdd(T.Of(2.407721244601646e-11f), t, T.Of(-1.4897040045980248e-08f));
        p = T.FusedMultiplyAdd(p, t, T.Of(9.936497008311562e-06f));
        p = T.FusedMultiplyAdd(p, t, T.Of(0.00299182441085577f));
        p = T.FusedMultiplyAdd(p, t, T.Of(0.12984661757946014f));
        p = T.FusedMultiplyAdd(p, t, T.Of(1f));
        var q = T.FusedMultiplyAdd(T.Of(0.00023804792726878077f), t, T.Of(0.02405199594795704f));
        q = T.FusedMultiplyAdd(q, t, T.Of(0.4631797969341278f));
        q = T.FusedMultiplyAdd(q, t, T.Of(1f));
        return x * p / q;
    }

    /// σ'(a) written through the output h = σ(a), lane by lane.
    private interface IDerivativeOp
    {
        static abstract T Derivative<T>(T h) where T : struct, ILanes<T>;
    }

    /// An activation applied lane by lane (the fused bias + activation pass), with its derivative.
    private interface IActivationOp : IDerivativeOp
    {
        static abstract T Apply<T>(T x) where T : struct, ILanes<T>;
    }

    /// tanh' = 1 − h².
    private readonly struct TanhOp : IActivationOp
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Apply<T>(T x) where T : struct, ILanes<T> => Tanh(x);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Derivative<T>(T h) where T : struct, ILanes<T> => T.Of(1f) - h * h;
    }

    /// relu' = [h &gt; 0]. relu keeps the IEEE maximum, not <see cref="ILanes{TSelf}.Clamp"/>: x86's maxps gives −0 for
    /// max(0, −0) where ARM's fmax gives +0, and the bits must be the same on every machine.
    private readonly struct ReluOp : IActivationOp
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Apply<T>(T x) where T : struct, ILanes<T> => T.Max(x, T.Of(0f));
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Derivative<T>(T h) where T : struct, ILanes<T> => T.Positive(h);
    }

    /// hardTanh(a) = min(max(a, −1), 1); hardTanh' = [|h| &lt; 1] (0 at the kinks ±1, like relu's at 0).
    private readonly struct HardTanhOp : IActivationOp
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Apply<T>(T x) where T : struct, ILanes<T> => T.Clamp(x, -1f, 1f);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Derivative<T>(T h) where T : struct, ILanes<T> => T.Positive(T.Of(1f) - h * h);
    }

    /// linear' = 1.
    private readonly struct LinearOp : IActivationOp
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Apply<T>(T x) where T : struct, ILanes<T> => x;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Derivative<T>(T h) where T : struct, ILanes<T> => T.Of(1f);
    }

    /// sigmoid' = h(1 − h) (sigmoid itself is TensorPrimitives.Sigmoid).
    private readonly struct SigmoidDerivative : IDerivativeOp
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Derivative<T>(T h) where T : struct, ILanes<T> => h * (T.Of(1f) - h);
    }

    /// z_rj ← σ(k·(z_rj + b_j)), row by row.
    private static void BiasActivate<TAct>(int rows, int cols, ReadOnlySpan<float> bias, Span<float> z, float gain) where TAct : IActivationOp
    {
        for (int r = 0; r < rows; r++)
        {
            var kernel = new BiasActivateKernel<TAct>(bias, z.Slice(r * cols, cols), gain);
            LaneLoop.Run(ref kernel, cols);
        }
    }

    private ref struct BiasActivateKernel<TAct>(ReadOnlySpan<float> b, Span<float> row, float gain) : ILaneKernel where TAct : IActivationOp
    {
        private readonly ref float _b = ref MemoryMarshal.GetReference(b), _row = ref MemoryMarshal.GetReference(row);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Apply<T>(nuint j) where T : struct, ILanes<T> => TAct.Apply(T.Of(gain) * (T.Load(ref _row, j) + T.Load(ref _b, j))).Store(ref _row, j);
    }

    /// <summary>destination = scale · (h − t) ⊙ σ'(h): the gradient of scale/2·‖h − t‖² with respect to the pre-activation.
    /// One pass over memory; TensorPrimitives has no fused form of this. destination may alias h or t exactly.</summary>
    public static void ScaledDelta(Activation activation, float scale, ReadOnlySpan<float> h, ReadOnlySpan<float> t, Span<float> destination)
    {
        using var profiled = Profile.Time(ProfileKind.Activation);
        ThrowHelper.ThrowIfLengthDiffers(t.Length, h.Length, nameof(t));
        ThrowHelper.ThrowIfTooShort(destination.Length, h.Length, nameof(destination));
        switch (activation)
        {
            case Activation.Tanh: ScaledDelta<TanhOp>(scale, h, t, destination); break;
            case Activation.Sigmoid: ScaledDelta<SigmoidDerivative>(scale, h, t, destination); break;
            case Activation.HardTanh: ScaledDelta<HardTanhOp>(scale, h, t, destination); break;
            case Activation.Relu: ScaledDelta<ReluOp>(scale, h, t, destination); break;
            case Activation.Linear or Activation.Softmax: ScaledDelta<LinearOp>(scale, h, t, destination); break;
            default: ThrowHelper.UnknownActivation(activation, nameof(ScaledDelta)); break;
        }
    }

    private static void ScaledDelta<TD>(float scale, ReadOnlySpan<float> h, ReadOnlySpan<float> t, Span<float> destination)
        where TD : IDerivativeOp
    {
        var kernel = new ScaledDeltaKernel<TD>(scale, h, t, destination);
        LaneLoop.Run(ref kernel, h.Length);
    }

    private ref struct ScaledDeltaKernel<TD>(float scale, ReadOnlySpan<float> h, ReadOnlySpan<float> t, Span<float> d) : ILaneKernel
        where TD : IDerivativeOp
    {
        private readonly ref float _h = ref MemoryMarshal.GetReference(h), _t = ref MemoryMarshal.GetReference(t), _d = ref MemoryMarshal.GetReference(d);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Apply<T>(nuint i) where T : struct, ILanes<T>
        {
            var hi = T.Load(ref _h, i);
            (scale * (hi - T.Load(ref _t, i)) * TD.Derivative(hi)).Store(ref _d, i);
        }
    }

    /// <summary>destination = (x ⊙ σ'(h))·scale: a gradient with respect to h carried to the pre-activation (and scaled
    /// by a loss's batch reduction), in one pass.</summary>
    public static void MultiplyDerivative(Activation activation, ReadOnlySpan<float> h, ReadOnlySpan<float> x, Span<float> destination,
        float scale = 1)
    {
        using var profiled = Profile.Time(ProfileKind.Activation);
        ThrowHelper.ThrowIfLengthDiffers(x.Length, h.Length, nameof(x));
        ThrowHelper.ThrowIfTooShort(destination.Length, h.Length, nameof(destination));
        switch (activation)
        {
            case Activation.Tanh: MultiplyDerivative<TanhOp>(h, x, destination, scale); break;
            case Activation.Sigmoid: MultiplyDerivative<SigmoidDerivative>(h, x, destination, scale); break;
            case Activation.HardTanh: MultiplyDerivative<HardTanhOp>(h, x, destination, scale); break;
            case Activation.Relu: MultiplyDerivative<ReluOp>(h, x, destination, scale); break;
            case Activation.Linear or Activation.Softmax: MultiplyDerivative<LinearOp>(h, x, destination, scale); break;
            default: ThrowHelper.UnknownActivation(activation, nameof(MultiplyDerivative)); break;
        }
    }

    private static void MultiplyDerivative<TD>(ReadOnlySpan<float> h, ReadOnlySpan<float> x, Span<float> destination, float scale)
        where TD : IDerivativeOp
    {
        var kernel = new MultiplyDerivativeKernel<TD>(h, x, destination, scale);
        LaneLoop.Run(ref kernel, h.Length);
    }

    private ref struct MultiplyDerivativeKernel<TD>(ReadOnlySpan<float> h, ReadOnlySpan<float> x, Span<float> d, float scale) : ILaneKernel
        where TD : IDerivativeOp
    {
        private readonly ref float _h = ref MemoryMarshal.GetReference(h), _x = ref MemoryMarshal.GetReference(x), _d = ref MemoryMarshal.GetReference(d);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Apply<T>(nuint i) where T : struct, ILanes<T> => (T.Load(ref _x, i) * TD.Derivative(T.Load(ref _h, i)) * scale).Store(ref _d, i);
    }

    /// <summary>Each row of a row-major [rows × cols] matrix through softmax: y_j = exp(x_j − max x) / Σ_k exp(x_k − max x)
    /// (the output layer's probabilities p = softmax(a_L), for targets set in probability space).</summary>
    public static void SoftmaxRows(int rows, int cols, ReadOnlySpan<float> x, Span<float> destination)
    {
        using var profiled = Profile.Time(ProfileKind.Activation);
        ThrowHelper.ThrowIfMatrixTooShort(x.Length, rows, cols, nameof(x));
        ThrowHelper.ThrowIfMatrixTooShort(destination.Length, rows, cols, nameof(destination));
        for (int r = 0; r < rows; r++) SoftmaxRow(x.Slice(r * cols, cols), destination.Slice(r * cols, cols), out _);
    }

    /// <summary>p = softmax(a) for one row: p_j = e^{a_j − max} / Σ_k e^{a_k − max}, the exponentials and their sum in
    /// float64, summed in order, so the bits do not depend on the vector width (TensorPrimitives.SoftMax sums in vector
    /// lanes: its bits changed between the 256- and 128-bit paths). Returns the sum, and max = max_j a_j.</summary>
    internal static double SoftmaxRow(ReadOnlySpan<float> a, Span<float> p, out float max)
    {
        max = TensorPrimitives.Max(a);
        double sum = 0;
        for (int j = 0; j < a.Length; j++)
        {
            double e = Math.Exp(a[j] - max);
            sum += e;
            p[j] = (float)e;
        }
        for (int j = 0; j < a.Length; j++) p[j] = (float)(p[j] / sum);
        return sum;
    }
}
