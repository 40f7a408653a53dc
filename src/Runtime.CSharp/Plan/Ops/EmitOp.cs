namespace TargetProp.Runtime;

/// <summary>Which counter keys an op's draws: the forward or the feedback step of training, or a fixed number (the
/// sample index of an evaluation that averages over samples).</summary>
public readonly record struct DrawKey(bool Forward, long? Fixed)
{
    public static DrawKey ForwardStep => new(true, null);
    public static DrawKey FeedbackStep => new(false, null);
    public static DrawKey Sample(long s) => new(false, s);

    public long Step(StepContext context) => Fixed ?? (Forward ? context.ForwardStep : context.FeedbackStep);

    public override string ToString() => Fixed is long s ? $"sample {s}" : Forward ? "forward step" : "feedback step";
}

/// <summary>y = e(r): what a layer with a discrete or stochastic unit passes up, from its relaxed value r
/// (see <see cref="Emission"/>). In training a Bernoulli unit draws element (row, j) of the batch as uniform number
/// row·cols + j of the stream keyed by (seed, step, stream), so the draw does not depend on how rows are split between
/// workers; in evaluation (a fixed sample key) as number n·cols + j, n the example's row in the data set, so an
/// example's draws do not depend on the batch it is in either.</summary>
public sealed class EmitOp(Emission emission, MatrixBuffer r, MatrixBuffer y, int stream, DrawKey key) : RowwiseOp
{
    protected internal override int Width => y.Cols;

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

    public override string ToString() =>
        $"{y.Name} = {emission.ToString().ToLowerInvariant()}({r.Name})" + (emission == Emission.Bernoulli ? $" [stream {stream}, {key}]" : "");
}
