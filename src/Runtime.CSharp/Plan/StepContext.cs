namespace TargetProp.Runtime;

/// <summary>What one run of a phase needs besides the buffers: the batch's row count and labels, the noise key, the
/// worker pool, and the loss/error tallies that loss ops add to.</summary>
public sealed class StepContext
{
    /// <summary>A context for batches of up to <paramref name="maxRows"/> rows, keying noise by
    /// <paramref name="seed"/>, sharing work over <paramref name="pool"/> (null: all on the calling thread).</summary>
    public StepContext(int maxRows, ulong seed, WorkerPool? pool) : this(new int[maxRows], new int[maxRows], seed, pool)
    {
    }

    private StepContext(int[] labels, int[] sourceRows, ulong seed, WorkerPool? pool)
    {
        Labels = labels;
        SourceRows = sourceRows;
        Seed = seed;
        Pool = pool;
    }

    /// <summary>A context for one lane of a <see cref="ParallelOp"/>: the same batch and noise key, no pool (the lane
    /// already has its worker). <see cref="CopyStep"/> brings it up to date before each run.</summary>
    internal StepContext Lane() => new(Labels, SourceRows, Seed, null);

    /// <summary>Takes the batch, row count and feedback step of the context a lane runs under.</summary>
    internal void CopyStep(StepContext from)
    {
        Source = from.Source;
        SideSources = from.SideSources;
        Rows = from.Rows;
        FeedbackStep = from.FeedbackStep;
        ForwardStep = from.ForwardStep;
        Epoch = from.Epoch;
    }

    /// <summary>Rows of the current batch (≤ the plan's batch size).</summary>
    public int Rows { get; set; }
    /// <summary>The batch's labels, one per row; the first <see cref="Rows"/> are current.</summary>
    public int[] Labels { get; }
    /// <summary>The data set [n × features] the batch comes from, and which of its rows each batch row is
    /// (set by <see cref="Executor.LoadBatch"/>; the phase's <see cref="GatherOp"/> copies them in).</summary>
    public float[] Source { get; internal set; } = [];
    /// <summary>The declared side inputs' values [n × width] by name, of the split the batch comes from.</summary>
    public IReadOnlyDictionary<string, float[]> SideSources { get; internal set; } = new Dictionary<string, float[]>();
    /// <summary>Each batch row's row in <see cref="Source"/>; the first <see cref="Rows"/> are current.</summary>
    public int[] SourceRows { get; }
    /// <summary>The run's seed: with a step counter and a stream, the key of the noise and Bernoulli draws.</summary>
    public ulong Seed { get; }
    /// <summary>Counts feedback updates; with the layer it keys the counter-based noise.</summary>
    public long FeedbackStep { get; set; }
    /// <summary>Counts forward updates; with the stream it keys the noise of a propagation's noise terms.</summary>
    public long ForwardStep { get; set; }
    /// <summary>The training epoch, from 1 (0 while the feedback weights pre-train): what a decaying noise σ follows.</summary>
    public int Epoch { get; set; }
    /// <summary>The workers that ops share out over; null runs every op on the calling thread.</summary>
    public WorkerPool? Pool { get; }
    /// <summary>Summed loss and misclassified rows since the last <see cref="ResetTally"/>.</summary>
    public double LossSum { get; set; }
    /// <summary>Misclassified rows since the last <see cref="ResetTally"/>.</summary>
    public int Errors { get; set; }
    /// <summary>Rows tallied since the last <see cref="ResetTally"/>, which the error rate and the
    /// mean loss divide by.</summary>
    public int Examples { get; set; }

    /// <summary>Zeroes <see cref="LossSum"/>, <see cref="Errors"/> and <see cref="Examples"/>.</summary>
    public void ResetTally()
    {
        LossSum = 0;
        Errors = 0;
        Examples = 0;
    }
}
