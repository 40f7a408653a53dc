using FS = TargetProp.Dsl;

namespace TargetProp.CSharp;

/// <summary>Step 2 of a rule: the first target, and where it is set (the F# <see cref="FS.Top"/>).</summary>
public sealed class Top : FSharpValue<FS.Top>
{
    /// <summary>Wraps an F# top target.</summary>
    /// <param name="value">The F# value.</param>
    public Top(FS.Top value) : base(value) { }

    /// <summary>ĥ_L = h_L − η ∂ℓ/∂h_L at the output layer.</summary>
    /// <param name="eta">η, the step.</param>
    public static Top GradientStep(double eta) => new(FS.TopModule.gradientStep(eta));

    /// <summary>ĥ_L = y: the label itself, no gradient (Bartunov et al. 2018).</summary>
    public static Top Label { get; } = new(FS.TopModule.label);

    /// <summary>ĥ_L = h_L + β(y − h_L): a step toward the label.</summary>
    /// <param name="beta">β.</param>
    public static Top Blend(double beta) => new(FS.TopModule.blend(beta));

    /// <summary>The same target set at the last hidden layer; the output layer learns by its own gradient (Lee et al. 2015).</summary>
    public Top AtLastHidden() => new(FS.TopModule.atLastHidden(Value));

    /// <summary>With k fixed random auxiliary output features (AO-SDTP).</summary>
    /// <param name="k">The number of features.</param>
    public Top WithAuxiliary(int k) => new(FS.TopModule.withAuxiliary(k, Value));

    /// <summary>With another step: η of a gradient step, β of a blend (a label has none).</summary>
    /// <param name="step">The step.</param>
    public Top WithStep(double step) => new(FS.TopModule.withStep(step, Value));

    /// <summary>Its equation, as the papers write it.</summary>
    public string Equation => Value.Equation;
}
