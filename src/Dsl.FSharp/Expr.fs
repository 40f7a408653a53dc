namespace TargetProp.Dsl

/// A target expression: how a target for layer l-1 is made from the activations and targets around it.
/// Terms live in one of three spaces: layer l-1's ("below"), layer l's ("here", "target") or the top layer's ("out",
/// "outTarget", for direct rules); f_l maps layer l-1's space to layer l's, and g_l maps layer l's (or, in a direct
/// rule, the top's) to layer l-1's. Built once as a value, shape-checked when the model is compiled, lowered to
/// kernels, evaluated by the float64 reference, and printed back as the equation.
[<CustomEquality; NoComparison>]
type Expr =
    /// h_{l-1}: the activation of the layer below.
    | Below
    /// h_l: this layer's activation.
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
    /// τ(V_l ĥ_l + R_l s + c_l), V_l and R_l the two blocks of one weight matrix.
    | Concat of Expr * Expr
    /// g_l(e): the feedback map of layer l, from layer l's space (or the top's) to layer l-1's.
    | G of Expr
    /// f_l(e): the forward map of layer l, from layer l-1's space to layer l's.
    | F of Expr
    | Add of Expr * Expr
    | Subtract of Expr * Expr
    | Scale of float * Expr
    /// a ⊙ b, element-wise.
    | Product of Expr * Expr

    /// a + b, element-wise; both in the same space.
    static member (+)(a: Expr, b: Expr) = Add(a, b)
    /// a − b, element-wise; both in the same space.
    static member (-)(a: Expr, b: Expr) = Subtract(a, b)
    /// k · e, for a scalar k.
    static member (*)(k: float, e: Expr) = Scale(k, e)
    /// e · k, for a scalar k.
    static member (*)(e: Expr, k: float) = Scale(k, e)
    /// a ⊙ b, the element-wise product; both in the same space.
    static member (.*)(a: Expr, b: Expr) = Product(a, b)
    /// [a, b], side by side: the input of a g that also reads side inputs.
    static member (++)(a: Expr, b: Expr) = Concat(a, b)

    // Structural equality, by hand because Noise carries a float: two draws are the same term when their σ are equal.
    override e.Equals(o: obj) =
        match o with
        | :? Expr as x -> Expr.Same(e, x)
        | _ -> false

    override e.GetHashCode() = hash (string e)

    static member private Same(a: Expr, b: Expr) =
        match a, b with
        | Below, Below | Here, Here | Target, Target | Out, Out | OutTarget, OutTarget -> true
        | Noise s, Noise t -> s = t
        | Side a, Side b -> a = b
        | G x, G y | F x, F y -> Expr.Same(x, y)
        | Add(a1, a2), Add(b1, b2) | Subtract(a1, a2), Subtract(b1, b2) | Product(a1, a2), Product(b1, b2)
        | Concat(a1, a2), Concat(b1, b2) ->
            Expr.Same(a1, b1) && Expr.Same(a2, b2)
        | Scale(k, x), Scale(j, y) -> k = j && Expr.Same(x, y)
        | _ -> false

    /// The expression as the code that builds it: below + g target - g here.
    override e.ToString() = Expr.Render(e, false)

    static member internal Render(e: Expr, equation: bool) =
        let rec go prec e =
            let paren p s = if prec > p then "(" + s + ")" else s
            let call name x = if equation then sprintf "%s_l(%s)" name (go 0 x) else name + " " + go 4 x
            match e with
            | Below -> if equation then "h_{l-1}" else "below"
            | Here -> if equation then "h_l" else "here"
            | Target -> if equation then "ĥ_l" else "target"
            | Out -> if equation then "h_L" else "out"
            | OutTarget -> if equation then "ĥ_L" else "outTarget"
            | Noise s -> if equation then sprintf "%gε" s else paren 3 (sprintf "noise %g" s)
            | Side n -> if equation then sprintf "s_%s" n else paren 3 (sprintf "side \"%s\"" n)
            | Concat(a, b) -> if equation then sprintf "[%s, %s]" (go 0 a) (go 0 b) else paren 1 (go 1 a + " ++ " + go 2 b)
            | G x -> call "g" x
            | F x -> call "f" x
            | Add(a, b) -> paren 1 (go 1 a + " + " + go 1 b)
            | Subtract(a, b) -> paren 1 (go 1 a + (if equation then " − " else " - ") + go 2 b)
            | Scale(k, x) -> paren 2 (sprintf "%g%s%s" k (if equation then "·" else " * ") (go 3 x))
            | Product(a, b) -> paren 2 (go 2 a + (if equation then " ⊙ " else " .* ") + go 3 b)
        go 0 e

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
    override s.ToString() =
        match s with
        | BelowSpace -> "layer l-1"
        | HereSpace -> "layer l"
        | OutSpace -> "the top layer"
        | SideSpace n -> sprintf "side input '%s'" n

/// The terms and operations of the target language, opened with TargetProp.Dsl.
[<AutoOpen>]
module Terms =
    /// h_{l-1}
    let below = Below
    /// h_l
    let here = Here
    /// ĥ_l
    let target = Target
    /// h_T, the top layer's activation (direct rules)
    let out = Out
    /// ĥ_T, the top target (direct rules)
    let outTarget = OutTarget
    /// σ·z, z ~ N(0, I): noise in whatever space the expression puts it
    let noise (sigma: float) = Noise sigma
    /// A named side input: "label" is the example's one-hot label
    let side (name: string) = Side name
    /// g_l(e): the feedback (decoder) of layer l, to layer l-1's space.
    let g (e: Expr) = G e
    /// f_l(e): the forward map of layer l, from layer l-1's space.
    let f (e: Expr) = F e

