namespace TargetProp.Dsl

[<CustomEquality; NoComparison>]
type Expr =
    | Below
    | Here
    | Target
    | Out
    | OutTarget
    | Noise of sigma: float
    | Side of name: string
    | Concat of Expr * Expr
    | G of Expr
    | F of Expr
    | R of Expr
    | Add of Expr * Expr
    | Subtract of Expr * Expr
    | Scale of float * Expr
    | Product of Expr * Expr

    static member (+)(a: Expr, b: Expr) = Add(a, b)
    static member (-)(a: Expr, b: Expr) = Subtract(a, b)
    static member (*)(k: float, e: Expr) = Scale(k, e)
    static member (*)(e: Expr, k: float) = Scale(k, e)
    static member (.*)(a: Expr, b: Expr) = Product(a, b)
    static member (++)(a: Expr, b: Expr) = Concat(a, b)

    // Structural equality, by hand because Noise carries a float: two draws are the same term when their σ are equal.
    override e.Equals(o: obj) =
        match o with
        | :? Expr as x -> Expr.Same(e, x)
        | _ -> false

    override e.GetHashCode() = hash (string e)

    static member private Same(a: Expr, b: Expr) =
        match a, b with
        | Below, Below
        | Here, Here
        | Target, Target
        | Out, Out
        | OutTarget, OutTarget -> true
        | Noise s, Noise t -> s = t
        | Side a, Side b -> a = b
        | G x, G y
        | F x, F y
        | R x, R y -> Expr.Same(x, y)
        | Add(a1, a2), Add(b1, b2)
        | Subtract(a1, a2), Subtract(b1, b2)
        | Product(a1, a2), Product(b1, b2)
        | Concat(a1, a2), Concat(b1, b2) -> Expr.Same(a1, b1) && Expr.Same(a2, b2)
        | Scale(k, x), Scale(j, y) -> k = j && Expr.Same(x, y)
        | _ -> false

    override e.ToString() = Expr.Render(e, false)

    static member internal Render(e: Expr, equation: bool) =
        // A number as the equation shows it (0.5, 1), or as an F# float literal (0.5, 1.0, 1e-05) in code.
        let number (k: float) =
            if equation then sprintf "%g" k else Code.float k

        let rec go prec e =
            let paren p s = if prec > p then "(" + s + ")" else s

            let call name x =
                if equation then
                    sprintf "%s_l(%s)" name (go 0 x)
                else
                    name + " " + go 4 x

            match e with
            | Below -> if equation then "h_{l-1}" else "below"
            | Here -> if equation then "h_l" else "here"
            | Target -> if equation then "ĥ_l" else "target"
            | Out -> if equation then "h_L" else "out"
            | OutTarget -> if equation then "ĥ_L" else "outTarget"
            | Noise s ->
                if equation then
                    sprintf "%gε" s
                else
                    paren 3 (sprintf "noise %s" (number s))
            | Side n ->
                if equation then
                    sprintf "s_%s" n
                else
                    paren 3 (sprintf "side \"%s\"" n)
            | Concat(a, b) ->
                if equation then
                    sprintf "[%s, %s]" (go 0 a) (go 0 b)
                else
                    paren 1 (go 1 a + " ++ " + go 2 b)
            | G x -> call "g" x
            | F x -> call "f" x
            | R x ->
                if equation then
                    sprintf "r_{l-1}(%s)" (go 0 x)
                else
                    "r " + go 4 x
            | Add(a, b) -> paren 1 (go 1 a + " + " + go 1 b)
            | Subtract(a, b) -> paren 1 (go 1 a + (if equation then " − " else " - ") + go 2 b)
            | Scale(k, x) -> paren 2 (sprintf "%s%s%s" (number k) (if equation then "·" else " * ") (go 3 x))
            | Product(a, b) -> paren 2 (go 2 a + (if equation then " ⊙ " else " .* ") + go 3 b)

        go 0 e

type Space =
    | BelowSpace
    | HereSpace
    | OutSpace
    | SideSpace of string

    override s.ToString() =
        match s with
        | BelowSpace -> "layer l-1"
        | HereSpace -> "layer l"
        | OutSpace -> "the top layer"
        | SideSpace n -> sprintf "side input '%s'" n

[<AutoOpen>]
module Terms =
    let below = Below
    let here = Here
    let target = Target
    let out = Out
    let outTarget = OutTarget
    let noise (sigma: float) = Noise sigma
    let side (name: string) = Side name
    let g (e: Expr) = G e
    let f (e: Expr) = F e
    let r (e: Expr) = R e

