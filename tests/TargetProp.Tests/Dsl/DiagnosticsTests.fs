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

[<Tests>]
let tests =
    testList "Dsl.Diagnostics" [
        test "for bp every layer's angle to bp is 0" {
            let m = Model.create (input 5 |> dense 6 Tanh |> dense 4 Sigmoid |> dense 3 Softmax) Rules.bp
            let x, y = batch 5 7
            let d = Diagnostics.measure m (Parameters.init 2 m) x y
            for l in 1..3 do
                Expect.isLessThan (value (sprintf "angle_bp_%d" l) d) 1e-5 (sprintf "layer %d" l)
            Expect.equal (List.map fst d) (Diagnostics.names m) "the names, in order"
        }
        test "with exact inverses on a linear network, dtp's targets are the Gauss–Newton targets and g_l reconstructs exactly" {
            // Linear layers of equal width with V_l = W_l⁻¹ and c_l = −W_l⁻¹b_l: the difference targets are
            // h_l + J_l⁻¹(ĥ_T − h_T), exactly the Gauss–Newton move of a square invertible Jacobian.
            let net = input 4 |> dense 4 Linear |> dense 4 Linear |> dense 4 Linear |> dense 4 Linear
            let m = Model.create net (Rules.dtp |> Rule.withFeedbackActivation Activation.Linear)
            let p0 = Parameters.init 6 m
            let s = Reference.ofParameters m p0
            let inverse l = s.W.[l - 1].Inverse()
            let flat (a: Matrix<float>) = Array.init (a.RowCount * a.ColumnCount) (fun k -> float32 a.[k / a.ColumnCount, k % a.ColumnCount])
            let p =
                { p0 with
                    B = p0.B |> Array.map (Array.map (fun _ -> 0.1f))
                    V = p0.V |> Map.map (fun l _ -> flat (inverse l))
                    C = p0.C |> Map.map (fun l c -> Array.create c.Length 0.0f) }
            let p = { p with C = p.C |> Map.map (fun l _ -> (-(inverse l * Vector<float>.Build.Dense(4, 0.1))).ToArray() |> Array.map float32) }
            let x, y = batch 4 6
            let d = Diagnostics.measure m p x y
            for l in 1..2 do
                Expect.isLessThan (value (sprintf "angle_gn_%d" l) d) 0.05 (sprintf "GN angle of layer %d (float32 inverses)" l)
            for l in 2..3 do
                Expect.isLessThan (value (sprintf "recon_%d" l) d) 1e-10 (sprintf "reconstruction error of g_%d" l)
            Expect.isGreaterThan (value "target_move_3" d) 0.0 "the top target moves"
        }
    ]
