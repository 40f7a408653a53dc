namespace TargetProp.Dsl

open MathNet.Numerics.LinearAlgebra

/// What each layer did, measured in float64 on a fixed probe batch with the current parameters (Meulemans et al. 2020
/// report the first two):
///   angle_bp_l      the angle (degrees) between the rule's update of W_l, ∂L_l/∂W_l, and back-propagation's ∂ℓ/∂W_l;
///   angle_gn_l      for layers below the top, the angle between the target move ĥ_l − h_l and the Gauss–Newton move
///                   J_l⁺(ĥ_T − h_T), J_l = ∂h_T/∂h_l per example (damped by 1e-6 of JJᵀ's mean diagonal);
///   recon_l         g_l's reconstruction error ‖g_l(x_l) − h_{l-1}‖² per unit, x_l its clean input (h_l, or h_T);
///   target_move_l   the mean over examples of ‖ĥ_l − h_l‖.
/// Angles are between the whole probe batch's matrices, flattened (as Meulemans et al. compute them), W_l's beside U_l's
/// for a layer that reads side inputs. On a stack with discrete or stochastic units the targets come from a forward
/// update's pass (its draws at step 0), and back-propagation is the straight-through estimator through the units in place
/// (Reference.lossGradients), whatever stands in for their derivatives in training.
module Diagnostics =
    type private M = Matrix<float>

    /// Examples in the probe batch; the Gauss–Newton angle uses the first GaussNewtonRows of them (it inverts one
    /// Jacobian per example).
    let ProbeRows = 100
    let GaussNewtonRows = 16

    /// The angle in degrees between two matrices seen as vectors (NaN when either is zero).
    let angle (a: M) (b: M) =
        let dot = a.PointwiseMultiply(b).Enumerate() |> Seq.sum
        let n = a.FrobeniusNorm() * b.FrobeniusNorm()

        if n = 0.0 then
            nan
        else
            acos (max -1.0 (min 1.0 (dot / n))) * 180.0 / System.Math.PI

    /// The metric names for a model, in the order they are logged.
    let names (m: Model) =
        let L = Model.depth m
        let T = Model.topLayer m

        [ for l in 1..L -> sprintf "angle_bp_%d" l ]
        @ [ for l in 1 .. T - 1 -> sprintf "angle_gn_%d" l ]
        @ [ for l in Model.feedbackLayers m -> sprintf "recon_%d" l ]
        @ [ for l in 1..T -> sprintf "target_move_%d" l ]

    /// ∂hv_k/∂h_{k-1} for one example b: diag(σ') W_k, at the output with the softmax Jacobian and the auxiliary rows.
    let private layerJacobian (m: Model) (s: Reference.State) (h: M[]) (values: M[]) (k: int) (b: int) : M =
        let L = Model.depth m

        let diag (v: Vector<float>) =
            Matrix<float>.Build.DenseOfDiagonalVector v

        let act = Stack.activation m.Stack k

        let plain =
            diag ((Reference.derivative act (h.[k].SubMatrix(b, 1, 0, h.[k].ColumnCount))).Row 0)
            * s.W.[k - 1]

        if k < L then
            plain
        else
            let n = Stack.width m.Stack L

            let main =
                if Model.usesProbabilities m then
                    let p = values.[L].Row(b).SubVector(0, n)
                    (diag p - p.OuterProduct p) * s.W.[L - 1]
                else
                    plain

            match s.A with
            | Some a ->
                let z = values.[L].Row(b).SubVector(n, a.RowCount)
                main.Stack(diag (z.Map(fun v -> 1.0 - v * v)) * a)
            | None -> main

    /// Gauss–Newton target moves of layers 1..T-1 for the first `rows` examples: row b of entry l is J_l⁺ e_b.
    let private gaussNewton (m: Model) (s: Reference.State) (h: M[]) (values: M[]) (e: M) (rows: int) : Map<int, M> =
        let T = Model.topLayer m

        let moves =
            [ for l in 1 .. T - 1 -> l, Matrix<float>.Build.Dense(rows, Stack.width m.Stack l) ]
            |> Map.ofList

        for b in 0 .. rows - 1 do
            let eb = e.Row b
            // J_{k-1} = J_k · ∂hv_k/∂h_{k-1}, from J_T = I down.
            let mutable j = Matrix<float>.Build.DenseIdentity(e.ColumnCount)

            for k in T .. -1 .. 2 do
                j <- j * layerJacobian m s h values k b
                let jjt = j * j.Transpose()
                let damping = 1e-6 * (jjt.Diagonal().Sum() / float jjt.RowCount) + 1e-300
                let y = (jjt + damping * Matrix<float>.Build.DenseIdentity(jjt.RowCount)).Solve(eb)
                moves.[k - 1].SetRow(b, j.Transpose() * y)

        moves

    /// The probe batch of a data set: the side inputs, features and labels of its first min(ProbeRows, count) training
    /// examples, the same every epoch.
    let probeBatch (d: TargetProp.Runtime.Data.DataSet) (count: int) : Map<string, float32[]> * float32[] * int[] =
        let rows = min ProbeRows count

        d.Sides
        |> Seq.map (fun kv -> kv.Key, Array.sub kv.Value.Train 0 (rows * kv.Value.Width))
        |> Map.ofSeq,
        Array.sub d.TrainX 0 (rows * d.Features),
        Array.sub d.TrainY 0 rows

    /// The probe batch x [rows × features] as a matrix, with its side inputs and labels as the reference draws them.
    let private batch (m: Model) (sides: Map<string, float32[]>) (x: float32[]) (y: int[]) =
        let rows = y.Length

        let matrix (a: float32[]) =
            Matrix<float>.Build.Dense(rows, a.Length / rows, fun i j -> float a.[i * (a.Length / rows) + j])

        matrix x,
        Reference.withSides
            m
            y
            { Reference.noDraws with
                Sides = sides |> Map.map (fun _ a -> matrix a) }

    /// angle_bp_l for every layer l, alone: the cheap part of `measure` on a deep stack (no Gauss–Newton moves).
    let anglesToBp
        (m: Model)
        (p: Parameters)
        (sides: Map<string, float32[]>)
        (x: float32[])
        (y: int[])
        : (string * float) list =
        let s = Reference.ofParameters m p
        let X, d = batch m sides x y
        let g = Reference.forwardGradients m s d X y
        let bp = Reference.lossGradients m p d X y
        // A layer's update and bp's as one vector: W_l's gradient beside U_l's, when the layer reads side inputs.
        let beside (gradients: Reference.Gradients) l =
            match gradients.U.TryFind l with
            | Some u -> gradients.W.[l - 1].Append u
            | None -> gradients.W.[l - 1]

        [ for l in 1 .. Model.depth m -> sprintf "angle_bp_%d" l, angle (beside g l) (beside bp l) ]

    /// Every metric of `names m`, on the probe batch x [rows × features], labels y.
    let measure
        (m: Model)
        (p: Parameters)
        (sides: Map<string, float32[]>)
        (x: float32[])
        (y: int[])
        : (string * float) list =
        let rows = y.Length
        let s = Reference.ofParameters m p
        let X, d = batch m sides x y
        let T = Model.topLayer m
        // The forward pass a forward update takes (its draws at step 0), so the targets measured are the rule's own.
        let h, passed = Reference.forwardPass m s d ForwardPass X
        let t, values, _ = Reference.targets m s d h passed y
        let gnRows = min rows GaussNewtonRows

        let firstRows (a: M) =
            a.SubMatrix(0, gnRows, 0, a.ColumnCount)

        let gn = gaussNewton m s h values (firstRows (t.[T] - values.[T])) gnRows
        let direct = Model.directFeedback m

        anglesToBp m p sides x y
        @ [ for l in 1 .. T - 1 -> sprintf "angle_gn_%d" l, angle (firstRows (t.[l] - values.[l])) gn.[l] ]
        @ [ for l in Model.feedbackLayers m ->
                let r =
                    Reference.feedback m s l (Reference.feedbackInput m d values.[if direct then T else l])
                    - h.[l - 1]

                sprintf "recon_%d" l,
                (r.PointwiseMultiply r).Enumerate()
                |> Seq.sum
                |> fun v -> v / float (r.RowCount * r.ColumnCount) ]
        @ [ for l in 1..T -> sprintf "target_move_%d" l, (t.[l] - values.[l]).RowNorms(2.0).Sum() / float rows ]
