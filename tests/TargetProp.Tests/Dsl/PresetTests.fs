/// Each preset against its paper's equations, written out by hand on a 3-layer network (3 → 4 tanh → 4 tanh → 3
/// softmax, a batch of 2): the targets, a local update, and the feedback loss's gradient (by finite differences of the
/// loss as the paper writes it).
module TargetProp.Tests.Dsl.PresetTests

open Expecto
open MathNet.Numerics.LinearAlgebra
open TargetProp.Runtime
open TargetProp.Dsl

type private M = Matrix<float>

let private net = input 3 |> dense 4 Tanh |> dense 4 Tanh |> dense 3 Softmax
let private x = [| 0.2f; -0.5f; 0.9f; 0.7f; 0.1f; -0.3f |]
let private y = [| 2; 0 |]
let private X = Matrix<float>.Build.Dense(2, 3, fun i j -> float x.[i * 3 + j])

let private Y =
    Matrix<float>.Build.Dense(2, 3, fun r j -> if j = y.[r] then 1.0 else 0.0)

let private draws: Reference.Draws =
    { Seed = 5UL
      ForwardStep = 1L
      FeedbackStep = 1L
      Epoch = 1
      Sides = Map.empty }

let private tanhM (m: M) = m.Map(fun v -> tanh v)

let private rowsPlus (m: M) (b: Vector<float>) =
    m + Matrix<float>.Build.Dense(m.RowCount, b.Count, fun _ j -> b.[j])

let private softmax (a: M) = Reference.softmaxRows a

/// ‖m‖² over the whole batch.
let private sumSq (m: M) =
    (m.PointwiseMultiply m).Enumerate() |> Seq.sum

/// σ·z of a noise stream, read straight from the generator's scalar definition.
let private noise stream (rows: int) (cols: int) sigma =
    Matrix<float>
        .Build.Dense(rows, cols, fun r j -> sigma * Noise.StandardNormalAt(5UL, 1L, stream, int64 (r * cols + j)))

/// f_l(v) = tanh(v W_lᵀ + b_l) for the hidden layers l = 1, 2.
let private fOf (s: Reference.State) l (v: M) =
    tanhM (rowsPlus (v * s.W.[l - 1].Transpose()) s.B.[l - 1])

/// The model, its float64 parameters, and the forward pass h1, h2, a3 (logits), p.
let private setup (rule: Rule) =
    let m = Model.create net rule
    let p = Parameters.init 3 m
    let s = Reference.ofParameters m p
    let h1 = fOf s 1 X
    let h2 = fOf s 2 h1
    let a3 = rowsPlus (h2 * s.W.[2].Transpose()) s.B.[2]
    m, s, h1, h2, a3, softmax a3

/// g_l(v) = tanh(v V_lᵀ + c_l), or linear for DDTP-linear.
let private gOf (s: Reference.State) l (v: M) =
    tanhM (rowsPlus (v * s.V.[l].Transpose()) s.C.[l])

let private within (tolerance: float) (what: string) (expected: M) (actual: M) =
    let d = (expected - actual).Enumerate() |> Seq.map abs |> Seq.max
    Expect.isLessThan d tolerance (sprintf "%s: max |difference| %g\nexpected %O\nactual %O" what d expected actual)

/// Equal up to float64 rounding.
let private close = within 1e-10
/// Equal up to central differences' error (step 1e-6).
let private closeNumeric = within 1e-7

let private targetsOf (m: Model) (s: Reference.State) =
    let h, passed = Reference.forwardPass m s Reference.noDraws Evaluation X
    let t, _, _ = Reference.targets m s draws h passed y
    t

/// The gradient step on the logits, η·∂ℓ/∂a_3 with ℓ the batch-mean cross-entropy.
let private step (eta: float) (p: M) : M = (eta / 2.0) * (p - Y)

/// ∂/∂V_l of a scalar loss by central differences.
let private numericGradient (s: Reference.State) (l: int) (loss: Reference.State -> float) : M =
    let v = s.V.[l]

    Matrix<float>
        .Build.Dense(
            v.RowCount,
            v.ColumnCount,
            fun i j ->
                let bump d =
                    { s with
                        V = s.V.Add(l, v.MapIndexed(fun a b w -> if a = i && b = j then w + d else w)) }

                (loss (bump 1e-6) - loss (bump -1e-6)) / 2e-6
        )

