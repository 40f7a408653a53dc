namespace TargetProp.Dsl

open TargetProp.Runtime

/// What a feedback loss lowers to at one layer: ops of the propagation that read no target of the step and may run
/// with the step's own (a DRL chain's atoms), and the ops that take g_l's gradient into ∂V_l, ∂c_l.
type FeedbackGradient = { Shared: Op list; Gradient: Op list }

/// The feedback losses (step 5), one function each with its equation. A loss is a sum of terms through g_l's
/// applications u_i = g_l(x_i); each contributes (s·G_i ⊙ τ'(u_i))ᵀ x_i to ∂V_l (and its column sums to ∂c_l), G_i
/// the loss's derivative with respect to u_i and s the batch reduction of the rule's squared losses.
module FeedbackLosses =
    /// The batch reduction of the rule's squared losses, as the plan's delta ops take it: δ = s·(u − v)⊙σ' with
    /// s = scale / B^batchPower. MeanSquared (1/B)Σ‖·‖² gives s = 2/B; HalfSumSquared ½Σ‖·‖² gives s = 1.
    let reduction (m: Model) : float32 * int =
        match m.Rule.LocalLoss with
        | MeanSquared -> 2.0f, 1
        | HalfSumSquared -> 1.0f, 0

    /// The pieces every loss at layer l is made of: g_l's input, its applications, their contributions to ∂V_l, the
    /// perturbations ε and η, and the forward maps from layer l-1 up.
    type private Site(sc: ExprScope, l: int) =
        let m, layout = sc.Model, sc.Layout
        let buffer = Layout.activation layout.Batch
        let below = Stack.width m.Stack (l - 1)
        let tau = Model.feedbackActivation m l
        let scale, batchPower = reduction m
        let decay = float32 m.FeedbackNoiseDecay
        let named name = sprintf "%s%d" name l

        /// The layer whose value g_l reads: l, or the top T for direct feedback.
        member _.Input = if Model.directFeedback m then Model.topLayer m else l

        /// g_l's input from a value v of layer Input: v and the side inputs, side by side in the domain's order, read
        /// through the rule's feedback input unit u.
        member _.GInput(v: MatrixBuffer) : MatrixBuffer * Op list =
            let x, ops =
                Layout.sideBySide
                    layout.Batch
                    (Model.feedbackDomain m
                     |> List.map (function
                         | SideSpace s -> layout.Sides.[s]
                         | _ -> v))

            match UnitKernels.emission m.Rule.FeedbackInput with
            | None -> x, ops
            | Some e ->
                let u = buffer (sprintf "%O(%s)" m.Rule.FeedbackInput x.Name) x.Cols
                u, ops @ [ EmitOp(e, x, u, 0, DrawKey.FeedbackStep) :> Op ]

        /// u = g_l(x) = τ(x V_lᵀ + c_l) into a new buffer.
        member _.G(x: MatrixBuffer, name: string) =
            let u = buffer (named name) below
            u, UnitKernels.dense x layout.V.[l] layout.C.[l] tau u None

        /// ∂V_l, ∂c_l = Σ_i (s·c_i·G_i ⊙ τ'(u_i))ᵀ x_i over the terms (x_i, u_i, G_i, c_i), the first overwriting.
        member _.Contribute(terms: (MatrixBuffer * MatrixBuffer * MatrixBuffer * float32) list) : Op list =
            terms
            |> List.mapi (fun i (x, u, gu, c) ->
                let d = buffer (sprintf "δg%d_%d" l i) below

                [ UnitKernels.throughDerivative tau u gu d (c * scale) batchPower
                  WeightGradOp(d, x, layout.GradV.[l], layout.GradC.[l], (i > 0)) ])
            |> List.concat

        /// δ = s·(u − v) ⊙ τ'(u) and ∂V_l, ∂c_l = δᵀx, c = Σ_b δ: the gradient of a squared loss ‖u − v‖².
        member _.Squared(x: MatrixBuffer, u: MatrixBuffer, v: MatrixBuffer) : Op list =
            let d = buffer (named "δg") below

            [ UnitKernels.delta tau scale batchPower u v d
              WeightGradOp(d, x, layout.GradV.[l], layout.GradC.[l]) ]

        /// ε ~ N(0, σ²) on h_{l-1} (keyed by the feedback step), and h_{l-1} + ε.
        member _.PerturbBelow(sigma: float) =
            let eps = buffer (named "ε") below
            let noisy = buffer (sprintf "(h%d+ε)" (l - 1)) below

            eps,
            noisy,
            [ NoiseOp(null, float32 sigma, Streams.reconstruction l, false, eps, decay) :> Op
              AddScaledOp(layout.Value.[l - 1], 1.0f, eps, noisy) ]

        /// h_{l-1} + ε in one pass, when ε itself is not needed.
        member _.NoisyBelow(sigma: float) =
            let noisy = buffer (sprintf "(h%d+ε)" (l - 1)) below
            noisy, NoiseOp(layout.Value.[l - 1], float32 sigma, Streams.reconstruction l, false, noisy, decay) :> Op

        /// g_l at its clean input x_0 and at x_0 + η, η ~ N(0, σ²) on g_l's value input, with Gη = g_l(x_0+η) − g_l(x_0):
        /// the second draw of DRL's regulariser and of L-DRL.
        member site.Probe(sigma: float) =
            let input = site.Input
            let vEta = buffer (sprintf "(x%d+η)" l) (Model.targetWidth m input)
            let xEta, xEtaOps = site.GInput vEta
            let x0, x0ops = site.GInput layout.Value.[input]
            let uEta, gEta = site.G(xEta, "g(x+η)")
            let u0, g0 = site.G(x0, "g(x)")
            let dEta = buffer (named "Gη") below

            (x0, u0, xEta, uEta, dEta),
            [ NoiseOp(layout.Value.[input], float32 sigma, Streams.feedbackInput l, false, vEta, decay) :> Op ]
            @ xEtaOps
            @ x0ops
            @ [ gEta; g0; CombineOp([| 1.0f; -1.0f |], [| uEta; u0 |], dEta) ]

        /// x of layer l-1 carried up to layer `upTo`'s target space: f_upTo(… f_l(x)).
        member _.UpFrom(x: MatrixBuffer, upTo: int) =
            List.fold
                (fun (v: MatrixBuffer, ops) j ->
                    let y, jops =
                        ExprLowering.forwardInto m layout FeedbackMap j v (sprintf "f%d(%s)" j v.Name)

                    y, ops @ jops)
                (x, [])
                [ l..upTo ]

    /// Reconstruction (Lee et al. 2015; denoising, Bengio 2014): ‖g_l(f_l(h_{l-1}+ε)) − r‖², r = h_{l-1}+ε or h_{l-1}
    /// (for a direct g_l, f_l is the forward path from layer l-1 to the top).
    let private reconstruct (site: Site) (layout: Layout) (l: int) (sigma: float) (target: ReconstructionTarget) =
        let noisy, noise = site.NoisyBelow sigma
        let xf, upf = site.UpFrom(noisy, site.Input)
        let x, xops = site.GInput xf
        let u, gop = site.G(x, "g(f)")

        let r =
            match target with
            | NoisyInput -> noisy
            | CleanInput -> layout.Value.[l - 1]

        { Shared = []
          Gradient = [ noise ] @ upf @ xops @ [ gop ] @ site.Squared(x, u, r) }

    /// Local difference reconstruction loss (Ernoult et al. 2022), with u_1 = g_l(f_l(h_{l-1}+ε)), u_0 = g_l(h_l) and
    /// u_η = g_l(h_l+η): −2εᵀ(u_1 − u_0) + ‖u_η − u_0‖², whose derivatives are −2ε at u_1, 2(ε − (u_η − u_0)) at u_0
    /// and 2(u_η − u_0) at u_η. L-DRL reads layer l (the check refuses direct feedback), so g_l's clean input is h_l.
    let private ldrl (site: Site) (layout: Layout) (l: int) (sigma: float) =
        let eps, noisy, perturb = site.PerturbBelow sigma
        let x1f, upf = site.UpFrom(noisy, l)
        let x1, x1ops = site.GInput x1f
        let u1, g1 = site.G(x1, "g(f)")
        let (x0, u0, xEta, uEta, dEta), probeOps = site.Probe sigma
        let d0 = Layout.activation layout.Batch (sprintf "G0_%d" l) eps.Cols

        { Shared = []
          Gradient =
            perturb
            @ upf
            @ x1ops
            @ [ g1 ]
            @ probeOps
            @ [ CombineOp([| 1.0f; -1.0f; 1.0f |], [| eps; uEta; u0 |], d0) ]
            @ site.Contribute [ x1, u1, eps, -1.0f; x0, u0, d0, 1.0f; xEta, uEta, dEta, 1.0f ] }

    /// Difference reconstruction loss (Meulemans et al. 2020): ‖ĥ^ε_{l-1} − (h_{l-1}+ε)‖² + λ‖g_l(x_0+η) − g_l(x_0)‖²,
    /// where ĥ^ε_{l-1} is the rule's own propagation run down from the perturbed top f_{T←l-1}(h_{l-1}+ε) (only g_l
    /// learns from it: its derivative reaches g_l through each g_l application of the propagation at layer l).
    let private drl (sc: ExprScope) (site: Site) (l: int) (sigma: float) (lambda: float) =
        let m, layout = sc.Model, sc.Layout
        let T, L = Model.topLayer m, Model.depth m

        let expr =
            match m.Rule.Propagation with
            | Propagate e -> e
            | Gradient -> Below

        let buffer = Layout.activation layout.Batch
        let _, noisy, perturb = site.PerturbBelow sigma
        let top, up = site.UpFrom(noisy, T)

        let chainTargets =
            [| for j in 0..L ->
                   if j = T then
                       top
                   else
                       buffer (sprintf "ĥε%d_%d" l j) (Model.targetWidth m j) |]

        let bind =
            { Name = sprintf "ε%d" l
              Target = (fun j -> chainTargets.[j])
              OutTarget = top }

        let chain =
            [ for j in T .. -1 .. l + 1 -> ExprLowering.lowerInto sc bind j BelowSpace expr chainTargets.[j - 1] ]
            |> List.concat
        // e = ĥ^ε_{l-1} − (h_{l-1} + ε), and each g_l application of the propagation at layer l.
        let terms = Expr.linearTerms expr

        let atoms =
            terms |> List.map (fun (_, a) -> ExprLowering.lowerAt sc bind l BelowSpace a)

        let e = buffer (sprintf "e%d" l) noisy.Cols

        let combine =
            CombineOp(
                (terms |> List.map (fst >> float32)) @ [ -1.0f ] |> Array.ofList,
                (atoms |> List.map fst) @ [ noisy ] |> Array.ofList,
                e
            )
            :> Op

        let uses =
            [ for (c, a), (u, _) in List.zip terms atoms do
                  match a with
                  | G x ->
                      let xb, _ = ExprLowering.gInput sc bind l x
                      yield xb, u, e, float32 c
                  | _ -> () ]

        let lowered = chain @ (atoms |> List.collect snd)
        // λ‖g_l(x_0+η) − g_l(x_0)‖²
        let regulariser, regulariserUses =
            if lambda = 0.0 then
                [], []
            else
                let (x0, u0, xEta, uEta, dEta), probeOps = site.Probe sigma
                probeOps, [ xEta, uEta, dEta, float32 lambda; x0, u0, dEta, -float32 lambda ]

        { Shared = lowered |> List.filter (fst >> (=) BeforeTop) |> List.map snd
          Gradient =
            perturb
            @ up
            @ (lowered |> List.filter (fst >> (<>) BeforeTop) |> List.map snd)
            @ [ combine ]
            @ regulariser
            @ site.Contribute(uses @ regulariserUses) }

    /// Conditional denoising auto-encoder (Bengio 2014): ‖r_k(x̃) − h_k‖², x̃ = [h_k + ε, s], ε ~ N(0, σ²), with
    /// r_k(x̃) = ρ_k(D_k c + d_k), c = tanh(E_k x̃ + e_k): δ_u = s·(u − h_k) ⊙ ρ_k'(u), ∂D_k = δ_uᵀ c, δ_c = (δ_u D_k) ⊙ (1 − c²),
    /// ∂E_k = δ_cᵀ x̃. The ops that take the gradients, and those that update E_k, e_k, D_k, d_k by the optimiser o.
    let conditional (m: Model) (layout: Layout) (o: Optim.Optimiser) (k: int) : Op list * Op list =
        let c = layout.Coders.[k]
        let buffer = Layout.activation layout.Batch
        let scale, batchPower = reduction m
        let h = layout.Value.[k]
        let noisy = buffer (sprintf "(h%d+ε)" k) h.Cols

        let noise =
            NoiseOp(h, float32 m.Rule.Conditional.Sigma, Streams.conditional k, false, noisy) :> Op

        let domain =
            match m.Rule.Propagation with
            | Propagate e -> List.head (Expr.conditionalDomains e)
            | Gradient -> [ BelowSpace ]

        let x, concat =
            Layout.sideBySide
                layout.Batch
                (domain
                 |> List.map (function
                     | SideSpace s -> layout.Sides.[s]
                     | _ -> noisy))

        let u, code, rops = ExprLowering.conditional m layout k x (sprintf "r%d(h%d+ε)" k k)
        let du = buffer (sprintf "δr%d" k) u.Cols
        let back = buffer (sprintf "δr%d·D%d" k k) code.Cols
        let dc = buffer (sprintf "δe%d" k) code.Cols

        [ noise ]
        @ concat
        @ rops
        @ [ UnitKernels.delta (Stack.activation m.Stack k) scale batchPower u h du
            WeightGradOp(du, code, c.GradD, c.GradDb)
            BackwardOp(du, c.D, back)
            MultiplyDerivativeOp(Activation.Tanh, code, back, dc)
            WeightGradOp(dc, x, c.GradE, c.GradEb) ],
        [ OptimOp(c.E, c.GradE, o)
          OptimOp(c.Eb, c.GradEb, o)
          OptimOp(c.D, c.GradD, o)
          OptimOp(c.Db, c.GradDb, o) ]

    /// g_l's feedback loss at layer l, lowered in the scope (whose atoms DRL's chains share).
    let lower (sc: ExprScope) (l: int) : FeedbackGradient =
        let site = Site(sc, l)

        match sc.Model.Rule.Feedback with
        | NoFeedback -> { Shared = []; Gradient = [] }
        | Reconstruct(sigma, target) -> reconstruct site sc.Layout l sigma target
        | Ldrl sigma -> ldrl site sc.Layout l sigma
        | Drl(sigma, lambda) -> drl sc site l sigma lambda
