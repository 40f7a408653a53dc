namespace TargetProp.Dsl

/// A propagation expression: how a target for layer l-1 is made from layer l's activation and target.
/// Terms live in one of two spaces, layer l-1's ("below") or layer l's ("here", "target"); g_l maps layer l's
/// space to layer l-1's. Built once as a value, shape-checked when the model is compiled, lowered to kernels,
/// evaluated by the float64 reference, and printed back as the equation.
type Expr =
    /// h_{l-1}: the activation of the layer below.
    | Below
    /// h_l: this layer's activation.
    | Here
    /// ĥ_l: this layer's target.
    | Target
    /// g_l(e): the feedback map of layer l applied to an expression in layer l's space.
    | G of Expr
    | Add of Expr * Expr
    | Subtract of Expr * Expr
    | Scale of float * Expr

    /// a + b, element-wise; both in the same space.
    static member (+)(a: Expr, b: Expr) = Add(a, b)
    /// a − b, element-wise; both in the same space.
    static member (-)(a: Expr, b: Expr) = Subtract(a, b)
    /// k · e, for a scalar k.
    static member (*)(k: float, e: Expr) = Scale(k, e)
    /// e · k, for a scalar k.
    static member (*)(e: Expr, k: float) = Scale(k, e)

    /// The expression as the code that builds it: below + g target - g here.
    override e.ToString() = Expr.Render(e, false)

    static member internal Render(e: Expr, equation: bool) =
        let rec go prec e =
            let paren p s = if prec > p then "(" + s + ")" else s
            match e with
            | Below -> if equation then "h_{l-1}" else "below"
            | Here -> if equation then "h_l" else "here"
            | Target -> if equation then "ĥ_l" else "target"
            | G x -> if equation then sprintf "g_l(%s)" (go 0 x) else "g " + go 3 x
            | Add(a, b) -> paren 1 (go 1 a + " + " + go 1 b)
            | Subtract(a, b) -> paren 1 (go 1 a + (if equation then " − " else " - ") + go 2 b)
            | Scale(k, x) -> paren 2 (sprintf "%g%s%s" k (if equation then "·" else " * ") (go 3 x))
        go 0 e

/// The two spaces an expression's value can live in.
type Space =
    /// layer l-1's units
    | BelowSpace
    /// layer l's units
    | HereSpace

/// The terms and operations of the propagation language, opened with TargetProp.Dsl.
[<AutoOpen>]
module Terms =
    /// h_{l-1}
    let below = Below
    /// h_l
    let here = Here
    /// ĥ_l
    let target = Target
    /// g_l(e): the feedback (decoder) of layer l, from layer l's space to layer l-1's.
    let g (e: Expr) = G e

module Expr =
    /// The equation for the target of layer l-1: ĥ_{l-1} = h_{l-1} + g_l(ĥ_l) − g_l(h_l).
    let equation (e: Expr) = "ĥ_{l-1} = " + Expr.Render(e, true)

    /// The space of e's value, or a message that quotes the offending part of e.
    let rec space (e: Expr) : Result<Space, string> =
        let same what a b =
            match space a, space b with
            | Ok sa, Ok sb when sa = sb -> Ok sa
            | Ok sa, Ok sb ->
                Error(sprintf "'%O' %s '%O', but the first is in %A and the second in %A" a what b sa sb)
            | (Error m, _)
            | (_, Error m) -> Error m
        match e with
        | Below -> Ok BelowSpace
        | Here
        | Target -> Ok HereSpace
        | G x ->
            match space x with
            | Ok HereSpace -> Ok BelowSpace
            | Ok BelowSpace -> Error(sprintf "'%O' applies g to a value in layer l-1's space; g_l maps layer l to layer l-1" e)
            | Error m -> Error m
        | Add(a, b) -> same "adds" a b
        | Subtract(a, b) -> same "subtracts" a b
        | Scale(_, x) -> space x

    /// Whether e uses the feedback map g.
    let rec usesFeedback (e: Expr) =
        match e with
        | G _ -> true
        | Below | Here | Target -> false
        | Add(a, b) | Subtract(a, b) -> usesFeedback a || usesFeedback b
        | Scale(_, x) -> usesFeedback x

    /// Whether e reads the target ĥ_l (otherwise it can be computed before the targets are known).
    let rec usesTarget (e: Expr) =
        match e with
        | Target -> true
        | Below | Here -> false
        | G x | Scale(_, x) -> usesTarget x
        | Add(a, b) | Subtract(a, b) -> usesTarget a || usesTarget b

    /// e as a linear combination Σ cᵢ·atomᵢ, where an atom is a term or a g application; equal atoms are merged.
    let linearTerms (e: Expr) : (float * Expr) list =
        let rec go k e =
            match e with
            | Add(a, b) -> go k a @ go k b
            | Subtract(a, b) -> go k a @ go (-k) b
            | Scale(c, x) -> go (k * c) x
            | atom -> [ (k, atom) ]
        go 1.0 e
        |> List.groupBy snd
        |> List.map (fun (atom, xs) -> (List.sumBy fst xs, atom))
        |> List.filter (fun (c, _) -> c <> 0.0)
