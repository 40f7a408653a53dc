/// Sweep specs, their trials and the models trials train: checked against the spec's own numbers.
module TargetProp.Tests.Experiments.SweepTests

open Expecto
open TargetProp.Dsl
open TargetProp.Experiments

let private spec (parameters: string) (extra: string) =
    Sweep.parse
        "spec.json"
        (sprintf
            """{"data": "digits", "hidden": "2x8", "rule": "dtp", "epochs": 2, "validation": 100%s, "parameters": {%s}}"""
            extra
            parameters)

/// The message of the TrainingException a spec raises.
let private refusal (json: string) =
    try
        Sweep.parse "spec.json" json |> ignore
        failtestf "accepted %s" json
    with TrainingException message ->
        message

[<Tests>]
let tests =
    testList
        "Experiments.Sweep"
        [ test
              "random trials draw each setting inside its range, the same trials from the same seed, others from another" {
              let s =
                  spec
                      """ "forward_lr": {"log_uniform": [1e-4, 1e-2]}, "sigma": {"uniform": [0.1, 0.5]}, "feedback_iterations": {"values": [1, 3]} """
                      """, "trials": 50"""

              let trials = Sweep.trials s
              Expect.equal trials.Length 50 "trials"

              for t in trials do
                  let v name =
                      t.Values |> List.find (fst >> (=) name) |> snd

                  Expect.isTrue (v "forward_lr" >= 1e-4 && v "forward_lr" <= 1e-2) "lr in range"
                  Expect.isTrue (v "sigma" >= 0.1 && v "sigma" <= 0.5) "σ in range"
                  Expect.contains [ 1.0; 3.0 ] (v "feedback_iterations") "a listed value"
                  Expect.equal t.Seed 1 "every trial trains from the spec's seed"
              // Log-uniform: about half the draws below the geometric mean 1e-3.
              let below = trials |> List.filter (fun t -> snd t.Values.Head < 1e-3) |> List.length
              Expect.isTrue (below > 15 && below < 35) (sprintf "%d of 50 below 1e-3" below)
              Expect.equal (Sweep.trials s) trials "the same spec gives the same trials"
              Expect.notEqual (Sweep.trials { s with Seed = 2 }) trials "another seed, other trials"
          }
          test "random draws from short value lists do not repeat a combination while new ones remain" {
              let s =
                  spec """ "forward_lr": {"values": [0.1, 0.2, 0.4]}, "step": {"values": [1, 2]} """ """, "trials": 6"""

              let combos = Sweep.trials s |> List.map (fun t -> t.Values)
              Expect.equal (List.distinct combos).Length 6 "6 draws, the 6 combinations"
              let more = Sweep.trials { s with Trials = 8 } |> List.map (fun t -> t.Values)
              Expect.equal (List.truncate 6 more) combos "the first draws as before; repeats only after all are drawn"
          }
          test "a grid search takes every combination of the values, in order" {
              let s =
                  spec
                      """ "forward_lr": {"values": [0.1, 0.2]}, "step": {"values": [1, 2, 3]} """
                      """, "search": "grid" """

              Expect.equal s.Trials 6 "2 × 3"
              let values = Sweep.trials s |> List.map (fun t -> t.Values |> List.map snd)

              Expect.equal
                  values
                  [ [ 0.1; 1.0 ]
                    [ 0.1; 2.0 ]
                    [ 0.1; 3.0 ]
                    [ 0.2; 1.0 ]
                    [ 0.2; 2.0 ]
                    [ 0.2; 3.0 ] ]
                  "combinations"
          }
          test "a trial's model carries the trial's settings and nothing else changes" {
              let s = spec """ "forward_lr": {"values": [0.02]} """ ""

              let t =
                  { Id = 0
                    Seed = 1
                    Values =
                      [ "forward_lr", 0.02
                        "feedback_lr", 0.003
                        "sigma", 0.2
                        "step", 0.5
                        "feedback_iterations", 2.0
                        "feedback_weight_decay", 1e-4 ] }

              let m = Sweep.model s 784 10 t
              let plain = Model.create (Nets.mlp 784 2 8 Tanh 10) Rules.dtp
              Expect.equal m.ForwardOptimiser (CentredRmsProp 0.02) "forward lr"
              Expect.equal m.FeedbackOptimiser (WeightDecay(1e-4, CentredRmsProp 0.003)) "feedback lr and weight decay"
              Expect.equal m.Rule.Feedback (Feedback.reconstruct 0.2) "σ"
              Expect.equal m.Rule.Top (Top.gradientStep 0.5 |> Top.atLastHidden) "η̂, still at the last hidden layer"
              Expect.equal m.FeedbackIterations 2 "iterations"

              Expect.equal
                  { m with
                      ForwardOptimiser = plain.ForwardOptimiser
                      FeedbackOptimiser = plain.FeedbackOptimiser
                      Rule = plain.Rule
                      FeedbackIterations = 1 }
                  plain
                  "the rest as the rule's own"
          }
          test "a step is refused for a rule whose top target is the label" {
              let s =
                  Sweep.parse
                      "spec.json"
                      """{"rule": "sdtp", "validation": 10, "parameters": {"step": {"values": [0.1]}}}"""

              Expect.throwsC (fun () -> Sweep.model s 784 10 (List.head (Sweep.trials s)) |> ignore) (fun e ->
                  Expect.stringContains e.Message "sets the label as its top target" "why")
          }
          test "a malformed spec is refused naming the field and the fix" {
              for json, expected in
                  [ "[1]", "the spec is a JSON object"
                    "{", "is not JSON"
                    """{"validation": 10, "parameters": {}, "epoch": 3}""", "unknown field \"epoch\""
                    """{"validation": 10}""", "\"parameters\" is missing"
                    """{"validation": 10, "parameters": {"lr": {"values": [1]}}}""",
                    "unknown parameter \"lr\"; a search can vary: forward_lr"
                    """{"validation": 10, "parameters": {"forward_lr": {"log_uniform": [0, 1]}}}""",
                    "\"log_uniform\" takes [lo, hi] with lo < hi and lo > 0"
                    """{"validation": 10, "parameters": {"forward_lr": {"uniform": [2, 1]}}}""",
                    "\"uniform\" takes [lo, hi] with lo < hi"
                    """{"validation": 10, "parameters": {"forward_lr": {"values": []}}}""", "needs at least one number"
                    """{"validation": 10, "search": "grid", "parameters": {"forward_lr": {"uniform": [1, 2]}}}""",
                    "a grid search takes each parameter's \"values\""
                    """{"validation": 10, "search": "bayes", "parameters": {}}""", "use \"random\" or \"grid\""
                    """{"parameters": {}}""", "hold out at least 1 training example"
                    """{"validation": 10, "rule": "dtpp", "parameters": {}}""", "no rule named 'dtpp'"
                    """{"validation": 10, "net": "lee", "parameters": {}}""", "no network named 'lee'"
                    """{"validation": 10, "hidden": "5by2", "parameters": {}}""", "give COUNTxWIDTH"
                    """{"validation": 10, "epochs": "3", "parameters": {}}""", "\"epochs\" must be an integer"
                    """{"validation": 10, "trials": 0, "parameters": {}}""", "run at least one trial" ] do
                  let message = refusal json
                  Expect.stringContains message expected json
                  Expect.stringContains message "spec.json" "names the file"
          }
          test
              "examples/sweeps/digits-dtp.json is a 4-trial random search on the bundled digits; every example spec reads" {
              let folder =
                  System.IO.Path.Combine(TargetProp.Tests.EndToEnd.CommandTests.root, "examples", "sweeps")

              let s = Sweep.load (System.IO.Path.Combine(folder, "digits-dtp.json"))
              Expect.equal (s.Data, s.Trials, s.Grid) ("digits", 4, false) "digits, 4 random trials"

              for file in System.IO.Directory.GetFiles(folder, "*.json") do
                  Expect.isNonEmpty (Sweep.trials (Sweep.load file)) file
          }
          test "a search for a protocol's row starts from that row's model, data, batch and validation split" {
              let s =
                  Sweep.parse
                      "spec.json"
                      """{"protocol": "kao2024-fmnist", "row": "drl", "epochs": 2, "parameters": {"feedback_lr": {"values": [0.003]}}}"""

              let p = Protocols.kao2024Fmnist
              let row = p.Rows |> List.find (fun r -> r.Label = "drl")

              Expect.equal
                  (s.Data, s.Batch, s.Validation, s.Epochs)
                  (p.Data, p.Batch, p.Validation, 2)
                  "the protocol's training"

              let m = Sweep.model s 784 10 (List.head (Sweep.trials s))

              Expect.equal
                  m
                  { row.Model with
                      FeedbackOptimiser = Sgd(0.003, 0.0) }
                  "the row's model with the trial's feedback lr"

              for json, expected in
                  [ """{"protocol": "kao2024-fmnist", "row": "dtp", "parameters": {}}""",
                    "\"row\": \"dtp\": kao2024-fmnist's rows are bp, drl, ldrl, fwDtp"
                    """{"protocol": "kao2024-fmnist", "row": "drl", "rule": "dtp", "parameters": {}}""",
                    "\"rule\" comes from the protocol"
                    """{"protocol": "kao2025", "row": "drl", "parameters": {}}""", "no protocol named 'kao2025'" ] do
                  Expect.stringContains (refusal json) expected json
          } ]
