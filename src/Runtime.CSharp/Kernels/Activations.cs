using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace TargetProp.Runtime;

/// <summary>Bias + activation and activation derivatives on row-major [rows × cols] spans.</summary>
public static class Activations
{
    /// <summary>h = σ(z + b) row by row, in place: z holds the pre-activations on entry and h on exit.
    /// Softmax is treated as linear here (the logits are the layer's value; see <see cref="Activation"/>).
    /// One pass over z for tanh, relu and linear (sigmoid adds a TensorPrimitives pass).</summary>
    public static void BiasActivate(Activation activation, int rows, int cols, ReadOnlySpan<float> bias, Span<float> z)
    {
        ThrowHelper.ThrowIfMatrixTooShort(z.Length, rows, cols, nameof(z));
        ThrowHelper.ThrowIfLengthDiffers(bias.Length, cols, nameof(bias));
        switch (activation)
        {
            case Activation.Tanh: BiasActivate<TanhOp>(rows, cols, bias, z); break;
            case Activation.Relu: BiasActivate<ReluOp>(rows, cols, bias, z); break;
            case Activation.Sigmoid:
                BiasActivate<LinearOp>(rows, cols, bias, z);
                TensorPrimitives.Sigmoid(z[..(rows * cols)], z);
                break;
            default: BiasActivate<LinearOp>(rows, cols, bias, z); break;
        }
    }

    /// <summary>
    /// tanh x ≈ x·P(x²)/Q(x²), P of degree 5 and Q of degree 3 in x², fitted to tanh(x)/x on |x| ≤ 7.9053 by
    /// Lawson-weighted least squares (tools/fit_tanh.py); beyond that tanh rounds to ±1 in float32, so x is clamped
    /// there. Against float64 tanh: at most 4.7 ulp, about 0.5 ulp on average; 2.4× faster than TensorPrimitives.Tanh on
    /// 512-bit vectors. NaN stays NaN. The same bits at every vector width.
    /// </summary>
    internal static T Tanh<T>(T x) where T : struct, ILanes<T>
    {
        const float Clamp = 7.90531110763549805f;
        x = T.Min(T.Max(x, T.Of(-Clamp)), T.Of(Clamp));
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

    /// An activation applied lane by lane, for the fused bias + activation pass.
    private interface IActivationOp
    {
        static abstract T Apply<T>(T x) where T : struct, ILanes<T>;
    }

    private readonly struct TanhOp : IActivationOp
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Apply<T>(T x) where T : struct, ILanes<T> => Tanh(x);
    }

