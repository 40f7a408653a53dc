namespace TargetProp.Dsl

open MathNet.Numerics.LinearAlgebra
open TargetProp.Runtime

/// The float64 reference interpreter: the meaning of a model, written straight from the equations on MathNet
/// matrices, with no buffers, fusion or threads. It is the oracle that compiled plans are tested against.
/// Batches are row-major: H_l is [B × n_l], so f_l(H) = σ_l(H W_lᵀ + 1 b_lᵀ).
module Reference =
    type M = Matrix<float>

    /// Parameters in float64.
    type State =
        {
            W: M[]
            B: Vector<float>[]
            V: Map<int, M>
            C: Map<int, Vector<float>>
            /// The fixed auxiliary output weights A [k × n_{L-1}], if any.
            A: M option
            /// U_l [n_l × dim s] of each layer that reads side inputs s.
            U: Map<int, M>
            /// Each conditional auto-encoder r_k's E_k [m × in], e_k, D_k [n_k × m], d_k.
            Coders: Map<int, M * Vector<float> * M * Vector<float>>
        }

    /// A loss's gradients with respect to W_l, b_l (index l-1) and U_l, and the loss ℓ at the output.
    type Gradients =
        { W: M[]
          B: Vector<float>[]
          U: Map<int, M>
          Loss: float }

    /// What a step reads besides parameters and the batch: the seed and step counters that key its draws (see
    /// Streams), the epoch that a decaying feedback noise follows (0 in pre-training), and its side inputs by name
    /// (filled from the labels by withSides).
    type Draws =
        { Seed: uint64
          ForwardStep: int64
          FeedbackStep: int64
          Epoch: int
          Sides: Map<string, Matrix<float>> }

    /// No draws: seed 0, step 0, epoch 0, no side inputs (for a forward pass with no noise).
    let noDraws: Draws =
        { Seed = 0UL
          ForwardStep = 0L
          FeedbackStep = 0L
          Epoch = 0
          Sides = Map.empty }

    let private matrix (rows: int) (cols: int) (a: float32[]) =
        Matrix<float>.Build.Dense(rows, cols, fun i j -> float a.[i * cols + j])

    let private flat (m: M) =
        Array.init (m.RowCount * m.ColumnCount) (fun k -> float32 m.[k / m.ColumnCount, k % m.ColumnCount])

    let ofParameters (m: Model) (p: Parameters) : State =
        let w l = Stack.width m.Stack l
        let L = Model.depth m

        { W = p.W |> Array.mapi (fun i a -> matrix (w (i + 1)) (w i) a)
          B = p.B |> Array.map (fun a -> Vector<float>.Build.Dense(a |> Array.map float))
          V = p.V |> Map.map (fun l a -> matrix (w (l - 1)) (Model.feedbackInputWidth m l) a)
          C = p.C |> Map.map (fun _ a -> Vector<float>.Build.Dense(a |> Array.map float))
          A =
            if p.A.Length = 0 then
                None
            else
                Some(matrix m.Rule.Top.Auxiliary (w (L - 1)) p.A)
          U = p.U |> Map.map (fun l a -> matrix (w l) (Model.layerSideWidth m l) a)
          Coders =
            p.Coders
            |> Map.map (fun k c ->
                let code, inputs = c.Eb.Length, c.E.Length / c.Eb.Length

                matrix code inputs c.E,
                Vector<float>.Build.Dense(c.Eb |> Array.map float),
                matrix (w k) code c.D,
                Vector<float>.Build.Dense(c.Db |> Array.map float)) }

    let toParameters (s: State) : Parameters =
        { W = s.W |> Array.map flat
          B = s.B |> Array.map (fun v -> v.ToArray() |> Array.map float32)
          V = s.V |> Map.map (fun _ m -> flat m)
          C = s.C |> Map.map (fun _ v -> v.ToArray() |> Array.map float32)
          A = s.A |> Option.map flat |> Option.defaultValue [||]
          U = s.U |> Map.map (fun _ m -> flat m)
          Coders =
            s.Coders
            |> Map.map (fun _ (e, eb, d, db) ->
                { E = flat e
                  Eb = eb.ToArray() |> Array.map float32
                  D = flat d
                  Db = db.ToArray() |> Array.map float32 }) }

    /// The smallest distance to a kink or threshold this thread has evaluated since Reset: a ReLU's or hardTanh's kink,
    /// a sign's or step's threshold, a Bernoulli draw's uniform. Near one, float32 and float64 may fall on different
    /// sides (and a comparison of the two stops meaning anything).
    type Kink =
        [<System.ThreadStatic; DefaultValue>]
        static val mutable private closest: float

        static member Reset() = Kink.closest <- infinity
        static member Closest = Kink.closest

        static member internal See(a: float) =
            if abs a < Kink.closest then
                Kink.closest <- abs a

    /// The unit's value in target space, element-wise: σ(a) for a smooth unit, its relaxation ρ(a) for a discrete or
    /// stochastic one; a softmax output keeps its logits (the softmax lives in the loss).
    let rec activate (u: Nonlinearity) (x: M) : M =
        match u with
        | Tanh -> x.Map(fun v -> tanh v)
        | SteepTanh k -> x.Map(fun v -> tanh (k * v))
        | Sigmoid -> x.Map(fun v -> 1.0 / (1.0 + exp -v))
        | Relu ->
            x.Map(fun v ->
                Kink.See v
                max v 0.0)
        | HardTanh ->
            x.Map(fun v ->
                Kink.See(abs v - 1.0)
                min (max v -1.0) 1.0)
        | Linear
        | Softmax -> x
        | Sign
        | Step
        | Bernoulli -> activate u.Relaxation x

    /// σ'(a) written through the value h = σ(a) (ρ' for a discrete or stochastic unit: the straight-through stand-in).
    let rec derivative (u: Nonlinearity) (h: M) : M =
        match u with
        | Tanh -> h.Map(fun v -> 1.0 - v * v)
        | SteepTanh k -> h.Map(fun v -> k * (1.0 - v * v))
        | Sigmoid -> h.Map(fun v -> v * (1.0 - v))
        | Relu -> h.Map(fun v -> if v > 0.0 then 1.0 else 0.0)
        | HardTanh -> h.Map(fun v -> if abs v < 1.0 then 1.0 else 0.0)
        | Linear
        | Softmax -> h.Map(fun _ -> 1.0)
        | Sign
        | Step
        | Bernoulli -> derivative u.Relaxation h

    /// A discrete or stochastic unit's emission from its relaxed value r, straight from its definition: sign(r) = ±1
    /// at r > 0, step(r) = [r > ½], Bernoulli(r) = [U < r] with U the counter-based uniform (seed, step, stream) of
    /// element (row, j) at row·cols + j; any other unit passes r on.
    let emission (u: Nonlinearity) (seed: uint64) (step: int64) (stream: int) (r: M) : M =
        match u with
        | Sign ->
            r.Map(fun v ->
                Kink.See v
                if v > 0.0 then 1.0 else -1.0)
        | Step ->
            r.Map(fun v ->
                Kink.See(v - 0.5)
                if v > 0.5 then 1.0 else 0.0)
        | Bernoulli ->
            r.MapIndexed(fun i j v ->
                let u = float (Noise.UniformAt(seed, step, stream, int64 (i * r.ColumnCount + j)))
                Kink.See(v - u)
                if u < v then 1.0 else 0.0)
        | Linear
        | Tanh
        | SteepTanh _
        | Sigmoid
        | Relu
        | Softmax
        | HardTanh -> r

    /// σ(X Wᵀ + 1 bᵀ)
    let dense (a: Nonlinearity) (w: M) (b: Vector<float>) (x: M) : M =
        let z = x * w.Transpose()
        activate a (z + Matrix<float>.Build.Dense(x.RowCount, b.Count, fun _ j -> b.[j]))

    /// softmax of each row.
    let softmaxRows (a: M) : M =
        Matrix<float>
            .Build.DenseOfRowArrays(
                [| for r in 0 .. a.RowCount - 1 ->
                       let row = a.Row r
                       let e = row.Map(fun v -> exp (v - row.Maximum()))
                       (e / e.Sum()).ToArray() |]
            )

    /// The one-hot labels [B × n].
    let oneHot (n: int) (y: int[]) : M =
        Matrix<float>.Build.Dense(y.Length, n, fun r j -> if j = y.[r] then 1.0 else 0.0)

    let private act (m: Model) l = Stack.activation m.Stack l

    // The reference reads the rule's structure itself instead of through the Model helpers that Lower uses, so a slip
    // in either reading shows as a disagreement between plan and reference.

    /// T: the layer whose target is set first, the output L or the last hidden layer L-1.
    let topLayer (m: Model) =
        let L = m.Stack.Layers.Length

        match m.Rule.Top.At with
        | Output -> L
        | LastHidden -> L - 1

    /// The layers 1..localTop learn by the local loss: up to T for a gradient-step top target; a label or blend target
    /// leaves the output layer L to learn by ∂ℓ/∂W_L, so up to L-1.
    let localTop (m: Model) =
        match m.Rule.Top.Target with
        | GradientStep _ -> topLayer m
        | Label
        | Blend _ -> m.Stack.Layers.Length - 1

    /// The layers l with a feedback map g_l: 2..T when the propagation applies g (g_1 would target the input), or when
    /// bp's propagation comes with a feedback loss (g_l trained beside bp, for measures).
    let feedbackLayers (m: Model) =
        match m.Rule.Propagation with
        | Propagate e when Expr.usesFeedback e -> [ 2 .. topLayer m ]
        | Gradient when m.Rule.Feedback <> NoFeedback -> [ 2 .. topLayer m ]
        | _ -> []

    /// The layers k with a conditional auto-encoder r_k: 1..T-1 when the propagation applies r.
    let conditionalLayers (m: Model) =
        match m.Rule.Propagation with
        | Propagate e when
            Expr.subterms e
            |> List.exists (function
                | R _ -> true
                | _ -> false)
            ->
            [ 1 .. topLayer m - 1 ]
        | _ -> []

    /// Whether the feedback updates train anything: the g_l (a feedback loss and some g_l), or the r_k.
    let trainsFeedback (m: Model) =
        m.Rule.Feedback <> NoFeedback && not (List.isEmpty (feedbackLayers m))
        || not (List.isEmpty (conditionalLayers m))

    /// The draws with the batch's one-hot label as the side input "label" (the declared ones come with the draws).
    let withSides (m: Model) (y: int[]) (d: Draws) : Draws =
        { d with
            Sides = d.Sides.Add("label", oneHot (Stack.width m.Stack (Model.depth m)) y) }

    /// σ·z, z the standard normals of a stream, [rows × cols].
    let draw (seed: uint64) (step: int64) (stream: int) (rows: int) (cols: int) (sigma: float) : M =
        Matrix<float>
            .Build
            .Dense(rows, cols, fun r j -> sigma * Noise.StandardNormalAt(seed, step, stream, int64 (r * cols + j)))

    /// The step counter that keys a pass's draws (evaluation: sample 0).
    let private stepOf (d: Draws) (pass: Pass) =
        match pass with
        | ForwardPass
        | PropagationMap -> d.ForwardStep
        | FeedbackPass
        | FeedbackMap -> d.FeedbackStep
        | Evaluation -> 0L

    /// Whether layer l passes up an emission in a pass: a discrete or stochastic hidden unit always in evaluation, and
    /// in training unless the net trains continuously.
    let private emits (m: Model) (pass: Pass) (l: int) =
        l > 0
        && l < m.Stack.Layers.Length
        && (act m l).Discrete
        && (pass = Evaluation || m.ThroughDiscrete <> ContinuousTraining)

    /// What layer l passes up in a pass, from its relaxed value r.
    let up (m: Model) (d: Draws) (pass: Pass) (l: int) (r: M) : M =
        if emits m pass l then
            emission (act m l) d.Seed (stepOf d pass) (Streams.emission l pass) r
        else
            r

    /// The side inputs layer l reads, side by side (from the draws' Sides).
    let private sideOf (m: Model) (d: Draws) (l: int) : M =
        Model.layerSides m l
        |> List.map (fun n -> d.Sides.[n])
        |> List.reduce (fun a b -> a.Append b)

    /// ρ_l(x W_lᵀ + s U_lᵀ + 1 b_lᵀ): layer l's map from what the layer below passes up, with the side inputs it reads.
    let private layer (m: Model) (s: State) (d: Draws) (l: int) (x: M) : M =
        match s.U.TryFind l with
        | None -> dense (act m l) s.W.[l - 1] s.B.[l - 1] x
        | Some u ->
            let z = x * s.W.[l - 1].Transpose() + sideOf m d l * u.Transpose()

            activate
                (act m l)
                (z
                 + Matrix<float>.Build.Dense(x.RowCount, s.B.[l - 1].Count, fun _ j -> s.B.[l - 1].[j]))

    /// The relaxed values r_0 .. r_L of a pass (r_0 the input, with the model's input noise in a training pass) and what
    /// each layer passes up: r_l = ρ_l(W_l up_{l-1} + b_l).
    let forwardPass (m: Model) (s: State) (d: Draws) (pass: Pass) (x: M) : M[] * M[] =
        let L = Model.depth m
        let r = Array.zeroCreate (L + 1)
        let u = Array.zeroCreate (L + 1)
        let noisy = (pass = ForwardPass || pass = FeedbackPass) && m.InputNoise > 0.0

        r.[0] <-
            if noisy then
                x
                + draw d.Seed (stepOf d pass) (Streams.input pass) x.RowCount x.ColumnCount m.InputNoise
            else
                x

        u.[0] <- r.[0]

        for l in 1..L do
            r.[l] <- layer m s d l u.[l - 1]
            u.[l] <- up m d pass l r.[l]

        r, u

    /// The relaxed values r_0 .. r_L of an evaluation pass with no noise and no side inputs (any Bernoulli units drawn
    /// with seed 0 and step 0 at the batch's rows: not the plan's averaged evaluation, which Evaluate's tests check).
    let forward (m: Model) (s: State) (x: M) : M[] =
        fst (forwardPass m s noDraws Evaluation x)

    /// The output's value in target space from its logits a_L and what layer L-1 passes up: the probabilities for a
    /// label or blend top, followed by the auxiliary features tanh(up_{L-1} Aᵀ).
    let private outputValue (m: Model) (s: State) (a: M) (below: M) : M =
        let v = if Model.usesProbabilities m then softmaxRows a else a

        match s.A with
        | Some aT -> v.Append(activate Tanh (below * aT.Transpose()))
        | None -> v

    /// f_l(x) in layer l's target space for x in layer l-1's, through layer l-1's emission (drawn in `pass`).
    let forwardMap (m: Model) (s: State) (d: Draws) (pass: Pass) (l: int) (x: M) : M =
        let below = up m d pass (l - 1) x
        let a = layer m s d l below
        if l < Model.depth m then a else outputValue m s a below

    /// The forward maps f_{to}(… f_{from}(x)): x of layer from-1 carried up to layer `upTo`'s target space.
    let forwardFrom (m: Model) (s: State) (d: Draws) (pass: Pass) (from: int) (upTo: int) (x: M) : M =
        Seq.fold (fun v l -> forwardMap m s d pass l v) x (seq { from..upTo })

    /// Each layer's value in target space: r_l, except the output's (probabilities, auxiliary features).
    let targetValues (m: Model) (s: State) (r: M[]) (passed: M[]) : M[] =
        let L = Model.depth m

        Array.init (L + 1) (fun l ->
            if l = L && L >= 1 then
                outputValue m s r.[L] passed.[L - 1]
            else
                r.[l])

    /// What g_l reads of its input v: u(v) for the rule's feedback input unit u (sign(v), [v > ½]), v for Linear.
    let readG (m: Model) (v: M) : M =
        emission m.Rule.FeedbackInput 0UL 0L 0 v

    /// g_l(v) = τ(u(v) V_lᵀ + c_l), τ layer l-1's unit (its relaxation) unless the rule fixes it.
    let feedback (m: Model) (s: State) (l: int) (v: M) =
        dense (Model.feedbackActivation m l) s.V.[l] s.C.[l] (readG m v)

    /// r_k(x) = ρ_k(D_k c + d_k) with c = tanh(E_k x + e_k): layer k's conditional auto-encoder, and its code c.
    let coder (m: Model) (s: State) (k: int) (x: M) : M * M =
        let e, eb, d, db = s.Coders.[k]
        let c = dense Tanh e eb x
        dense (act m k) d db c, c

    /// The batch-mean loss ℓ at the output, ∂ℓ/∂h_L and δ_L = ∂ℓ/∂a_L.
    let loss (m: Model) (hL: M) (y: int[]) : float * M * M =
        let B = float hL.RowCount

        if Model.usesCrossEntropy m then
            let p = softmaxRows hL
            let l = Seq.sum (seq { for r in 0 .. p.RowCount - 1 -> -log p.[r, y.[r]] }) / B
            let d = (p - oneHot hL.ColumnCount y) / B
            l, d, d
        else
            let diff = hL - oneHot hL.ColumnCount y
            let l = 0.5 * Seq.sum ((diff.PointwiseMultiply diff).Enumerate()) / B
            let dh = diff / B
            l, dh, dh.PointwiseMultiply(derivative (act m (Model.depth m)) hL)

    /// Width of a space at layer l.
    let private spaceWidth (m: Model) (l: int) (space: Space) =
        match space with
        | BelowSpace -> Model.targetWidth m (l - 1)
        | HereSpace -> Model.targetWidth m l
        | OutSpace -> Model.targetWidth m (topLayer m)
        | SideSpace n -> Model.sideWidth m n

    /// Evaluates a target expression at layer l whose value lies in `space`, from the layers' values in target space and
    /// targets t (t.[T] the top target); noise comes from the forward step's draws.
    let rec eval (m: Model) (s: State) (d: Draws) (values: M[]) (t: M[]) (l: int) (space: Space) (e: Expr) : M =
        let T = topLayer m
        let go sp x = eval m s d values t l sp x

        match e with
        | Below -> values.[l - 1]
        | Here -> values.[l]
        | Target -> t.[l]
        | Out -> values.[T]
        | OutTarget -> t.[T]
        | Noise sigma ->
            draw d.Seed d.ForwardStep (Streams.propagation l space) values.[0].RowCount (spaceWidth m l space) sigma
        | Side n -> d.Sides.[n]
        | Concat(a, b) ->
            (go (Expr.space a |> Result.defaultValue HereSpace) a)
                .Append(go (Expr.space b |> Result.defaultValue HereSpace) b)
        | G x -> feedback m s l (go (Expr.space x |> Result.defaultValue HereSpace) x)
        | F x -> forwardMap m s d PropagationMap l (go BelowSpace x)
        | R x -> fst (coder m s (l - 1) (go BelowSpace x))
        | Add(a, b) -> go space a + go space b
        | Subtract(a, b) -> go space a - go space b
        | Product(a, b) -> (go space a).PointwiseMultiply(go space b)
        | Scale(k, x) -> k * go space x

    /// The gradient of a squared loss c·Σ‖u − v‖² with respect to u's pre-activation, for the rule's reduction.
    let private localDelta (m: Model) (a: Nonlinearity) (u: M) (v: M) =
        let scale =
            match m.Rule.LocalLoss with
            | MeanSquared -> 2.0 / float u.RowCount
            | HalfSumSquared -> 1.0

        scale * (u - v).PointwiseMultiply(derivative a u)

    /// ∂/∂u of the rule's reduction of Σ_b ‖u‖²-type losses, given the per-example derivative 2·e: (2/B)e or e.
    let private lossGradient (m: Model) (e: M) =
        match m.Rule.LocalLoss with
        | MeanSquared -> (2.0 / float e.RowCount) * e
        | HalfSumSquared -> e

    /// What reaches layer l of a derivative taken at what it passes up: all of it, unless the layer emits in training
    /// and the model says NoGradient (the check refuses the rest).
    let through (m: Model) (l: int) =
        if emits m ForwardPass l && m.ThroughDiscrete = NoGradient then
            0.0
        else
            1.0

    /// Step 3 at one layer: ĥ_{l-1} from the relaxed values h, the target-space values and targets t.
    let propagateOne (m: Model) (s: State) (d: Draws) (h: M[]) (values: M[]) (t: M[]) (l: int) : M =
        match m.Rule.Propagation with
        | Gradient ->
            h.[l - 1]
            - through m (l - 1)
              * ((values.[l] - t.[l]).PointwiseMultiply(derivative (act m l) h.[l]) * s.W.[l - 1])
        | Propagate e -> eval m s d values t l BelowSpace e

    /// Targets ĥ_{downTo} .. ĥ_{T-1} from the top target ĥ_T = top (entries outside are null).
    let propagateFrom (m: Model) (s: State) (d: Draws) (h: M[]) (values: M[]) (top: M) (downTo: int) : M[] =
        let T = topLayer m
        let t: M[] = Array.zeroCreate (Model.depth m + 1)
        t.[T] <- top

        for l in T .. -1 .. downTo + 1 do
            t.[l - 1] <- propagateOne m s d h values t l

        t

    /// The top target ĥ_T in target space, and ℓ.
    let topTarget (m: Model) (s: State) (h: M[]) (values: M[]) (y: int[]) : M * float =
        let L = Model.depth m
        let l0, dldh, deltaL = loss m h.[L] y
        let n = Stack.width m.Stack L
        // The auxiliary features keep their value as their target.
        let withAux (main: M) =
            if m.Rule.Top.Auxiliary > 0 then
                main.Append(values.[L].SubMatrix(0, h.[L].RowCount, n, m.Rule.Top.Auxiliary))
            else
                main

        let mainL = values.[L].SubMatrix(0, h.[L].RowCount, 0, n)

        let target =
            match m.Rule.Top.Target, m.Rule.Top.At with
            | GradientStep eta, Output -> withAux (h.[L] - eta * dldh)
            | GradientStep eta, LastHidden -> h.[L - 1] - eta * through m (L - 1) * (deltaL * s.W.[L - 1])
            | Label, _ -> withAux (oneHot n y)
            | Blend beta, _ -> withAux (mainL + beta * (oneHot n y - mainL))

        target, l0

    /// Targets ĥ_1 .. ĥ_T (index l; unused entries null), the target-space values, and ℓ, from a forward pass's
    /// relaxed values h and what each layer passed up.
    let targets (m: Model) (s: State) (d: Draws) (h: M[]) (passed: M[]) (y: int[]) : M[] * M[] * float =
        let d = withSides m y d
        let values = targetValues m s h passed
        let top, l0 = topTarget m s h values y
        propagateFrom m s d h values top 1, values, l0

    /// ∂W_l = δ_lᵀ u_{l-1}, ∂b_l = Σ_b δ_l and ∂U_l = δ_lᵀ s_l from each layer's pre-activation gradient δ_l.
    let private gradients (m: Model) (d: Draws) (passed: M[]) (deltas: M[]) (loss: float) : Gradients =
        { W = deltas |> Array.mapi (fun i dl -> dl.Transpose() * passed.[i])
          B = deltas |> Array.map _.ColumnSums()
          U =
            [ for l in 1 .. deltas.Length do
                  if not (List.isEmpty (Model.layerSides m l)) then
                      yield l, deltas.[l - 1].Transpose() * sideOf m d l ]
            |> Map.ofList
          Loss = loss }

    /// ∂/∂W_l, ∂/∂b_l, ∂/∂U_l of every layer's loss (local losses for 1..localTop; ℓ itself for the layers above), and ℓ.
    let forwardGradients (m: Model) (s: State) (d: Draws) (x: M) (y: int[]) : Gradients =
        let L = Model.depth m
        let h, passed = forwardPass m s d ForwardPass x
        let t, _, l0 = targets m s d h passed y
        let _, _, deltaL = loss m h.[L] y

        let deltas =
            [| for l in 1..L ->
                   if l <= localTop m then
                       localDelta m (act m l) h.[l] t.[l]
                   else
                       deltaL |]

        gradients m d passed deltas l0

    /// ∂ℓ/∂W_l of every layer by back-propagation written out on its own, not through any rule's targets:
    /// δ_L = ∂ℓ/∂a_L, δ_l = (δ_{l+1} W_{l+1}) ⊙ σ'_l(h_l), ∂ℓ/∂W_l = δ_lᵀ h_{l-1}, through the noiseless evaluation
    /// pass (a discrete unit's σ' being its relaxation's, the straight-through estimator). The diagnostics' and the
    /// descent law's measure of what back-propagation would do. The draws give the declared side inputs.
    let lossGradients (m: Model) (p: Parameters) (d: Draws) (x: M) (y: int[]) : Gradients =
        let s = ofParameters m p
        let L = m.Stack.Layers.Length

        let d =
            { d with
                Seed = 0UL
                ForwardStep = 0L
                FeedbackStep = 0L }

        let h, passed = forwardPass m s d Evaluation x
        let l0, _, deltaL = loss m h.[L] y
        let deltas = Array.zeroCreate L
        deltas.[L - 1] <- deltaL

        for l in L - 1 .. -1 .. 1 do
            deltas.[l - 1] <- (deltas.[l] * s.W.[l]).PointwiseMultiply(derivative (act m l) h.[l])

        gradients m d passed deltas l0

    /// ∂V_l, ∂c_l from g_l's applications (x_i, u_i = g_l(x_i)) and the loss's derivative G_i with respect to each u_i:
    /// Σ_i (G_i ⊙ τ'(u_i))ᵀ u(x_i) and its column sums, u the rule's feedback input unit.
    let private feedbackGradient (m: Model) (l: int) (uses: (M * M * M) list) : M * Vector<float> =
        let deltas =
            uses
            |> List.map (fun (x, u, gu) -> readG m x, gu.PointwiseMultiply(derivative (Model.feedbackActivation m l) u))

        deltas |> List.map (fun (x, dl) -> dl.Transpose() * x) |> List.reduce (+),
        deltas |> List.map (fun (_, dl) -> dl.ColumnSums()) |> List.reduce (+)

    /// κ·Σ‖e‖², the rule's reduction of a squared loss: κ = 1/B (MeanSquared) or ½ (HalfSumSquared).
    let private lossValue (m: Model) (e: M) =
        let sq = (e.PointwiseMultiply e).Enumerate() |> Seq.sum

        match m.Rule.LocalLoss with
        | MeanSquared -> sq / float e.RowCount
        | HalfSumSquared -> 0.5 * sq

    /// g_l's input from a value v of layer l (or of the top): v and the side inputs, in the order g's domain gives.
    let feedbackInput (m: Model) (d: Draws) (v: M) =
        Model.feedbackDomain m
        |> List.map (function
            | SideSpace n -> d.Sides.[n]
            | _ -> v)
        |> List.reduce (fun a b -> a.Append b)

    /// g_l's feedback loss at layer l: its value, and g_l's applications (x_i, u_i = g_l(x_i)) with the loss's
    /// derivative with respect to each u_i.
    let feedbackLoss (m: Model) (s: State) (d: Draws) (h: M[]) (values: M[]) (l: int) : float * (M * M * M) list =
        let T = topLayer m
        let rows = h.[0].RowCount
        let input = if Model.directFeedback m then T else l
        // σ_e = σ / (1 + e/τ) in epoch e when the feedback noise decays, computed as the plan does (float32).
        let decayed (sigma: float) =
            float (NoiseOp.Sigma(float32 sigma, float32 m.FeedbackNoiseDecay, d.Epoch))

        let noiseBelow sigma =
            draw d.Seed d.FeedbackStep (Streams.reconstruction l) rows (Model.targetWidth m (l - 1)) (decayed sigma)

        let gInput = feedbackInput m d
        let gl = feedback m s l
        // g_l at its clean input x0 and at x0 + η, η ~ N(0, σ²) on the value part: the second draw of DRL's
        // regulariser and of L-DRL.
        let probe sigma =
            let x0 = gInput values.[input]

            let xEta =
                gInput (
                    values.[input]
                    + draw
                        d.Seed
                        d.FeedbackStep
                        (Streams.feedbackInput l)
                        rows
                        (Model.targetWidth m input)
                        (decayed sigma)
                )

            x0, gl x0, xEta, gl xEta

        match m.Rule.Feedback with
        | NoFeedback -> 0.0, []
        | Reconstruct(sigma, target) ->
            let noisy = h.[l - 1] + noiseBelow sigma
            let x = gInput (forwardFrom m s d FeedbackMap l input noisy)
            let u = gl x

            let e =
                u
                - (match target with
                   | NoisyInput -> noisy
                   | CleanInput -> h.[l - 1])

            lossValue m e, [ x, u, lossGradient m e ]
        | Drl(sigma, lambda) ->
            let eps = noiseBelow sigma
            let topEps = forwardFrom m s d FeedbackMap l T (h.[l - 1] + eps)
            let t = propagateFrom m s d h values topEps l
            let e = propagateOne m s d h values t l - h.[l - 1] - eps

            let expr =
                match m.Rule.Propagation with
                | Propagate x -> x
                | Gradient -> Below

            let reconstruction =
                [ for c, atom in Expr.linearTerms expr do
                      match atom with
                      | G x ->
                          let xv = eval m s d values t l (Expr.space x |> Result.defaultValue HereSpace) x
                          yield xv, gl xv, lossGradient m (c * e)
                      | _ -> () ]
            // λ‖g_l(x + η) − g_l(x)‖² at g_l's clean input x: keeps g_l's Jacobian from growing without bound.
            let x0, u0, xEta, uEta = probe sigma
            let r = lossGradient m (lambda * (uEta - u0))

            lossValue m e + lambda * lossValue m (uEta - u0),
            reconstruction @ (if lambda > 0.0 then [ xEta, uEta, r; x0, u0, -r ] else [])
        | Ldrl sigma ->
            let eps = noiseBelow sigma
            let x1 = gInput (forwardMap m s d FeedbackMap l (h.[l - 1] + eps))
            let u1 = gl x1
            let x0, u0, xEta, uEta = probe sigma // L-DRL reads layer l: input = l
            // −2εᵀ(u1 − u0) = ‖u1 − u0 − ε‖² − ‖u1 − u0‖² − ‖ε‖², reduced like the squared losses.
            lossValue m (u1 - u0 - eps) - lossValue m (u1 - u0) - lossValue m eps
            + lossValue m (uEta - u0),
            [ x1, u1, lossGradient m (-eps)
              x0, u0, lossGradient m (eps - (uEta - u0))
              xEta, uEta, lossGradient m (uEta - u0) ]

    /// ∂/∂V_l, ∂/∂c_l of each trained g_l's feedback loss, with the draws of feedback step d.FeedbackStep, on the
    /// forward pass of a feedback update (FeedbackPass) or of a parallel update's shared one (ForwardPass).
    let feedbackGradients
        (m: Model)
        (s: State)
        (d: Draws)
        (pass: Pass)
        (x: M)
        (y: int[])
        : Map<int, M> * Map<int, Vector<float>> =
        let d = withSides m y d
        let h, passed = forwardPass m s d pass x
        let values = targetValues m s h passed

        let trained =
            if m.Rule.Feedback = NoFeedback then
                []
            else
                feedbackLayers m

        let grads =
            [ for l in trained -> l, feedbackGradient m l (snd (feedbackLoss m s d h values l)) ]

        grads |> List.map (fun (l, (gv, _)) -> l, gv) |> Map.ofList,
        grads |> List.map (fun (l, (_, gc)) -> l, gc) |> Map.ofList

    /// r_k's loss κ‖r_k(x̃) − h_k‖², x̃ = r's argument with h_k + ε for below (ε ~ N(0, σ²) of the feedback step), and
    /// its gradients with respect to E_k, e_k, D_k, d_k: δ_u = s·(u − h_k) ⊙ ρ_k'(u), δ_c = (δ_u D_k) ⊙ (1 − c²).
    let conditionalLoss
        (m: Model)
        (s: State)
        (d: Draws)
        (h: M[])
        (k: int)
        : float * (M * Vector<float> * M * Vector<float>) =
        let sigma = float (float32 m.Rule.Conditional.Sigma)

        let noisy =
            h.[k]
            + draw d.Seed d.FeedbackStep (Streams.conditional k) h.[k].RowCount h.[k].ColumnCount sigma

        let argument =
            match m.Rule.Propagation with
            | Propagate e ->
                Expr.subterms e
                |> List.pick (function
                    | R a -> Some a
                    | _ -> None)
            | Gradient -> Below

        let rec read (e: Expr) : M =
            match e with
            | Concat(a, b) -> (read a).Append(read b)
            | Side n -> d.Sides.[n]
            | _ -> noisy

        let x = read argument
        let u, c = coder m s k x
        let du = localDelta m (act m k) u h.[k]
        let _, _, dk, _ = s.Coders.[k]
        let dc = (du * dk).PointwiseMultiply(c.Map(fun v -> 1.0 - v * v))
        lossValue m (u - h.[k]), (dc.Transpose() * x, dc.ColumnSums(), du.Transpose() * c, du.ColumnSums())

    /// ∂/∂E_k, e_k, D_k, d_k of each conditional auto-encoder's loss, on the forward pass of a feedback update (or of a
    /// parallel update's shared one).
    let conditionalGradients (m: Model) (s: State) (d: Draws) (pass: Pass) (x: M) (y: int[]) =
        let d = withSides m y d
        let h, _ = forwardPass m s d pass x

        conditionalLayers m
        |> List.map (fun k -> k, snd (conditionalLoss m s d h k))
        |> Map.ofList
