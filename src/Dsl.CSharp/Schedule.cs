using FS = TargetProp.Dsl;

namespace TargetProp.CSharp;

/// <summary>The order of forward and feedback updates (the F# <see cref="FS.Schedule"/>).</summary>
public enum Schedule
{
    /// <summary>Each epoch: passes of feedback updates over all batches, then one pass of forward updates (Lee et al.).</summary>
    Alternating,
    /// <summary>Each batch: one forward pass, then both updates from it.</summary>
    Parallel,
    /// <summary>Each batch: the feedback updates, then the forward update (Ernoult et al. 2022).</summary>
    Interleaved,
}

/// <summary>What stands in for a derivative through a discrete or stochastic unit (the F# <see cref="FS.ThroughDiscrete"/>).</summary>
public enum ThroughDiscrete
{
    /// <summary>Nothing: the check refuses a rule that would need one.</summary>
    Refuse,
    /// <summary>The straight-through estimator: the derivative of the unit's relaxation.</summary>
    StraightThrough,
    /// <summary>Zero: credit stops at the unit.</summary>
    NoGradient,
    /// <summary>Train the continuous net, evaluate with the units in place.</summary>
    ContinuousTraining,
}

/// <summary>The enums' F# values, each mapped in one place.</summary>
internal static class Enums
{
    internal static FS.Schedule ToFSharp(this Schedule s) => s switch
    {
        Schedule.Alternating => FS.Schedule.Alternating,
        Schedule.Parallel => FS.Schedule.Parallel,
        Schedule.Interleaved => FS.Schedule.Interleaved,
        _ => throw new ArgumentOutOfRangeException(nameof(s), s, "not a schedule"),
    };

    internal static FS.ThroughDiscrete ToFSharp(this ThroughDiscrete t) => t switch
    {
        ThroughDiscrete.Refuse => FS.ThroughDiscrete.Refuse,
        ThroughDiscrete.StraightThrough => FS.ThroughDiscrete.StraightThrough,
        ThroughDiscrete.NoGradient => FS.ThroughDiscrete.NoGradient,
        ThroughDiscrete.ContinuousTraining => FS.ThroughDiscrete.ContinuousTraining,
        _ => throw new ArgumentOutOfRangeException(nameof(t), t, "not a stand-in for derivatives"),
    };
}
