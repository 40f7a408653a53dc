/// Whole runs: accuracy on real data, reproducibility, and the messages a user gets for a bad run.
module TargetProp.Tests.EndToEnd.TrainingTests

open Expecto
open TargetProp.Dsl
open TargetProp.Runtime.Data
open MathNet.Numerics.LinearAlgebra

let private lee = input 784 |> repeat 7 (dense 240 Tanh) |> dense 10 Softmax

/// MNIST from TARGETPROP_DATA (CI sets it), or None with the reason.
let mnist =
    lazy
        (try
            Ok(DataSets.Load "mnist")
         with :? DataNotFoundException as e ->
             Error e.Message)

let private withMnist (f: DataSet -> unit) =
    match mnist.Force() with
    | Ok d -> f d
    | Error why -> skiptestf "MNIST is not available: %s" why

let private finalError (r: Run) = (List.last r.Epochs).TestError

/// What feedback training buys, measured on the first 100 training examples after a short run: the feedback loss
/// Σ_l of the run's own g_l against that of the initial g_l on the same forward weights (with fixed noise draws), and the
/// mean angle (degrees) between each hidden layer's update and back-propagation's gradient.
let private feedbackEffect (m: Model) (d: DataSet) (p: Parameters) =
    let rows = 100

    let X =
        Matrix<float>.Build.Dense(rows, d.Features, fun i j -> float d.TrainX.[i * d.Features + j])

    let y = d.TrainY.[.. rows - 1]

    let draws: Reference.Draws =
        { Seed = 9UL
          ForwardStep = 1L
          FeedbackStep = 1L
          Epoch = 1
          Sides = Map.empty }

    let feedbackLoss (p: Parameters) =
        let s = Reference.ofParameters m p
        let h, passed = Reference.forwardPass m s Reference.noDraws Evaluation X
        let values = Reference.targetValues m s h passed

        Reference.feedbackLayers m
        |> List.sumBy (fun l -> fst (Reference.feedbackLoss m s (Reference.withSides m y draws) h values l))

    let p0 = Parameters.init Train.defaults.Seed m
    let gW = (Reference.forwardGradients m (Reference.ofParameters m p) draws X y).W
    let bpW = (Reference.lossGradients m p draws X y).W
    let hidden = [ 1 .. Reference.topLayer m - 1 ]

    feedbackLoss p,
    feedbackLoss { p with V = p0.V; C = p0.C },
    hidden |> List.averageBy (fun l -> Diagnostics.angle gW.[l - 1] bpW.[l - 1])

/// Each preset against the same run with its feedback training disabled (g_l kept at its initial weights), after one
/// epoch of 3,000 digits on 784–64×4–10: the reconstruction rules' trained g_l must cut their feedback loss (with the
/// forward weights the same) to at most a stated fraction, and the rules whose targets follow g_l's Jacobian must bring
/// the hidden layers' updates a stated number of degrees nearer back-propagation's. Measured (seed 1): feedback loss
/// trained/initial tp 39/115, dtp 5.5/75, sdtp 31/42, aoSdtp 30/45; mean hidden angle trained/without dtp 21°/86°,
/// ddtpLinear 46°/88°, drl 65°/90°, ldrl 25°/90° (on tp, sdtp and aoSdtp every angle stays near 90° in so short a run,
/// with or without feedback training).
let private withoutFeedback =
    [ for r, lossRatio, angleGain in
          [ Rules.tp, 0.6, None
            Rules.dtp, 0.3, Some 30.0
            Rules.sdtp, 0.85, None
            Rules.aoSdtp, 0.85, None
            Rules.ddtpLinear, 1.0, Some 20.0
            Rules.drl, 1.0, Some 10.0
            Rules.ldrl, 1.0, Some 30.0 ] ->
          test (sprintf "%s: a short run differs from the same run without feedback training" r.Name) {
              let d = (Data.digits ()).Take(3_000, 100)

              let config =
                  { Train.defaults with
                      Epochs = 1
                      Threads = 2 }

              let net = input 784 |> repeat 4 (dense 64 Tanh) |> dense 10 Softmax
              let m = Model.create net r
              let trained = Train.run config m d

              let disabled =
                  Train.run config (Model.create net (r |> Rule.withFeedback Feedback.none)) d

              let learned, initial, angle = feedbackEffect m d trained.Parameters
              let _, _, angleWithout = feedbackEffect m d disabled.Parameters

              if lossRatio < 1.0 then
                  Expect.isLessThanOrEqual
                      learned
                      (lossRatio * initial)
                      (sprintf "feedback loss of the trained g_l (%g) against the initial g_l (%g)" learned initial)

              match angleGain with
              | Some gain ->
                  Expect.isLessThanOrEqual
                      angle
                      (angleWithout - gain)
                      (sprintf
                          "mean hidden angle to bp: %.1f° trained, %.1f° without feedback training"
                          angle
                          angleWithout)
              | None -> ()
          } ]

