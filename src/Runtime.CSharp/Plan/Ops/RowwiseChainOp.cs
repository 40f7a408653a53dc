namespace TargetProp.Runtime;

/// <summary>Consecutive row-wise ops run as one: each worker takes its rows through every op in turn, with one hand-off
/// for the whole run instead of one per op. Row r of every op's output depends only on row r of its inputs, and every
/// op splits rows the same way, so the chain computes exactly what the ops compute one after another: a whole forward
/// pass, or the whole top-down chain of difference targets, stays on one core per row and needs no barrier between
/// layers.</summary>
public sealed class RowwiseChainOp(RowwiseOp[] ops) : RowwiseOp
{
    /// The narrowest op decides whether rows split (the smallest-piece rule must hold for every op).
    protected internal override int Width { get; } = ops.Min(op => op.Width);

    /// <summary>Takes rows first .. first + count − 1 through every op of the chain in turn.</summary>
    protected override void Rows(int first, int count)
    {
        foreach (var op in ops) op.RunRows(Context, first, count);
    }

    /// <summary>The sum over the chained ops.</summary>
    public override long GemmFlops(int rows) => ops.Sum(op => op.GemmFlops(rows));

    /// <summary>The chained ops, in order.</summary>
    public override IEnumerable<Op> Children => ops;

    /// <summary>"row by row:" then one line per chained op.</summary>
    public override string ToString() => "row by row:\n" + string.Join("\n", ops.Select(op => "    " + op));
}
