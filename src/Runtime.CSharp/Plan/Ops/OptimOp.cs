using System.Numerics.Tensors;
using TargetProp.Runtime.Optim;

namespace TargetProp.Runtime;

/// <summary>p ← update(p, ∂L/∂p) by the parameter's own optimiser state, over the whole parameter or the elements
/// first .. first + count − 1 (a piece of a large matrix, so its update can share out over workers; every element's
/// update is independent). Counts its own steps (Adam's bias correction). Every 8th step it checks the updated
/// elements, still in cache, for NaN and ∞ (one TensorPrimitives pass; every step cost ~8 % of a dtp epoch), and
/// CheckFinite checks them on demand (the training loop, before an epoch is logged or saved): a diverging run stops
/// within 8 updates of the damage (NonFiniteException).</summary>
public sealed class OptimOp : Op
{
    private readonly MatrixBuffer parameter;
    private readonly MatrixBuffer gradient;
    private readonly Optimiser optimiser;
    private readonly int first;
    private readonly int count;
    private readonly float[] state;
    private long steps;

    /// <summary>Updates the whole <paramref name="parameter"/> from its <paramref name="gradient"/> (as long as it) by
    /// <paramref name="optimiser"/>, from zeroed state.</summary>
    public OptimOp(MatrixBuffer parameter, MatrixBuffer gradient, Optimiser optimiser)
        : this(parameter, gradient, optimiser, 0, parameter.Data.Length)
    {
    }

    /// <summary>Updates elements <paramref name="first"/> .. first + <paramref name="count"/> − 1 of
    /// <paramref name="parameter"/> from the same elements of its <paramref name="gradient"/> (as long as it) by
    /// <paramref name="optimiser"/>, from zeroed state: a piece, so that one matrix's pieces can run
    /// on different workers.</summary>
    public OptimOp(MatrixBuffer parameter, MatrixBuffer gradient, Optimiser optimiser, int first, int count)
    {
        if (first < 0 || count < 0 || first + count > parameter.Data.Length || gradient.Data.Length != parameter.Data.Length)
            throw new ArgumentOutOfRangeException(nameof(count), $"OptimOp: elements {first}..{first + count} of {parameter} (gradient {gradient}) are out of range.");
        this.parameter = parameter;
        this.gradient = gradient;
        this.optimiser = optimiser;
        this.first = first;
        this.count = count;
        state = new float[optimiser.StateSlots * count];
    }

    /// <summary>The optimiser's state: slot k of element i at [k·count + i] (what a checkpoint saves).</summary>
    public Span<float> State => state;

    /// <summary>Steps taken so far (Adam's bias correction reads it).</summary>
    public long Steps
    {
        get => steps;
        set => steps = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, $"{this}: steps must be 0 or more.");
    }

    /// <summary>The parameter it updates.</summary>
    public MatrixBuffer Parameter => parameter;

    /// <summary>The first of the parameter's elements it updates.</summary>
    public int First => first;

    /// <summary>How many of the parameter's elements it updates, from <see cref="First"/>.</summary>
    public int Count => count;

    /// <summary>State values per element (the optimiser's slots: 2 for Adam's m and v, 0 for plain SGD).</summary>
    public int Slots => optimiser.StateSlots;

    /// <summary>One step of the optimiser on its elements (the step count goes up by 1); every 8th step then
    /// <see cref="CheckFinite"/>.</summary>
    public override void Run(StepContext context)
    {
        using var profiled = Profile.Time(ProfileKind.Optimiser);
        var p = parameter.Data.AsSpan(first, count);
        optimiser.Step(p, gradient.Data.AsSpan(first, count), state, ++steps);
        if ((steps & 7) == 0)
            CheckFinite();
    }

    /// <summary>Raises NonFiniteException if the elements it updates hold NaN or ∞.</summary>
    public void CheckFinite()
    {
        if (!TensorPrimitives.IsFiniteAll<float>(parameter.Data.AsSpan(first, count)))
            ThrowHelper.NonFinite(parameter.Name, steps, TensorPrimitives.IsFiniteAll<float>(gradient.Data.AsSpan(first, count)));
    }

    /// <summary>Zeroes the optimiser's state and the step count, as for a fresh run.</summary>
    public override void Reset()
    {
        Array.Clear(state);
        steps = 0;
    }

    /// <summary>The op as its update, p ← optimiser(∂p) with the buffers' names and the optimiser's settings, and the
    /// element range of a piece.</summary>
    public override string ToString() =>
        count == parameter.Data.Length ? $"{parameter.Name} ← {optimiser}({gradient.Name})"
        : $"{parameter.Name}[{first}..{first + count}) ← {optimiser}({gradient.Name})";
}
