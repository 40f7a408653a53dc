namespace TargetProp.Runtime;

/// <summary>Runs a plan's phases on batches gathered from a data set. Owns the worker pool; no allocation per step.</summary>
public sealed class Executor : IDisposable
{
    private readonly WorkerPool? pool;

    /// <summary>An executor of <paramref name="plan"/> whose noise is keyed by <paramref name="seed"/>, on
    /// <paramref name="threads"/> workers (≥ 1): the calling thread plus a pool of the
    /// others (no pool for 1).</summary>
    public Executor(Plan plan, ulong seed, int threads)
    {
        if (threads < 1)
            throw new ArgumentOutOfRangeException(nameof(threads), $"threads = {threads}: use 1 or more.");
        Plan = plan;
        pool = threads > 1 ? new WorkerPool(threads) : null;
        Context = new StepContext(plan.Batch, seed, pool);
    }

    private static readonly Dictionary<string, float[]> s_noSides = new();

    /// <summary>The plan whose phases it runs.</summary>
    public Plan Plan { get; }
    /// <summary>What every phase runs under: the loaded batch, step counters, pool and loss/error tallies.</summary>
    public StepContext Context { get; }

    /// <summary>Makes rows order[start .. start+count) of x [n × features] the batch: their labels now, their features
    /// when a phase runs (its first op, <see cref="GatherOp"/>, copies them into the plan's input, each worker the rows it
    /// then computes on). Side inputs, by name, are the same rows of their [n × width] values.</summary>
    public void LoadBatch(float[] x, int[] labels, ReadOnlySpan<int> order, int start, int count,
        IReadOnlyDictionary<string, float[]>? sides = null)
    {
        int features = Plan.Input.Cols;
        if (count < 1 || count > Plan.Batch)
            throw new ArgumentOutOfRangeException(nameof(count), $"a batch of {count} rows does not fit the plan's batch size {Plan.Batch}.");
        if (x.Length != labels.Length * features)
            throw new ArgumentException($"data has {x.Length} values for {labels.Length} labels, but the model's input has {features} features: {labels.Length}×{features} = {(long)labels.Length * features} values were expected.");
        for (int i = 0; i < count; i++)
        {
            int row = order[start + i];
            if ((uint)row >= (uint)labels.Length)
                throw new ArgumentOutOfRangeException(nameof(order), $"order[{start + i}] = {row} is not a row of the data ({labels.Length} rows).");
            Context.SourceRows[i] = row;
            Context.Labels[i] = labels[row];
        }
        Context.Source = x;
        if (sides is not null)
            foreach (var (name, values) in sides)
                if (values.Length % labels.Length != 0)
                    throw new ArgumentException($"the side input '{name}' has {values.Length} values, not a whole row for each of the {labels.Length} examples.", nameof(sides));
        Context.SideSources = sides ?? s_noSides;
        Context.Rows = count;
    }

    /// <summary>Shares of parallel work the calling thread ran because a worker had not started (0 with one thread).</summary>
    public long LateShares => pool?.LateShares ?? 0;

    /// <summary>Bytes allocated so far by the worker pool's background threads (0 with one thread).</summary>
    public long WorkerAllocatedBytes => pool?.WorkerAllocatedBytes ?? 0;

    /// <summary>Runs a phase (one of the plan's op lists, such as <see cref="Plan.ForwardUpdate"/>) on the batch
    /// <see cref="LoadBatch"/> loaded last: its ops in order, under <see cref="Context"/>.</summary>
    public void Run(Op[] phase)
    {
        foreach (var op in phase) op.Run(Context);
    }

    /// <summary>Stops the pool's background threads (nothing to stop with one thread).</summary>
    public void Dispose() => pool?.Dispose();
}
