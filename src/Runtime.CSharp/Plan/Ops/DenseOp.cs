namespace TargetProp.Runtime;

/// <summary>y = σ(x·Wᵀ + b) for a batch: the forward map f_l or a feedback map g_l (V, c, τ). The plan stores the
/// weights transposed, wt = Wᵀ [in × out], so this is the NN product x·wt, whose right operand the GEMM reads in
/// place instead of packing it again on every call (and on every worker).</summary>
/// <remarks>With a pool, the batch is split by rows, each worker doing the GEMM and the activation of its rows (one
/// hand-off, and the element-wise pass in parallel too). Rows are independent and every element is computed by the
/// same arithmetic whichever rows share its call, so the split does not change a bit; pieces are kept to whole 6-row
/// micro-panels and at least 64 elements, so no kernel drops to a different (scalar) path for a short piece.</remarks>
public sealed class DenseOp(MatrixBuffer x, MatrixBuffer wt, MatrixBuffer b, Activation activation, MatrixBuffer y) : Op, IParallelWork
{
    private int rows;

    public override void Run(StepContext context)
    {
        rows = context.Rows;
        var pool = context.Pool;
        if (pool is null || pool.Threads == 1 || rows < 12 || rows * y.Cols < 128) Rows(0, rows);
        else pool.Run(this);
    }

    /// <summary>Worker w's rows: consecutive pieces of whole 6-row panels.</summary>
    public void Run(int worker, int workers)
    {
        int panels = (rows + 5) / 6;
        int first = Math.Min(rows, panels * worker / workers * 6);
        int last = Math.Min(rows, panels * (worker + 1) / workers * 6);
        if (last > first) Rows(first, last - first);
    }

    private void Rows(int first, int count)
    {
        var input = x.Data.AsSpan(first * x.Cols, count * x.Cols);
        var output = y.Data.AsSpan(first * y.Cols, count * y.Cols);
        Gemm.Multiply(GemmForm.NN, count, wt.Cols, wt.Rows, input, x.Cols, wt.All, wt.Cols, output, y.Cols, accumulate: false);
        Activations.BiasActivate(activation, count, y.Cols, b.All, output);
    }

    public override long GemmFlops(int rows) => 2L * rows * wt.Rows * wt.Cols;

    public override string ToString() =>
        $"{y.Name} = {activation.ToString().ToLowerInvariant()}({x.Name}·{wt.Name} + {b.Name})";
}

/// <summary>∂L/∂Wᵀ = xᵀ·δ and ∂L/∂b = Σ_rows δ, for δ = ∂L/∂(pre-activation) [rows × out] and the layer input
/// x [rows × in]; the gradient is stored like the weights, transposed [in × out].</summary>
public sealed class WeightGradOp(MatrixBuffer delta, MatrixBuffer x, MatrixBuffer gradWt, MatrixBuffer gradB) : Op
{
    public override void Run(StepContext context)
    {
        int rows = context.Rows;
        Gemm.Multiply(GemmForm.TN, gradWt.Rows, gradWt.Cols, rows, x.Top(rows), x.Cols, delta.Top(rows), delta.Cols,
            gradWt.All, gradWt.Cols, accumulate: false, context.Pool);
        TargetUpdates.ColumnSums(rows, delta.Cols, delta.Top(rows), gradB.All);
    }

    public override long GemmFlops(int rows) => 2L * rows * gradWt.Rows * gradWt.Cols;

    public override string ToString() => $"{gradWt.Name} = {x.Name}ᵀ·{delta.Name}; {gradB.Name} = Σ {delta.Name}";
}

/// <summary>y = δ·W = δ·(Wᵀ)ᵀ: carries a pre-activation gradient δ [rows × out] of layer l down to h_{l-1}, from the
/// transposed weights wt [in × out].</summary>
public sealed class BackwardOp(MatrixBuffer delta, MatrixBuffer wt, MatrixBuffer y) : Op
{
    public override void Run(StepContext context)
    {
        int rows = context.Rows;
        Gemm.Multiply(GemmForm.NT, rows, wt.Rows, wt.Cols, delta.Top(rows), delta.Cols, wt.All, wt.Cols, y.Top(rows), y.Cols,
            accumulate: false, context.Pool);
    }

    public override long GemmFlops(int rows) => 2L * rows * wt.Rows * wt.Cols;

    public override string ToString() => $"{y.Name} = {delta.Name}·({wt.Name})ᵀ";
}
