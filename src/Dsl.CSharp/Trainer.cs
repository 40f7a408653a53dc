using Microsoft.FSharp.Collections;
using Microsoft.FSharp.Core;
using TargetProp.Runtime.Data;
using FS = TargetProp.Dsl;

namespace TargetProp.CSharp;

/// <summary>
/// Trains a model on a data set by the F# training loop (Train.runHooked, runFrom or runCheckpointed), telling each
/// epoch's metrics to <see cref="EpochCompleted"/> and to an <see cref="IProgress{T}"/>, on the training thread, as
/// the epoch ends.
/// <code>
/// var trainer = new Trainer(model, Data.Digits(), new TrainingOptions { Epochs = 2 });
/// trainer.EpochCompleted += (_, e) => Console.WriteLine(e.ToLine(2));
/// TrainedRun run = trainer.Run();
/// </code>
/// </summary>
/// <param name="model">The model.</param>
/// <param name="data">The data set.</param>
/// <param name="options">How the run is driven (null: the defaults).</param>
public sealed class Trainer(Model model, DataSet data, TrainingOptions? options = null)
{
    /// <summary>The model it trains.</summary>
    public Model Model { get; } = model ?? throw new ArgumentNullException(nameof(model));

    /// <summary>The data set it trains on and tests on.</summary>
    public DataSet Data { get; } = data ?? throw new ArgumentNullException(nameof(data));

    /// <summary>How the run is driven.</summary>
    public TrainingOptions Options { get; } = options ?? new TrainingOptions();

    /// <summary>Where to save checkpoints (null: none).</summary>
    public CheckpointOptions? Checkpoints { get; init; }

    /// <summary>A checkpoint to go on from, bit for bit as if the run had never stopped (needs <see cref="Checkpoints"/>).</summary>
    public string? ResumeFrom { get; init; }

    /// <summary>The parameters to start from (null: drawn from the seed). Not with checkpoints.</summary>
    public ModelParameters? InitialParameters { get; init; }

    /// <summary>Whether to stop before <see cref="TrainingOptions.Epochs"/>, asked after every epoch with the metrics so
    /// far (a wall-time budget: the sum of <see cref="EpochMetrics.Seconds"/>; a plateau of the validation error). Null:
    /// never. Not with <see cref="InitialParameters"/>.</summary>
    public Func<IReadOnlyList<EpochMetrics>, bool>? StopWhen { get; init; }

    /// <summary>Raised after every epoch, on the training thread, with the epoch's metrics.</summary>
    public event EventHandler<EpochMetrics>? EpochCompleted;

    /// <summary>Trains the model; reports each epoch to <paramref name="progress"/> (if any) and <see cref="EpochCompleted"/>.</summary>
    /// <param name="progress">Told each epoch's metrics as the epoch ends (a <see cref="Progress{T}"/> posts them to its
    /// synchronisation context, possibly later).</param>
    /// <returns>The finished run.</returns>
    /// <exception cref="ModelCheckException">The model has mistakes: every one is listed.</exception>
    /// <exception cref="FS.TrainingException">Settings or data that cannot train the model; the message says what to change.</exception>
    /// <exception cref="FS.DivergedException">The run diverged; the message says where and what to lower.</exception>
    /// <exception cref="FS.CheckpointException">A checkpoint to resume from cannot be used; the message says why.</exception>
    public TrainedRun Run(IProgress<EpochMetrics>? progress = null)
    {
        void OnEpoch(FS.EpochMetrics e)
        {
            var metrics = new EpochMetrics(e);
            progress?.Report(metrics);
            EpochCompleted?.Invoke(this, metrics);
        }
        var hooks = FS.Train.hooks(FuncConvert.FromAction<FS.EpochMetrics>(OnEpoch));
        if (StopWhen is { } stop)
            hooks = new FS.Hooks(hooks.Measure, hooks.OnEpoch,
                FuncConvert.FromFunc<FSharpList<FS.EpochMetrics>, bool>(epochs => stop(epochs.Select(e => new EpochMetrics(e)).ToArray())), hooks.OnBatch);
        var config = Options.ToFSharp();
        if (ResumeFrom is not null && Checkpoints is null)
            throw new InvalidOperationException("ResumeFrom needs Checkpoints: say where the resumed run saves its checkpoints");
        if (InitialParameters is not null && StopWhen is not null)
            throw new InvalidOperationException("InitialParameters and StopWhen together are not supported: a run from given parameters trains every epoch");
        if (InitialParameters is not null && Checkpoints is not null)
            throw new InvalidOperationException("InitialParameters and Checkpoints together are not supported: a checkpointed run starts from the seed's parameters or resumes from a checkpoint");
        return new TrainedRun(ModelCheckException.Translate(() =>
            Checkpoints is not null
                ? FS.Train.runCheckpointed(hooks, Checkpoints.ToFSharp(), ResumeFrom is null ? FSharpOption<string>.None : FSharpOption<string>.Some(ResumeFrom), config, Model.Value, Data)
                : InitialParameters is not null
                    ? FS.Train.runFrom(InitialParameters.Value, hooks.OnEpoch, config, Model.Value, Data)
                    : FS.Train.runHooked(hooks, config, Model.Value, Data)));
    }
}