module Expr =
    /// The equation for the target of layer l-1: ĥ_{l-1} = h_{l-1} + g_l(ĥ_l) − g_l(h_l).
    let equation (e: Expr) = "ĥ_{l-1} = " + Expr.Render(e, true)

    /// The space of e's value (None for noise alone, which takes the space around it), or a message that quotes the
    /// offending part of e.
    let rec infer (e: Expr) : Result<Space option, string> =
        let same what a b =
            match infer a, infer b with
            | Ok(Some sa), Ok(Some sb) when sa <> sb ->
                Error(sprintf "'%O' %s '%O', but the first is in %O's space and the second in %O's" a what b sa sb)
            | Ok sa, Ok sb -> Ok(Option.orElse sb sa)
            | (Error m, _)
            | (_, Error m) -> Error m
        match e with
        | Below -> Ok(Some BelowSpace)
        | Here
        | Target -> Ok(Some HereSpace)
        | Out
        | OutTarget -> Ok(Some OutSpace)
        | Side n -> Ok(Some(SideSpace n))
        | Noise _ -> Ok None
        | G x ->
            match domain x with
            | Ok spaces when List.exists (fun s -> s = HereSpace || s = OutSpace) spaces -> Ok(Some BelowSpace)
            | Ok _ -> Error(sprintf "'%O' gives g no value of layer l or of the top; g_l maps layer l (or the top) to layer l-1" e)
            | Error m -> Error m
        | Concat _ -> Error(sprintf "'%O' puts values side by side, which only g takes as its input: g (target ++ side \"label\")" e)
        | F x ->
            match infer x with
            | Ok(Some BelowSpace)
            | Ok None -> Ok(Some HereSpace)
            | Ok(Some s) -> Error(sprintf "'%O' applies f to a value of %O; f_l maps layer l-1 to layer l" e s)
            | Error m -> Error m
        | Add(a, b) -> same "adds" a b
        | Subtract(a, b) -> same "subtracts" a b
        | Product(a, b) -> same "multiplies" a b
        | Scale(_, x) -> infer x

    /// The spaces of g's input x, in order: one for a plain value, one per part of a ++ b.
    and domain (x: Expr) : Result<Space list, string> =
        match x with
        | Concat(a, b) ->
            match domain a, domain b with
            | Ok da, Ok db -> Ok(da @ db)
            | (Error m, _)
            | (_, Error m) -> Error m
        | _ ->
            match infer x with
            | Ok(Some BelowSpace) -> Error(sprintf "'%O' applies g to a value in layer l-1's space; g_l maps layer l (or the top) to layer l-1" (G x))
            | Ok(Some s) -> Ok [ s ]
            | Ok None -> Error(sprintf "'%O' applies g to noise alone, which has no space of its own; add it to a term (here + noise σ)" (G x))
            | Error m -> Error m

    /// The space of e's value, or a message; noise alone counts as layer l-1's space.
    let space (e: Expr) : Result<Space, string> = infer e |> Result.map (Option.defaultValue BelowSpace)

    /// Every sub-expression of e, e first.
    let rec subterms (e: Expr) : Expr list =
        e
        :: match e with
           | Below | Here | Target | Out | OutTarget | Noise _ | Side _ -> []
           | G x | F x | Scale(_, x) -> subterms x
           | Add(a, b) | Subtract(a, b) | Product(a, b) | Concat(a, b) -> subterms a @ subterms b

    /// Whether e uses the feedback map g.
    let usesFeedback (e: Expr) = subterms e |> List.exists (function G _ -> true | _ -> false)

    /// Whether e reads the target ĥ_l (then it is part of the top-down chain).
    let usesTarget (e: Expr) = subterms e |> List.contains Target

    /// Whether e reads the top target ĥ_T (then it waits for the top target, but not for the chain).
    let usesOutTarget (e: Expr) = subterms e |> List.contains OutTarget

    /// Whether e draws noise.
    let usesNoise (e: Expr) = subterms e |> List.exists (function Noise _ -> true | _ -> false)

    /// The distinct input domains g is applied to in e: [HereSpace] for layer-wise feedback, [OutSpace] for direct
    /// feedback, with SideSpace parts for side inputs.
    let feedbackDomains (e: Expr) : Space list list =
        subterms e
        |> List.choose (function
            | G x -> domain x |> Result.toOption
            | _ -> None)
        |> List.distinct

    /// The side inputs e reads.
    let sides (e: Expr) : string list = subterms e |> List.choose (function Side n -> Some n | _ -> None) |> List.distinct

    /// e as a linear combination Σ cᵢ·atomᵢ, where an atom is a term, a draw, a g or f application or a product;
    /// equal atoms are merged.
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

    /// e with every g application also reading the side input: g x becomes g (x ++ side name), so the targets are
    /// conditioned on it (Bengio 2014's conditional decoders).
    let rec conditionOn (name: string) (e: Expr) : Expr =
        let go = conditionOn name
        match e with
        | G x -> G(Concat(go x, Side name))
        | F x -> F(go x)
        | Scale(k, x) -> Scale(k, go x)
        | Add(a, b) -> Add(go a, go b)
        | Subtract(a, b) -> Subtract(go a, go b)
        | Product(a, b) -> Product(go a, go b)
        | Concat(a, b) -> Concat(go a, go b)
        | Below | Here | Target | Out | OutTarget | Noise _ | Side _ -> e
