/// The per-layer diagnostics against cases where their values are known.
module TargetProp.Tests.Dsl.DiagnosticsTests

open Expecto
open MathNet.Numerics.LinearAlgebra
open TargetProp.Runtime
open TargetProp.Dsl

let private batch (n: int) (rows: int) =
    let rng = System.Random 4
    Array.init (rows * n) (fun _ -> float32 (rng.NextDouble() - 0.5)), Array.init rows (fun r -> r % 3)

let private value (name: string) (d: (string * float) list) = d |> List.find (fst >> (=) name) |> snd

/// Gauss–Newton target moves by an oracle of their own: J_l = ∂h̃_T/∂h_l by central differences of the reference's
/// forward maps, one example at a time, and its Moore–Penrose pseudo-inverse (SVD) applied to ĥ_T − h̃_T.
let private gaussNewtonMoves (m: Model) (s: Reference.State) (h: Matrix<float>[]) (e: Matrix<float>) (l: int) =
    let T = Reference.topLayer m
    let rows = e.RowCount

    Matrix<float>
        .Build.DenseOfRowVectors(
            [ for b in 0 .. rows - 1 ->
                  let hb = h.[l].SubMatrix(b, 1, 0, h.[l].ColumnCount)

                  let at (i: int) (d: float) =
                      (Reference.forwardFrom
                          m
                          s
                          Reference.noDraws
                          Evaluation
                          (l + 1)
                          T
                          (hb.MapIndexed(fun _ j v -> if j = i then v + d else v)))
                          .Row
                          0

                  let J =
                      Matrix<float>
                          .Build
                          .DenseOfColumnVectors([ for i in 0 .. hb.ColumnCount - 1 -> (at i 1e-6 - at i -1e-6) / 2e-6 ])
                  // J⁺ by its SVD, singular values below 1e-7 of the largest taken as 0: the softmax's Jacobian has an exact
                  // null direction, which differences leave at ~1e-10 and a plain inverse would blow up.
                  let svd = J.Svd(true)
                  let cut = 1e-7 * svd.S.[0]
                  let inverse = svd.S.Map(fun v -> if v > cut then 1.0 / v else 0.0)
                  let k = inverse.Count

                  svd.VT.SubMatrix(0, k, 0, J.ColumnCount).Transpose()
                  * (inverse.PointwiseMultiply(svd.U.SubMatrix(0, J.RowCount, 0, k).Transpose() * e.Row b)) ]
        )

