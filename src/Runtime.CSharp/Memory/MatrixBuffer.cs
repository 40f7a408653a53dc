namespace TargetProp.Runtime;

/// <summary>A named float32 matrix of the plan, row-major and contiguous, allocated once (pinned, so kernels may hand
/// raw pointers to worker threads). Activation buffers are sized for the plan's largest batch; a step uses their first
/// <c>rows</c> rows.</summary>
public sealed class MatrixBuffer
{
    /// <summary>A zeroed, pinned [rows × cols] buffer called <paramref name="name"/> (rows, cols ≥ 1).</summary>
    public MatrixBuffer(string name, int rows, int cols)
    {
        if (rows <= 0 || cols <= 0)
            throw new ArgumentOutOfRangeException(nameof(rows), $"buffer {name}: shape {rows}×{cols} must be positive.");
        Name = name;
        Rows = rows;
        Cols = cols;
        Data = GC.AllocateArray<float>(rows * cols, pinned: true);
    }

    /// <summary>What the printed plan calls it: h2, W3ᵀ, b1, ∂W3ᵀ...</summary>
    public string Name { get; }
    /// <summary>B for a layer's values [B × units], in for transposed weights Wᵀ [in × out], 1 for a bias.</summary>
    public int Rows { get; }
    /// <summary>Columns: a layer's units, or the output width of the weights or bias.</summary>
    public int Cols { get; }
    /// <summary>The Rows × Cols values, row-major: element (r, c) at r·Cols + c.</summary>
    public float[] Data { get; }

    /// <summary>The first <paramref name="rows"/> rows.</summary>
    public Span<float> Top(int rows) => Data.AsSpan(0, rows * Cols);

    /// <summary>Every element, all Rows rows (not only a batch's first rows).</summary>
    public Span<float> All => Data.AsSpan();

    /// <summary>The name and shape, as in "W3ᵀ[256×10]".</summary>
    public override string ToString() => $"{Name}[{Rows}×{Cols}]";
}
