namespace TargetProp.Dsl

/// A target expression: how a target for layer l-1 is made from the activations and targets around it.
/// Terms live in one of three spaces: layer l-1's ("below"), layer l's ("here", "target") or the top layer's ("out",
/// "outTarget", for direct rules); f_l maps layer l-1's space to layer l's, and g_l maps layer l's (or, in a direct
/// rule, the top's) to layer l-1's. Built once as a value, shape-checked when the model is compiled, lowered to
/// kernels, evaluated by the float64 reference, and printed back as the equation.
[<CustomEquality; NoComparison>]
type Expr =
    /// h_{l-1}: the value of the layer below in target space (its relaxed value, for a discrete or stochastic unit).
    | Below
    /// h_l: this layer's value in target space.
    | Here
    /// ĥ_l: this layer's target.
    | Target
    /// h_T: the top layer's activation (the layer whose target is set first), for direct rules.
    | Out
    /// ĥ_T: the top target, for direct rules.
    | OutTarget
    /// σ·z, z ~ N(0, I): the step's standard-normal draw for this layer in the space the expression puts it in; every
    /// occurrence in that space is the same draw.
    | Noise of sigma: float
    /// s: a named side input that comes with each example ("label": the one-hot label), for g_l's input.
    | Side of name: string
    /// [a, b]: the two values side by side, as one input of g: g (target ++ side "label") is g_l(ĥ_l, s) =
    /// τ(V_l ĥ_l + S_l s + c_l), V_l and S_l the two blocks of one weight matrix.
    | Concat of Expr * Expr
    /// g_l(e): the feedback map of layer l, from layer l's space (or the top's) to layer l-1's.
    | G of Expr
    /// f_l(e): the forward map of layer l, from layer l-1's space to layer l's.
    | F of Expr
    /// r_{l-1}(e): layer l-1's conditional denoising auto-encoder (Bengio 2014), d_{l-1}(e_{l-1}(h_{l-1}, s)), from
    /// layer l-1's value and side inputs beside it back to layer l-1's space.
    | R of Expr
    | Add of Expr * Expr
    | Subtract of Expr * Expr
    | Scale of float * Expr
    /// a ⊙ b, element-wise.
    | Product of Expr * Expr

    /// a + b, element-wise; both in the same space.
    static member (+): a: Expr * b: Expr -> Expr
    /// a − b, element-wise; both in the same space.
    static member (-): a: Expr * b: Expr -> Expr
    /// k · e, for a scalar k.
    static member (*): k: float * e: Expr -> Expr
    /// e · k, for a scalar k.
    static member (*): e: Expr * k: float -> Expr
    /// a ⊙ b, the element-wise product; both in the same space.
    static member (.*): a: Expr * b: Expr -> Expr
    /// [a, b], side by side: the input of a g that also reads side inputs.
    static member (++): a: Expr * b: Expr -> Expr
    /// Structural equality; two noise terms are the same draw when their σ are equal.
    override Equals: o: obj -> bool
    override GetHashCode: unit -> int
    /// The expression as the code that builds it: below + g target - g here.
    override ToString: unit -> string
    static member internal Render: e: Expr * equation: bool -> string

/// The three spaces an expression's value can live in.
type Space =
    /// layer l-1's units
    | BelowSpace
    /// layer l's units
    | HereSpace
    /// the top layer's units
    | OutSpace
    /// a side input's units
    | SideSpace of string

    /// Named as an error message names it: "layer l-1", "layer l", "the top layer", "side input 'label'".
    override ToString: unit -> string

/// The terms and operations of the target language, opened with TargetProp.Dsl.
[<AutoOpen>]
module Terms =
    /// h_{l-1}
    val below: Expr
    /// h_l
    val here: Expr
    /// ĥ_l
    val target: Expr
    /// h_T, the top layer's activation (direct rules)
    val out: Expr
    /// ĥ_T, the top target (direct rules)
    val outTarget: Expr
    /// σ·z, z ~ N(0, I): noise in whatever space the expression puts it
    val noise: sigma: float -> Expr
    /// A named side input: "label" is the example's one-hot label
    val side: name: string -> Expr
    /// g_l(e): the feedback (decoder) of layer l, to layer l-1's space.
    val g: e: Expr -> Expr
    /// f_l(e): the forward map of layer l, from layer l-1's space.
    val f: e: Expr -> Expr
    /// r_{l-1}(e): layer l-1's conditional auto-encoder, e = below or below ++ side "name" ++ ...: a target for layer
    /// l-1 "towards a representation that is more likely, conditioned on the side information" (Bengio 2014).
    val r: e: Expr -> Expr

/// What an expression is: its equation, spaces, parts and uses.
module Expr =
    /// The equation for the target of layer l-1: ĥ_{l-1} = h_{l-1} + g_l(ĥ_l) − g_l(h_l).
    val equation: e: Expr -> string

    /// The space of e's value (None for noise alone, which takes the space around it), or a message that quotes the
    /// offending part of e.
    val infer: e: Expr -> Result<Space option, string>

    /// The spaces of g's input x, in order: one for a plain value, one per part of a ++ b.
    val domain: x: Expr -> Result<Space list, string>

    /// The spaces of r's input x: layer l-1's, then one per side input beside it; or a message.
    val conditionalDomain: x: Expr -> Result<Space list, string>

    /// The space of e's value, or a message; noise alone counts as layer l-1's space.
    val space: e: Expr -> Result<Space, string>

    /// Every sub-expression of e, e first.
    val subterms: e: Expr -> Expr list

    /// Whether e uses the feedback map g.
    val usesFeedback: e: Expr -> bool

    /// Whether e reads the target ĥ_l (then it is part of the top-down chain).
    val usesTarget: e: Expr -> bool

    /// Whether e reads the top target ĥ_T (then it waits for the top target, but not for the chain).
    val usesOutTarget: e: Expr -> bool

    /// Whether e draws noise.
    val usesNoise: e: Expr -> bool

    /// Whether e applies a conditional auto-encoder r.
    val usesConditional: e: Expr -> bool

    /// The distinct inputs r is given in e (each as conditionalDomain gives it).
    val conditionalDomains: e: Expr -> Space list list

    /// The distinct input domains g is applied to in e: [HereSpace] for layer-wise feedback, [OutSpace] for direct
    /// feedback, with SideSpace parts for side inputs.
    val feedbackDomains: e: Expr -> Space list list

    /// The side inputs e reads.
    val sides: e: Expr -> string list

    /// e as a linear combination Σ cᵢ·atomᵢ, where an atom is a term, a draw, a g or f application or a product;
    /// equal atoms are merged.
    val linearTerms: e: Expr -> (float * Expr) list

    /// e with every g application also reading the side input: g x becomes g (x ++ side name), so the targets are
    /// conditioned on it (Bengio 2014's conditional decoders).
    val conditionOn: name: string -> e: Expr -> Expr
