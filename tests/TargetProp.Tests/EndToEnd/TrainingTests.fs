/// Whole runs: accuracy on real data, reproducibility, and the messages a user gets for a bad run.
module TargetProp.Tests.EndToEnd.TrainingTests

open Expecto
open TargetProp.Dsl
open TargetProp.Runtime.Data

let private lee = input 784 |> repeat 7 (dense 240 Tanh) |> dense 10 Softmax

/// MNIST from TARGETPROP_DATA (CI sets it), or None with the reason.
let mnist =
    lazy
        (try Ok(DataSets.Load "mnist")
         with :? DataNotFoundException as e -> Error e.Message)

let private withMnist (f: DataSet -> unit) =
    match mnist.Force() with
    | Ok d -> f d
    | Error why -> skiptestf "MNIST is not available: %s" why

let private finalError (r: Run) = (List.last r.Epochs).TestError

[<Tests>]
let tests =
    testSequenced <| testList "EndToEnd.Training" [
        test "dtp on a 10,000-example MNIST slice reaches 88 % test accuracy within 3 epochs" {
            withMnist (fun d ->
                let run = Train.run { Train.defaults with Epochs = 3; LimitTrain = Some 10_000 } (Model.create lee Rules.dtp) d
                let best = run.Epochs |> List.map _.TestError |> List.min
                Expect.isLessThanOrEqual best 0.12 (sprintf "test errors by epoch: %A" (run.Epochs |> List.map _.TestError)))
        }
        test "bp beats chance by a wide margin on a 5,000-example MNIST slice" {
            withMnist (fun d ->
                let run = Train.run { Train.defaults with Epochs = 2; LimitTrain = Some 5_000 } (Model.create lee Rules.bp) d
                Expect.isLessThanOrEqual (finalError run) 0.2 "bp test error")
        }
        test "dtp on the bundled digits learns within 3 epochs" {
            let run = Train.run { Train.defaults with Epochs = 3 } (Model.create lee Rules.dtp) (Data.digits ())
            Expect.isLessThanOrEqual (finalError run) 0.2 "test error on the bundled digits"
            Expect.isTrue (run.Epochs |> List.forall (fun e -> e.TrainError >= 0.0 && e.TrainError <= 1.0 && e.Seconds > 0.0)) "metrics in range"
        }
        test "the same seed gives the same weights, and 1 and 2 threads give bit-identical weights" {
            let d = (Data.digits ()).Take(1_000, 100)
            let train threads seed =
                (Train.run { Train.defaults with Epochs = 1; Threads = threads; Seed = seed } (Model.create lee Rules.dtp) d).Parameters
            let a, b, c = train 1 5, train 1 5, train 2 5
            Expect.equal b.W a.W "same seed, same thread count"
            Expect.equal c.W a.W "2 threads = 1 thread"
            Expect.equal c.V a.V "feedback weights too"
            Expect.notEqual (train 1 6).W a.W "another seed gives other weights"
        }
        test "after dtp trains, every layer's update is within 90° of back-propagation's gradient" {
            let run = Train.run { Train.defaults with Epochs = 2; Diagnostics = true } (Model.create lee Rules.dtp) (Data.digits ())
            let angles = (List.last run.Epochs).Diagnostics |> List.filter (fun (n, _) -> n.StartsWith "angle_bp_")
            Expect.equal angles.Length 8 "one angle per layer"
            for name, v in angles do
                Expect.isLessThan v 90.0 name
        }
        test "a diverging run stops with a message that says what to change" {
            let m = Model.create lee Rules.bp |> Model.forwardOptimiser (Sgd(1e6, 0.0))
            let message =
                try
                    Train.run { Train.defaults with Epochs = 3 } m ((Data.digits ()).Take(500, 100)) |> ignore
                    ""
                with TrainingException msg -> msg
            Expect.stringContains message "training diverged in epoch" "what"
            Expect.stringContains message "Lower the learning rates" "how to fix"
        }
        test "data that does not fit the model is refused before training" {
            let m = Model.create (input 100 |> dense 10 Softmax) Rules.bp
            let message =
                try
                    Train.run Train.defaults m (Data.digits ()) |> ignore
                    ""
                with TrainingException msg -> msg
            Expect.stringContains message "digits has 784 features per example but the model's input has 100: use input 784" "message"
        }
    ]
