namespace TargetProp.Runtime;

/// <summary>A compiled model: preallocated buffers and one op list per phase. Built by the F# Lower module; run by
/// <see cref="Executor"/>. Phases:
/// Predict (forward only, tallies errors), ForwardUpdate (forward, loss, targets, local updates of W and b),
/// FeedbackUpdate (forward, reconstruction losses, updates of V and c), BothUpdate (one forward pass feeding both,
/// the "parallel" schedule).</summary>
public sealed class Plan
{
    /// <summary>A plan for batches of up to <paramref name="batch"/> rows: its input buffer h_0 [batch × features] and
    /// each phase's op list.</summary>
    public Plan(int batch, MatrixBuffer input, Op[] predict, Op[] forwardUpdate, Op[] feedbackUpdate, Op[] bothUpdate)
    {
        if (input.Rows != batch)
            throw new ArgumentException($"plan input {input} must have {batch} rows (the batch size).");
        Batch = batch;
        Input = input;
        Predict = predict;
        ForwardUpdate = forwardUpdate;
        FeedbackUpdate = feedbackUpdate;
        BothUpdate = bothUpdate;
    }

    /// <summary>B: the most rows a batch may have, the rows of every activation buffer.</summary>
    public int Batch { get; }
    /// <summary>h_0: the batch of examples, [Batch × features].</summary>
    public MatrixBuffer Input { get; }
    /// <summary>Predict: the forward pass only, tallying errors.</summary>
    public Op[] Predict { get; }
    /// <summary>ForwardUpdate: forward pass, loss, targets ĥ, local updates of each layer's W and b.</summary>
    public Op[] ForwardUpdate { get; }
    /// <summary>FeedbackUpdate: forward pass, reconstruction losses, updates of each feedback map's V and c.</summary>
    public Op[] FeedbackUpdate { get; }
    /// <summary>BothUpdate: one forward pass feeding both the forward and the feedback updates (the
    /// "parallel" schedule).</summary>
    public Op[] BothUpdate { get; }

    /// <summary>Forgets the optimisers' state in every phase, so that training restarts afresh from loaded parameters.</summary>
    public void Reset()
    {
        foreach (var op in Optimisers) op.Reset();
    }

    /// <summary>Every optimiser op of the plan once, in the order the phases (Predict, ForwardUpdate, FeedbackUpdate,
    /// BothUpdate) first reach it, depth first: the same order for the same model, so a checkpoint can name them by
    /// position.</summary>
    public IReadOnlyList<OptimOp> Optimisers => _optimisers ??= FindOptimisers();

    private IReadOnlyList<OptimOp>? _optimisers;

    private List<OptimOp> FindOptimisers()
    {
        var found = new List<OptimOp>();
        var seen = new HashSet<Op>(ReferenceEqualityComparer.Instance);
        void Visit(Op op)
        {
            if (!seen.Add(op)) return;
            if (op is OptimOp o) found.Add(o);
            foreach (var child in op.Children) Visit(child);
        }
        foreach (var phase in new[] { Predict, ForwardUpdate, FeedbackUpdate, BothUpdate })
            foreach (var op in phase) Visit(op);
        return found;
    }

    /// <summary>GEMM floating-point operations of one run of a phase on a batch of <paramref name="rows"/> rows.</summary>
    public static long GemmFlops(Op[] phase, int rows)
    {
        long total = 0;
        foreach (var op in phase) total += op.GemmFlops(rows);
        return total;
    }

    /// <summary>The plan as text, one op per line under each phase's name.</summary>
    public override string ToString()
    {
        var w = new System.Text.StringBuilder();
        void Phase(string name, Op[] ops)
        {
            w.AppendLine($"{name}:");
            foreach (var op in ops) w.AppendLine("  " + op);
        }
        Phase("predict", Predict);
        Phase("forward update", ForwardUpdate);
        Phase("feedback update", FeedbackUpdate);
        Phase("both updates", BothUpdate);
        return w.ToString();
    }
}
