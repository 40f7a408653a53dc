namespace TargetProp.Runtime;

/// <summary>An op whose rows (examples) are independent. With a pool, worker w always takes the same consecutive rows,
/// an even share (rows·w/workers onwards), so a row written on one core is read there by the next row-wise op instead
/// of crossing to the other core's cache; without a pool, or for a piece that would be small, the op runs whole. An
/// even share of 100 rows is 50 and 50, each ending in a 2-row GEMM micro-panel: the GEMM's edge tiles cost in
/// proportion to their rows, so this balances better than whole 6-row panels (48 and 52, the second worker ending in
/// a 4-row micro-panel, while the first waited). Every kernel used row-wise computes an element by the same arithmetic
/// whatever rows share its call, and a piece keeps at least 64 elements so no kernel falls back to a different scalar
/// path: the split changes no bit.</summary>
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
        // Every worker's piece has at least ⌊rows / workers⌋ rows: split only when that is 64 elements or more.
        if (pool is null || pool.Threads == 1 || BatchRows / pool.Threads * Width < 64) Rows(0, BatchRows);
        else pool.Run(this);
    }

    /// <summary>Worker w's rows: rows·w/workers up to rows·(w + 1)/workers.</summary>
    public void Run(int worker, int workers)
    {
        int first = BatchRows * worker / workers, last = BatchRows * (worker + 1) / workers;
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
