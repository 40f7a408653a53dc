namespace TargetProp.Runtime;

/// <summary>y = σ(k·(x·Wᵀ + s·Uᵀ + b)) for a batch: the forward map f_l, with the side inputs s it reads through U (none
/// when s is null), or a feedback map g_l (V, c, τ). The plan stores the weights transposed, wt = Wᵀ [in × out] and
/// ut = Uᵀ [side width × out], so these are NN products, whose right operands the GEMM reads in place instead of
/// packing them again on every call (and on every worker). The gain k is 1 but for a steep unit (tanh(4a)).</summary>
/// <remarks>Row-wise (see <see cref="RowwiseOp"/>): each worker does the GEMM and the activation of its rows in one
/// hand-off (GEMM results do not depend on how M is split: every element is one FMA chain in ascending k).</remarks>
public sealed class DenseOp(MatrixBuffer x, MatrixBuffer wt, MatrixBuffer b, Activation activation, MatrixBuffer y,
    MatrixBuffer? s = null, MatrixBuffer? ut = null, float gain = 1) : RowwiseOp
{
    protected internal override int Width => y.Cols;

    protected override void Rows(int first, int count)
    {
        var output = Slice(y, first, count);
        Gemm.Multiply(GemmForm.NN, count, wt.Cols, wt.Rows, Slice(x, first, count), x.Cols, wt.All, wt.Cols, output, y.Cols, accumulate: false);
        if (s is not null && ut is not null)
            Gemm.Multiply(GemmForm.NN, count, ut.Cols, ut.Rows, Slice(s, first, count), s.Cols, ut.All, ut.Cols, output, y.Cols, accumulate: true);
        Activations.BiasActivate(activation, count, y.Cols, b.All, output, gain);
    }

    public override long GemmFlops(int rows) => 2L * rows * wt.Rows * wt.Cols + (ut is null ? 0 : 2L * rows * ut.Rows * ut.Cols);

    public override string ToString() =>
        $"{y.Name} = {activation.ToString().ToLowerInvariant()}({(gain == 1 ? "" : $"{gain}·")}({x.Name}·{wt.Name}{(ut is null ? "" : $" + {s!.Name}·{ut.Name}")} + {b.Name}))";
}

/// <summary>∂L/∂Wᵀ = xᵀ·δ and ∂L/∂b = Σ_rows δ, for δ = ∂L/∂(pre-activation) [rows × out] and the layer input
/// x [rows × in]; the gradient is stored like the weights, transposed [in × out]. A piece computes rows
/// first .. first + count − 1 of ∂L/∂Wᵀ (input units), and the bias gradient only when given one.</summary>
/// With accumulate, both are added to the gradients already there (a loss with several terms through the same weights).
public sealed class WeightGradOp(MatrixBuffer delta, MatrixBuffer x, MatrixBuffer gradWt, MatrixBuffer? gradB, int first, int count, bool accumulate = false) : Op
{
    public WeightGradOp(MatrixBuffer delta, MatrixBuffer x, MatrixBuffer gradWt, MatrixBuffer gradB, bool accumulate = false)
        : this(delta, x, gradWt, gradB, 0, gradWt.Rows, accumulate)
    {
    }

    public override void Run(StepContext context)
    {
        int rows = context.Rows;
        Gemm.Multiply(GemmForm.TN, count, gradWt.Cols, rows, x.Data.AsSpan(first, rows * x.Cols - first), x.Cols,
            delta.Top(rows), delta.Cols, gradWt.Data.AsSpan(first * gradWt.Cols, count * gradWt.Cols), gradWt.Cols,
            accumulate, context.Pool);
        if (gradB is not null) TargetUpdates.ColumnSums(rows, delta.Cols, delta.Top(rows), gradB.All, accumulate);
    }

    public override long GemmFlops(int rows) => 2L * rows * count * gradWt.Cols;

    public override string ToString() =>
        $"{gradWt.Name}[{first}..{first + count}) {(accumulate ? "+=" : "=")} {x.Name}ᵀ·{delta.Name}" + (gradB is null ? "" : $"; {gradB.Name} {(accumulate ? "+=" : "=")} Σ {delta.Name}");
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