    private readonly struct ReluOp : IActivationOp
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Apply<T>(T x) where T : struct, ILanes<T> => T.Max(x, T.Of(0f));
    }

    private readonly struct LinearOp : IActivationOp
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Apply<T>(T x) where T : struct, ILanes<T> => x;
    }

    /// z_rj ← σ(z_rj + b_j): each row on the widest vectors, then a scalar tail.
    private static void BiasActivate<TAct>(int rows, int cols, ReadOnlySpan<float> bias, Span<float> z) where TAct : IActivationOp
    {
        ref float b = ref MemoryMarshal.GetReference(bias);
        for (int r = 0; r < rows; r++)
        {
            ref float row = ref Unsafe.Add(ref MemoryMarshal.GetReference(z), r * cols);
            int j = 0;
            if (Vector512.IsHardwareAccelerated) j = BiasActivate<TAct, Lanes16>(ref row, ref b, j, cols);
            else if (Vector256.IsHardwareAccelerated) j = BiasActivate<TAct, Lanes8>(ref row, ref b, j, cols);
            BiasActivate<TAct, Lane1>(ref row, ref b, j, cols);
        }
    }

    /// Elements from .. cols − 1 of one row, T.Count at a time while a whole T fits; returns where it stopped.
    private static int BiasActivate<TAct, T>(ref float row, ref float b, int from, int cols)
        where TAct : IActivationOp where T : struct, ILanes<T>
    {
        int j = from;
        for (; j <= cols - T.Count; j += T.Count)
            TAct.Apply(T.Load(ref row, (nuint)j) + T.Load(ref b, (nuint)j)).Store(ref row, (nuint)j);
        return j;
    }

    /// <summary>σ'(a) written through the output h = σ(a): tanh 1 − h², sigmoid h(1 − h), relu [h &gt; 0], linear 1.</summary>
    public static float Derivative(Activation activation, float h) => activation switch
    {
        Activation.Tanh => 1f - h * h,
        Activation.Sigmoid => h * (1f - h),
        Activation.Relu => h > 0f ? 1f : 0f,
        _ => 1f,
    };

    /// <summary>Vector form of <see cref="Derivative(Activation, float)"/>.</summary>
    internal static Vector<float> Derivative(Activation activation, Vector<float> h) => activation switch
    {
        Activation.Tanh => Vector<float>.One - h * h,
        Activation.Sigmoid => h * (Vector<float>.One - h),
        Activation.Relu => Vector.ConditionalSelect(Vector.GreaterThan(h, Vector<float>.Zero), Vector<float>.One, Vector<float>.Zero),
        _ => Vector<float>.One,
    };

    /// <summary>destination = scale · (h − t) ⊙ σ'(h): the gradient of scale/2·‖h − t‖² with respect to the pre-activation.
    /// One pass over memory; TensorPrimitives has no fused form of this. destination may alias h or t exactly.</summary>
    public static void ScaledDelta(Activation activation, float scale, ReadOnlySpan<float> h, ReadOnlySpan<float> t, Span<float> destination)
    {
        ThrowHelper.ThrowIfLengthDiffers(t.Length, h.Length, nameof(t));
        ThrowHelper.ThrowIfTooShort(destination.Length, h.Length, nameof(destination));
        var vh = MemoryMarshal.Cast<float, Vector<float>>(h);
        var vt = MemoryMarshal.Cast<float, Vector<float>>(t);
        var vd = MemoryMarshal.Cast<float, Vector<float>>(destination[..h.Length]);
        var s = new Vector<float>(scale);
        for (int i = 0; i < vh.Length; i++)
            vd[i] = s * (vh[i] - vt[i]) * Derivative(activation, vh[i]);
        for (int i = vh.Length * Vector<float>.Count; i < h.Length; i++)
            destination[i] = scale * (h[i] - t[i]) * Derivative(activation, h[i]);
    }

    /// <summary>destination = x ⊙ σ'(h): a gradient with respect to h carried to the pre-activation.</summary>
    public static void MultiplyDerivative(Activation activation, ReadOnlySpan<float> h, ReadOnlySpan<float> x, Span<float> destination)
    {
        ThrowHelper.ThrowIfLengthDiffers(x.Length, h.Length, nameof(x));
        ThrowHelper.ThrowIfTooShort(destination.Length, h.Length, nameof(destination));
        var vh = MemoryMarshal.Cast<float, Vector<float>>(h);
        var vx = MemoryMarshal.Cast<float, Vector<float>>(x);
        var vd = MemoryMarshal.Cast<float, Vector<float>>(destination[..h.Length]);
        for (int i = 0; i < vh.Length; i++)
            vd[i] = vx[i] * Derivative(activation, vh[i]);
        for (int i = vh.Length * Vector<float>.Count; i < h.Length; i++)
            destination[i] = x[i] * Derivative(activation, h[i]);
    }

    /// <summary>Each row of a row-major [rows × cols] matrix through softmax: y_j = exp(x_j − max x) / Σ_k exp(x_k − max x)
    /// (the output layer's probabilities p = softmax(a_L), for targets set in probability space).</summary>
    public static void SoftmaxRows(int rows, int cols, ReadOnlySpan<float> x, Span<float> destination)
    {
        ThrowHelper.ThrowIfMatrixTooShort(x.Length, rows, cols, nameof(x));
        ThrowHelper.ThrowIfMatrixTooShort(destination.Length, rows, cols, nameof(destination));
        for (int r = 0; r < rows; r++) TensorPrimitives.SoftMax(x.Slice(r * cols, cols), destination.Slice(r * cols, cols));
    }
}
