using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace TargetProp.Runtime;

/// <summary>Bias + activation and activation derivatives on row-major [rows × cols] spans.</summary>
public static class Activations
{
    /// <summary>h = σ(z + b) row by row, in place: z holds the pre-activations on entry and h on exit.
    /// Softmax is treated as linear here (the logits are the layer's value; see <see cref="Activation"/>).</summary>
    public static void BiasActivate(Activation activation, int rows, int cols, ReadOnlySpan<float> bias, Span<float> z)
    {
        ThrowHelper.ThrowIfMatrixTooShort(z.Length, rows, cols, nameof(z));
        ThrowHelper.ThrowIfLengthDiffers(bias.Length, cols, nameof(bias));
        var all = z[..(rows * cols)];
        for (int r = 0; r < rows; r++)
        {
            var row = all.Slice(r * cols, cols);
            TensorPrimitives.Add(row, bias, row);
        }
        Activate(activation, all, all);
    }

    /// <summary>destination = σ(x), element-wise (softmax: identity, as above).</summary>
    public static void Activate(Activation activation, ReadOnlySpan<float> x, Span<float> destination)
    {
        switch (activation)
        {
            case Activation.Tanh: TensorPrimitives.Tanh(x, destination); break;
            case Activation.Sigmoid: TensorPrimitives.Sigmoid(x, destination); break;
            case Activation.Relu: TensorPrimitives.Max(x, 0f, destination); break;
            default: if (!x.Overlaps(destination)) x.CopyTo(destination); break;
        }
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
