/// Measures beside training (Train.runHooked, Probes) and what the experiments make of runs: the compiled features
/// against the float64 reference's forward pass, probes on data whose answer is known, hooks that stop and measure,
/// the wall-time reading of a log, and an experiment that goes on past a run that diverges.
module TargetProp.Tests.Dsl.ProbeTests

open System.IO
open Expecto
open MathNet.Numerics.LinearAlgebra
open TargetProp.Dsl
open TargetProp.Runtime.Data
open TargetProp.Experiments

/// n examples of two features: class 1 where x_0 + x_1 > 0 (linearly separable), drawn from the seed.
let private separable (seed: int) (n: int) =
    let rng = System.Random(seed)
    let x = Array.init (2 * n) (fun _ -> float32 (2.0 * rng.NextDouble() - 1.0))
    x, Array.init n (fun i -> if x.[2 * i] + x.[2 * i + 1] > 0.0f then 1 else 0)

let private log (epochs: (float * float) list) : RunLog =
    { Folder = ""
      Rule = "dtp"
      Net = "n"
      Data = "d"
      Seed = 1
      Epochs =
        epochs
        |> List.mapi (fun i (seconds, err) ->
            { Epoch = i + 1
              TrainLoss = 0.0
              TrainError = 0.0
              TestError = err
              ValidationError = None
              Seconds = seconds
              Diagnostics = [] }) }

