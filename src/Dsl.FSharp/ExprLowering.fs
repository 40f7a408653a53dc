namespace TargetProp.Dsl

open System.Collections.Generic
open TargetProp.Runtime

/// When an expression's ops can run within a step.
type Stage =
    /// Before the top target is known: the expression reads no target, so every layer's runs at once.
    | BeforeTop
    /// After the top target, before the chain: it reads only ĥ_T (direct rules), so every layer's runs at once.
    | AfterTop
    /// In the top-down chain: it reads ĥ_l, known only once layer l's target is.
    | InChain

/// What `target` and `outTarget` read: the step's targets (Name ""), or a DRL chain's, whose Name then marks the
/// buffers of every atom that reads them.
type Binding =
    { Name: string
      Target: int -> MatrixBuffer
      OutTarget: MatrixBuffer }

/// An expression lowered at a layer and in a space; Binding is the name of the binding it was lowered under when it
/// reads targets, "" when it reads none (then every binding shares its buffer).
type Atom =
    { Layer: int
      Space: Space
      Expr: Expr
      Binding: string }

/// One lowering's scope: the model, its buffers, the atoms lowered so far with the buffer each was written to, and
/// g's inputs read through the rule's feedback input unit (u(x), by the atom x).
type ExprScope =
    { Model: Model
      Layout: Layout
      Atoms: Dictionary<Atom, MatrixBuffer>
      GInputs: Dictionary<Atom, MatrixBuffer> }

