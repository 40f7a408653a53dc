using FS = TargetProp.Dsl;

namespace TargetProp.CSharp;

/// <summary>Step 3 of a rule: how targets move down from layer l to layer l-1 (the F# <see cref="FS.Propagation"/>).</summary>
public sealed class Propagation : FSharpValue<FS.Propagation>
{
    /// <summary>Wraps an F# propagation.</summary>
    /// <param name="value">The F# value.</param>
    public Propagation(FS.Propagation value) : base(value) { }

    /// <summary>Propagation by an expression: <c>Propagation.By(Expr.Below + Expr.G(Expr.Target) - Expr.G(Expr.Here))</c>.</summary>
    /// <param name="e">ĥ_{l-1} as an expression.</param>
    public static Propagation By(Expr e) => new(FS.Propagate.by((e ?? throw new ArgumentNullException(nameof(e))).Value));

    /// <summary>Exact derivatives: back-propagation written as targets.</summary>
    public static Propagation Gradient { get; } = new(FS.Propagate.gradient);

    /// <summary>ĥ_{l-1} = g_l(ĥ_l): g as an approximate inverse (Bengio 2014).</summary>
    public static Propagation Invert { get; } = new(FS.Propagate.invert);

    /// <summary>ĥ_{l-1} = h_{l-1} + g_l(ĥ_l) − g_l(h_l) (Lee et al. 2015).</summary>
    public static Propagation Difference { get; } = new(FS.Propagate.difference);

    /// <summary>ĥ_{l-1} = h_{l-1} + g_l(ĥ_L) − g_l(h_L): direct feedback from the top (Meulemans et al. 2020).</summary>
    public static Propagation Direct { get; } = new(FS.Propagate.direct);

    /// <summary>ĥ_{l-1} = r_{l-1}(h_{l-1}, s): the conditional auto-encoder's reconstruction given side input s.</summary>
    /// <param name="side">The side input's name.</param>
    public static Propagation Conditional(string side) => new(FS.Target.conditional(side));

    /// <summary>ĥ_{l-1} = β·a + (1 − β)·b, for two propagations by expressions.</summary>
    /// <param name="beta">β.</param>
    /// <param name="a">The first propagation.</param>
    /// <param name="b">The second propagation.</param>
    public static Propagation Mix(double beta, Propagation a, Propagation b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return new(FS.Target.mix(beta, a.Value, b.Value));
    }

    /// <summary>Its equation, as the papers write it.</summary>
    public string Equation => Value.Equation;
}
