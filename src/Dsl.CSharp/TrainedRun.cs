using FS = TargetProp.Dsl;

namespace TargetProp.CSharp;

/// <summary>A finished run: its model and options, the per-epoch metrics and the trained parameters (the F# <see cref="FS.Run"/>).</summary>
public sealed class TrainedRun : FSharpValue<FS.Run>
{
    /// <summary>Wraps an F# run.</summary>
    /// <param name="value">The F# value.</param>
    public TrainedRun(FS.Run value) : base(value)
    {
        Epochs = value.Epochs.Select(e => new EpochMetrics(e)).ToArray();
    }

    /// <summary>The model trained.</summary>
    public Model Model => new(Value.Model);

    /// <summary>How it was driven.</summary>
    public TrainingOptions Options => TrainingOptions.FromFSharp(Value.Config);

    /// <summary>The data set's name.</summary>
    public string DataName => Value.Data;

    /// <summary>The metrics of every epoch this run trained, in order.</summary>
    public IReadOnlyList<EpochMetrics> Epochs { get; }

    /// <summary>The trained parameters.</summary>
    public ModelParameters Parameters => new(Value.Parameters);

    /// <summary>The test error after the last epoch (NaN when the run trained none).</summary>
    public double TestError => Epochs.Count > 0 ? Epochs[^1].TestError : double.NaN;
}
