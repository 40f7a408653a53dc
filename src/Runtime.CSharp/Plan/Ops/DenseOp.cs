namespace TargetProp.Runtime;

/// <summary>y = σ(x·Wᵀ + b) for a batch: the forward map f_l (W is [out × in]) or a feedback map g_l (V, c, τ).</summary>
/// <remarks>With a pool, the batch is split by rows, each worker doing the GEMM and the activation of its rows (one
/// hand-off, and the element-wise pass in parallel too). Rows are independent and every element is computed by the
/// same arithmetic whichever rows share its call, so the split does not change a bit; pieces are kept to whole 6-row
/// micro-panels and at least 64 elements, so no kernel drops to a different (scalar) path for a short piece.</remarks>
public sealed class DenseOp(MatrixBuffer x, MatrixBuffer w, MatrixBuffer b, Activation activation, MatrixBuffer y) : Op, IParallelWork
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
        Gemm.Multiply(GemmForm.NT, count, w.Rows, w.Cols, input, x.Cols, w.All, w.Cols, output, y.Cols, accumulate: false);
        Activations.BiasActivate(activation, count, y.Cols, b.All, output);
    }

    public override long GemmFlops(int rows) => 2L * rows * w.Rows * w.Cols;

    public override string ToString() =>
        $"{y.Name} = {activation.ToString().ToLowerInvariant()}({x.Name}·{w.Name}ᵀ + {b.Name})";
}

/// <summary>∂L/∂W = δᵀ·x and ∂L/∂b = Σ_rows δ, for δ = ∂L/∂(pre-activation) [rows × out] and the layer input x [rows × in].</summary>
public sealed class WeightGradOp(MatrixBuffer delta, MatrixBuffer x, MatrixBuffer gradW, MatrixBuffer gradB) : Op
{
    public override void Run(StepContext context)
    {
        int rows = context.Rows;
        Gemm.Multiply(GemmForm.TN, gradW.Rows, gradW.Cols, rows, delta.Top(rows), delta.Cols, x.Top(rows), x.Cols,
            gradW.All, gradW.Cols, accumulate: false, context.Pool);
        TargetUpdates.ColumnSums(rows, delta.Cols, delta.Top(rows), gradB.All);
    }

    public override long GemmFlops(int rows) => 2L * rows * gradW.Rows * gradW.Cols;

    public override string ToString() => $"{gradW.Name} = {delta.Name}ᵀ·{x.Name}; {gradB.Name} = Σ {delta.Name}";
}

/// <summary>y = δ·W: carries a pre-activation gradient δ [rows × out] of layer l down to h_{l-1} (W is [out × in]).</summary>
public sealed class BackwardOp(MatrixBuffer delta, MatrixBuffer w, MatrixBuffer y) : Op
{
    public override void Run(StepContext context)
    {
        int rows = context.Rows;
        Gemm.Multiply(GemmForm.NN, rows, w.Cols, w.Rows, delta.Top(rows), delta.Cols, w.All, w.Cols, y.Top(rows), y.Cols,
            accumulate: false, context.Pool);
    }

    public override long GemmFlops(int rows) => 2L * rows * w.Rows * w.Cols;

    public override string ToString() => $"{y.Name} = {delta.Name}·{w.Name}";
}
