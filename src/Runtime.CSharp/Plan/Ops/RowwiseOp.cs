namespace TargetProp.Runtime;

/// <summary>An op whose rows (examples) are independent. With a pool, worker w always takes the same consecutive rows
/// — whole 6-row GEMM panels, split evenly, the rows after the last whole panel going to the last worker — so a row written on one core is read there by the next row-wise op
/// instead of crossing to the other core's cache; without a pool, or for a piece that would be small, the op runs
/// whole. Every kernel used row-wise computes an element by the same arithmetic whatever rows share its call, and a
/// piece keeps at least 64 elements so no kernel falls back to a different scalar path: the split changes no bit.</summary>
public abstract class RowwiseOp : Op, IParallelWork
{
    /// <summary>The context of the current run.</summary>
    protected StepContext Context { get; private set; } = null!;

    /// <summary>Rows of the current batch (the whole batch, not a worker's piece).</summary>
    protected int BatchRows => Context.Rows;

    /// <summary>Elements per row of the op's output, for the smallest-piece rule.</summary>
    protected internal abstract int Width { get; }

    /// <summary>Runs the op on the batch: split over the pool's workers (<see cref="Run(int, int)"/>) when every piece
    /// keeps at least 64 elements, else whole on the calling thread.</summary>
    public sealed override void Run(StepContext context)
    {
        Context = context;
        var pool = context.Pool;
        int panels = BatchRows / 6;
        // Every worker's piece has at least ⌊panels / workers⌋ whole panels: split only when that is 64 elements or more.
        if (pool is null || pool.Threads == 1 || 6 * (panels / pool.Threads) * Width < 64) Rows(0, BatchRows);
        else pool.Run(this);
    }

    /// <summary>Worker w's rows: consecutive pieces of whole 6-row panels; the last worker also takes the rows after
    /// the last whole panel.</summary>
    public void Run(int worker, int workers)
    {
        int panels = BatchRows / 6;
        int first = panels * worker / workers * 6;
        int last = worker == workers - 1 ? BatchRows : panels * (worker + 1) / workers * 6;
        if (last > first) Rows(first, last - first);
    }

    /// <summary>Computes rows first .. first + count − 1.</summary>
    protected abstract void Rows(int first, int count);

    /// <summary>Rows first .. first + count − 1 of the batch, as one link of a <see cref="RowwiseChainOp"/>.</summary>
    internal void RunRows(StepContext context, int first, int count)
    {
        Context = context;
        Rows(first, count);
    }

    /// <summary>Rows first .. first + count − 1 of a buffer.</summary>
    protected static Span<float> Slice(MatrixBuffer m, int first, int count) => m.Data.AsSpan(first * m.Cols, count * m.Cols);
}
