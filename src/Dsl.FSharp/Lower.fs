namespace TargetProp.Dsl

open TargetProp.Runtime

/// A model compiled to a runtime Plan, with its parameter buffers by layer. The plan keeps weights transposed,
/// Wᵀ [n_{l-1} × n_l] and Vᵀ [n_l × n_{l-1}], so forward products need no packing (see DenseOp); Parameters and Load
/// translate to and from the [out × in] convention.
type Compiled =
    { Model: Model
      Plan: Plan
      W: MatrixBuffer[]
      B: MatrixBuffer[]
      V: Map<int, MatrixBuffer>
      C: Map<int, MatrixBuffer> }

    /// Copies the current parameters out of the plan, weights as [out × in].
    member c.Parameters: Parameters =
        let transposed (m: MatrixBuffer) = Array.init m.Data.Length (fun k -> m.Data.[(k % m.Rows) * m.Cols + k / m.Rows])
        { W = c.W |> Array.map transposed
          B = c.B |> Array.map (fun m -> Array.copy m.Data)
          V = c.V |> Map.map (fun _ m -> transposed m)
          C = c.C |> Map.map (fun _ m -> Array.copy m.Data) }

    /// Copies parameters (weights as [out × in]) into the plan and resets the optimisers' state, so training starts
    /// afresh from them; shapes must match the model's.
    member c.Load(p: Parameters) =
        let check (dst: MatrixBuffer) (src: float32[]) =
            if src.Length <> dst.Data.Length then
                raise (TrainingException(sprintf "parameter %s has %d values but the model needs %d (%d×%d)" dst.Name src.Length dst.Data.Length dst.Cols dst.Rows))
        let put (dst: MatrixBuffer) (src: float32[]) =
            check dst src
            Array.blit src 0 dst.Data 0 src.Length
        // dst is Wᵀ [in × out]; src is W [out × in].
        let putTransposed (dst: MatrixBuffer) (src: float32[]) =
            check dst src
            for i in 0 .. dst.Rows - 1 do
                for j in 0 .. dst.Cols - 1 do
                    dst.Data.[i * dst.Cols + j] <- src.[j * dst.Rows + i]
        Array.iter2 putTransposed c.W p.W
        Array.iter2 put c.B p.B
        c.V |> Map.iter (fun l m -> putTransposed m p.V.[l])
        c.C |> Map.iter (fun l m -> put m p.C.[l])
        c.Plan.Reset()