/// Layer 1's local update from the paper's target ĥ_1: ∂/∂W_1 of (1/B)‖h_1 − ĥ_1‖² is ((2/B)(h_1 − ĥ_1) ⊙ (1 − h_1²))ᵀ x
/// (½‖·‖² for bp: (h_1 − ĥ_1) ⊙ (1 − h_1²)).
let private layer1Update (m: Model) (s: Reference.State) (h1: M) (t1: M) =
    let scale = if m.Rule.LocalLoss = HalfSumSquared then 1.0 else 2.0 / 2.0

    let expected =
        (scale * (h1 - t1).PointwiseMultiply(h1.Map(fun v -> 1.0 - v * v))).Transpose()
        * X

    let gW = (Reference.forwardGradients m s draws X y).W
    close "∂W1 from the local loss" expected gW.[0]

let private feedbackGradient (m: Model) (s: Reference.State) l =
    let gV, _ = Reference.feedbackGradients m s draws FeedbackPass X y
    gV.[l]

[<Tests>]
let tests =
    testList
        "Dsl.Presets"
        [ test "bp: ĥ_3 = a_3 − ∂ℓ/∂a_3 and ĥ_{l-1} = h_{l-1} − (σ' ⊙ (h_l − ĥ_l)) W_l, so ĥ_l = h_l − ∂ℓ/∂h_l" {
              let m, s, h1, h2, a3, p = setup Rules.bp
              let t = targetsOf m s
              let d3 = step 1.0 p
              let dh2 = d3 * s.W.[2]
              close "ĥ3" (a3 - d3) t.[3]
              close "ĥ2" (h2 - dh2) t.[2]
              close "ĥ1" (h1 - (dh2.PointwiseMultiply(h2.Map(fun v -> 1.0 - v * v))) * s.W.[1]) t.[1]
              layer1Update m s h1 (h1 - (dh2.PointwiseMultiply(h2.Map(fun v -> 1.0 - v * v))) * s.W.[1])
          }
          test "tp (Bengio 2014): ĥ_3 = y, ĥ_2 = g_3(y), ĥ_1 = g_2(ĥ_2)" {
              let m, s, h1, _, _, _ = setup Rules.tp
              let t = targetsOf m s
              close "ĥ3" Y t.[3]
              close "ĥ2" (gOf s 3 Y) t.[2]
              close "ĥ1" (gOf s 2 (gOf s 3 Y)) t.[1]
              layer1Update m s h1 (gOf s 2 (gOf s 3 Y))
          }
          test "dtp (Lee et al. 2015): ĥ_1 = h_1 + g_2(ĥ_2) − g_2(h_2); g_2 by ‖g_2(f_2(h_1+ε)) − (h_1+ε)‖²/B" {
              let m, s, h1, h2, _, p = setup Rules.dtp
              let t = targetsOf m s
              let t2 = h2 - step 0.327736332653 p * s.W.[2]
              close "ĥ1" (h1 + gOf s 2 t2 - gOf s 2 h2) t.[1]
              layer1Update m s h1 (h1 + gOf s 2 t2 - gOf s 2 h2)
              let noisy = h1 + noise 2 2 4 0.359829566008

              let loss (s': Reference.State) =
                  sumSq (gOf s' 2 (fOf s' 2 noisy) - noisy) / 2.0

              closeNumeric "∂V2" (numericGradient s 2 loss) (feedbackGradient m s 2)
          }
          test "sdtp (Bartunov et al. 2018): ĥ_3 = y, ĥ_2 = h_2 + g_3(y) − g_3(p); g_l denoises ‖g_l(f_l(h+ε)) − h‖²/B" {
              let m, s, h1, h2, _, p = setup Rules.sdtp
              let t = targetsOf m s
              close "ĥ3" Y t.[3]
              let t2 = h2 + gOf s 3 Y - gOf s 3 p
              close "ĥ2" t2 t.[2]
              close "ĥ1" (h1 + gOf s 2 t2 - gOf s 2 h2) t.[1]
              layer1Update m s h1 (h1 + gOf s 2 t2 - gOf s 2 h2)
              let noisy = h2 + noise 3 2 4 0.359829566008

              let loss (s': Reference.State) =
                  sumSq (gOf s' 3 (softmax (rowsPlus (noisy * s'.W.[2].Transpose()) s'.B.[2])) - h2)
                  / 2.0

              closeNumeric "∂V3" (numericGradient s 3 loss) (feedbackGradient m s 3)
              let W = (Reference.forwardGradients m s draws X y).W
              close "the output layer learns by ∂ℓ/∂W_3" ((p - Y).Transpose() * h2 / 2.0) W.[2]
          }
          test "aoSdtp (Bartunov et al. 2018): z = tanh(h_2 Aᵀ), ĥ_2 = h_2 + g_3([y, z]) − g_3([p, z])" {
              let m = Model.create net Rules.aoSdtp
              let s = Reference.ofParameters m (Parameters.init 3 m)
              let t = targetsOf m s
              let h = Reference.forward m s X
              let z = tanhM (h.[2] * s.A.Value.Transpose())
              let p = softmax h.[3]
              let t2 = h.[2] + gOf s 3 (Y.Append z) - gOf s 3 (p.Append z)
              close "ĥ2" t2 t.[2]
              close "ĥ1" (h.[1] + gOf s 2 t2 - gOf s 2 h.[2]) t.[1]
              layer1Update m s h.[1] (h.[1] + gOf s 2 t2 - gOf s 2 h.[2])
              Expect.equal s.V.[3].ColumnCount (3 + 240) "g_3 reads the 3 classes and 240 auxiliary features"
          }
          test "ddtpLinear (Meulemans et al. 2020): ĥ_l = h_l + Q_l(ĥ_3 − a_3), Q_l linear from the output" {
              let m, s, h1, h2, a3, p = setup Rules.ddtpLinear
              let t = targetsOf m s
              let move = -(step 0.327736332653 p)
              close "ĥ3" (a3 + move) t.[3]
              close "ĥ2" (h2 + move * s.V.[3].Transpose()) t.[2]
              close "ĥ1" (h1 + move * s.V.[2].Transpose()) t.[1]
              layer1Update m s h1 (h1 + move * s.V.[2].Transpose())
              Expect.equal s.V.[2].ColumnCount 3 "Q_2 reads the output"
          }
          test
              "drl (Meulemans et al. 2020): DTP from ĥ_3 = a_3 − η∂ℓ/∂a_3; g_2 by ‖ĥ^ε_1 − (h_1+ε)‖²/B + λ‖g_2(h_2+η) − g_2(h_2)‖²/B" {
              let m, s, h1, h2, a3, p = setup Rules.drl
              let t = targetsOf m s
              let t3 = a3 - step 0.327736332653 p
              let t2 = h2 + gOf s 3 t3 - gOf s 3 a3
              close "ĥ2" t2 t.[2]
              close "ĥ1" (h1 + gOf s 2 t2 - gOf s 2 h2) t.[1]
              layer1Update m s h1 (h1 + gOf s 2 t2 - gOf s 2 h2)
              let eps = noise 2 2 4 0.1
              let eta = noise (4096 + 2) 2 4 0.1

              let loss (s': Reference.State) =
                  let f2 = fOf s' 2 (h1 + eps)
                  let top = rowsPlus (f2 * s'.W.[2].Transpose()) s'.B.[2]
                  let te2 = h2 + gOf s' 3 top - gOf s' 3 a3
                  let r = h1 + gOf s' 2 te2 - gOf s' 2 h2 - (h1 + eps)
                  let reg = gOf s' 2 (h2 + eta) - gOf s' 2 h2
                  sumSq r / 2.0 + 0.01 * sumSq reg / 2.0

              closeNumeric "∂V2" (numericGradient s 2 loss) (feedbackGradient m s 2)
          }
          test "ldrl (Ernoult et al. 2022): g_2 by (1/B)Σ[−2εᵀ(g_2(f_2(h_1+ε)) − g_2(h_2)) + ‖g_2(h_2+η) − g_2(h_2)‖²]" {
              let m, s, h1, h2, a3, p = setup Rules.ldrl
              let t2 = h2 + gOf s 3 (a3 - step 0.327736332653 p) - gOf s 3 a3
              close "ĥ1" (h1 + gOf s 2 t2 - gOf s 2 h2) (targetsOf m s).[1]
              layer1Update m s h1 (h1 + gOf s 2 t2 - gOf s 2 h2)
              let eps = noise 2 2 4 0.1
              let eta = noise (4096 + 2) 2 4 0.1

              let loss (s': Reference.State) =
                  let f2 = fOf s' 2 (h1 + eps)
                  let d = gOf s' 2 f2 - gOf s' 2 h2
                  let reg = gOf s' 2 (h2 + eta) - gOf s' 2 h2

                  -2.0 * ((eps.PointwiseMultiply d).Enumerate() |> Seq.sum) / 2.0
                  + sumSq reg / 2.0

              closeNumeric "∂V2" (numericGradient s 2 loss) (feedbackGradient m s 2)
          }
          test "fwDtp (Shibuya et al. 2023): DTP's targets through g_l whose weights never move" {
              let m, s, h1, h2, _, p = setup Rules.fwDtp
              let t = targetsOf m s
              let t2 = h2 - step 0.327736332653 p * s.W.[2]
              close "ĥ2" t2 t.[2]
              close "ĥ1" (h1 + gOf s 2 t2 - gOf s 2 h2) t.[1]
              layer1Update m s h1 (h1 + gOf s 2 t2 - gOf s 2 h2)
              Expect.isFalse (Model.trainsFeedback m) "no feedback training"
              let c = Train.compile 2 m
              c.Load(Parameters.init 3 m)
              Expect.isEmpty c.Plan.FeedbackUpdate "no feedback phase"
          } ]
