using FS = TargetProp.Dsl;

namespace TargetProp.CSharp;

/// <summary>
/// A target rule (the F# <see cref="FS.Rule"/>): a top target, a propagation, a local loss and a feedback training,
/// with its paper's settings. From the presets (<see cref="Rules"/>) or parts (<see cref="Create"/>); each With…
/// returns a new rule.
/// </summary>
public sealed class Rule : FSharpValue<FS.Rule>
{
    /// <summary>Wraps an F# rule.</summary>
    /// <param name="value">The F# value.</param>
    public Rule(FS.Rule value) : base(value) { }

    /// <summary>A rule from its parts, with Lee et al.'s local loss and settings as defaults.</summary>
    /// <param name="name">Its name.</param>
    /// <param name="top">The top target (step 2).</param>
    /// <param name="propagation">The propagation (step 3).</param>
    /// <param name="feedback">The feedback training (step 5).</param>
    public static Rule Create(string name, Top top, Propagation propagation, Feedback feedback)
    {
        ArgumentNullException.ThrowIfNull(top);
        ArgumentNullException.ThrowIfNull(propagation);
        ArgumentNullException.ThrowIfNull(feedback);
        return new(FS.RuleModule.create(name, top.Value, propagation.Value, feedback.Value));
    }

    /// <summary>Its name.</summary>
    public string Name => Value.Name;

    /// <summary>Its top target.</summary>
    public Top Top => new(Value.Top);

    /// <summary>Its propagation.</summary>
    public Propagation Propagation => new(Value.Propagation);

    /// <summary>Its feedback training.</summary>
    public Feedback Feedback => new(Value.Feedback);

    /// <summary>The rule under another name.</summary>
    /// <param name="name">The name.</param>
    public Rule WithName(string name) => new(FS.RuleModule.withName(name, Value));

    /// <summary>The rule with another top target.</summary>
    /// <param name="top">The top target.</param>
    public Rule WithTop(Top top) => new(FS.RuleModule.withTop((top ?? throw new ArgumentNullException(nameof(top))).Value, Value));

    /// <summary>The rule with another propagation expression: <c>Rules.Dtp.WithPropagation(Expr.Below + 0.5 * (Expr.G(Expr.Target) - Expr.G(Expr.Here)))</c>.</summary>
    /// <param name="e">ĥ_{l-1} as an expression.</param>
    public Rule WithPropagation(Expr e) => new(FS.RuleModule.withPropagation((e ?? throw new ArgumentNullException(nameof(e))).Value, Value));

    /// <summary>The rule with another feedback training.</summary>
    /// <param name="feedback">The feedback training.</param>
    public Rule WithFeedback(Feedback feedback) => new(FS.RuleModule.withFeedback((feedback ?? throw new ArgumentNullException(nameof(feedback))).Value, Value));

    /// <summary>The rule with a fixed τ for every g_l (Linear for DDTP-linear).</summary>
    /// <param name="unit">τ.</param>
    public Rule WithFeedbackActivation(Unit unit) => new(FS.RuleModule.withFeedbackActivation((unit ?? throw new ArgumentNullException(nameof(unit))).Value, Value));

    /// <summary>The rule with every g_l reading its input through a unit u (Sign or Step): g_l(v) = τ(V_l u(v) + c_l).</summary>
    /// <param name="unit">u.</param>
    public Rule WithFeedbackInput(Unit unit) => new(FS.RuleModule.withFeedbackInput((unit ?? throw new ArgumentNullException(nameof(unit))).Value, Value));

    /// <summary>The rule with conditional auto-encoders of <paramref name="width"/> code units (0: the layer's own) trained with noise σ.</summary>
    /// <param name="width">The code width.</param>
    /// <param name="sigma">σ of their noise.</param>
    public Rule WithConditional(int width, double sigma) => new(FS.RuleModule.withConditional(width, sigma, Value));

    /// <summary>Every g_l of the propagation also reads the side input: targets conditioned on it (g x becomes g (x ++ side name)).</summary>
    /// <param name="side">The side input's name, e.g. "label".</param>
    public Rule ConditionedOn(string side) => new(FS.RuleModule.conditionedOn(side, Value));

    /// <summary>Its equation, as the papers write it.</summary>
    public string Equation => Value.Equation;
}