[<Tests>]
let tests =
    testSequenced
    <| testList
        "EndToEnd.Training"
        ([ test "dtp on a 10,000-example MNIST slice reaches 88 % test accuracy within 3 epochs" {
               withMnist (fun d ->
                   let run =
                       Train.run
                           { Train.defaults with
                               Epochs = 3
                               LimitTrain = Some 10_000 }
                           (Model.create lee Rules.dtp)
                           d

                   let best = run.Epochs |> List.map _.TestError |> List.min

                   Expect.isLessThanOrEqual
                       best
                       0.12
                       (sprintf "test errors by epoch: %A" (run.Epochs |> List.map _.TestError)))
           }
           test "bp beats chance by a wide margin on a 5,000-example MNIST slice" {
               withMnist (fun d ->
                   let run =
                       Train.run
                           { Train.defaults with
                               Epochs = 2
                               LimitTrain = Some 5_000 }
                           (Model.create lee Rules.bp)
                           d

                   Expect.isLessThanOrEqual (finalError run) 0.2 "bp test error")
           }
           test "dtp on the bundled digits learns within 3 epochs" {
               let run =
                   Train.run { Train.defaults with Epochs = 3 } (Model.create lee Rules.dtp) (Data.digits ())

               Expect.isLessThanOrEqual (finalError run) 0.2 "test error on the bundled digits"

               Expect.isTrue
                   (run.Epochs
                    |> List.forall (fun e -> e.TrainError >= 0.0 && e.TrainError <= 1.0 && e.Seconds > 0.0))
                   "metrics in range"
           }
           test "the same seed gives the same weights, and 1 and 2 threads give bit-identical weights" {
               let d = (Data.digits ()).Take(1_000, 100)

               let train threads seed =
                   (Train.run
                       { Train.defaults with
                           Epochs = 1
                           Threads = threads
                           Seed = seed }
                       (Model.create lee Rules.dtp)
                       d)
                       .Parameters

               let a, b, c = train 1 5, train 1 5, train 2 5
               Expect.equal b.W a.W "same seed, same thread count"
               Expect.equal c.W a.W "2 threads = 1 thread"
               Expect.equal c.V a.V "feedback weights too"
               Expect.notEqual (train 1 6).W a.W "another seed gives other weights"
           }
           test "after dtp trains, every layer's update is within 90° of back-propagation's gradient" {
               let run =
                   Train.run
                       { Train.defaults with
                           Epochs = 2
                           Diagnostics = true }
                       (Model.create lee Rules.dtp)
                       (Data.digits ())

               let angles =
                   (List.last run.Epochs).Diagnostics
                   |> List.filter (fun (n, _) -> n.StartsWith "angle_bp_")

               Expect.equal angles.Length 8 "one angle per layer"

               for name, v in angles do
                   Expect.isLessThan v 90.0 name
           }
           test
               "a diverging run stops at the update that left NaN or ∞, names it and what to lower, and saves nothing of it" {
               let folder =
                   System.IO.Path.Combine(
                       System.IO.Path.GetTempPath(),
                       sprintf "tprop-diverge-%d" (System.Random().Next())
                   )

               let diverging (m: Model) =
                   try
                       Train.runCheckpointed
                           (Train.hooks ignore)
                           { Folder = folder
                             Every = 1
                             EverySteps = None
                             Keep = 2 }
                           None
                           { Train.defaults with Epochs = 3 }
                           m
                           ((Data.digits ()).Take(500, 100))
                       |> ignore

                       failtest "trained"
                   with DivergedException msg ->
                       msg

               // A linear output under squared error: its gradient grows with its error until it overflows (a softmax
               // output saturates, and its loss stays finite at any size of logit).
               let leeSquared = input 784 |> repeat 7 (dense 240 Tanh) |> dense 10 Linear

               let forward =
                   diverging (Model.create leeSquared Rules.bp |> Model.forwardOptimiser (Sgd(1e30, 0.0)))

               for text in
                   [ "training diverged in epoch 1, in a forward update of layer "
                     "left NaN or ∞ in W"
                     "lower the forward learning rate (Sgd(1E+30, 0.0))" ] do
                   Expect.stringContains forward text forward

               let feedback =
                   diverging (Model.create lee Rules.ddtpLinear |> Model.feedbackOptimiser (Sgd(1e30, 0.0)))

               for text in
                   [ "in a feedback update of layer "
                     "left NaN or ∞ in V"
                     "lower the feedback learning rate (Sgd(1E+30, 0.0)) or the feedback noise σ" ] do
                   Expect.stringContains feedback text feedback

               Expect.isEmpty (Checkpoint.list folder) "no checkpoint of a diverged epoch"
           }
           test "data that does not fit the model is refused before training" {
               let m = Model.create (input 100 |> dense 10 Softmax) Rules.bp

               let message =
                   try
                       Train.run Train.defaults m (Data.digits ()) |> ignore
                       ""
                   with TrainingException msg ->
                       msg

               Expect.stringContains
                   message
                   "digits has 784 features per example but the model's input has 100: use input 784"
                   "message"
           } ]
         @ withoutFeedback)
