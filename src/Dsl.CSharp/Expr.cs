using FS = TargetProp.Dsl;

namespace TargetProp.CSharp;

/// <summary>
/// A target expression: how the target ĥ_{l-1} of layer l-1 is made from the values and targets around it, the F#
/// <see cref="FS.Expr"/> with C# operators. DTP's difference propagation ĥ_{l-1} = h_{l-1} + g_l(ĥ_l) − g_l(h_l) reads
/// <c>Expr.Below + Expr.G(Expr.Target) - Expr.G(Expr.Here)</c>; what C# cannot write as an operator is a method:
/// <see cref="Times"/> (F# .*) and <see cref="Concat"/> (F# ++).
/// </summary>
public sealed class Expr : FSharpValue<FS.Expr>
{
    /// <summary>Wraps an F# expression.</summary>
    /// <param name="value">The F# value.</param>
    public Expr(FS.Expr value) : base(value) { }

    /// <summary>h_{l-1}: the value of the layer below.</summary>
    public static Expr Below { get; } = new(FS.Terms.below);

    /// <summary>h_l: this layer's value.</summary>
    public static Expr Here { get; } = new(FS.Terms.here);

    /// <summary>ĥ_l: this layer's target.</summary>
    public static Expr Target { get; } = new(FS.Terms.target);

    /// <summary>h_T: the top layer's value (direct rules).</summary>
    public static Expr Out { get; } = new(FS.Terms.@out);

    /// <summary>ĥ_T: the top target (direct rules).</summary>
    public static Expr OutTarget { get; } = new(FS.Terms.outTarget);

    /// <summary>σ·z, z ~ N(0, I): noise in the space the expression puts it in.</summary>
    /// <param name="sigma">σ.</param>
    public static Expr Noise(double sigma) => new(FS.Terms.noise(sigma));

    /// <summary>s: a named side input ("label": the example's one-hot label).</summary>
    /// <param name="name">The side input's name.</param>
    public static Expr Side(string name) => new(FS.Terms.side(name));

    /// <summary>g_l(e): the feedback map of layer l, to layer l-1's space.</summary>
    /// <param name="e">Its input, in layer l's space (or the top's).</param>
    public static Expr G(Expr e) => new(FS.Terms.g(Of(e)));

    /// <summary>f_l(e): the forward map of layer l, from layer l-1's space.</summary>
    /// <param name="e">Its input, in layer l-1's space.</param>
    public static Expr F(Expr e) => new(FS.Terms.f(Of(e)));

    /// <summary>r_{l-1}(e): layer l-1's conditional auto-encoder (Bengio 2014), e = below, or below concatenated with side inputs.</summary>
    /// <param name="e">Its input.</param>
    public static Expr R(Expr e) => new(FS.Terms.r(Of(e)));

    /// <summary>a + b, element-wise; both in the same space.</summary>
    /// <param name="a">The left operand.</param>
    /// <param name="b">The right operand.</param>
    public static Expr operator +(Expr a, Expr b) => new(Of(a) + Of(b));

    /// <summary>a − b, element-wise; both in the same space.</summary>
    /// <param name="a">The left operand.</param>
    /// <param name="b">The right operand.</param>
    public static Expr operator -(Expr a, Expr b) => new(Of(a) - Of(b));

    /// <summary>k · e, for a scalar k.</summary>
    /// <param name="k">The scalar.</param>
    /// <param name="e">The expression.</param>
    public static Expr operator *(double k, Expr e) => new(k * Of(e));

    /// <summary>e · k, for a scalar k.</summary>
    /// <param name="e">The expression.</param>
    /// <param name="k">The scalar.</param>
    public static Expr operator *(Expr e, double k) => new(Of(e) * k);

    /// <summary>this ⊙ other, the element-wise product (F#: a .* b); both in the same space.</summary>
    /// <param name="other">The other factor.</param>
    public Expr Times(Expr other) => new(FS.Expr.op_DotMultiply(Value, Of(other)));

    /// <summary>[this, other], side by side, as one input of g (F#: a ++ b): <c>Expr.G(Expr.Target.Concat(Expr.Side("label")))</c>
    /// is g_l(ĥ_l, s).</summary>
    /// <param name="other">The value beside this one.</param>
    public Expr Concat(Expr other) => new(FS.Expr.op_PlusPlus(Value, Of(other)));

    /// <summary>The equation it gives: ĥ_{l-1} = h_{l-1} + g_l(ĥ_l) − g_l(h_l).</summary>
    public string Equation => FS.ExprModule.equation(Value);

    private static FS.Expr Of(Expr e) => (e ?? throw new ArgumentNullException(nameof(e))).Value;
}
