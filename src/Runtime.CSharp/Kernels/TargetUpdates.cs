using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace TargetProp.Runtime;

/// <summary>Element-wise combinations that build targets from activations and feedback outputs.</summary>
public static class TargetUpdates
{
    /// <summary>destination = c0·x0 + c1·x1 + c2·x2 in one pass. With (1, 1, −1) over (h_{l-1}, g(ĥ_l), g(h_l)) this is
    /// the difference target ĥ_{l-1} = h_{l-1} + g_l(ĥ_l) − g_l(h_l) (Lee et al. 2015). TensorPrimitives would need two
    /// passes (MultiplyAdd twice). destination may alias any input exactly.</summary>
    public static void Combine3(float c0, ReadOnlySpan<float> x0, float c1, ReadOnlySpan<float> x1, float c2,
        ReadOnlySpan<float> x2, Span<float> destination)
    {
        int n = x0.Length;
        ThrowHelper.ThrowIfLengthDiffers(x1.Length, n, nameof(x1));
        ThrowHelper.ThrowIfLengthDiffers(x2.Length, n, nameof(x2));
        ThrowHelper.ThrowIfTooShort(destination.Length, n, nameof(destination));
        var v0 = MemoryMarshal.Cast<float, Vector<float>>(x0);
        var v1 = MemoryMarshal.Cast<float, Vector<float>>(x1);
        var v2 = MemoryMarshal.Cast<float, Vector<float>>(x2);
        var vd = MemoryMarshal.Cast<float, Vector<float>>(destination[..n]);
        var k0 = new Vector<float>(c0);
        var k1 = new Vector<float>(c1);
        var k2 = new Vector<float>(c2);
        for (int i = 0; i < v0.Length; i++)
            vd[i] = k0 * v0[i] + k1 * v1[i] + k2 * v2[i];
        for (int i = v0.Length * Vector<float>.Count; i < n; i++)
            destination[i] = c0 * x0[i] + c1 * x1[i] + c2 * x2[i];
    }

    /// <summary>destination = c·x (the first term of a longer combination).</summary>
    public static void Scale(float c, ReadOnlySpan<float> x, Span<float> destination) =>
        TensorPrimitives.Multiply(x, c, destination);

    /// <summary>destination = x + c·y: a gradient-step target ĥ = h − η·∂ℓ/∂h, and each further term of a combination.</summary>
    public static void AddScaled(ReadOnlySpan<float> x, float c, ReadOnlySpan<float> y, Span<float> destination) =>
        TensorPrimitives.MultiplyAdd(y, c, x, destination);

    /// <summary>destination[j] = Σ_r x[r, j] over a row-major [rows × cols] matrix: the bias gradient Σ_b δ_b; with
    /// accumulate, destination[j] += Σ_r x[r, j] (a loss with several terms in the same bias). Rows are added in order,
    /// so the result does not depend on threads.</summary>
    public static void ColumnSums(int rows, int cols, ReadOnlySpan<float> x, Span<float> destination, bool accumulate = false)
    {
        ThrowHelper.ThrowIfMatrixTooShort(x.Length, rows, cols, nameof(x));
        ThrowHelper.ThrowIfTooShort(destination.Length, cols, nameof(destination));
        var d = destination[..cols];
        if (!accumulate) d.Clear();
        for (int r = 0; r < rows; r++) TensorPrimitives.Add(d, x.Slice(r * cols, cols), d);
    }

    /// <summary>destination = one-hot rows of the labels: destination[r, j] = 1 if j = labels[r], else 0 (the label
    /// target ĥ_L = y).</summary>
    public static void OneHot(int cols, ReadOnlySpan<int> labels, Span<float> destination)
    {
        ThrowHelper.ThrowIfMatrixTooShort(destination.Length, labels.Length, cols, nameof(destination));
        destination[..(labels.Length * cols)].Clear();
        for (int r = 0; r < labels.Length; r++)
            if ((uint)labels[r] < (uint)cols) destination[r * cols + labels[r]] = 1;
    }
}
