namespace TargetProp.Dsl

open TargetProp.Runtime

/// Lowering: a checked Model → buffers and op lists per phase.
module Lower =
    let private runtimeOptimiser (o: Optimiser) : Optim.Optimiser =
        let wd = float32 (Optimiser.weightDecay o)

        let rec make o : Optim.Optimiser =
            match o with
            | CentredRmsProp lr -> Optim.CentredRmsProp(float32 lr, weightDecay = wd)
            | RmsProp lr -> Optim.RmsProp(float32 lr, weightDecay = wd)
            | Adam lr -> Optim.Adam(float32 lr, weightDecay = wd)
            | AdamWith(lr, b1, b2, eps) -> Optim.Adam(float32 lr, float32 b1, float32 b2, float32 eps, wd)
            | Sgd(lr, mu) -> Optim.SgdMomentum(float32 lr, float32 mu, wd)
            | WeightDecay(_, inner) -> make inner

        make o

    /// Lowers a checked model for batches of up to `batch` rows.
    let compile (batch: int) (checkedModel: CheckedModel) : Compiled =
        let m = checkedModel.Model
        let s = m.Stack
        let L = Stack.depth s
        let T = Model.topLayer m
        let width l = Stack.width s l
        let act l = Stack.activation s l
        let buf = Layout.activation batch
        let layout = Layout.create batch m
        let h, value, targets = layout.H, layout.Value, layout.Target
        let W, B, gW, gB = layout.W, layout.B, layout.GradW, layout.GradB
        let V, C, gV, gC = layout.V, layout.C, layout.GradV, layout.GradC
        let fb = Model.feedbackLayers m
        let lossScale, batchPower = FeedbackLosses.reduction m

        // The forward pass: r_l = ρ_l(W_l h_{l-1} + b_l), and h_l = σ_l(r_l) where layer l emits in training.
        let forward (pass: Pass) upTo =
            [ for l in 1..upTo do
                  let r = Layout.relaxed layout l
                  yield Layout.dense layout l h.[l - 1] (act l) r

                  if Model.emitsInTraining m l then
                      yield ExprLowering.emit m l pass 0 r h.[l] ]
        // x + ε, ε ~ N(0, σ²) on the input in a training pass.
        let inputNoise (pass: Pass) =
            if m.InputNoise > 0.0 then
                [ NoiseOp(h.[0], float32 m.InputNoise, Streams.input pass, (pass = ForwardPass), h.[0]) :> Op ]
            else
                []

        let through = TopLowering.through m
        let top = TopLowering.lower m layout

        let valueOps, lossOps, topOps, outputGradOps, deltaL =
            top.ValueOps, top.LossOps, top.TopOps, top.OutputGradOps, top.DeltaL

        // Side inputs, filled in after the batch's inputs: "label", the one-hot label, and the declared ones the data
        // supply; then each reading layer's side inputs side by side. Evaluation fills only what forward maps read.
        let expr =
            match m.Rule.Propagation with
            | Propagate e -> e
            | Gradient -> Below

        let fill (names: string list) =
            [ for KeyValue(n, b) in layout.Sides do
                  if List.contains n names then
                      yield
                          (if n = "label" then
                               OneHotOp(b) :> Op
                           else
                               GatherSideOp(n, b)) ]
            @ layout.SideConcats

        let sideOps = fill (Model.usedSides m)
        let evaluationSideOps = fill ([ 1..L ] |> List.collect (Model.layerSides m))

        let usesPropagationNoise = Expr.usesNoise expr

        // Step 3: targets from T down to layer 1. What reads no target runs first, every layer at once; what reads only
        // the top target (direct rules) runs next, every layer at once; the rest is the top-down chain.
        let stepBinding =
            { Name = ""
              Target = (fun l -> targets.[l])
              OutTarget = targets.[T] }

        let early, afterTop, chainOps =
            let sc = ExprLowering.scope m layout

            let perLayer =
                [ for l in T .. -1 .. 2 ->
                      match m.Rule.Propagation with
                      | Gradient ->
                          let e = buf (sprintf "e%d" l) (width l)
                          let back = buf (sprintf "eW%d" l) (width (l - 1))

                          [ InChain, UnitKernels.delta (act l) 1.0f 0 (Layout.relaxed layout l) targets.[l] e
                            InChain, BackwardOp(e, W.[l - 1], back)
                            InChain, AddScaledOp(value.[l - 1], -through(l - 1), back, targets.[l - 1]) ]
                      | Propagate e -> ExprLowering.lowerInto sc stepBinding l BelowSpace e targets.[l - 1] ]

            let at stage ops =
                ops |> List.filter (fst >> (=) stage) |> List.map snd

            perLayer |> List.map (at BeforeTop),
            perLayer |> List.map (at AfterTop),
            perLayer |> List.collect (at InChain)

        let propagateOps =
            Fusion.inParallel early @ topOps @ Fusion.inParallel afterTop @ chainOps

        // Step 4: local losses of layers 1..localTop, each layer's gradient and update one independent group (with the
        // output layer's own-gradient update when it learns by ℓ).
        let localTop = Model.localTop m
        let forwardOptim = runtimeOptimiser m.ForwardOptimiser
        // ∂U_l = δ_lᵀ s and its update, for a layer that reads side inputs s.
        let sideUpdate (delta: MatrixBuffer) l =
            match layout.U.TryFind l with
            | Some u ->
                [ WeightGradOp(delta, layout.LayerSide.[l], layout.GradU.[l], null) :> Op
                  OptimOp(u, layout.GradU.[l], forwardOptim) ]
            | None -> []

        let update l =
            [ OptimOp(W.[l - 1], gW.[l - 1], forwardOptim) :> Op
              OptimOp(B.[l - 1], gB.[l - 1], forwardOptim) ]
            @ sideUpdate deltaL l
        // A layer in one piece computes its δ_l inside its group, on the core that then reads it; a cut layer's δ_l
        // comes first, row-wise.
        let pieces l = Fusion.pieces (width (l - 1)) (width l)
        let deltas = [| for l in 1..L -> buf (sprintf "δ%d" l) (width l) |]

        let deltaOp l =
            UnitKernels.delta (act l) lossScale batchPower (Layout.relaxed layout l) targets.[l] deltas.[l - 1]

        let localGroups =
            [ for l in 1..localTop do
                  let inputs, outputs, n = width (l - 1), width l, pieces l

                  for piece in 0 .. n - 1 ->
                      let first, last = inputs * piece / n, inputs * (piece + 1) / n

                      (if n = 1 then [ deltaOp l ] else [])
                      @ [ WeightGradOp(
                              deltas.[l - 1],
                              h.[l - 1],
                              gW.[l - 1],
                              (if piece = 0 then gB.[l - 1] else null),
                              first,
                              last - first
                          )
                          :> Op
                          OptimOp(W.[l - 1], gW.[l - 1], forwardOptim, first * outputs, (last - first) * outputs) ]
                      @ (if piece = 0 then
                             OptimOp(B.[l - 1], gB.[l - 1], forwardOptim) :> Op
                             :: sideUpdate deltas.[l - 1] l
                         else
                             []) ]
            @ (if localTop < L then [ outputGradOps @ update L ] else [])

        let localOps =
            [ for l in 1..localTop do
                  if pieces l > 1 then
                      deltaOp l ]
            @ Fusion.inParallel localGroups

        // Step 5: each trained g_l learns from its feedback loss (FeedbackLosses), and each conditional auto-encoder r_k
        // from its reconstruction, one independent group per layer.
        let feedbackShared, feedbackGroups =
            let o = runtimeOptimiser m.FeedbackOptimiser
            let sc = ExprLowering.scope m layout

            let groups =
                [ for l in (if Model.trainsG m then fb else []) ->
                      let loss = FeedbackLosses.lower sc l
                      loss.Shared, loss.Gradient, [ OptimOp(V.[l], gV.[l], o) :> Op; OptimOp(C.[l], gC.[l], o) ] ]
                @ [ for k in Model.conditionalLayers m ->
                        let gradient, update =
                            FeedbackLosses.conditional
                                m
                                layout
                                (m.Rule.Conditional.Optimiser
                                 |> Option.map runtimeOptimiser
                                 |> Option.defaultValue o)
                                k

                        [], gradient, update ]

            let shared = groups |> List.collect (fun (s, _, _) -> s)
            // DRL's chains read the g_k and r_k of the layers above, so every gradient is taken before any of them moves.
            match m.Rule.Feedback with
            | Drl _ ->
                shared,
                Fusion.inParallel (groups |> List.map (fun (_, g, _) -> g))
                @ Fusion.inParallel (groups |> List.map (fun (_, _, u) -> u))
            | _ -> shared, Fusion.inParallel (groups |> List.map (fun (_, g, u) -> g @ u))
        // What the feedback losses read of the forward pass: the values below the top layer only for g's reconstruction;
        // the whole pass for the difference losses and the conditional auto-encoders (which read every layer below T).
        let feedbackOps =
            if not (Model.trainsFeedback m) then
                []
            else
                feedbackShared @ feedbackGroups

        let feedbackForward =
            match m.Rule.Feedback with
            | _ when not (Model.trainsFeedback m) -> []
            | _ when not (List.isEmpty (Model.conditionalLayers m)) -> forward FeedbackPass L @ valueOps
            | Reconstruct _
            | NoFeedback -> forward FeedbackPass (List.max fb - 1)
            | Drl _
            | Ldrl _ -> forward FeedbackPass L @ valueOps

        // Targets read V before the feedback groups update it, and the feedback groups read W before the local groups
        // update it: the order below keeps every update computed from the parameters of the step's start.
        // A step's counters advance first: the forward one when a forward pass draws (propagation noise, input noise,
        // Bernoulli units), the feedback one in every feedback update.
        let draws =
            usesPropagationNoise
            || m.InputNoise > 0.0
            || List.exists (fun l -> Model.emitsInTraining m l && (Stack.activation s l).Stochastic) [ 1 .. L - 1 ]

        let stepStart = if draws then [ NextStepOp(true) :> Op ] else []

        let feedbackStart =
            if Model.trainsFeedback m then
                [ NextStepOp(false) :> Op ]
            else
                []
        // Every phase (with any ops) starts by copying the batch's inputs in, each worker its own rows (GatherOp).
        let gather = GatherOp(h.[0]) :> Op
        let targetOps = lossOps @ valueOps @ propagateOps

        let plan =
            Plan(
                batch,
                h.[0],
                Fusion.chained (gather :: evaluationSideOps @ Evaluate.ops m layout),
                Fusion.chained (
                    stepStart
                    @ gather :: sideOps
                    @ inputNoise ForwardPass
                    @ forward ForwardPass L
                    @ targetOps
                    @ localOps
                ),
                Fusion.chained (
                    match feedbackForward @ feedbackOps with
                    | [] -> []
                    | ops -> feedbackStart @ gather :: sideOps @ inputNoise FeedbackPass @ ops
                ),
                Fusion.chained (
                    stepStart
                    @ feedbackStart
                    @ gather :: sideOps
                    @ inputNoise ForwardPass
                    @ forward ForwardPass L
                    @ targetOps
                    @ feedbackOps
                    @ localOps
                )
            )

        { Model = m
          Plan = plan
          W = W
          B = B
          V = V
          C = C
          A = layout.A
          U = layout.U
          Coders = layout.Coders
          Values = [| for l in 0..L -> Layout.relaxed layout l |] }
