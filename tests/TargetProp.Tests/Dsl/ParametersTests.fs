/// Parameter initialisation (Parameters.fs): the side inputs' U_l are drawn after every other weight, so a model gets
/// the weights it got before it read a side input; each initialisation scheme against its definition (bounds, variance,
/// orthogonality with its gain).
module TargetProp.Tests.Dsl.ParametersTests

open Expecto
open TargetProp.Dsl

[<Tests>]
let tests =
    testList
        "Dsl.Parameters"
        [ test "each initialisation scheme draws what it says: bounds, variance, orthogonality with its gain" {
              let net = input 784 |> dense 256 Tanh |> dense 10 Softmax

              let w (i: Init) =
                  (Parameters.init 3 (Model.create net Rules.bp |> Model.init i)).W.[0]
                  |> Array.map float

              let variance (xs: float[]) =
                  let m = Array.average xs in xs |> Array.averageBy (fun x -> (x - m) ** 2.0)

              let glorot = sqrt (6.0 / float (784 + 256))
              let u = w (GlorotUniform 2.0)

              Expect.isLessThanOrEqual
                  (u |> Array.map abs |> Array.max)
                  (2.0 * glorot + 1e-6)
                  "within ±g·√(6/(fan_in+fan_out))"

              Expect.floatClose
                  { absolute = 0.0; relative = 0.03 }
                  (variance u)
                  ((2.0 * glorot) ** 2.0 / 3.0)
                  "the uniform's variance"

              Expect.floatClose
                  { absolute = 0.0; relative = 0.03 }
                  (variance (w (GlorotNormal 1.5)))
                  (1.5 ** 2.0 * 2.0 / float (784 + 256))
                  "the normal's variance"

              let a = w (Uniform 0.01)
              Expect.isLessThanOrEqual (a |> Array.map abs |> Array.max) 0.01 "within ±a"
              Expect.floatClose { absolute = 0.0; relative = 0.03 } (variance a) (0.01 ** 2.0 / 3.0) "U(±a)'s variance"
              // W [256 × 784] with orthogonal rows of norm g: W Wᵀ = g² I.
              let orthogonal = w (Orthogonal 2.0)

              let o =
                  MathNet.Numerics.LinearAlgebra.Matrix<float>.Build.Dense(
                      256,
                      784,
                      fun i j -> orthogonal.[i * 784 + j]
                  )

              let wwt = o * o.Transpose()

              Expect.isLessThan
                  ((wwt - 4.0 * MathNet.Numerics.LinearAlgebra.Matrix<float>.Build.DenseIdentity 256).FrobeniusNorm())
                  1e-3
                  "W Wᵀ = 4 I"

              Expect.equal
                  (Parameters.init 3 (Model.create net Rules.bp |> Model.init (Orthogonal 1.0))).W
                  (Parameters.init 3 (Model.create net Rules.bp)).W
                  "orthogonal, gain 1, is the default"

              let m = Model.create net Rules.bp |> Model.init (GlorotNormal 1.5)
              Expect.stringContains (string m) "|> Model.init (GlorotNormal 1.5)" "prints as code"

              match Check.run (Model.create net Rules.bp |> Model.init (Uniform 0.0)) with
              | Ok _ -> failtest "a zero scale was accepted"
              | Error errors ->
                  Expect.exists
                      errors
                      (fun e -> e.Where = "initialisation" && e.Fix.Contains "Model.init (GlorotUniform 1.0)")
                      (sprintf "%A" errors)
          }
          test "reading a side input adds U_l and leaves every other initial weight as it was" {
              let plain =
                  input 6
                  |> sideInput "context" 4
                  |> dense 5 Tanh
                  |> dense 5 Tanh
                  |> dense 3 Softmax

              let reading =
                  input 6
                  |> sideInput "context" 4
                  |> dense 5 Tanh
                  |> reads "context"
                  |> dense 5 Tanh
                  |> dense 3 Softmax
                  |> reads "context"

              let rule = Rules.aoSdtp
              let p0 = Parameters.init 9 (Model.create plain rule)
              let p1 = Parameters.init 9 (Model.create reading rule)
              Expect.equal p1.W p0.W "W"
              Expect.equal p1.V p0.V "V"
              Expect.equal p1.A p0.A "A"

              Expect.equal
                  (p1.U |> Map.toList |> List.map (fun (l, u) -> l, u.Length))
                  [ 1, 5 * 4; 3, 3 * 4 ]
                  "U_1 [5 × 4] and U_3 [3 × 4]"

              Expect.isTrue (p1.U.[1] |> Array.exists ((<>) 0.0f)) "U_1 is drawn, not zero"
          } ]
