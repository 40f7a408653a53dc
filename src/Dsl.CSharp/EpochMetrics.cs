using Microsoft.FSharp.Core;
using FS = TargetProp.Dsl;

namespace TargetProp.CSharp;

/// <summary>What one epoch measured (the F# <see cref="FS.EpochMetrics"/>). Errors are fractions in [0, 1].</summary>
public sealed class EpochMetrics : FSharpValue<FS.EpochMetrics>
{
    /// <summary>Wraps F# metrics.</summary>
    /// <param name="value">The F# value.</param>
    public EpochMetrics(FS.EpochMetrics value) : base(value)
    {
        var diagnostics = new Dictionary<string, double>();
        foreach (var d in value.Diagnostics) diagnostics[d.Item1] = d.Item2;
        Diagnostics = diagnostics;
    }

    /// <summary>The epoch, from 1.</summary>
    public int Epoch => Value.Epoch;

    /// <summary>The mean training loss of the epoch's forward updates.</summary>
    public double TrainLoss => Value.TrainLoss;

    /// <summary>The training error of the epoch's forward updates.</summary>
    public double TrainError => Value.TrainError;

    /// <summary>The test error after the epoch.</summary>
    public double TestError => Value.TestError;

    /// <summary>The validation error after the epoch, when the run holds a validation split out; otherwise null.</summary>
    public double? ValidationError => FSharpOption<double>.get_IsSome(Value.ValidationError) ? Value.ValidationError.Value : null;

    /// <summary>The epoch's training wall time in seconds (evaluation excluded).</summary>
    public double Seconds => Value.Seconds;

    /// <summary>The per-layer diagnostics (angle_bp_l, recon_l, …) and a run's own measures, when measured.</summary>
    public IReadOnlyDictionary<string, double> Diagnostics { get; }

    /// <summary>The progress line tprop prints: "epoch   2/10  train loss 0.4120  train error  11.60 %  test error  10.20 %  1.27 s".</summary>
    /// <param name="epochs">The run's epochs.</param>
    public string ToLine(int epochs) => FS.Report.epochLine(epochs, Value);
}
