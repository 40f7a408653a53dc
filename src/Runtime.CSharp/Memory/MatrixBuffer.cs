namespace TargetProp.Runtime;

/// <summary>A named float32 matrix of the plan, row-major and contiguous, allocated once (pinned, so kernels may hand
/// raw pointers to worker threads). Activation buffers are sized for the plan's largest batch; a step uses their first
/// <c>rows</c> rows.</summary>
public sealed class MatrixBuffer
{
    public MatrixBuffer(string name, int rows, int cols)
    {
        if (rows <= 0 || cols <= 0)
            throw new ArgumentOutOfRangeException(nameof(rows), $"buffer {name}: shape {rows}×{cols} must be positive.");
        Name = name;
        Rows = rows;
        Cols = cols;
        Data = GC.AllocateArray<float>(rows * cols, pinned: true);
    }

    public string Name { get; }
    public int Rows { get; }
    public int Cols { get; }
    public float[] Data { get; }

    /// <summary>The first <paramref name="rows"/> rows.</summary>
    public Span<float> Top(int rows) => Data.AsSpan(0, rows * Cols);

    public Span<float> All => Data.AsSpan();

    public override string ToString() => $"{Name}[{Rows}×{Cols}]";
}
