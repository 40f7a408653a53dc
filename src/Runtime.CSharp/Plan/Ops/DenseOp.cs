namespace TargetProp.Runtime;

/// <summary>y = σ(x·Wᵀ + b) for a batch: the forward map f_l (W is [out × in]) or a feedback map g_l (V, c, τ).</summary>
public sealed class DenseOp(MatrixBuffer x, MatrixBuffer w, MatrixBuffer b, Activation activation, MatrixBuffer y) : Op
{
    public override void Run(StepContext context)
    {
        int rows = context.Rows;
        Gemm.Multiply(GemmForm.NT, rows, w.Rows, w.Cols, x.Top(rows), x.Cols, w.All, w.Cols, y.Top(rows), y.Cols,
            accumulate: false, context.Pool);
        Activations.BiasActivate(activation, rows, y.Cols, b.All, y.Top(rows));
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
