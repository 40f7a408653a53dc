namespace TargetProp.Runtime;

/// <summary>Independent groups of ops spread over the pool's workers: once targets are known, every layer's local
/// update is independent of every other's, and so is every layer's feedback training (DESIGN.md §7).</summary>
/// <remarks>Each group writes only its own buffers and runs whole on one worker, in its own order, so results do not
/// depend on the thread count. Groups are dealt to workers longest first (by GEMM FLOPs), each to the least loaded
/// worker: a fixed assignment per worker count, computed once. Inside a group the kernels run single-threaded; without
/// a pool the groups simply run in order.</remarks>
public sealed class ParallelOp : Op, IParallelWork
{
    private readonly Op[][] groups;
    private readonly long[] cost;
    private StepContext[] lanes = [];
    private int[][] assignment = [];
    private StepContext? owner;

    public ParallelOp(Op[][] groups)
    {
        this.groups = groups;
        cost = groups.Select(g => g.Sum(op => op.GemmFlops(1)) + 1).ToArray();
    }

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
        if (owner != context || lanes.Length != pool.Threads) Assign(context, pool.Threads);
        foreach (var lane in lanes) lane.CopyStep(context);
        pool.Run(this);
    }

    /// <summary>Worker w runs its groups under its own lane context.</summary>
    public void Run(int worker, int workers)
    {
        var lane = lanes[worker];
        foreach (int g in assignment[worker])
            foreach (var op in groups[g]) op.Run(lane);
    }

    private void Assign(StepContext context, int workers)
    {
        var load = new long[workers];
        var mine = Enumerable.Range(0, workers).Select(_ => new List<int>()).ToArray();
        foreach (int g in Enumerable.Range(0, groups.Length).OrderByDescending(g => cost[g]).ThenBy(g => g))
        {
            int w = Array.IndexOf(load, load.Min());
            load[w] += cost[g];
            mine[w].Add(g);
        }
        assignment = mine.Select(m => m.Order().ToArray()).ToArray();
        lanes = Enumerable.Range(0, workers).Select(_ => context.Lane()).ToArray();
        owner = context;
    }

    public override void Reset()
    {
        foreach (var group in groups)
            foreach (var op in group) op.Reset();
    }

    public override long GemmFlops(int rows) => groups.Sum(g => g.Sum(op => op.GemmFlops(rows)));

    public override string ToString() =>
        "in parallel:\n" + string.Join("\n", groups.Select((g, i) => $"    [{i}] " + string.Join("; ", g.Select(op => op.ToString()))));
}
