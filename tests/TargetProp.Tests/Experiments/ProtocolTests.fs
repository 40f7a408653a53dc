/// Protocols: what each reports, computed on logs of known numbers, and the settings they state.
module TargetProp.Tests.Experiments.ProtocolTests

open Expecto
open TargetProp.Dsl
open TargetProp.Experiments

/// A log whose epoch n has these validation and test errors (fractions).
let private log (errors: (float option * float) list) : RunLog =
    { Folder = "run"
      Rule = "dtp"
      Net = "lee2015"
      Data = "mnist"
      Seed = 1
      Epochs =
        errors
        |> List.mapi (fun i (validation, test) ->
            { Epoch = i + 1
              TrainLoss = 0.0
              TrainError = 0.0
              TestError = test
              ValidationError = validation
              Seconds = 1.0
              Diagnostics = [] }) }

[<Tests>]
let tests =
    testList
        "Experiments.Protocol"
        [ test
              "the reported error: after the last epoch, at the first epoch of the lowest validation error, or the lowest test error" {
              let l = log [ Some 0.05, 0.06; Some 0.03, 0.04; Some 0.03, 0.02; Some 0.04, 0.01 ]
              Expect.equal (Protocol.reported FinalEpoch l) (1.0, 4) "final"

              Expect.equal
                  (Protocol.reported AtBestValidation l)
                  (4.0, 2)
                  "the first epoch of the lowest validation error"

              Expect.equal (Protocol.reported BestTest l) (1.0, 4) "best test"

              Expect.throwsC (fun () -> Protocol.reported AtBestValidation (log [ None, 0.1 ]) |> ignore) (fun e ->
                  Expect.stringContains e.Message "need a validation split" "why")
          }
          test "every protocol names its rows uniquely, checks, and holds out fewer examples than it has" {
              for p in Protocols.all do
                  Expect.equal (p.Rows |> List.distinctBy _.Label).Length p.Rows.Length (p.Name + ": distinct labels")

                  for row in p.Rows do
                      match Check.run row.Model with
                      | Ok _ -> ()
                      | Error errors -> failtestf "%s %s: %A" p.Name row.Label errors

                  Expect.isLessThan p.Validation 50_000 p.Name
          }
          test
              "Meulemans et al.'s settings: the forward lr divided by the target step, the feedback ε and decay scaled by 256σ²" {
              let ddtp =
                  Protocols.meulemans2020Mnist.Rows |> List.find (fun r -> r.Label = "ddtpLinear")

              let step, sigma = 0.06096940412767466, 0.0907524824699504

              match ddtp.Model.ForwardOptimiser with
              | AdamWith(lr, 0.9, 0.999, eps) ->
                  Expect.floatClose Accuracy.veryHigh lr (2.0354415171962153e-05 / step) "lr / step"
                  Expect.equal eps 1.255238177132068e-08 "forward ε as published"
              | o -> failtestf "forward optimiser %O" o

              match ddtp.Model.FeedbackOptimiser with
              | WeightDecay(wd, AdamWith(lr, 0.999, 0.999, eps)) ->
                  let c = 256.0 * sigma * sigma
                  Expect.floatClose Accuracy.veryHigh wd (5.836204840235672e-07 * c) "decay × 256σ²"
                  Expect.floatClose Accuracy.veryHigh eps (0.0002838378678760835 * c) "ε × 256σ²"
                  Expect.equal lr 0.00016378232822128718 "feedback lr as published"
              | o -> failtestf "feedback optimiser %O" o

              Expect.equal
                  (ddtp.Model.FeedbackPretraining, ddtp.Model.ExtraFeedbackEpochs, ddtp.Model.Schedule)
                  (6, 1, Parallel)
                  "6 + 1 per epoch, parallel"

              Expect.equal ddtp.Model.Rule.Top (Top.gradientStep step) "the step at the output's logits"
              Expect.equal ddtp.Model.Init (GlorotNormal 1.0) "Xavier normal"
          }
          test "kao2024-fmnist's rows carry the settings its search chose (RESULTS.md)" {
              let model label =
                  (Protocols.kao2024Fmnist.Rows |> List.find (fun r -> r.Label = label)).Model

              Expect.equal (model "bp").ForwardOptimiser (Sgd(0.2, 0.0)) "bp lr 0.2"

              for label, lr, s, feedbackLr in [ "drl", 1.0, 0.1, 1e-4; "ldrl", 1.0, 0.1, 1e-4; "fwDtp", 0.3, 0.1, 1e-3 ] do
                  let m = model label

                  Expect.equal
                      (m.ForwardOptimiser, m.FeedbackOptimiser, m.Rule.Top)
                      (Sgd(lr, 0.0), Sgd(feedbackLr, 0.0), Top.gradientStep (256.0 * s))
                      label
          }
          test "Kao & Hariharan's rows store the paper's accuracy as an error, and their step as η = 256·s" {
              let p = Protocols.kao2024Mnist

              Expect.equal
                  (p.Rows
                   |> List.map (fun r -> r.Label, r.Paper |> Option.map (fun e -> System.Math.Round(e, 2))))
                  [ "bp", Some 1.81; "drl", Some 6.95; "ldrl", Some 6.71; "fwDtp", Some 2.8 ]
                  "100 − accuracy"

              let fw = p.Rows |> List.find (fun r -> r.Label = "fwDtp")
              Expect.equal fw.Model.Rule.Top (Top.gradientStep (256.0 * 0.04)) "η = 256·0.04"
          } ]
