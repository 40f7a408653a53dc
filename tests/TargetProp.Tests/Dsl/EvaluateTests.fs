/// Evaluation of a stack with stochastic units (Evaluate.fs): the compiled plan's predictions against the class
/// probabilities averaged over samples by naive loops, each sample's draws read from the counter-based generator.
module TargetProp.Tests.Dsl.EvaluateTests

open Expecto
open TargetProp.Runtime
open TargetProp.Dsl

let private stack =
    input 6 |> dense 5 Bernoulli |> dense 4 Bernoulli |> dense 3 Softmax

/// arg-max_c Σ_k softmax(a_L)_c for example n (its row in the data set), the units drawn as
/// [U(seed, k, Streams.emission l Evaluation, n·units + j) < sigmoid(a_lj)].
let private oracle (p: Parameters) (seed: uint64) (samples: int) (x: float32[]) (n: int) =
    let widths = [| 6; 5; 4; 3 |]

    let layer l (input: float[]) =
        Array.init widths.[l] (fun j ->
            float p.B.[l - 1].[j]
            + Seq.sum (
                seq { for i in 0 .. widths.[l - 1] - 1 -> float p.W.[l - 1].[j * widths.[l - 1] + i] * input.[i] }
            ))

    let draw k l (r: float[]) =
        r
        |> Array.mapi (fun j v ->
            if
                float (Noise.UniformAt(seed, int64 k, Streams.emission l Evaluation, int64 (n * widths.[l] + j))) < v
            then
                1.0
            else
                0.0)

    let sum = Array.zeroCreate 3

    for k in 0 .. samples - 1 do
        let h0 = Array.init 6 (fun i -> float x.[n * 6 + i])
        let sigmoid = Array.map (fun a -> 1.0 / (1.0 + exp -a))
        let h1 = draw k 1 (sigmoid (layer 1 h0))
        let h2 = draw k 2 (sigmoid (layer 2 h1))
        let a = layer 3 h2
        let e = a |> Array.map (fun v -> exp (v - Array.max a))

        for c in 0..2 do
            sum.[c] <- sum.[c] + e.[c] / Array.sum e

    Array.findIndex ((=) (Array.max sum)) sum

[<Tests>]
let tests =
    testList
        "Dsl.Evaluate"
        [ test
              "a stochastic stack predicts the arg-max of its class probabilities averaged over the samples, whatever the batch" {
              let samples, seed, count = 9, 5UL, 40

              let m =
                  Model.create stack Rules.dtp
                  |> Model.throughDiscrete StraightThrough
                  |> Model.samples samples

              let rng = System.Random 3
              let x = Array.init (count * 6) (fun _ -> float32 (rng.NextDouble() * 2.0 - 1.0))
              let p0 = Parameters.init 7 m
              // Larger weights, so the draws decide many predictions.
              let p =
                  { p0 with
                      W = p0.W |> Array.map (Array.map (fun w -> 4.0f * w)) }

              let expected = Array.init count (oracle p seed samples x)

              Expect.isTrue
                  (Array.init count (oracle p seed 1 x) <> expected)
                  "one sample predicts otherwise than nine for some example"

              let compiled = Train.compile 7 m
              compiled.Load p
              use ex = new Executor(compiled.Plan, seed, 2)
              // Labels equal to the oracle's prediction give no error; labels beside it, an error on every example.
              for shift, errors in [ 0, 0; 1, count ] do
                  let y = expected |> Array.map (fun c -> (c + shift) % 3)
                  let order = Array.init count (fun i -> (i * 17) % count)
                  ex.Context.ResetTally()

                  for first in 0..7 .. count - 1 do
                      ex.LoadBatch(x, y, System.ReadOnlySpan order, first, min 7 (count - first))
                      ex.Run compiled.Plan.Predict

                  Expect.equal ex.Context.Errors errors (sprintf "errors with labels shifted by %d" shift)
          }
          test
              "a deterministic stack with sign units evaluates once, through its signs, even when it trains continuously" {
              let m =
                  Model.create (input 6 |> dense 5 Sign |> dense 3 Softmax) Rules.bp
                  |> Model.throughDiscrete ContinuousTraining

              let compiled = Train.compile 4 m
              let text = string compiled.Plan
              let predict = text.Substring(0, text.IndexOf "forward update")
              Expect.stringContains predict "sign(h1) = sign(h1)" "the sign is in the evaluation"
              Expect.isFalse (predict.Contains "Σp") "a single pass, no averaging"

              Expect.isFalse
                  (text.Substring(text.IndexOf "forward update").Contains "sign(")
                  "training runs the continuous net"
          } ]
