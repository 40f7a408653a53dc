using FS = TargetProp.Dsl;

namespace TargetProp.CSharp;

/// <summary>The named networks (the F# <see cref="FS.Nets"/>; tprop nets).</summary>
public static class Nets
{
    /// <summary>Lee et al. 2015's network: 784-240×7-10, tanh hidden layers, softmax output.</summary>
    public static Net Lee2015 { get; } = new(FS.Nets.lee2015);

    /// <summary>Lee et al. 2015's discrete network: 784-500-500-10, layer 2 reading sign(h1).</summary>
    public static Net Lee2015Discrete { get; } = new(FS.Nets.lee2015Discrete);

    /// <summary>Lee et al. 2015's stochastic network: 784-200-200-10 Bernoulli units.</summary>
    public static Net Lee2015Stochastic { get; } = new(FS.Nets.lee2015Stochastic);

    /// <summary>Bartunov et al. 2018's MNIST network: 784-256×5-10 tanh.</summary>
    public static Net Bartunov2018Fc { get; } = new(FS.Nets.bartunov2018Fc);

    /// <summary>Meulemans et al. 2020's network: 784-256×5-10 tanh.</summary>
    public static Net Meulemans2020 { get; } = new(FS.Nets.meulemans2020);

    /// <summary>Every named network.</summary>
    public static IReadOnlyList<Net> All { get; } = FS.Nets.all.Select(n => new Net(n)).ToArray();

    /// <summary>The network of that name.</summary>
    /// <param name="name">lee2015, meulemans2020, ….</param>
    /// <exception cref="ArgumentException">No network has that name; the message lists the names.</exception>
    public static Net Find(string name)
    {
        var found = FS.Nets.tryFind(name);
        return found.IsOk ? new Net(found.ResultValue) : throw new ArgumentException(found.ErrorValue, nameof(name));
    }

    /// <summary>features-(width×count)-classes: <paramref name="count"/> hidden layers of one unit, softmax output.</summary>
    /// <param name="features">The input's width.</param>
    /// <param name="count">The hidden layers.</param>
    /// <param name="width">Their width.</param>
    /// <param name="unit">Their unit.</param>
    /// <param name="classes">The output's width.</param>
    public static Stack Mlp(int features, int count, int width, Unit unit, int classes) =>
        new(FS.Nets.mlp(features, count, width, (unit ?? throw new ArgumentNullException(nameof(unit))).Value, classes));
}
