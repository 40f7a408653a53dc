namespace TargetProp.Runtime;

/// <summary>Independent groups of ops spread over the pool's workers: once targets are known, every layer's local
/// update is independent of every other's, and so is every layer's feedback training (DESIGN.md §7).</summary>
/// <remarks>Each group writes only its own buffers and runs whole on one worker, in its own order, so results do not
/// depend on the thread count or on which worker runs which group. Workers claim groups one at a time, longest first
/// (by GEMM FLOPs): list scheduling, which balances like a fixed longest-first deal when both cores are there, and
/// when one core arrives late (a shared VM preempts it) the other simply claims more instead of waiting for, or
/// running, a whole fixed share. Inside a group the kernels run single-threaded; without a pool the groups simply run
/// in order.</remarks>
public sealed class ParallelOp : Op, IParallelWork
{
    private readonly Op[][] groups;
    private readonly int[] longestFirst;
    private StepContext[] lanes = [];
    private StepContext? owner;
    private int claimed;

    /// <summary>Runs <paramref name="groups"/> side by side, each group's ops in order; the groups are ranked longest
    /// first by their GEMM FLOPs per row.</summary>
    public ParallelOp(Op[][] groups)
    {
        this.groups = groups;
        longestFirst = Enumerable.Range(0, groups.Length)
            .OrderByDescending(g => groups[g].Sum(op => op.GemmFlops(1))).ThenBy(g => g).ToArray();
    }

    /// <summary>Shares the groups out over the pool's workers, each worker under its own lane context; without a pool,
    /// with one thread or with fewer than two groups, runs them in order on the calling thread.</summary>
    public override void Run(StepContext context)
    {
        var pool = context.Pool;
        if (pool is null || pool.Threads == 1 || groups.Length < 2)
        {
            foreach (var group in groups)
                foreach (var op in group) op.Run(context);
            return;
        }
        // Lanes share the owning context's labels and noise key: rebuilt when another executor runs this plan.
        if (owner != context || lanes.Length != pool.Threads) MakeLanes(context, pool.Threads);
        foreach (var lane in lanes) lane.CopyStep(context);
        claimed = -1;
        pool.Run(this);
    }

    /// <summary>Worker w claims the next unclaimed group, longest first, until none is left, and runs each under its
    /// own lane context.</summary>
    public void Run(int worker, int workers)
    {
        var lane = lanes[worker];
        int next;
        while ((next = Interlocked.Increment(ref claimed)) < groups.Length)
            foreach (var op in groups[longestFirst[next]]) op.Run(lane);
    }

    // Its own method: a lambda capturing `context` inside Run would allocate its closure on every Run.
    private void MakeLanes(StepContext context, int workers)
    {
        lanes = Enumerable.Range(0, workers).Select(_ => context.Lane()).ToArray();
        owner = context;
    }

    /// <summary>Every op of every group, group by group.</summary>
    public override IEnumerable<Op> Children => groups.SelectMany(g => g);

    /// <summary>The sum over every op of every group.</summary>
    public override long GemmFlops(int rows) => groups.Sum(g => g.Sum(op => op.GemmFlops(rows)));

    /// <summary>"in parallel:" then one numbered line per group, its ops separated by semicolons.</summary>
    public override string ToString() =>
        "in parallel:\n" + string.Join("\n", groups.Select((g, i) => $"    [{i}] " + string.Join("; ", g.Select(op => op.ToString()))));
}
