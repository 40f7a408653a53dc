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
    /// <summary>The layer's units: y's columns.</summary>
    protected internal override int Width => y.Cols;

    /// <summary>Rows first .. first + count − 1 of y: x·Wᵀ (+ s·Uᵀ) by GEMM, then bias, gain, σ in place.</summary>
    protected override void Rows(int first, int count)
    {
        var output = Slice(y, first, count);
        Gemm.Multiply(GemmForm.NN, count, wt.Cols, wt.Rows, Slice(x, first, count), x.Cols, wt.All, wt.Cols, output, y.Cols, accumulate: false);
        if (s is not null && ut is not null)
            Gemm.Multiply(GemmForm.NN, count, ut.Cols, ut.Rows, Slice(s, first, count), s.Cols, ut.All, ut.Cols, output, y.Cols, accumulate: true);
        Activations.BiasActivate(activation, count, y.Cols, b.All, output, gain);
    }

    /// <summary>2·rows·in·out for x·Wᵀ, plus 2·rows·(side width)·out for s·Uᵀ.</summary>
    public override long GemmFlops(int rows) => 2L * rows * wt.Rows * wt.Cols + (ut is null ? 0 : 2L * rows * ut.Rows * ut.Cols);

    /// <summary>The op as its equation, y = σ(k·(x·Wᵀ + s·Uᵀ + b)) with the buffers' names; the gain only when it is
    /// not 1, the side term only when there is one.</summary>
    public override string ToString() =>
        $"{y.Name} = {activation.ToString().ToLowerInvariant()}({(gain == 1 ? "" : $"{gain}·")}({x.Name}·{wt.Name}{(ut is null ? "" : $" + {s!.Name}·{ut.Name}")} + {b.Name}))";
}

/// <summary>∂L/∂Wᵀ = xᵀ·δ and ∂L/∂b = Σ_rows δ, for δ = ∂L/∂(pre-activation) [rows × out] and the layer input
/// x [rows × in]; the gradient is stored like the weights, transposed [in × out]. A piece computes rows
/// first .. first + count − 1 of ∂L/∂Wᵀ (input units), and the bias gradient only when given one.</summary>
/// With accumulate, both are added to the gradients already there (a loss with several terms through the same weights).
public sealed class WeightGradOp(MatrixBuffer delta, MatrixBuffer x, MatrixBuffer gradWt, MatrixBuffer? gradB, int first, int count, bool accumulate = false) : Op
{
    /// <summary>The whole gradient: every row of ∂L/∂Wᵀ (every input unit) and the bias gradient ∂L/∂b.</summary>
    public WeightGradOp(MatrixBuffer delta, MatrixBuffer x, MatrixBuffer gradWt, MatrixBuffer gradB, bool accumulate = false)
        : this(delta, x, gradWt, gradB, 0, gradWt.Rows, accumulate)
    {
    }

    /// <summary>Rows first .. first + count − 1 of ∂L/∂Wᵀ = xᵀ·δ over the batch's rows (a GEMM shared over the pool),
    /// and ∂L/∂b = Σ_rows δ when there is a bias gradient; added to what is there with accumulate.</summary>
    public override void Run(StepContext context)
    {
        int rows = context.Rows;
        Gemm.Multiply(GemmForm.TN, count, gradWt.Cols, rows, x.Data.AsSpan(first, rows * x.Cols - first), x.Cols,
            delta.Top(rows), delta.Cols, gradWt.Data.AsSpan(first * gradWt.Cols, count * gradWt.Cols), gradWt.Cols,
            accumulate, context.Pool);
        if (gradB is not null) TargetUpdates.ColumnSums(rows, delta.Cols, delta.Top(rows), gradB.All, accumulate);
    }

    /// <summary>2·rows·count·out: this piece's rows of xᵀ·δ.</summary>
    public override long GemmFlops(int rows) => 2L * rows * count * gradWt.Cols;

    /// <summary>The op as its equations with the buffers' names, ∂Wᵀ (rows first .. first + count − 1) = xᵀ·δ and
    /// ∂b = Σ δ, with += when it accumulates.</summary>
    public override string ToString() =>
        $"{gradWt.Name}[{first}..{first + count}) {(accumulate ? "+=" : "=")} {x.Name}ᵀ·{delta.Name}" + (gradB is null ? "" : $"; {gradB.Name} {(accumulate ? "+=" : "=")} Σ {delta.Name}");
}

/// <summary>y = δ·W = δ·(Wᵀ)ᵀ: carries a pre-activation gradient δ [rows × out] of layer l down to h_{l-1}, from the
/// transposed weights wt [in × out].</summary>
public sealed class BackwardOp(MatrixBuffer delta, MatrixBuffer wt, MatrixBuffer y) : Op
{
    /// <summary>y = δ·W over the batch's rows, by a GEMM shared over the pool.</summary>
    public override void Run(StepContext context)
    {
        int rows = context.Rows;
        Gemm.Multiply(GemmForm.NT, rows, wt.Rows, wt.Cols, delta.Top(rows), delta.Cols, wt.All, wt.Cols, y.Top(rows), y.Cols,
            accumulate: false, context.Pool);
    }

    /// <summary>2·rows·in·out.</summary>
    public override long GemmFlops(int rows) => 2L * rows * wt.Rows * wt.Cols;

    /// <summary>The op as its equation, y = δ·(Wᵀ)ᵀ with the buffers' names.</summary>
    public override string ToString() => $"{y.Name} = {delta.Name}·({wt.Name})ᵀ";
}
