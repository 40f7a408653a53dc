namespace TargetProp.Dsl

open TargetProp.Runtime

/// Lowering: a checked Model → buffers and op lists per phase.
module Lower =
    let private runtimeOptimiser (o: Optimiser) : Optim.Optimiser =
        match o with
        | CentredRmsProp lr -> Optim.CentredRmsProp(float32 lr)
        | RmsProp lr -> Optim.RmsProp(float32 lr)
        | Adam lr -> Optim.Adam(float32 lr)
        | Sgd(lr, mu) -> Optim.SgdMomentum(float32 lr, float32 mu)

    /// Lowers a model (already checked) for batches of up to `batch` rows.
    let compile (batch: int) (m: Model) : Compiled =
        let s = m.Stack
        let L = Stack.depth s
        let T = Model.topLayer m
        let width l = Stack.width s l
        let twidth l = Model.targetWidth m l
        let act l = ExprLowering.planActivation (Stack.activation s l)
        let tau l = ExprLowering.planActivation (Model.feedbackActivation m l)
        let buf = Layout.activation batch
        let layout = Layout.create batch m
        let h, value, targets = layout.H, layout.Value, layout.Target
        let W, B, gW, gB = layout.W, layout.B, layout.GradW, layout.GradB
        let V, C, gV, gC = layout.V, layout.C, layout.GradV, layout.GradC
        let A, noBias = layout.A, layout.NoBias
        let k = m.Rule.Top.Auxiliary
        let probabilities = Model.usesProbabilities m
        // The output's value in target space is its own buffer with probabilities or auxiliary features.
        let special = probabilities || k > 0
        let fb = Model.feedbackLayers m
        // Local squared losses: MeanSquared (1/B)Σ‖·‖² has δ = (2/B)(h − t)σ'; HalfSumSquared ½Σ‖·‖² has δ = (h − t)σ'.
        let lossScale, batchPower =
            match m.Rule.LocalLoss with
            | MeanSquared -> 2.0f, 1
            | HalfSumSquared -> 1.0f, 0

        let forward upTo = [ for l in 1..upTo -> DenseOp(h.[l - 1], W.[l - 1], B.[l - 1], act l, h.[l]) :> Op ]

        let forwardInto = ExprLowering.forwardInto m layout

        // The output's value in target space from h_L and h_{L-1}, and the buffer with its main (non-auxiliary) part.
        let mainValue = if probabilities && k > 0 then buf "p" (width L) elif probabilities then value.[L] else h.[L]
        let z = buf "z" (max k 1)
        let valueOps =
            if not special then []
            else
                (if probabilities then [ SoftmaxOp(h.[L], mainValue) :> Op ] else [])
                @ (match A with
                   | Some aT -> [ DenseOp(h.[L - 1], aT, noBias, Activation.Tanh, z) :> Op; ConcatOp(mainValue, z, value.[L]) ]
                   | None -> [])

        // The loss at the output, ∂ℓ/∂h_L, and δ_L = ∂ℓ/∂a_L (ℓ the batch mean). For a softmax output h_L is the logits.
        let deltaL = buf "δL" (width L)
        let lossOps, dldh =
            if Model.usesCrossEntropy m then
                [ SoftmaxCrossEntropyOp(h.[L], buf "softmax" (width L), deltaL) :> Op ], deltaL
            else
                let dh = buf "∂ℓ/∂hL" (width L)
                [ SquaredErrorOp(h.[L], dh) :> Op; MultiplyDerivativeOp(act L, h.[L], dh, deltaL) ], dh

        // Step 2: the top target. Above the local layers, the output layer learns by its own gradient.
        let outputGradOps = [ WeightGradOp(deltaL, h.[L - 1], gW.[L - 1], gB.[L - 1]) :> Op ]
        let topOps =
            let mainT = if k > 0 then buf "ĥmain" (width L) else targets.[L]
            let withAux ops = ops @ (if k > 0 then [ ConcatOp(mainT, z, targets.[L]) :> Op ] else [])
            match m.Rule.Top.Target, m.Rule.Top.At with
            | GradientStep eta, Output -> withAux [ AddScaledOp(h.[L], -float32 eta, dldh, mainT) :> Op ]
            | GradientStep eta, LastHidden ->
                let dh = buf (sprintf "∂ℓ/∂h%d" (L - 1)) (width (L - 1))
                [ BackwardOp(deltaL, W.[L - 1], dh) :> Op; AddScaledOp(h.[L - 1], -float32 eta, dh, targets.[L - 1]) ]
            | Label, _ -> withAux [ OneHotOp(mainT) :> Op ]
            | Blend beta, _ ->
                let y = buf "y" (width L)
                withAux [ OneHotOp(y) :> Op; CombineOp([| float32 (1.0 - beta); float32 beta |], [| mainValue; y |], mainT) ]

        // Side inputs: "label", the one-hot label, is the one the data provide (the check refuses any other name).
        let expr = match m.Rule.Propagation with Propagate e -> e | Gradient -> Below
        let sideBuf = layout.Sides
        let sideOps = [ for KeyValue(_, b) in sideBuf -> OneHotOp(b) :> Op ]

        let usesPropagationNoise = Expr.usesNoise expr

        // Step 3: targets from T down to layer 1. What reads no target runs first, every layer at once; what reads only
        // the top target (direct rules) runs next, every layer at once; the rest is the top-down chain.
        let stepBinding = { Name = ""; Target = (fun l -> targets.[l]); OutTarget = targets.[T] }
        let early, afterTop, chainOps =
            let sc = ExprLowering.scope m layout
            let perLayer =
                [ for l in T .. -1 .. 2 ->
                      match m.Rule.Propagation with
                      | Gradient ->
                          let e = buf (sprintf "e%d" l) (width l)
                          let back = buf (sprintf "eW%d" l) (width (l - 1))
                          [ InChain, DeltaOp(act l, 1.0f, 0, h.[l], targets.[l], e) :> Op
                            InChain, BackwardOp(e, W.[l - 1], back)
                            InChain, AddScaledOp(h.[l - 1], -1.0f, back, targets.[l - 1]) ]
                      | Propagate e -> ExprLowering.lowerInto sc stepBinding l BelowSpace e targets.[l - 1] ]
            let at stage ops = ops |> List.filter (fst >> (=) stage) |> List.map snd
            perLayer |> List.map (at BeforeTop), perLayer |> List.map (at AfterTop), perLayer |> List.collect (at InChain)
        let propagateOps = Fusion.inParallel early @ topOps @ Fusion.inParallel afterTop @ chainOps

        // Step 4: local losses of layers 1..localTop, each layer's gradient and update one independent group (with the
        // output layer's own-gradient update when it learns by ℓ).
        let localTop = Model.localTop m
        let forwardOptim = runtimeOptimiser m.ForwardOptimiser
        let update l = [ OptimOp(W.[l - 1], gW.[l - 1], forwardOptim) :> Op; OptimOp(B.[l - 1], gB.[l - 1], forwardOptim) ]
        // A layer in one piece computes its δ_l inside its group, on the core that then reads it; a cut layer's δ_l
        // comes first, row-wise.
        let pieces l = Fusion.pieces (width (l - 1)) (width l)
        let deltas = [| for l in 1..L -> buf (sprintf "δ%d" l) (width l) |]
        let deltaOp l = DeltaOp(act l, lossScale, batchPower, h.[l], targets.[l], deltas.[l - 1]) :> Op
        let localGroups =
            [ for l in 1..localTop do
                  let inputs, outputs, n = width (l - 1), width l, pieces l
                  for piece in 0 .. n - 1 ->
                      let first, last = inputs * piece / n, inputs * (piece + 1) / n
                      (if n = 1 then [ deltaOp l ] else [])
                      @ [ WeightGradOp(deltas.[l - 1], h.[l - 1], gW.[l - 1], (if piece = 0 then gB.[l - 1] else null), first, last - first) :> Op
                          OptimOp(W.[l - 1], gW.[l - 1], forwardOptim, first * outputs, (last - first) * outputs) ]
                      @ (if piece = 0 then [ OptimOp(B.[l - 1], gB.[l - 1], forwardOptim) :> Op ] else []) ]
            @ (if localTop < L then [ outputGradOps @ update L ] else [])
        let localOps = [ for l in 1..localTop do if pieces l > 1 then deltaOp l ] @ Fusion.inParallel localGroups

        // Step 5: each trained g_l learns from its feedback loss, one independent group per layer. A loss is a sum of
        // terms through g_l's applications u_i = g_l(x_i); each contributes (s·G_i ⊙ τ'(u_i))ᵀ x_i to ∂V_l, G_i the
        // loss's derivative with respect to u_i and s its batch reduction.
        let feedbackShared, feedbackGroups =
            let o = runtimeOptimiser m.FeedbackOptimiser
            let sc = ExprLowering.scope m layout
            let direct = Model.directFeedback m
            let groups =
                [ for l in (if Model.trainsFeedback m then fb else []) ->
                      let input = if direct then T else l
                      let n name = sprintf "%s%d" name l
                      // g_l's input from a value of layer l (or the top): the value and the side inputs, in the domain's order.
                      let gInput (v: MatrixBuffer) : MatrixBuffer * Op list =
                          match Model.feedbackDomain m |> List.map (function SideSpace s -> sideBuf.[s] | _ -> v) with
                          | [ only ] -> only, []
                          | first :: rest ->
                              rest |> List.fold (fun (a: MatrixBuffer, ops) b ->
                                  let y = buf (sprintf "[%s,%s]" a.Name b.Name) (a.Cols + b.Cols)
                                  y, ops @ [ ConcatOp(a, b, y) :> Op ]) (first, [])
                          | [] -> v, []
                      let g (x: MatrixBuffer) name = let u = buf (n name) (width (l - 1)) in u, DenseOp(x, V.[l], C.[l], tau l, u) :> Op
                      let contribute (terms: (MatrixBuffer * MatrixBuffer * MatrixBuffer * float32) list) =
                          terms
                          |> List.mapi (fun i (x, u, gu, c) ->
                              let d = buf (sprintf "δg%d_%d" l i) (width (l - 1))
                              [ MultiplyDerivativeOp(tau l, u, gu, d, c * lossScale, batchPower) :> Op
                                WeightGradOp(d, x, gV.[l], gC.[l], (i > 0)) ])
                          |> List.concat
                      // ε ~ N(0, σ²) on h_{l-1}, and h_{l-1} + ε.
                      let perturbBelow sigma =
                          let eps = buf (n "ε") (width (l - 1))
                          let noisy = buf (sprintf "(h%d+ε)" (l - 1)) (width (l - 1))
                          eps, noisy, [ NoiseOp(null, float32 sigma, Streams.reconstruction l, false, eps) :> Op; AddScaledOp(h.[l - 1], 1.0f, eps, noisy) ]
                      // g_l at its clean input x_0 and at x_0 + η, η ~ N(0, σ²) on g_l's value input, with Gη = g_l(x_0+η) − g_l(x_0):
                      // the second draw of DRL's regulariser and of L-DRL.
                      let probe sigma =
                          let vEta = buf (sprintf "(x%d+η)" l) (twidth input)
                          let xEta, xEtaOps = gInput vEta
                          let x0, x0ops = gInput value.[input]
                          let uEta, gEta = g xEta "g(x+η)"
                          let u0, g0 = g x0 "g(x)"
                          let dEta = buf (n "Gη") (width (l - 1))
                          (x0, u0, xEta, uEta, dEta),
                          [ NoiseOp(value.[input], float32 sigma, Streams.feedbackInput l, false, vEta) :> Op ] @ xEtaOps @ x0ops
                          @ [ gEta; g0; CombineOp([| 1.0f; -1.0f |], [| uEta; u0 |], dEta) ]
                      // x carried from layer l-1 up to layer `upTo` in target space.
                      let upFrom (x: MatrixBuffer) upTo =
                          List.fold (fun (v, ops) j -> let y, jops = forwardInto j v (sprintf "f%d(%s)" j v.Name) in y, ops @ jops) (x, []) [ l..upTo ]
                      let shared, ops =
                          match m.Rule.Feedback with
                          | NoFeedback -> [], []
                          | Reconstruct(sigma, target) ->
                              let noisy = buf (sprintf "(h%d+ε)" (l - 1)) (width (l - 1))
                              let xf, upf = upFrom noisy input
                              let x, xops = gInput xf
                              let up = upf @ xops
                              let u, gop = g x "g(f)"
                              let d = buf (n "δg") (width (l - 1))
                              [], [ NoiseOp(h.[l - 1], float32 sigma, Streams.reconstruction l, false, noisy) :> Op ] @ up
                                  @ [ gop
                                      DeltaOp(tau l, lossScale, batchPower, u, (match target with NoisyInput -> noisy | CleanInput -> h.[l - 1]), d)
                                      WeightGradOp(d, x, gV.[l], gC.[l]) ]
                          | Ldrl sigma ->
                              // L-DRL reads layer l (the check refuses direct feedback), so g_l's clean input is h_l.
                              let eps, noisy, perturb = perturbBelow sigma
                              let x1f, upf = upFrom noisy l
                              let x1, x1ops = gInput x1f
                              let u1, g1 = g x1 "g(f)"
                              let (x0, u0, xEta, uEta, dEta), probeOps = probe sigma
                              let d0 = buf (n "G0_") (width (l - 1))
                              [], perturb @ upf @ x1ops @ [ g1 ] @ probeOps
                                  @ [ CombineOp([| 1.0f; -1.0f; 1.0f |], [| eps; uEta; u0 |], d0) ]
                                  @ contribute [ x1, u1, eps, -1.0f; x0, u0, d0, 1.0f; xEta, uEta, dEta, 1.0f ]
                          | Drl(sigma, lambda) ->
                              let _, noisy, perturb = perturbBelow sigma
                              let top, up = upFrom noisy T
                              let chainTargets = [| for j in 0..L -> if j = T then top else buf (sprintf "ĥε%d_%d" l j) (twidth j) |]
                              let bind = { Name = sprintf "ε%d" l; Target = (fun j -> chainTargets.[j]); OutTarget = top }
                              let chain = [ for j in T .. -1 .. l + 1 -> ExprLowering.lowerInto sc bind j BelowSpace expr chainTargets.[j - 1] ] |> List.concat
                              // e = ĥ^ε_{l-1} − (h_{l-1} + ε), and each g_l application of the propagation at layer l.
                              let terms = Expr.linearTerms expr
                              let atoms = terms |> List.map (fun (_, a) -> ExprLowering.lowerAt sc bind l BelowSpace a)
                              let e = buf (n "e") (width (l - 1))
                              let combine = CombineOp((terms |> List.map (fst >> float32)) @ [ -1.0f ] |> Array.ofList, (atoms |> List.map fst) @ [ noisy ] |> Array.ofList, e) :> Op
                              let uses =
                                  [ for (c, a), (u, _) in List.zip terms atoms do
                                        match a with
                                        | G x ->
                                            let xb, _ = ExprLowering.lowerAt sc bind l (ExprLowering.argumentSpace x) x
                                            yield xb, u, e, float32 c
                                        | _ -> () ]
                              let lowered = chain @ (atoms |> List.collect snd)
                              // λ‖g_l(x_0+η) − g_l(x_0)‖²
                              let regulariser, regUses =
                                  if lambda = 0.0 then [], []
                                  else
                                      let (x0, u0, xEta, uEta, dEta), probeOps = probe sigma
                                      probeOps, [ xEta, uEta, dEta, float32 lambda; x0, u0, dEta, -float32 lambda ]
                              lowered |> List.filter (fst >> (=) BeforeTop) |> List.map snd,
                              perturb @ up
                              @ (lowered |> List.filter (fst >> (<>) BeforeTop) |> List.map snd)
                              @ [ combine ] @ regulariser @ contribute (uses @ regUses)
                      shared, ops, [ OptimOp(V.[l], gV.[l], o) :> Op; OptimOp(C.[l], gC.[l], o) ] ]
            let shared = groups |> List.collect (fun (s, _, _) -> s)
            // DRL's chains read the g_k of the layers above, so every gradient is taken before any g_k moves.
            match m.Rule.Feedback with
            | Drl _ -> shared, Fusion.inParallel (groups |> List.map (fun (_, g, _) -> g)) @ Fusion.inParallel (groups |> List.map (fun (_, _, u) -> u))
            | _ -> shared, Fusion.inParallel (groups |> List.map (fun (_, g, u) -> g @ u))
        // What the feedback losses read of the forward pass: h_{l-1} only for reconstruction; layer values up to T for
        // the difference losses.
        let feedbackOps =
            if not (Model.trainsFeedback m) then []
            else [ NextStepOp(false) :> Op ] @ sideOps @ feedbackShared @ feedbackGroups
        let feedbackForward =
            match m.Rule.Feedback with
            | _ when not (Model.trainsFeedback m) -> []
            | Reconstruct _ | NoFeedback -> forward (List.max fb - 1)
            | Drl _ | Ldrl _ -> forward L @ valueOps

        // Targets read V before the feedback groups update it, and the feedback groups read W before the local groups
        // update it: the order below keeps every update computed from the parameters of the step's start.
        let stepStart = if usesPropagationNoise then [ NextStepOp(true) :> Op ] else []
        // Every phase (with any ops) starts by copying the batch's inputs in, each worker its own rows (GatherOp).
        let gather = GatherOp(h.[0]) :> Op
        let targetOps = lossOps @ valueOps @ sideOps @ propagateOps
        let plan =
            Plan(
                batch, h.[0], h.[L],
                [| for l in 0 .. L - 1 do
                       yield Parameter(W.[l].Name, W.[l], gW.[l])
                       yield Parameter(B.[l].Name, B.[l], gB.[l])
                   for l in fb do
                       yield Parameter(V.[l].Name, V.[l], gV.[l])
                       yield Parameter(C.[l].Name, C.[l], gC.[l]) |],
                Fusion.chained (gather :: forward L @ [ ErrorCountOp(h.[L]) ]),
                Fusion.chained (stepStart @ gather :: forward L @ targetOps @ localOps),
                Fusion.chained (match feedbackForward @ feedbackOps with [] -> [] | ops -> gather :: ops),
                Fusion.chained (stepStart @ gather :: forward L @ targetOps @ feedbackOps @ localOps))
        { Model = m; Plan = plan; W = W; B = B; V = V; C = C; A = A }
