namespace TargetProp.Runtime;

/// <summary>y = Σ_i c_i·x_i: a propagation expression that is linear in its terms, e.g. the difference target
/// ĥ_{l-1} = h_{l-1} + g_l(ĥ_l) − g_l(h_l) with c = (1, 1, −1). Three terms run as one fused pass.</summary>
public sealed class CombineOp : RowwiseOp
{
    private readonly float[] c;
    private readonly MatrixBuffer[] x;
    private readonly MatrixBuffer y;

    /// <summary>y = Σ_i c_i·x_i into <paramref name="destination"/>: one of the <paramref name="coefficients"/> per
    /// term, at least one term, every one of the <paramref name="terms"/> as wide as the destination.</summary>
    public CombineOp(float[] coefficients, MatrixBuffer[] terms, MatrixBuffer destination)
    {
        if (coefficients.Length != terms.Length || terms.Length == 0)
            throw new ArgumentException($"CombineOp needs one coefficient per term; got {coefficients.Length} coefficients and {terms.Length} terms.");
        foreach (var t in terms)
            if (t.Cols != destination.Cols)
                throw new ArgumentException($"CombineOp: term {t} has {t.Cols} columns but {destination} has {destination.Cols}.");
        c = coefficients;
        x = terms;
        y = destination;
    }

    /// <summary>y's columns.</summary>
    protected internal override int Width => y.Cols;

    /// <summary>Rows first .. first + count − 1 of y: one fused pass for three terms, else c_0·x_0 and then the other
    /// terms added one by one.</summary>
    protected override void Rows(int first, int count)
    {
        var d = Slice(y, first, count);
        if (x.Length == 3)
        {
            TargetUpdates.Combine3(c[0], Slice(x[0], first, count), c[1], Slice(x[1], first, count), c[2], Slice(x[2], first, count), d);
            return;
        }
        TargetUpdates.Scale(c[0], Slice(x[0], first, count), d);
        for (int i = 1; i < x.Length; i++) TargetUpdates.AddScaled(d, c[i], Slice(x[i], first, count), d);
    }

    /// <summary>The op as its sum with the buffers' names, e.g. "y = a + b − c" for c = (1, 1, −1) and
    /// "y = 0.5·a + 2·b" for c = (0.5, 2).</summary>
    public override string ToString()
    {
        string Term(int i) => c[i] switch
        {
            1f => (i == 0 ? "" : " + ") + x[i].Name,
            -1f => (i == 0 ? "−" : " − ") + x[i].Name,
            _ => (i == 0 ? "" : " + ") + $"{c[i]}·{x[i].Name}",
        };
        return $"{y.Name} = " + string.Concat(Enumerable.Range(0, x.Length).Select(Term));
    }
}

/// <summary>y = x + c·z: a gradient-step target ĥ = h − η·∂ℓ/∂h (c = −η).</summary>
public sealed class AddScaledOp(MatrixBuffer x, float c, MatrixBuffer z, MatrixBuffer y) : RowwiseOp
{
    /// <summary>y's columns.</summary>
    protected internal override int Width => y.Cols;

    /// <summary>Rows first .. first + count − 1 of y = x + c·z.</summary>
    protected override void Rows(int first, int count) =>
        TargetUpdates.AddScaled(Slice(x, first, count), c, Slice(z, first, count), Slice(y, first, count));

    /// <summary>The op as its equation, y = x + c·z with the buffers' names.</summary>
    public override string ToString() => $"{y.Name} = {x.Name} + {c}·{z.Name}";
}

/// <summary>δ = s·(h − t) ⊙ σ'(h) with s = scale / rows^batchPower: the pre-activation gradient of a squared local loss.
/// (batchPower 1 makes the loss a batch mean, 0 a batch sum.)</summary>
public sealed class DeltaOp(Activation activation, float scale, int batchPower, MatrixBuffer h, MatrixBuffer t, MatrixBuffer delta) : RowwiseOp
{
    /// <summary>δ's columns.</summary>
    protected internal override int Width => delta.Cols;

    /// <summary>Rows first .. first + count − 1 of δ = s·(h − t) ⊙ σ'(h), s = scale / B (B the whole batch's rows) when
    /// batchPower is 1, else scale.</summary>
    protected override void Rows(int first, int count)
    {
        float s = batchPower == 1 ? scale / BatchRows : scale;
        Activations.ScaledDelta(activation, s, Slice(h, first, count), Slice(t, first, count), Slice(delta, first, count));
    }

    /// <summary>The op as its equation with the buffers' names, δ = scale/B·(h − t) ⊙ σ'(h) for a batch mean,
    /// without /B for a sum.</summary>
    public override string ToString() =>
        $"{delta.Name} = {scale}{(batchPower == 1 ? "/B" : "")}·({h.Name} − {t.Name}) ⊙ σ'({h.Name})";
}

/// <summary>y = x + ε (or y = ε without x), ε ~ N(0, σ_e²) from the counter-based generator keyed by (seed, step, stream),
/// the step being the feedback or the forward step counter. σ_e = σ / (1 + e/τ) in epoch e when the noise decays with
/// time constant τ (Lee et al.'s inverse noise), σ itself when τ is 0.</summary>
public sealed class NoiseOp(MatrixBuffer? x, float sigma, int stream, bool forwardStep, MatrixBuffer y, float decay = 0) : Op
{
    /// <summary>σ_e in epoch e, in float32 as the op applies it.</summary>
    public static float Sigma(float sigma, float decay, int epoch) => decay > 0 ? sigma / (1f + epoch / decay) : sigma;

