using TargetProp.Runtime.Optim;

namespace TargetProp.Runtime;

/// <summary>p ← update(p, ∂L/∂p) by the parameter's own optimiser state; counts its own steps (Adam's bias correction).</summary>
public sealed class OptimOp(MatrixBuffer parameter, MatrixBuffer gradient, Optimiser optimiser) : Op
{
    private readonly float[] state = new float[optimiser.StateSlots * parameter.Data.Length];
    private long steps;

    public override void Run(StepContext context) =>
        optimiser.Step(parameter.All, gradient.All, state, ++steps);

    public override void Reset()
    {
        Array.Clear(state);
        steps = 0;
    }

    public override string ToString() => $"{parameter.Name} ← {optimiser}({gradient.Name})";
}
