using Microsoft.FSharp.Core;
using FS = TargetProp.Dsl;

namespace TargetProp.CSharp;

/// <summary>
/// A feed-forward stack of layers, built bottom up: <c>Stack.Input(784).Dense(240, Unit.Tanh, repeat: 7).Dense(10,
/// Unit.Softmax)</c>. Each method returns a new stack (the F# <see cref="FS.Stack"/> with the layer added).
/// </summary>
public sealed class Stack : FSharpValue<FS.Stack>
{
    /// <summary>Wraps an F# stack.</summary>
    /// <param name="value">The F# value.</param>
    public Stack(FS.Stack value) : base(value) { }

    /// <summary>The input layer h_0 = x with <paramref name="features"/> features.</summary>
    /// <param name="features">The width of x.</param>
    public static Stack Input(int features) => new(FS.StackBuilders.input(features));

    /// <summary>Declares a side input s of <paramref name="width"/> values per example, which layers
    /// (<see cref="Reads"/>) and g's (<see cref="Expr.Side"/>) may read; the data supply it
    /// (<see cref="Data.WithSide"/>), except "label", the one-hot label, which is built in.</summary>
    /// <param name="name">The side input's name.</param>
    /// <param name="width">Its values per example.</param>
    public Stack SideInput(string name, int width) => new(FS.StackBuilders.sideInput(name, width, Value));

    /// <summary>Adds <paramref name="repeat"/> fully connected layers h = σ(W h_below + b) of <paramref name="units"/> units.</summary>
    /// <param name="units">The width of each layer.</param>
    /// <param name="unit">Its unit σ.</param>
    /// <param name="repeat">How many such layers (F#: repeat n (dense units unit)).</param>
    public Stack Dense(int units, Unit unit, int repeat = 1)
    {
        ArgumentNullException.ThrowIfNull(unit);
        var dense = FuncConvert.FromFunc<FS.Stack, FS.Stack>(s => FS.StackBuilders.dense(units, unit.Value, s));
        return new(FS.StackBuilders.repeat(repeat, dense, Value));
    }

    /// <summary>The top layer also reads a declared side input: h = σ(W h_below + U s + b).</summary>
    /// <param name="name">The side input's name.</param>
    public Stack Reads(string name) => new(FS.StackBuilders.reads(name, Value));

    /// <summary>The number of layers L (the input, layer 0, not counted).</summary>
    public int Depth => FS.StackModule.depth(Value);

    /// <summary>The width of layer l, l = 0 the input.</summary>
    /// <param name="layer">l, from 0 to <see cref="Depth"/>.</param>
    public int Width(int layer) => FS.StackModule.width(Value, layer);

    /// <summary>The forward maps as equations: "h1 = tanh(W1 x + b1); ...; p = softmax(W8 h7 + b8)".</summary>
    public string Equation => FS.StackModule.equation(Value);
}
