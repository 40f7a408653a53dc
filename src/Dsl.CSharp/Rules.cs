using FS = TargetProp.Dsl;

namespace TargetProp.CSharp;

/// <summary>The preset rules, each its paper's (the F# <see cref="FS.Rules"/>; README.md's table).</summary>
public static class Rules
{
    /// <summary>Back-propagation as a target rule.</summary>
    public static Rule Bp { get; } = new(FS.Rules.bp);

    /// <summary>Target propagation, Bengio 2014: ĥ_{l-1} = g_l(ĥ_l).</summary>
    public static Rule Tp { get; } = new(FS.Rules.tp);

    /// <summary>Difference target propagation, Lee et al. 2015: ĥ_{l-1} = h_{l-1} + g_l(ĥ_l) − g_l(h_l).</summary>
    public static Rule Dtp { get; } = new(FS.Rules.dtp);

    /// <summary>Simplified DTP, Bartunov et al. 2018: the label as top target.</summary>
    public static Rule Sdtp { get; } = new(FS.Rules.sdtp);

    /// <summary>SDTP with auxiliary output features, Bartunov et al. 2018.</summary>
    public static Rule AoSdtp { get; } = new(FS.Rules.aoSdtp);

    /// <summary>Direct DTP with linear feedback, Meulemans et al. 2020.</summary>
    public static Rule DdtpLinear { get; } = new(FS.Rules.ddtpLinear);

    /// <summary>DTP with the difference reconstruction loss, Meulemans et al. 2020.</summary>
    public static Rule Drl { get; } = new(FS.Rules.drl);

    /// <summary>DTP with the local difference reconstruction loss, Ernoult et al. 2022.</summary>
    public static Rule Ldrl { get; } = new(FS.Rules.ldrl);

    /// <summary>DTP with fixed random feedback weights, Shibuya et al. 2023.</summary>
    public static Rule FwDtp { get; } = new(FS.Rules.fwDtp);

    /// <summary>Every preset.</summary>
    public static IReadOnlyList<Rule> All { get; } = FS.Rules.all.Select(r => new Rule(r)).ToArray();

    /// <summary>The preset of that name (as <c>tprop rules</c> lists them).</summary>
    /// <param name="name">dtp, drl, ….</param>
    /// <exception cref="ArgumentException">No preset has that name; the message lists the names.</exception>
    public static Rule Find(string name)
    {
        var found = FS.Rules.tryFind(name);
        return found.IsOk ? new Rule(found.ResultValue) : throw new ArgumentException(found.ErrorValue, nameof(name));
    }
}
