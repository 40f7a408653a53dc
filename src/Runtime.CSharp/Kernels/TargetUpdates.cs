using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
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
        using var profiled = Profile.Time(ProfileKind.Target);
        int n = x0.Length;
        ThrowHelper.ThrowIfLengthDiffers(x1.Length, n, nameof(x1));
        ThrowHelper.ThrowIfLengthDiffers(x2.Length, n, nameof(x2));
        ThrowHelper.ThrowIfTooShort(destination.Length, n, nameof(destination));
        var kernel = new Combine3Kernel(c0, x0, c1, x1, c2, x2, destination);
        LaneLoop.Run(ref kernel, n);
    }

    private ref struct Combine3Kernel(float c0, ReadOnlySpan<float> x0, float c1, ReadOnlySpan<float> x1, float c2,
        ReadOnlySpan<float> x2, Span<float> d) : ILaneKernel
    {
        private readonly ref float _x0 = ref MemoryMarshal.GetReference(x0), _x1 = ref MemoryMarshal.GetReference(x1),
            _x2 = ref MemoryMarshal.GetReference(x2), _d = ref MemoryMarshal.GetReference(d);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Apply<T>(nuint i) where T : struct, ILanes<T> =>
            (c0 * T.Load(ref _x0, i) + c1 * T.Load(ref _x1, i) + c2 * T.Load(ref _x2, i)).Store(ref _d, i);
    }

    /// <summary>destination = c·x (the first term of a longer combination).</summary>
    public static void Scale(float c, ReadOnlySpan<float> x, Span<float> destination)
    {
        using var profiled = Profile.Time(ProfileKind.Target);
        TensorPrimitives.Multiply(x, c, destination);
    }

    /// <summary>destination = x + c·y: a gradient-step target ĥ = h − η·∂ℓ/∂h, and each further term of a combination.</summary>
    public static void AddScaled(ReadOnlySpan<float> x, float c, ReadOnlySpan<float> y, Span<float> destination)
    {
        using var profiled = Profile.Time(ProfileKind.Target);
        TensorPrimitives.MultiplyAdd(y, c, x, destination);
    }

    /// <summary>destination[j] = Σ_r x[r, j] over a row-major [rows × cols] matrix: the bias gradient Σ_b δ_b; with
    /// accumulate, destination[j] += Σ_r x[r, j] (a loss with several terms in the same bias). Rows are added in order,
    /// so the result does not depend on threads.</summary>
    public static void ColumnSums(int rows, int cols, ReadOnlySpan<float> x, Span<float> destination, bool accumulate = false)
    {
        using var profiled = Profile.Time(ProfileKind.Target);
        ThrowHelper.ThrowIfMatrixTooShort(x.Length, rows, cols, nameof(x));
        ThrowHelper.ThrowIfTooShort(destination.Length, cols, nameof(destination));
        var kernel = new ColumnSumsKernel(rows, cols, x, destination, accumulate);
        LaneLoop.Run(ref kernel, cols);
    }

    /// Columns j .. j + T.Count − 1, each sum in a register while the rows are added in order.
    private ref struct ColumnSumsKernel(int rows, int cols, ReadOnlySpan<float> x, Span<float> d, bool accumulate) : ILaneKernel
    {
        private readonly ref float _x = ref MemoryMarshal.GetReference(x), _d = ref MemoryMarshal.GetReference(d);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Apply<T>(nuint j) where T : struct, ILanes<T>
        {
            var sum = accumulate ? T.Load(ref _d, j) : T.Of(0f);
            for (int r = 0; r < rows; r++) sum = sum + T.Load(ref _x, (nuint)(r * cols) + j);
            sum.Store(ref _d, j);
        }
    }

    /// <summary>destination = one-hot rows of the labels: destination[r, j] = 1 if j = labels[r], else 0 (the label
    /// target ĥ_L = y).</summary>
    public static void OneHot(int cols, ReadOnlySpan<int> labels, Span<float> destination)
    {
        using var profiled = Profile.Time(ProfileKind.Target);
        ThrowHelper.ThrowIfMatrixTooShort(destination.Length, labels.Length, cols, nameof(destination));
        destination[..(labels.Length * cols)].Clear();
        for (int r = 0; r < labels.Length; r++)
            if ((uint)labels[r] < (uint)cols) destination[r * cols + labels[r]] = 1;
    }
}
