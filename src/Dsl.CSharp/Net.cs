using Microsoft.FSharp.Core;
using FS = TargetProp.Dsl;

namespace TargetProp.CSharp;

/// <summary>A named network as a paper built it, with the settings the paper trained each rule with on it (the F# <see cref="FS.Net"/>).</summary>
public sealed class Net : FSharpValue<FS.Net>
{
    /// <summary>Wraps an F# network.</summary>
    /// <param name="value">The F# value.</param>
    public Net(FS.Net value) : base(value) { }

    /// <summary>Its name (tprop nets).</summary>
    public string Name => Value.Name;

    /// <summary>The paper and code it comes from.</summary>
    public string Source => Value.Source;

    /// <summary>Its stack.</summary>
    public Stack Stack => new(Value.Stack);

    /// <summary>The model of a rule on this network, with the paper's settings for that rule where it published them.</summary>
    /// <param name="rule">The rule.</param>
    /// <param name="through">What stands in for derivatives through its discrete units.</param>
    public Model Configure(Rule rule, ThroughDiscrete through = ThroughDiscrete.Refuse) =>
        new(FSharpFunc<FS.Rule, FS.ThroughDiscrete>.InvokeFast(Value.Configure, (rule ?? throw new ArgumentNullException(nameof(rule))).Value, through.ToFSharp()));

    /// <inheritdoc/>
    public override string ToString() => Name;
}
