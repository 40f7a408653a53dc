using FS = TargetProp.Dsl;

namespace TargetProp.CSharp;

/// <summary>
/// A layer's unit σ in h_l = σ(W_l h_{l-1} + b_l): the F# <see cref="FS.Nonlinearity"/> under a C# name. Discrete and
/// stochastic units (<see cref="Sign"/>, <see cref="Step"/>, <see cref="Bernoulli"/>) pass targets, not derivatives.
/// </summary>
public sealed class Unit : FSharpValue<FS.Nonlinearity>
{
    /// <summary>Wraps an F# unit.</summary>
    /// <param name="value">The F# value.</param>
    public Unit(FS.Nonlinearity value) : base(value) { }

    /// <summary>σ(a) = a.</summary>
    public static Unit Linear { get; } = new(FS.Nonlinearity.Linear);

    /// <summary>σ(a) = tanh a.</summary>
    public static Unit Tanh { get; } = new(FS.Nonlinearity.Tanh);

    /// <summary>σ(a) = 1 / (1 + e^−a).</summary>
    public static Unit Sigmoid { get; } = new(FS.Nonlinearity.Sigmoid);

    /// <summary>σ(a) = max(a, 0).</summary>
    public static Unit Relu { get; } = new(FS.Nonlinearity.Relu);

    /// <summary>σ(a) = min(max(a, −1), 1).</summary>
    public static Unit HardTanh { get; } = new(FS.Nonlinearity.HardTanh);

    /// <summary>p = softmax(a), the output layer only (trained with cross-entropy).</summary>
    public static Unit Softmax { get; } = new(FS.Nonlinearity.Softmax);

    /// <summary>σ(a) = ±1 by the sign of a (relaxation tanh a).</summary>
    public static Unit Sign { get; } = new(FS.Nonlinearity.Sign);

    /// <summary>σ(a) = 1 if a &gt; 0, else 0 (relaxation sigmoid a).</summary>
    public static Unit Step { get; } = new(FS.Nonlinearity.Step);

    /// <summary>h ~ Bernoulli(sigmoid a), drawn from the counter-based generator.</summary>
    public static Unit Bernoulli { get; } = new(FS.Nonlinearity.Bernoulli);

    /// <summary>σ(a) = tanh(k·a): a steep unit for a gain k &gt; 1.</summary>
    /// <param name="gain">k, greater than 0.</param>
    public static Unit SteepTanh(double gain) => new(FS.Nonlinearity.NewSteepTanh(gain));

    /// <summary>Whether σ has a derivative a rule may use.</summary>
    public bool Differentiable => Value.Differentiable;

    /// <summary>Whether σ takes finitely many values.</summary>
    public bool Discrete => Value.Discrete;

    /// <summary>Whether σ draws a random value.</summary>
    public bool Stochastic => Value.Stochastic;
}