[<Tests>]
let tests =
    testList
        "Dsl.Probes"
        [ test "the compiled features of every layer are the float64 reference's forward pass (a steep unit among them)" {
              let m =
                  Model.create (input 6 |> dense 5 (SteepTanh 3.0) |> dense 4 Sigmoid |> dense 3 Softmax) Rules.dtp

              let p = Parameters.init 7 m
              let rows = 1100 // more than one batch of 500, and a partial one
              let rng = System.Random(3)
              let x = Array.init (rows * 6) (fun _ -> float32 (rng.NextDouble() - 0.5))
              let y = Array.init rows (fun i -> i % 3)
              let features = Probes.hidden m p 2 x y (readOnlyDict [])

              let h, _ =
                  Reference.forwardPass
                      m
                      (Reference.ofParameters m p)
                      (Reference.withSides m y Reference.noDraws)
                      Evaluation
                      (Matrix<float>.Build.Dense(rows, 6, fun i j -> float x.[i * 6 + j]))

              for l in 0..2 do
                  let width = h.[l].ColumnCount
                  Expect.equal features.[l].Length (rows * width) (sprintf "h_%d's size" l)

                  for i in 0 .. rows - 1 do
                      for j in 0 .. width - 1 do
                          Expect.floatClose
                              { absolute = 1e-5; relative = 1e-4 }
                              (float features.[l].[i * width + j])
                              h.[l].[i, j]
                              (sprintf "h_%d[%d, %d]" l i j)
          }
          test
              "a linear probe separates linearly separable classes, and is at chance on labels that ignore the features" {
              let train, trainY = separable 1 2000
              let test, testY = separable 2 1000

              Expect.isLessThan
                  (Probes.linear 1 1 2 2 (train, trainY) (test, testY))
                  0.05
                  "a half-plane: nearly no error (chance: 0.5)"

              let shuffled = Array.init 1000 (fun i -> (i * 7919) % 2)

              Expect.isGreaterThan
                  (Probes.linear 1 1 2 2 (train, Array.init 2000 (fun i -> (i * 104729) % 2)) (test, shuffled))
                  0.4
                  "labels unrelated to x: near chance"
          }
          test "hooks stop a run when asked and log their measures, numbered by epoch, beside the metrics" {
              let d = (Data.digits ()).Take(200, 100)
              let m = Model.create (input 784 |> dense 8 Tanh |> dense 10 Softmax) Rules.dtp
              let seen = ResizeArray()

              let hooks =
                  { Measure = Some(fun n (p: Parameters) -> [ "epoch_seen", float n; "w1_0", float p.W.[0].[0] ])
                    OnEpoch = seen.Add
                    Stop = (fun es -> es.Length >= 2)
                    OnBatch = None }

              let run = Train.runHooked hooks { Train.defaults with Epochs = 5 } m d
              Expect.equal run.Epochs.Length 2 "stopped after two epochs"

              Expect.equal
                  (seen
                   |> Seq.map (fun e -> e.Diagnostics |> List.find (fst >> (=) "epoch_seen") |> snd)
                   |> List.ofSeq)
                  [ 1.0; 2.0 ]
                  "measured after each, by number"

              Expect.equal
                  (seen.[1].Diagnostics |> List.find (fst >> (=) "w1_0") |> snd)
                  (float run.Parameters.W.[0].[0])
                  "from the parameters after the epoch"
          }
          test "the test error at a wall time is the last epoch's whose training ended within it" {
              let wall = DeepChains.wallTime

              let err =
                  DeepChains.errorAtWallTime (log [ 0.4 * wall, 0.5; 0.4 * wall, 0.3; 0.4 * wall, 0.2 ])

              Expect.floatClose Accuracy.high err 30.0 "epochs 1 and 2 end within it, 3 after"

              Expect.isTrue
                  (System.Double.IsNaN(DeepChains.errorAtWallTime (log [ 1.5 * wall, 0.5 ])))
                  "none within: no value"
          }
          test "an experiment reports a run that diverges and goes on with the others, and redraws from its logs" {
              let out =
                  Path.Combine(Path.GetTempPath(), sprintf "tprop-diverges-%d" (System.Random().Next()))

              // A linear output under squared error: its gradient grows with its error, so lr 1e9 overflows to ∞ and NaN
              // in the first epoch (a softmax output saturates instead, and its loss, stable at any size of logit, stays finite).
              let net = input 784 |> dense 8 Tanh |> dense 10 Linear

              let arm label rule =
                  Experiment.arm label "784-8-10" (Model.create net rule) 2

              let wild =
                  Rules.bp
                  |> Rule.withName "bp, lr 1e9"
                  |> Rule.withDefaults
                      { Rules.bp.Defaults with
                          ForwardOptimiser = Sgd(1e9, 0.0) }

              let arms = [ arm "diverges" wild; arm "trains" Rules.bp ]

              let e =
                  { Name = "diverging"
                    Conjecture = ""
                    Protocol = ""
                    Arms = arms
                    QuickArms = arms
                    Columns = [ Experiment.finalError ]
                    Figures = [ "", Experiment.curves ] }

              let results =
                  Experiment.run
                      e
                      { Experiment.defaults "diverging" with
                          Quick = true
                          Out = out }

              Expect.isFalse results.[0].Diverged.IsEmpty "the wild arm diverged"
              Expect.isTrue (System.Double.IsNaN results.[0].Values.["test_error"].Head) "and has no value"
              Expect.isTrue results.[1].Diverged.IsEmpty "the other trained"
              Expect.isTrue (System.Double.IsFinite results.[1].Values.["test_error"].Head) "and has its value"
              let lines = File.ReadAllLines(Path.Combine(out, "results.jsonl"))
              Expect.stringContains lines.[0] "\"diverged\":\"training diverged" "the message in results.jsonl"
              Expect.stringContains lines.[0] "\"test_error\":null" "no number for it"
              Expect.isTrue (File.Exists(Path.Combine(out, "diverging.png"))) "the figure of the runs that trained"
              File.Delete(Path.Combine(out, "diverging.png"))
              let again = Experiment.redraw e out

              Expect.equal
                  (again
                   |> List.map (fun r -> r.Arm, r.Diverged.Count, r.Values.["test_error"] |> List.map string))
                  (results
                   |> List.map (fun r -> r.Arm, r.Diverged.Count, r.Values.["test_error"] |> List.map string))
                  "redrawn from the logs: the same table"

              Expect.isTrue (File.Exists(Path.Combine(out, "diverging.png"))) "and the figure again"
              Directory.Delete(out, true)
          } ]