/// Lowering of target expressions (Expr) to ops over a Layout: every atom (g x, f x, x .* y, noise, ...) becomes one
/// buffer computed once, and a sum of scaled atoms one fused combination.
module ExprLowering =
    /// y = σ_l(r) from layer l's relaxed value r in a pass (Bernoulli draws keyed by the pass and sample).
    let emit (m: Model) (l: int) (pass: Pass) (sample: int) (r: MatrixBuffer) (y: MatrixBuffer) : Op =
        match UnitKernels.emission (Stack.activation m.Stack l) with
        | Some e -> EmitOp(e, r, y, Streams.emission l pass, Streams.key pass sample)
        | None -> invalidArg "l" (sprintf "layer %d's unit emits nothing" l)

    /// r_k(x) = ρ_k(tanh(x E_kᵀ + e_k) D_kᵀ + d_k) into a new buffer named `name` (the code in one beside it), x being
    /// layer k's value with any side inputs beside it.
    let conditional
        (m: Model)
        (layout: Layout)
        (k: int)
        (x: MatrixBuffer)
        (name: string)
        : MatrixBuffer * MatrixBuffer * Op list =
        let c = layout.Coders.[k]
        let code = Layout.activation layout.Batch ("e" + name) c.E.Cols
        let y = Layout.activation layout.Batch name c.D.Cols

        y,
        code,
        [ DenseOp(x, c.E, c.Eb, Activation.Tanh, code)
          UnitKernels.dense code c.D c.Db (Stack.activation m.Stack k) y None ]

    /// When the expression's ops can run.
    let stage (e: Expr) =
        if Expr.usesTarget e then InChain
        elif Expr.usesOutTarget e then AfterTop
        else BeforeTop

    /// A scope with no atoms lowered yet.
    let scope (m: Model) (layout: Layout) : ExprScope =
        { Model = m
          Layout = layout
          Atoms = Dictionary(HashIdentity.Structural)
          GInputs = Dictionary(HashIdentity.Structural) }

    /// f_l(x) into layer l's target space, into a new buffer named `name`, x being a value of layer l-1 in target space:
    /// f_l(x) = ρ_l(W_l σ_{l-1}(x) + b_l), through layer l-1's emission when it emits (drawn in `pass`); at the output,
    /// the probabilities (label or blend top) and the auxiliary features tanh(x Aᵀ) beside them.
    let forwardInto
        (m: Model)
        (layout: Layout)
        (pass: Pass)
        (l: int)
        (x: MatrixBuffer)
        (name: string)
        : MatrixBuffer * Op list =
        let L = Model.depth m
        let buffer = Layout.activation layout.Batch
        let width = Stack.width m.Stack

        let emitted, emitOps =
            if Model.emitsInTraining m (l - 1) then
                let e = buffer (sprintf "%O(%s)" (Stack.activation m.Stack (l - 1)) x.Name) x.Cols
                e, [ emit m (l - 1) pass 0 x e ]
            else
                x, []

        let dense l (y: MatrixBuffer) =
            Layout.dense layout l emitted (Stack.activation m.Stack l) y

        if l < L || not (Layout.ownOutputValue layout) then
            let y = buffer name (width l)
            y, emitOps @ [ dense l y ]
        else
            let a = buffer (name + "ₐ") (width L)
            let y = buffer name (Model.targetWidth m L)

            match layout.A with
            | None -> y, emitOps @ [ dense L a; SoftmaxOp(a, y) ]
            | Some aT ->
                let main, ops =
                    if Model.usesProbabilities m then
                        let p = buffer (name + "ₚ") (width L)
                        p, [ dense L a; SoftmaxOp(a, p) ]
                    else
                        a, [ dense L a ]

                let z = buffer (name + "z") m.Rule.Top.Auxiliary

                y,
                emitOps
                @ ops
                @ [ DenseOp(emitted, aT, layout.NoBias, Activation.Tanh, z)
                    ConcatOp(main, z, y) ]

    /// Width of a space at layer l.
    let private spaceWidth (m: Model) (l: int) (space: Space) =
        match space with
        | BelowSpace -> Model.targetWidth m (l - 1)
        | HereSpace -> Model.targetWidth m l
        | OutSpace -> Model.targetWidth m (Model.topLayer m)
        | SideSpace n -> Model.sideWidth m n

    /// A buffer's name for an expression at layer l: h1, ĥ2, g2(ĥ2), ...
    let rec private label (m: Model) (l: int) (e: Expr) =
        let T = Model.topLayer m

        match e with
        | Below -> sprintf "h%d" (l - 1)
        | Here -> sprintf "h%d" l
        | Target -> sprintf "ĥ%d" l
        | Out -> sprintf "h%d" T
        | OutTarget -> sprintf "ĥ%d" T
        | G x -> sprintf "g%d(%s)" l (label m l x)
        | F x -> sprintf "f%d(%s)" l (label m l x)
        | R x -> sprintf "r%d(%s)" (l - 1) (label m l x)
        | _ -> sprintf "[%O]%d" e l

    /// The space of g's argument (a ++ b lowers each part in its own space).
    let argumentSpace (x: Expr) =
        Expr.space x |> Result.defaultValue HereSpace

    /// The expression e at layer l in `space`: its buffer and the ops that compute it, each with its stage. An atom
    /// already lowered in the scope (under this binding, or under any when it reads no target) adds no ops.
    let rec lowerAt
        (sc: ExprScope)
        (bind: Binding)
        (l: int)
        (space: Space)
        (e: Expr)
        : MatrixBuffer * (Stage * Op) list =
        let layout = sc.Layout

        match e with
        | Below -> layout.Value.[l - 1], []
        | Here -> layout.Value.[l], []
        | Target -> bind.Target l, []
        | Out -> layout.Value.[Model.topLayer sc.Model], []
        | OutTarget -> bind.OutTarget, []
        | Side n -> layout.Sides.[n], []
        | _ ->
            let atomStage = stage e
            let bound = if atomStage = BeforeTop then "" else bind.Name

            let atom =
                { Layer = l
                  Space = space
                  Expr = e
                  Binding = bound }

            match sc.Atoms.TryGetValue atom with
            | true, y -> y, []
            | _ ->
                let name = label sc.Model l e + bound
                let buffer = Layout.activation layout.Batch name

                let y, ops =
                    match e with
                    | Noise sigma ->
                        let y = buffer (spaceWidth sc.Model l space)
                        y, [ atomStage, NoiseOp(null, float32 sigma, Streams.propagation l space, true, y) :> Op ]
                    | G x ->
                        let y = buffer (Stack.width sc.Model.Stack (l - 1))
                        y, applyG sc bind l x y
                    | F x ->
                        let xb, xops = lowerAt sc bind l BelowSpace x
                        let y, fops = forwardInto sc.Model layout PropagationMap l xb name
                        y, xops @ (fops |> List.map (fun op -> atomStage, op))
                    | R x ->
                        let xb, xops = lowerAt sc bind l BelowSpace x
                        let y, _, rops = conditional sc.Model layout (l - 1) xb name
                        y, xops @ (rops |> List.map (fun op -> atomStage, op))
                    | Product(a, b) ->
                        let ab, aops = lowerAt sc bind l space a
                        let bb, bops = lowerAt sc bind l space b
                        let y = buffer (spaceWidth sc.Model l space)
                        y, aops @ bops @ [ atomStage, ProductOp(ab, bb, y) :> Op ]
                    | Concat(a, b) ->
                        let ab, aops = lowerAt sc bind l (argumentSpace a) a
                        let bb, bops = lowerAt sc bind l (argumentSpace b) b
                        let y = buffer (ab.Cols + bb.Cols)
                        y, aops @ bops @ [ atomStage, ConcatOp(ab, bb, y) :> Op ]
                    | _ ->
                        let y = buffer (spaceWidth sc.Model l space)
                        y, lowerInto sc bind l space e y

                sc.Atoms.[atom] <- y
                y, ops

    /// What g_l reads of x: u(x) for the rule's feedback input unit u, x itself when u is Linear; with the ops that
    /// compute it the first time.
    and gInput (sc: ExprScope) (bind: Binding) (l: int) (x: Expr) : MatrixBuffer * (Stage * Op) list =
        let xb, xops = lowerAt sc bind l (argumentSpace x) x

        match UnitKernels.emission sc.Model.Rule.FeedbackInput with
        | None -> xb, xops
        | Some e ->
            let bound = if stage x = BeforeTop then "" else bind.Name

            let atom =
                { Layer = l
                  Space = argumentSpace x
                  Expr = x
                  Binding = bound }

            match sc.GInputs.TryGetValue atom with
            | true, u -> u, xops
            | _ ->
                let u =
                    Layout.activation sc.Layout.Batch (sprintf "%O(%s)" sc.Model.Rule.FeedbackInput xb.Name) xb.Cols

                sc.GInputs.[atom] <- u
                u, xops @ [ stage x, EmitOp(e, xb, u, 0, DrawKey.ForwardStep) :> Op ]

    /// g_l(x) = τ(u(x) V_lᵀ + c_l) written into dst, after the ops that compute x.
    and applyG (sc: ExprScope) (bind: Binding) (l: int) (x: Expr) (dst: MatrixBuffer) : (Stage * Op) list =
        let xb, xops = gInput sc bind l x

        xops
        @ [ stage (G x),
            UnitKernels.dense xb sc.Layout.V.[l] sc.Layout.C.[l] (Model.feedbackActivation sc.Model l) dst None ]

    /// The expression written into dst: a lone g application writes there directly; anything else is Σ_i c_i·atom_i
    /// in one fused combination.
    and lowerInto
        (sc: ExprScope)
        (bind: Binding)
        (l: int)
        (space: Space)
        (e: Expr)
        (dst: MatrixBuffer)
        : (Stage * Op) list =
        match Expr.linearTerms e with
        | [ (1.0, G x) ] -> applyG sc bind l x dst
        | terms ->
            let terms = if List.isEmpty terms then [ (0.0, Below) ] else terms
            let parts = terms |> List.map (fun (_, a) -> lowerAt sc bind l space a)

            List.collect snd parts
            @ [ stage e,
                CombineOp(
                    terms |> List.map (fst >> float32) |> Array.ofList,
                    parts |> List.map fst |> Array.ofList,
                    dst
                )
                :> Op ]
