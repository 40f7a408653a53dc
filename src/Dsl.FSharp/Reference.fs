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
        { W: M[]
          B: Vector<float>[]
          V: Map<int, M>
          C: Map<int, Vector<float>> }

    let private matrix (rows: int) (cols: int) (a: float32[]) = Matrix<float>.Build.Dense(rows, cols, fun i j -> float a.[i * cols + j])
    let private flat (m: M) = Array.init (m.RowCount * m.ColumnCount) (fun k -> float32 m.[k / m.ColumnCount, k % m.ColumnCount])

    let ofParameters (m: Model) (p: Parameters) : State =
        let w l = Stack.width m.Stack l
        { W = p.W |> Array.mapi (fun i a -> matrix (w (i + 1)) (w i) a)
          B = p.B |> Array.map (fun a -> Vector<float>.Build.Dense(a |> Array.map float))
          V = p.V |> Map.map (fun l a -> matrix (w (l - 1)) (w l) a)
          C = p.C |> Map.map (fun _ a -> Vector<float>.Build.Dense(a |> Array.map float)) }

    let toParameters (s: State) : Parameters =
        { W = s.W |> Array.map flat
          B = s.B |> Array.map (fun v -> v.ToArray() |> Array.map float32)
          V = s.V |> Map.map (fun _ m -> flat m)
          C = s.C |> Map.map (fun _ v -> v.ToArray() |> Array.map float32) }

    /// σ(a) element-wise; a softmax output keeps its logits (the softmax lives in the loss).
    let activate (a: Activation) (x: M) : M =
        match a with
        | Activation.Tanh -> x.Map(fun v -> tanh v)
        | Activation.Sigmoid -> x.Map(fun v -> 1.0 / (1.0 + exp -v))
        | Activation.Relu -> x.Map(fun v -> max v 0.0)
        | _ -> x

    /// σ'(a) written through h = σ(a).
    let derivative (a: Activation) (h: M) : M =
        match a with
        | Activation.Tanh -> h.Map(fun v -> 1.0 - v * v)
        | Activation.Sigmoid -> h.Map(fun v -> v * (1.0 - v))
        | Activation.Relu -> h.Map(fun v -> if v > 0.0 then 1.0 else 0.0)
        | _ -> h.Map(fun _ -> 1.0)

    /// σ(X Wᵀ + 1 bᵀ)
    let dense (a: Activation) (w: M) (b: Vector<float>) (x: M) : M =
        let z = x * w.Transpose()
        activate a (z + Matrix<float>.Build.Dense(x.RowCount, b.Count, fun _ j -> b.[j]))

    let private act (m: Model) l = Stack.activation m.Stack l

    /// h_0 .. h_L.
    let forward (m: Model) (s: State) (x: M) : M[] =
        let L = Model.depth m
        let h = Array.zeroCreate (L + 1)
        h.[0] <- x
        for l in 1..L do h.[l] <- dense (act m l) s.W.[l - 1] s.B.[l - 1] h.[l - 1]
        h

    /// g_l(v) = τ_{l-1}(v V_lᵀ + c_l), τ_{l-1} the activation of layer l-1.
    let feedback (m: Model) (s: State) (l: int) (v: M) = dense (act m (l - 1)) s.V.[l] s.C.[l] v

    /// The batch-mean loss ℓ at the output, ∂ℓ/∂h_L and δ_L = ∂ℓ/∂a_L.
    let loss (m: Model) (hL: M) (y: int[]) : float * M * M =
        let B = float hL.RowCount
        if Model.usesCrossEntropy m then
            let p =
                Matrix<float>.Build.DenseOfRowArrays(
                    [| for r in 0 .. hL.RowCount - 1 ->
                           let row = hL.Row r
                           let e = row.Map(fun v -> exp (v - row.Maximum()))
                           (e / e.Sum()).ToArray() |])
            let l = Seq.sum (seq { for r in 0 .. p.RowCount - 1 -> -log p.[r, y.[r]] }) / B
            let d = p.MapIndexed(fun r j v -> (v - (if j = y.[r] then 1.0 else 0.0)) / B)
            l, d, d
        else
            let diff = hL.MapIndexed(fun r j v -> v - (if j = y.[r] then 1.0 else 0.0))
            let l = 0.5 * Seq.sum ((diff.PointwiseMultiply diff).Enumerate()) / B
            let dh = diff / B
            l, dh, dh.PointwiseMultiply(derivative (act m (Model.depth m)) hL)

    /// Evaluates a propagation expression at layer l.
    let rec eval (m: Model) (s: State) (h: M[]) (t: M[]) (l: int) (e: Expr) : M =
        match e with
        | Below -> h.[l - 1]
        | Here -> h.[l]
        | Target -> t.[l]
        | G x -> feedback m s l (eval m s h t l x)
        | Add(a, b) -> eval m s h t l a + eval m s h t l b
        | Subtract(a, b) -> eval m s h t l a - eval m s h t l b
        | Scale(k, x) -> k * eval m s h t l x

    /// The gradient of a squared loss c·Σ‖u − v‖² with respect to u's pre-activation, for the rule's reduction.
    let private localDelta (m: Model) (a: Activation) (u: M) (v: M) =
        let scale =
            match m.Rule.LocalLoss with
            | MeanSquared -> 2.0 / float u.RowCount
            | HalfSumSquared -> 1.0
        scale * (u - v).PointwiseMultiply(derivative a u)

    let private columnSums (d: M) = d.ColumnSums()

    /// Step 3 at one layer: ĥ_{l-1} from h and ĥ_l.
    let propagateOne (m: Model) (s: State) (h: M[]) (t: M[]) (l: int) : M =
        match m.Rule.Propagation with
        | Gradient -> h.[l - 1] - (h.[l] - t.[l]).PointwiseMultiply(derivative (act m l) h.[l]) * s.W.[l - 1]
        | Propagate e -> eval m s h t l e

    /// Targets ĥ_1 .. ĥ_T (index l; unused entries null) for a forward pass h and labels y.
    let targets (m: Model) (s: State) (h: M[]) (y: int[]) : M[] * float =
        let L = Model.depth m
        let T = Model.topLayer m
        let t: M[] = Array.zeroCreate (L + 1)
        let l0, dldh, deltaL = loss m h.[L] y
        let eta = m.Rule.Top.Eta
        match m.Rule.Top.At with
        | Output -> t.[L] <- h.[L] - eta * dldh
        | LastHidden -> t.[L - 1] <- h.[L - 1] - eta * (deltaL * s.W.[L - 1])
        for l in T .. -1 .. 2 do t.[l - 1] <- propagateOne m s h t l
        t, l0

    /// ∂/∂W_l, ∂/∂b_l of every layer's loss (local losses for 1..T; ℓ itself for the output when T = L-1), and ℓ.
    let forwardGradients (m: Model) (s: State) (x: M) (y: int[]) : M[] * Vector<float>[] * float =
        let L = Model.depth m
        let T = Model.topLayer m
        let h = forward m s x
        let t, l0 = targets m s h y
        let deltas =
            [| for l in 1..L ->
                   if l <= T then localDelta m (act m l) h.[l] t.[l]
                   else (let _, _, d = loss m h.[L] y in d) |]
        deltas |> Array.mapi (fun i d -> d.Transpose() * h.[i]), deltas |> Array.map columnSums, l0

    /// ∂/∂V_l, ∂/∂c_l of the denoising reconstruction loss of each trained g_l, with the noise of feedback step `step`.
    let feedbackGradients (m: Model) (s: State) (x: M) (seed: uint64) (step: int64) : Map<int, M> * Map<int, Vector<float>> =
        let h = forward m s x
        let sigma =
            match m.Rule.Feedback with
            | Reconstruct v -> float (float32 v)
            | NoFeedback -> 0.0
        let grads =
            [ for l in Model.feedbackLayers m ->
                  let below = h.[l - 1]
                  let noisy = below.MapIndexed(fun r j v -> v + sigma * Noise.StandardNormalAt(seed, step, l, int64 (r * below.ColumnCount + j)))
                  let f = dense (act m l) s.W.[l - 1] s.B.[l - 1] noisy
                  let r = feedback m s l f
                  let d = localDelta m (act m (l - 1)) r noisy
                  l, (d.Transpose() * f, columnSums d) ]
        grads |> List.map (fun (l, (gv, _)) -> l, gv) |> Map.ofList,
        grads |> List.map (fun (l, (_, gc)) -> l, gc) |> Map.ofList

    /// One optimiser update from fresh state (the first step), element by element in float64.
    let firstStep (o: Optimiser) (p: float) (g: float) : float =
        match o with
        | CentredRmsProp lr ->
            let a, sq = 0.05 * g, 0.05 * g * g
            p - lr * g / sqrt (sq - a * a + 1e-3)
        | RmsProp lr -> p - lr * g / (sqrt (0.1 * g * g) + 1e-8)
        | Adam lr -> p - lr * g / (abs g + 1e-8)
        | Sgd(lr, _) -> p - lr * g

    let private updateM o (p: M) (g: M) = p.MapIndexed(fun i j v -> firstStep o v g.[i, j])
    let private updateV o (p: Vector<float>) (g: Vector<float>) = p.MapIndexed(fun i v -> firstStep o v g.[i])

    /// One training step of the parallel schedule from fresh optimiser state: forward and feedback gradients from the
    /// same parameters, then both updates (feedback step `step` keys the noise).
    let step (m: Model) (p: Parameters) (x: float32[]) (y: int[]) (seed: uint64) (fbStep: int64) : Parameters =
        let s = ofParameters m p
        let X = matrix y.Length m.Stack.Input x
        let gW, gB, _ = forwardGradients m s X y
        let s1 =
            { s with
                W = Array.map2 (updateM m.ForwardOptimiser) s.W gW
                B = Array.map2 (updateV m.ForwardOptimiser) s.B gB }
        let s2 =
            if Model.trainsFeedback m then
                let gV, gC = feedbackGradients m s X seed fbStep
                { s1 with
                    V = s.V |> Map.map (fun l v -> updateM m.FeedbackOptimiser v gV.[l])
                    C = s.C |> Map.map (fun l c -> updateV m.FeedbackOptimiser c gC.[l]) }
            else s1
        toParameters s2
