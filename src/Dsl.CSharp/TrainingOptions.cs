using Microsoft.FSharp.Core;
using FS = TargetProp.Dsl;

namespace TargetProp.CSharp;

/// <summary>How a run is driven (the F# <see cref="FS.TrainConfig"/>); unset properties keep F#'s Train.defaults:
/// batch 100, one thread, seed 1, 10 epochs. The same Seed and Threads give the same numbers.</summary>
public sealed record TrainingOptions
{
    private static readonly FS.TrainConfig s_defaults = FS.Train.defaults;

    /// <summary>The epochs to train.</summary>
    public int Epochs { get; init; } = s_defaults.Epochs;

    /// <summary>Examples per batch.</summary>
    public int Batch { get; init; } = s_defaults.Batch;

    /// <summary>The seed of the parameters, the data order and the noise.</summary>
    public int Seed { get; init; } = s_defaults.Seed;

    /// <summary>Threads (1 and 2 give bit-identical weights).</summary>
    public int Threads { get; init; } = s_defaults.Threads;

    /// <summary>Use only the first n training examples (null: all).</summary>
    public int? LimitTrain { get; init; }

    /// <summary>Hold out the last n of those training examples as a validation split (0: none).</summary>
    public int Validation { get; init; } = s_defaults.Validation;

    /// <summary>Measure the per-layer diagnostics after every epoch (<see cref="EpochMetrics.Diagnostics"/>).</summary>
    public bool Diagnostics { get; init; } = s_defaults.Diagnostics;

    /// <summary>The F# value these options stand for.</summary>
    public FS.TrainConfig ToFSharp() =>
        new(Epochs, Batch, Seed, Threads, LimitTrain is int n ? FSharpOption<int>.Some(n) : FSharpOption<int>.None, Validation, Diagnostics);

    /// <summary>The options an F# TrainConfig stands for.</summary>
    /// <param name="c">The F# value.</param>
    public static TrainingOptions FromFSharp(FS.TrainConfig c) => new()
    {
        Epochs = c.Epochs,
        Batch = c.Batch,
        Seed = c.Seed,
        Threads = c.Threads,
        LimitTrain = FSharpOption<int>.get_IsSome(c.LimitTrain) ? c.LimitTrain.Value : null,
        Validation = c.Validation,
        Diagnostics = c.Diagnostics,
    };
}
