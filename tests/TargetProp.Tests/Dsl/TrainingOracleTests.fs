/// Whole training runs of compiled plans against the float64 multi-step oracle (ReferenceTraining): every preset and
/// generated rules, on each schedule, over three or more batches with distinct forward and feedback optimisers, every
/// hidden activation (ReLU included: a run that comes within 1e-6 of the kink is discarded, as is one that diverges or
/// whose Adam/RMSprop steps rounding steered; about 1 in 10), and the discrete and stochastic units (a run that comes
/// within 1e-6 of a sign's or step's threshold or of a Bernoulli draw's uniform is discarded the same way). Measured before these counts were set: 0 failures in
/// about 40,000 runs at 150–300 per property.
module TargetProp.Tests.Dsl.TrainingOracleTests

open Expecto
open FsCheck
open FsCheck.FSharp
open TargetProp.Dsl
open TargetProp.Tests.Dsl.Cases

let private config n =
    { FsCheckConfig.defaultConfig with
        maxTest = n }

/// The law over generated runs of the schedule; a failing run is labelled with the line that replays it.
let private runsOn (cases: Gen<Case>) (schedule: Schedule) (rules: Gen<Rule>) =
    Prop.forAll (Arb.fromGen (Gen.zip rules (Laws.Generate.trainings schedule cases))) (fun (r, t) ->
        match Check.run (Laws.trainingModel r t) with
        | Error _ -> Prop.ofTestable true
        | Ok _ ->
            match Laws.trainingAgreesWithReference r t with
            | Error _ -> false ==> true
            | Ok agrees ->
                agrees
                |> Prop.label (sprintf "replay: Laws.trainedEqualsReference rule %O, where rule is %O" t r))

let private runs = runsOn Laws.Generate.trainable

[<Tests>]
let tests =
    testList
        "Dsl.TrainingOracle"
        [ yield
              test "a g_l trained beside bp leaves bp's forward weights as they are, and learns to reconstruct" {
                  let d = (TargetProp.Dsl.Data.digits ()).Take(300, 100)
                  let net = input 784 |> dense 20 Tanh |> dense 20 Tanh |> dense 10 Softmax

                  let c =
                      { Train.defaults with
                          Epochs = 2
                          Diagnostics = true }

                  let plain = Train.run c (Model.create net Rules.bp) d

                  let beside =
                      Train.run c (Model.create net (Rules.bp |> Rule.withFeedback (Feedback.reconstruct 0.0))) d

                  Expect.equal beside.Parameters.W plain.Parameters.W "the same forward weights, bit for bit"

                  let recon (r: Run) =
                      r.Epochs
                      |> List.map (fun e -> e.Diagnostics |> List.find (fst >> (=) "recon_2") |> snd)

                  match recon beside with
                  | [ first; second ] -> Expect.isLessThan second first "g_2's reconstruction error falls"
                  | other -> failtestf "expected two epochs of recon_2, got %A" other
              }
          for schedule in [ Alternating; Parallel; Interleaved ] do
              for r in Rules.all do
                  yield
                      testPropertyWithConfig
                          (config 25)
                          (sprintf "%s, %O: a compiled training run ends where the reference's does" r.Name schedule)
                      <| runs schedule (Gen.constant r)

              yield
                  testPropertyWithConfig
                      (config 80)
                      (sprintf "generated rules, %O: a compiled training run ends where the reference's does" schedule)
                  <| runs schedule Laws.Generate.rules

              yield
                  testPropertyWithConfig
                      (config 40)
                      (sprintf
                          "conditional auto-encoder targets, %O: a compiled training run ends where the reference's does"
                          schedule)
                  <| runs schedule (Gen.elements conditionalRules)
              // g_l trained beside bp for measures only: its feedback updates are compiled and checked like any rule's.
              yield
                  testPropertyWithConfig
                      (config 25)
                      (sprintf
                          "bp with g_l trained beside it, %O: a compiled training run ends where the reference's does"
                          schedule)
                  <| runs schedule (Gen.constant (Rules.bp |> Rule.withFeedback (Feedback.reconstruct 0.2)))
              // Sign, step, Bernoulli and hardTanh hidden units, with each stand-in for their derivatives: targets, local
              // losses and g on the relaxed values, emissions (and Bernoulli draws) between layers, input noise.
              yield
                  testPropertyWithConfig
                      (config 60)
                      (sprintf
                          "discrete and stochastic units, %O: a compiled training run ends where the reference's does"
                          schedule)
                  <| runsOn
                      Laws.Generate.discrete
                      schedule
                      (Gen.oneof
                          [ Gen.constant Rules.dtp
                            Gen.constant Rules.bp
                            Gen.constant Rules.ddtpLinear
                            Laws.Generate.rules ]) ]
