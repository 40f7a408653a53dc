namespace TargetProp.Runtime;

/// <summary>x[r] = Source[SourceRows[r]]: the batch's inputs, copied from the data set <see cref="Executor.LoadBatch"/>
/// named. Row-wise, so each worker copies the rows it then computes on, into its own cache, at the head of the forward
/// pass's chain, instead of the calling thread copying them all before the step (5 % of a dtp epoch at 2 threads).</summary>
public sealed class GatherOp(MatrixBuffer x) : RowwiseOp
{
    /// <summary>The features per example: x's columns.</summary>
    protected internal override int Width => x.Cols;

    /// <summary>Copies rows first .. first + count − 1 of x from their rows of the data set
    /// (Context.SourceRows).</summary>
    protected override void Rows(int first, int count)
    {
        using var profiled = Profile.Time(ProfileKind.Gather);
        int features = x.Cols;
        var source = Context.Source;
        var rows = Context.SourceRows;
        for (int r = first; r < first + count; r++)
            source.AsSpan(rows[r] * features, features).CopyTo(x.Data.AsSpan(r * features, features));
    }

    /// <summary>"x = the batch's rows of the data", with x's name.</summary>
    public override string ToString() => $"{x.Name} = the batch's rows of the data";
}

/// <summary>s[r] = the side input's row SourceRows[r]: a declared side input of the batch, copied from the values the
/// executor was given for it (<see cref="Executor.LoadBatch"/>), row-wise like <see cref="GatherOp"/>.</summary>
public sealed class GatherSideOp(string name, MatrixBuffer s) : RowwiseOp
{
    /// <summary>The side input's width: s's columns.</summary>
    protected internal override int Width => s.Cols;

    /// <summary>Copies rows first .. first + count − 1 of s from the side input's values given to LoadBatch; throws
    /// InvalidOperationException when they were not given.</summary>
    protected override void Rows(int first, int count)
    {
        using var profiled = Profile.Time(ProfileKind.Gather);
        int width = s.Cols;
        if (!Context.SideSources.TryGetValue(name, out var source))
            throw new InvalidOperationException($"the side input '{name}' was not given to the executor with the batch; pass it to LoadBatch.");
        var rows = Context.SourceRows;
        for (int r = first; r < first + count; r++)
            source.AsSpan(rows[r] * width, width).CopyTo(s.Data.AsSpan(r * width, width));
    }

    /// <summary>"s = the batch's rows of the side input 'name'", with s's name.</summary>
    public override string ToString() => $"{s.Name} = the batch's rows of the side input '{name}'";
}