    /// <summary>Over the batch's rows: y = x + ε (or ε) with this epoch's σ_e, keyed by (seed, the forward or
    /// feedback step, stream).</summary>
    public override void Run(StepContext context)
    {
        int rows = context.Rows;
        long step = forwardStep ? context.ForwardStep : context.FeedbackStep;
        float s = Sigma(sigma, decay, context.Epoch);
        if (x is null) Noise.Gaussian(context.Seed, step, stream, s, y.Top(rows));
        else Noise.AddGaussian(context.Seed, step, stream, s, x.Top(rows), y.Top(rows));
    }

    /// <summary>The op as its equation, y = x + N(0, σ²) [stream k] with the buffers' names, σ written σ/(1 + e/τ)
    /// when the noise decays.</summary>
    public override string ToString() =>
        $"{y.Name} = {(x is null ? "" : x.Name + " + ")}N(0, {(decay > 0 ? $"({sigma}/(1 + e/{decay}))" : sigma.ToString())}²) [stream {stream}]";
}

/// <summary>Advances the feedback (or forward) step counter that keys the noise; runs once at the start of an update.</summary>
public sealed class NextStepOp(bool forward) : Op
{
    /// <summary>Adds 1 to the context's forward or feedback step.</summary>
    public override void Run(StepContext context)
    {
        if (forward) context.ForwardStep++;
        else context.FeedbackStep++;
    }

    /// <summary>"forward step += 1" or "feedback step += 1".</summary>
    public override string ToString() => forward ? "forward step += 1" : "feedback step += 1";
}

/// <summary>δ = s·x ⊙ σ'(h), s = scale / rows^batchPower: a gradient with respect to h carried to the pre-activation
/// (squared-error outputs with s = 1; the terms of a feedback loss with the loss's batch reduction).</summary>
public sealed class MultiplyDerivativeOp(Activation activation, MatrixBuffer h, MatrixBuffer x, MatrixBuffer delta, float scale = 1, int batchPower = 0) : RowwiseOp
{
    /// <summary>δ's columns.</summary>
    protected internal override int Width => delta.Cols;

    /// <summary>Rows first .. first + count − 1 of δ = s·x ⊙ σ'(h), s = scale / B (B the whole batch's rows) when
    /// batchPower is 1, else scale.</summary>
    protected override void Rows(int first, int count)
    {
        float s = batchPower == 1 ? scale / BatchRows : scale;
        Activations.MultiplyDerivative(activation, Slice(h, first, count), Slice(x, first, count), Slice(delta, first, count), s);
    }

    /// <summary>The op as its equation, δ = s·x ⊙ σ'(h) with the buffers' names (s only when it is not 1).</summary>
    public override string ToString() =>
        $"{delta.Name} = {(scale == 1 && batchPower == 0 ? "" : $"{scale}{(batchPower == 1 ? "/B" : "")}·")}{x.Name} ⊙ σ'({h.Name})";
}

/// <summary>y = softmax of each row of x: the output's probabilities p = softmax(a_L).</summary>
public sealed class SoftmaxOp(MatrixBuffer x, MatrixBuffer y) : RowwiseOp
{
    /// <summary>The output's classes: y's columns.</summary>
    protected internal override int Width => y.Cols;

    /// <summary>Rows first .. first + count − 1 of y = softmax(x), row by row.</summary>
    protected override void Rows(int first, int count) => Activations.SoftmaxRows(count, y.Cols, Slice(x, first, count), Slice(y, first, count));

    /// <summary>The op as its equation, y = softmax(x) with the buffers' names.</summary>
    public override string ToString() => $"{y.Name} = softmax({x.Name})";
}

/// <summary>y = [a, b], the columns of a followed by those of b: the output's value with its auxiliary features.</summary>
public sealed class ConcatOp(MatrixBuffer a, MatrixBuffer b, MatrixBuffer y) : RowwiseOp
{
    /// <summary>y's columns: a's and b's together.</summary>
    protected internal override int Width => y.Cols;

    /// <summary>Rows first .. first + count − 1 of y: a's row, then b's.</summary>
    protected override void Rows(int first, int count)
    {
        for (int r = first; r < first + count; r++)
        {
            a.Data.AsSpan(r * a.Cols, a.Cols).CopyTo(y.Data.AsSpan(r * y.Cols, a.Cols));
            b.Data.AsSpan(r * b.Cols, b.Cols).CopyTo(y.Data.AsSpan(r * y.Cols + a.Cols, b.Cols));
        }
    }

    /// <summary>The op as its equation, y = [a, b] with the buffers' names.</summary>
    public override string ToString() => $"{y.Name} = [{a.Name}, {b.Name}]";
}

/// <summary>y = onehot(labels): the label target ĥ_L = y.</summary>
public sealed class OneHotOp(MatrixBuffer y) : Op
{
    /// <summary>Writes onehot(label) into each of the batch's rows of y.</summary>
    public override void Run(StepContext context) =>
        TargetUpdates.OneHot(y.Cols, context.Labels.AsSpan(0, context.Rows), y.Top(context.Rows));

    /// <summary>"y = onehot(y)", with the buffer's name on the left.</summary>
    public override string ToString() => $"{y.Name} = onehot(y)";
}

/// <summary>y = a ⊙ b, element-wise.</summary>
public sealed class ProductOp(MatrixBuffer a, MatrixBuffer b, MatrixBuffer y) : RowwiseOp
{
    /// <summary>y's columns.</summary>
    protected internal override int Width => y.Cols;

    /// <summary>Rows first .. first + count − 1 of y = a ⊙ b.</summary>
    protected override void Rows(int first, int count) =>
        System.Numerics.Tensors.TensorPrimitives.Multiply(Slice(a, first, count), Slice(b, first, count), Slice(y, first, count));

    /// <summary>The op as its equation, y = a ⊙ b with the buffers' names.</summary>
    public override string ToString() => $"{y.Name} = {a.Name} ⊙ {b.Name}";
}