module Expr =
    let equation (e: Expr) = "ĥ_{l-1} = " + Expr.Render(e, true)

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
            | Ok _ ->
                Error(
                    sprintf
                        "'%O' gives g no value of layer l or of the top; g_l maps layer l (or the top) to layer l-1"
                        e
                )
            | Error m -> Error m
        | Concat _ ->
            Error(
                sprintf "'%O' puts values side by side, which only g takes as its input: g (target ++ side \"label\")" e
            )
        | F x ->
            match infer x with
            | Ok(Some BelowSpace)
            | Ok None -> Ok(Some HereSpace)
            | Ok(Some s) -> Error(sprintf "'%O' applies f to a value of %O; f_l maps layer l-1 to layer l" e s)
            | Error m -> Error m
        | R x -> conditionalDomain x |> Result.map (fun _ -> Some BelowSpace)
        | Add(a, b) -> same "adds" a b
        | Subtract(a, b) -> same "subtracts" a b
        | Product(a, b) -> same "multiplies" a b
        | Scale(_, x) -> infer x

    /// What r takes: layer l-1's value, alone or with side inputs beside it (below ++ side "label").
    and conditionalDomain (x: Expr) : Result<Space list, string> =
        let rec parts x =
            match x with
            | Concat(a, b) -> parts a @ parts b
            | Below -> [ Ok BelowSpace ]
            | Side n -> [ Ok(SideSpace n) ]
            | other ->
                [ Error(
                      sprintf
                          "'%O' gives r '%O'; r_{l-1} reconstructs layer l-1's value from itself and side inputs: r below, r (below ++ side \"label\")"
                          (R x)
                          other
                  ) ]

        match
            parts x
            |> List.tryPick (function
                | Error m -> Some m
                | Ok _ -> None)
        with
        | Some m -> Error m
        | None ->
            let spaces = parts x |> List.choose Result.toOption

            if
                List.head spaces = BelowSpace
                && List.forall (fun s -> s <> BelowSpace) (List.tail spaces)
            then
                Ok spaces
            else
                Error(
                    sprintf
                        "'%O' must start with below, once, followed by side inputs: r (below ++ side \"label\")"
                        (R x)
                )

    and domain (x: Expr) : Result<Space list, string> =
        match x with
        | Concat(a, b) ->
            match domain a, domain b with
            | Ok da, Ok db -> Ok(da @ db)
            | (Error m, _)
            | (_, Error m) -> Error m
        | _ ->
            match infer x with
            | Ok(Some BelowSpace) ->
                Error(
                    sprintf
                        "'%O' applies g to a value in layer l-1's space; g_l maps layer l (or the top) to layer l-1"
                        (G x)
                )
            | Ok(Some s) -> Ok [ s ]
            | Ok None ->
                Error(
                    sprintf
                        "'%O' applies g to noise alone, which has no space of its own; add it to a term (here + noise σ)"
                        (G x)
                )
            | Error m -> Error m

    let space (e: Expr) : Result<Space, string> =
        infer e |> Result.map (Option.defaultValue BelowSpace)

    let rec subterms (e: Expr) : Expr list =
        e
        :: match e with
           | Below
           | Here
           | Target
           | Out
           | OutTarget
           | Noise _
           | Side _ -> []
           | G x
           | F x
           | R x
           | Scale(_, x) -> subterms x
           | Add(a, b)
           | Subtract(a, b)
           | Product(a, b)
           | Concat(a, b) -> subterms a @ subterms b

    let usesFeedback (e: Expr) =
        subterms e
        |> List.exists (function
            | G _ -> true
            | _ -> false)

    let usesTarget (e: Expr) = subterms e |> List.contains Target

    let usesOutTarget (e: Expr) = subterms e |> List.contains OutTarget

    let usesNoise (e: Expr) =
        subterms e
        |> List.exists (function
            | Noise _ -> true
            | _ -> false)

    let usesConditional (e: Expr) =
        subterms e
        |> List.exists (function
            | R _ -> true
            | _ -> false)

    // The distinct valid inputs of the applications `argument` picks out (g's or r's).
    let private inputs (argument: Expr -> Expr option) (check: Expr -> Result<Space list, string>) (e: Expr) =
        subterms e
        |> List.choose (argument >> Option.bind (check >> Result.toOption))
        |> List.distinct

    let conditionalDomains (e: Expr) : Space list list =
        inputs
            (function
            | R x -> Some x
            | _ -> None)
            conditionalDomain
            e

    let feedbackDomains (e: Expr) : Space list list =
        inputs
            (function
            | G x -> Some x
            | _ -> None)
            domain
            e

    let sides (e: Expr) : string list =
        subterms e
        |> List.choose (function
            | Side n -> Some n
            | _ -> None)
        |> List.distinct

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

    let rec conditionOn (name: string) (e: Expr) : Expr =
        let go = conditionOn name

        match e with
        | G x -> G(Concat(go x, Side name))
        | F x -> F(go x)
        | R x -> R x
        | Scale(k, x) -> Scale(k, go x)
        | Add(a, b) -> Add(go a, go b)
        | Subtract(a, b) -> Subtract(go a, go b)
        | Product(a, b) -> Product(go a, go b)
        | Concat(a, b) -> Concat(go a, go b)
        | Below
        | Here
        | Target
        | Out
        | OutTarget
        | Noise _
        | Side _ -> e
