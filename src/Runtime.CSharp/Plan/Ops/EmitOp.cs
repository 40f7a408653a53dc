namespace TargetProp.Runtime;

/// <summary>Which counter keys an op's draws: the forward or the feedback step of training, or a fixed number (the
/// sample index of an evaluation that averages over samples).</summary>
/// <param name="Forward">Whether an unfixed key follows the forward step counter (else the feedback one).</param>
/// <param name="Fixed">The fixed number that keys the draws, or null to follow a step counter.</param>
public readonly record struct DrawKey(bool Forward, long? Fixed)
{
    /// <summary>Keyed by the forward step counter: the draws of a propagation map in training.</summary>
    public static DrawKey ForwardStep => new(true, null);
    /// <summary>Keyed by the feedback step counter: the draws of a feedback map in training.</summary>
    public static DrawKey FeedbackStep => new(false, null);
    /// <summary>Keyed by the fixed number <paramref name="s"/>: sample s of an evaluation that
    /// averages over samples.</summary>
    public static DrawKey Sample(long s) => new(false, s);

    /// <summary>The number that keys the draws in <paramref name="context"/>: the fixed one, else the context's
    /// forward or feedback step.</summary>
    public long Step(StepContext context) => Fixed ?? (Forward ? context.ForwardStep : context.FeedbackStep);

    /// <summary>"sample s", "forward step" or "feedback step", as a printed plan shows the key.</summary>
    public override string ToString() => Fixed is long s ? $"sample {s}" : Forward ? "forward step" : "feedback step";
}

/// <summary>y = e(r): what a layer with a discrete or stochastic unit passes up, from its relaxed value r
/// (see <see cref="Emission"/>). In training a Bernoulli unit draws element (row, j) of the batch as uniform number
/// row·cols + j of the stream keyed by (seed, step, stream), so the draw does not depend on how rows are split between
/// workers; in evaluation (a fixed sample key) as number n·cols + j, n the example's row in the data set, so an
/// example's draws do not depend on the batch it is in either.</summary>
public sealed class EmitOp(Emission emission, MatrixBuffer r, MatrixBuffer y, int stream, DrawKey key) : RowwiseOp
{
    /// <summary>The layer's units: y's columns.</summary>
    protected internal override int Width => y.Cols;

    /// <summary>Rows first .. first + count − 1 of y = e(r); a Bernoulli unit under a fixed sample key draws row by
    /// row, each from its row's index in the data set.</summary>
    protected override void Rows(int first, int count)
    {
        long step = key.Step(Context);
        if (key.Fixed is null || emission != Emission.Bernoulli)
        {
            Emissions.Emit(emission, Slice(r, first, count), Slice(y, first, count), Context.Seed, step, stream, (long)first * y.Cols);
            return;
        }
        for (int row = first; row < first + count; row++)
            Emissions.Emit(emission, Slice(r, row, 1), Slice(y, row, 1), Context.Seed, step, stream, (long)Context.SourceRows[row] * y.Cols);
    }

    /// <summary>The op as its equation, y = e(r) with the buffers' names (a Bernoulli unit's with
    /// its stream and key).</summary>
    public override string ToString() =>
        $"{y.Name} = {emission.ToString().ToLowerInvariant()}({r.Name})" + (emission == Emission.Bernoulli ? $" [stream {stream}, {key}]" : "");
}
