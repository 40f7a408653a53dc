using Microsoft.FSharp.Core;
using FS = TargetProp.Dsl;

namespace TargetProp.CSharp;

/// <summary>
/// Where a run saves its whole state (weights, optimiser states, update counts): a checkpoint in
/// <see cref="Folder"/> after every <see cref="EveryEpochs"/> epochs and after the last, and after every
/// <see cref="EverySteps"/> batches when set, keeping the newest <see cref="Keep"/> (the F# <see cref="FS.Checkpointing"/>).
/// </summary>
/// <param name="Folder">The folder of the checkpoint files (epoch-000002.ckpt, …).</param>
public sealed record CheckpointOptions(string Folder)
{
    /// <summary>Epochs between checkpoints.</summary>
    public int EveryEpochs { get; init; } = 1;

    /// <summary>Batches between checkpoints within an epoch (null: only at epochs' ends).</summary>
    public int? EverySteps { get; init; }

    /// <summary>How many of the newest checkpoints to keep.</summary>
    public int Keep { get; init; } = 2;

    /// <summary>The F# value these options stand for.</summary>
    public FS.Checkpointing ToFSharp() =>
        new(Folder, EveryEpochs, EverySteps is int k ? FSharpOption<int>.Some(k) : FSharpOption<int>.None, Keep);

    /// <summary>The checkpoint files in a folder, newest first (none when the folder does not exist).</summary>
    /// <param name="folder">The folder.</param>
    public static IReadOnlyList<string> List(string folder) => FS.Checkpoint.list(folder).ToArray();

    /// <summary>The newest checkpoint file in a folder, or null when it holds none.</summary>
    /// <param name="folder">The folder.</param>
    public static string? Latest(string folder) => List(folder).FirstOrDefault();
}