/// Lowering: a checked Model → buffers and op lists per phase.
module Lower =
    let private runtimeOptimiser (o: Optimiser) : Optim.Optimiser =
        match o with
        | CentredRmsProp lr -> Optim.CentredRmsProp(float32 lr)
        | RmsProp lr -> Optim.RmsProp(float32 lr)
        | Adam lr -> Optim.Adam(float32 lr)
        | Sgd(lr, mu) -> Optim.SgdMomentum(float32 lr, float32 mu)

    /// σ as the plan applies it: a softmax output keeps its logits as the layer's value.
    let private planActivation (a: Activation) = if a = Activation.Softmax then Activation.Linear else a

    /// Lowers a model (already checked) for batches of up to `batch` rows.
    let compile (batch: int) (m: Model) : Compiled =
        let s = m.Stack
        let L = Stack.depth s
        let T = Model.topLayer m
        let width l = Stack.width s l
        let act l = planActivation (Stack.activation s l)
        let buf name cols = MatrixBuffer(name, batch, cols)
        let h = [| for l in 0..L -> buf (sprintf "h%d" l) (width l) |]
        let t = [| for l in 0..L -> buf (sprintf "ĥ%d" l) (width l) |]
        let W = [| for l in 1..L -> MatrixBuffer(sprintf "W%dᵀ" l, width (l - 1), width l) |]
        let B = [| for l in 1..L -> MatrixBuffer(sprintf "b%d" l, 1, width l) |]
        let gW = W |> Array.map (fun w -> MatrixBuffer("∂" + w.Name, w.Rows, w.Cols))
        let gB = B |> Array.map (fun b -> MatrixBuffer("∂" + b.Name, 1, b.Cols))
        let fb = Model.feedbackLayers m
        let V = fb |> List.map (fun l -> l, MatrixBuffer(sprintf "V%dᵀ" l, width l, width (l - 1))) |> Map.ofList
        let C = fb |> List.map (fun l -> l, MatrixBuffer(sprintf "c%d" l, 1, width (l - 1))) |> Map.ofList
        let gV = V |> Map.map (fun _ v -> MatrixBuffer("∂" + v.Name, v.Rows, v.Cols))
        let gC = C |> Map.map (fun _ c -> MatrixBuffer("∂" + c.Name, 1, c.Cols))
        // Local squared losses: MeanSquared (1/B)Σ‖·‖² has δ = (2/B)(h − t)σ'; HalfSumSquared ½Σ‖·‖² has δ = (h − t)σ'.
        let lossScale, batchPower =
            match m.Rule.LocalLoss with
            | MeanSquared -> 2.0f, 1
            | HalfSumSquared -> 1.0f, 0

        let forward upTo = [ for l in 1..upTo -> DenseOp(h.[l - 1], W.[l - 1], B.[l - 1], act l, h.[l]) :> Op ]

        // The loss at the output, ∂ℓ/∂h_L, and δ_L = ∂ℓ/∂a_L (ℓ the batch mean). For a softmax output h_L is the logits.
        let deltaL = buf "δL" (width L)
        let lossOps, dldh =
            if Model.usesCrossEntropy m then
                [ SoftmaxCrossEntropyOp(h.[L], buf "p" (width L), deltaL) :> Op ], deltaL
            else
                let dh = buf "∂ℓ/∂hL" (width L)
                [ SquaredErrorOp(h.[L], dh) :> Op; MultiplyDerivativeOp(act L, h.[L], dh, deltaL) ], dh

        // Step 2: the top target. At the last hidden layer, the output layer also gets its own gradient.
        let topOps, outputGradOps =
            let eta = float32 m.Rule.Top.Eta
            match m.Rule.Top.At with
            | Output ->
                [ AddScaledOp(h.[L], -eta, dldh, t.[L]) :> Op ], []
            | LastHidden ->
                let dh = buf (sprintf "∂ℓ/∂h%d" (L - 1)) (width (L - 1))
                [ BackwardOp(deltaL, W.[L - 1], dh) :> Op; AddScaledOp(h.[L - 1], -eta, dh, t.[L - 1]) ],
                [ WeightGradOp(deltaL, h.[L - 1], gW.[L - 1], gB.[L - 1]) :> Op ]

        // A buffer's name for an expression at layer l: h1, ĥ2, g2(ĥ2), ...
        let rec label l (e: Expr) =
            match e with
            | Below -> sprintf "h%d" (l - 1)
            | Here -> sprintf "h%d" l
            | Target -> sprintf "ĥ%d" l
            | G x -> sprintf "g%d(%s)" l (label l x)
            | _ -> sprintf "[%O]" e

        // An expression at layer l as ops writing into dst: (ops that do not read ĥ_l and can run before the targets
        // are known, ops of the top-down chain).
        let rec lowerInto (l: int) (e: Expr) (dst: MatrixBuffer) : Op list * Op list =
            let terms =
                match Expr.linearTerms e with
                | [] -> [ (0.0, Below) ]
                | ts -> ts
            // g_l(x) into y, with the ops that compute x.
            let apply x (y: MatrixBuffer) =
                let xb, (xpre, xchain) = operand l x (label l x)
                let op = DenseOp(xb, V.[l], C.[l], act (l - 1), y) :> Op
                if Expr.usesTarget x then xpre, xchain @ [ op ] else xpre @ xchain @ [ op ], []
            let atom (_, a) : MatrixBuffer * (Op list * Op list) =
                match a with
                | Below -> h.[l - 1], ([], [])
                | Here -> h.[l], ([], [])
                | Target -> t.[l], ([], [])
                | G x ->
                    let y = buf (label l a) (width (l - 1))
                    y, apply x y
                | _ -> failwith "linearTerms returns atoms only"
            match terms with
            | [ (1.0, G x) ] -> apply x dst
            | _ ->
                let parts = terms |> List.map atom
                let combine = CombineOp(terms |> List.map (fst >> float32) |> Array.ofList, parts |> List.map fst |> Array.ofList, dst) :> Op
                parts |> List.collect (snd >> fst), (parts |> List.collect (snd >> snd)) @ [ combine ]

        // A plain term is used in place; anything else is computed into a buffer of layer l's width.
        and operand l (x: Expr) name : MatrixBuffer * (Op list * Op list) =
            match x with
            | Here -> h.[l], ([], [])
            | Target -> t.[l], ([], [])
            | _ ->
                let b = buf name (width l)
                b, lowerInto l x b

        // Step 3: targets from T down to layer 1. What does not read a target (g_l(h_l) in the difference rule) is
        // computed first, every layer at once; the rest is the top-down chain.
        let earlyGroups, chainOps =
            let perLayer =
                [ for l in T .. -1 .. 2 ->
                      match m.Rule.Propagation with
                      | Gradient ->
                          let e = buf (sprintf "e%d" l) (width l)
                          let back = buf (sprintf "eW%d" l) (width (l - 1))
                          [], [ DeltaOp(act l, 1.0f, 0, h.[l], t.[l], e) :> Op
                                BackwardOp(e, W.[l - 1], back)
                                AddScaledOp(h.[l - 1], -1.0f, back, t.[l - 1]) ]
                      | Propagate e -> lowerInto l e t.[l - 1] ]
            perLayer |> List.map fst |> List.filter (not << List.isEmpty), perLayer |> List.collect snd
        let propagateOps =
            (if List.isEmpty earlyGroups then [] else [ ParallelOp(earlyGroups |> List.map Array.ofList |> Array.ofList) :> Op ])
            @ chainOps

        // Step 4: local losses of layers 1..T, each layer's gradient and update one independent group (with the output
        // layer's own-gradient update when the top target is at L-1).
        let forwardOptim = runtimeOptimiser m.ForwardOptimiser
        let update l = [ OptimOp(W.[l - 1], gW.[l - 1], forwardOptim) :> Op; OptimOp(B.[l - 1], gB.[l - 1], forwardOptim) ]
        // A large layer's update is cut into pieces of ~64k weights (rows of Wᵀ, i.e. input units), so the groups
        // balance over workers: Lee's 784×240 first layer is 3 pieces, each 240×240 layer one. A layer in one piece
        // computes its δ_l inside its group, on the core that then reads it; a cut layer's δ_l comes first, row-wise.
        let pieces l = max 1 ((width (l - 1) * width l + 32767) / 65536)
        let deltas = [| for l in 1..T -> buf (sprintf "δ%d" l) (width l) |]
        let deltaOp l = DeltaOp(act l, lossScale, batchPower, h.[l], t.[l], deltas.[l - 1]) :> Op
        let localGroups =
            [ for l in 1..T do
                  let inputs, outputs, n = width (l - 1), width l, pieces l
                  for k in 0 .. n - 1 ->
                      let first, last = inputs * k / n, inputs * (k + 1) / n
                      (if n = 1 then [ deltaOp l ] else [])
                      @ [ WeightGradOp(deltas.[l - 1], h.[l - 1], gW.[l - 1], (if k = 0 then gB.[l - 1] else null), first, last - first) :> Op
                          OptimOp(W.[l - 1], gW.[l - 1], forwardOptim, first * outputs, (last - first) * outputs) ]
                      @ (if k = 0 then [ OptimOp(B.[l - 1], gB.[l - 1], forwardOptim) :> Op ] else []) ]
            @ (if T < L then [ outputGradOps @ update L ] else [])
        let localOps =
            [ for l in 1..T do if pieces l > 1 then deltaOp l ]
            @ [ ParallelOp(localGroups |> List.map Array.ofList |> Array.ofList) :> Op ]

        // Step 5: denoising reconstruction of every trained g_l, each layer one independent group with its update.
        let sigma =
            match m.Rule.Feedback with
            | Reconstruct s -> float32 s
            | NoFeedback -> 0.0f
        let feedbackOps =
            if not (Model.trainsFeedback m) then []
            else
                let o = runtimeOptimiser m.FeedbackOptimiser
                let groups =
                    [| for l in fb ->
                           let noisy = buf (sprintf "(h%d+ε)" (l - 1)) (width (l - 1))
                           let fl = buf (sprintf "f%d(h%d+ε)" l (l - 1)) (width l)
                           let r = buf (sprintf "g%d(f%d)" l l) (width (l - 1))
                           let delta = buf (sprintf "δg%d" l) (width (l - 1))
                           [| NoiseOp(h.[l - 1], sigma, l, noisy) :> Op
                              DenseOp(noisy, W.[l - 1], B.[l - 1], act l, fl)
                              DenseOp(fl, V.[l], C.[l], act (l - 1), r)
                              DeltaOp(act (l - 1), lossScale, batchPower, r, noisy, delta)
                              WeightGradOp(delta, fl, gV.[l], gC.[l])
                              OptimOp(V.[l], gV.[l], o)
                              OptimOp(C.[l], gC.[l], o) |] |]
                [ NextFeedbackStepOp() :> Op; ParallelOp groups ]

        // Targets read V before the feedback groups update it, and the feedback groups read W before the local groups
        // update it: the order below keeps every update computed from the parameters of the step's start.
        let targetOps = lossOps @ topOps @ propagateOps
        let deepest = if List.isEmpty fb then 0 else List.max fb - 1
        let plan =
            Plan(
                batch, h.[0], h.[L],
                [| for l in 0 .. L - 1 do
                       yield Parameter(W.[l].Name, W.[l], gW.[l])
                       yield Parameter(B.[l].Name, B.[l], gB.[l])
                   for l in fb do
                       yield Parameter(V.[l].Name, V.[l], gV.[l])
                       yield Parameter(C.[l].Name, C.[l], gC.[l]) |],
                Array.ofList (forward L @ [ ErrorCountOp(h.[L]) ]),
                Array.ofList (forward L @ targetOps @ localOps),
                Array.ofList (forward deepest @ feedbackOps),
                Array.ofList (forward L @ targetOps @ feedbackOps @ localOps))
        { Model = m; Plan = plan; W = W; B = B; V = V; C = C }