[<Tests>]
let tests =
    testList
        "Dsl.Diagnostics"
        [ test
              "angles are in degrees: 0° to a multiple, 45° between e₁ and e₁ + e₂, 90° to an orthogonal vector, 180° to the opposite" {
              let v (xs: float list) =
                  Matrix<float>.Build.DenseOfRowArrays [| Array.ofList xs |]

              Expect.floatClose Accuracy.high (Diagnostics.angle (v [ 1.0; 0.0 ]) (v [ 3.0; 0.0 ])) 0.0 "multiple"
              Expect.floatClose Accuracy.high (Diagnostics.angle (v [ 1.0; 0.0 ]) (v [ 1.0; 1.0 ])) 45.0 "e₁, e₁ + e₂"
              Expect.floatClose Accuracy.high (Diagnostics.angle (v [ 0.0; 2.0 ]) (v [ 5.0; 0.0 ])) 90.0 "orthogonal"
              Expect.floatClose Accuracy.high (Diagnostics.angle (v [ 1.0; -1.0 ]) (v [ -2.0; 2.0 ])) 180.0 "opposite"
              Expect.isTrue (System.Double.IsNaN(Diagnostics.angle (v [ 0.0; 0.0 ]) (v [ 1.0; 0.0 ]))) "undefined at 0"
          }
          test
              "on a sigmoid/tanh/softmax network, angle_gn_l is the angle to the pseudo-inverse of a finite-difference Jacobian" {
              // sdtp's top target is the label in probability space, so J_l runs through the softmax's Jacobian; the hidden
              // layers differ in activation, so each layer's own derivative matters.
              let m =
                  Model.create
                      (input 4 |> dense 6 Sigmoid |> dense 5 Tanh |> dense 4 Tanh |> dense 3 Softmax)
                      Rules.sdtp

              let p = Parameters.init 8 m

              let p =
                  { p with
                      B = p.B |> Array.map (Array.mapi (fun i _ -> 0.1f * float32 (i % 3 - 1))) }

              let x, y = batch 4 5
              let d = Diagnostics.measure m p Map.empty x y
              let s = Reference.ofParameters m p
              let X = Matrix<float>.Build.Dense(5, 4, fun i j -> float x.[i * 4 + j])

              let draws =
                  Reference.withSides
                      m
                      y
                      { Seed = 0UL
                        ForwardStep = 0L
                        FeedbackStep = 0L
                        Epoch = 0
                        Sides = Map.empty }

              let h, passed = Reference.forwardPass m s Reference.noDraws Evaluation X
              let t, values, _ = Reference.targets m s draws h passed y

              for l in 1..3 do
                  let expected =
                      Diagnostics.angle (t.[l] - values.[l]) (gaussNewtonMoves m s h (t.[4] - values.[4]) l)

                  Expect.floatClose
                      { absolute = 0.05; relative = 1e-3 }
                      (value (sprintf "angle_gn_%d" l) d)
                      expected
                      (sprintf "layer %d" l)

                  Expect.isGreaterThan
                      expected
                      1.0
                      "sdtp's targets are not Gauss–Newton's, so the angle is not trivially 0"
              // target_move_l = (1/B) Σ_b ‖ĥ_l,b − h_l,b‖ and recon_l = Σ ‖g_l(h_l) − h_{l-1}‖² / (B·n_{l-1}), element by element.
              for l in 1..4 do
                  let move =
                      [ for b in 0..4 ->
                            sqrt (
                                Seq.sum (
                                    seq {
                                        for j in 0 .. values.[l].ColumnCount - 1 ->
                                            (t.[l].[b, j] - values.[l].[b, j]) ** 2.0
                                    }
                                )
                            ) ]
                      |> List.average

                  Expect.floatClose
                      Accuracy.high
                      (value (sprintf "target_move_%d" l) d)
                      move
                      (sprintf "target move of layer %d" l)

              for l in 2..4 do
                  let u = Reference.feedback m s l values.[l]

                  let squares =
                      seq {
                          for b in 0..4 do
                              for j in 0 .. u.ColumnCount - 1 -> (u.[b, j] - h.[l - 1].[b, j]) ** 2.0
                      }

                  Expect.floatClose
                      Accuracy.high
                      (value (sprintf "recon_%d" l) d)
                      (Seq.sum squares / float (5 * u.ColumnCount))
                      (sprintf "reconstruction of g_%d" l)
          }
          test "for bp every layer's angle to bp is 0" {
              let m =
                  Model.create (input 5 |> dense 6 Tanh |> dense 4 Sigmoid |> dense 3 Softmax) Rules.bp

              let x, y = batch 5 7
              let d = Diagnostics.measure m (Parameters.init 2 m) Map.empty x y

              for l in 1..3 do
                  Expect.isLessThan (value (sprintf "angle_bp_%d" l) d) 1e-5 (sprintf "layer %d" l)

              Expect.equal (List.map fst d) (Diagnostics.names m) "the names, in order"
          }
          test
              "with exact inverses on a linear network, dtp's targets are the Gauss–Newton targets and g_l reconstructs exactly" {
              // Linear layers of equal width with V_l = W_l⁻¹ and c_l = −W_l⁻¹b_l: the difference targets are
              // h_l + J_l⁻¹(ĥ_T − h_T), exactly the Gauss–Newton move of a square invertible Jacobian.
              let net =
                  input 4 |> dense 4 Linear |> dense 4 Linear |> dense 4 Linear |> dense 4 Linear

              let m = Model.create net (Rules.dtp |> Rule.withFeedbackActivation Linear)
              let p0 = Parameters.init 6 m
              let s = Reference.ofParameters m p0
              let inverse l = s.W.[l - 1].Inverse()

              let flat (a: Matrix<float>) =
                  Array.init (a.RowCount * a.ColumnCount) (fun k -> float32 a.[k / a.ColumnCount, k % a.ColumnCount])

              let p =
                  { p0 with
                      B = p0.B |> Array.map (Array.map (fun _ -> 0.1f))
                      V = p0.V |> Map.map (fun l _ -> flat (inverse l))
                      C = p0.C |> Map.map (fun l c -> Array.create c.Length 0.0f) }

              let p =
                  { p with
                      C =
                          p.C
                          |> Map.map (fun l _ ->
                              (-(inverse l * Vector<float>.Build.Dense(4, 0.1))).ToArray()
                              |> Array.map float32) }

              let x, y = batch 4 6
              let d = Diagnostics.measure m p Map.empty x y

              for l in 1..2 do
                  Expect.isLessThan
                      (value (sprintf "angle_gn_%d" l) d)
                      0.05
                      (sprintf "GN angle of layer %d (float32 inverses)" l)

              for l in 2..3 do
                  Expect.isLessThan (value (sprintf "recon_%d" l) d) 1e-10 (sprintf "reconstruction error of g_%d" l)

              Expect.isGreaterThan (value "target_move_3" d) 0.0 "the top target moves"
          } ]
