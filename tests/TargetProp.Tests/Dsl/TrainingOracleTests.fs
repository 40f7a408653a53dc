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
          // Found by CI: RMSprop stepped W2[5] from a gradient that cancels to 0 in float64 and leaves 10⁻⁹ in float32,
          // by 0.1·lr; the element stayed within the bound, but the feedback weights V2, V3 trained on the h it moved
          // ended 1 % of their travel away. The residue probe names the run ill-conditioned instead of failing it.
          yield
              test "a run that float32's residue of a cancelled gradient steers is named ill-conditioned, not failed" {
                  let rule =
                      Rule.create
                          "sdtp"
                          Top.label
                          (Propagate.by (below + g target - g here))
                          (Feedback.denoise 0.359829566008)
                      |> Rule.withDefaults
                          { Rule.leeDefaults with
                              ForwardOptimiser = Adam 0.0001
                              FeedbackOptimiser = Adam 0.001 }

                  let t =
                      { Case =
                          { Seed = 499268
                            Input = 3
                            Widths = [ 2; 8; 3; 6 ]
                            Hidden = Relu
                            Output = Linear
                            Rows = 4
                            Spare = 0
                            TopAtOutput = true
                            Optimiser = RmsProp 0.003
                            Through = Refuse
                            Context = 0 }
                        FeedbackOptimiser = WeightDecay(0.01, Sgd(0.05, 0.9))
                        Schedule = Parallel
                        FeedbackIterations = 3
                        FeedbackPretraining = 0
                        ExtraFeedbackEpochs = 0
                        Examples = 12
                        Epochs = 2
                        InputNoise = 0.0
                        NoiseDecay = 0.0 }

                  // The accident is float32's own rounding: where multiply-adds are not fused (x86 without AVX2) the
                  // run rounds differently, and the earlier rule on elements stepped from a gradient at rounding level
                  // discards it instead. Either way it must not count as a disagreement (Ok false).
                  match Laws.trainingAgreesWithReference rule t with
                  | Error why ->
                      Expect.isTrue
                          (why.Contains "ill-conditioned" || why.Contains "at rounding level")
                          $"named ill-conditioned or rounding-steered: {why}"
                  | Ok agrees -> failtestf "expected the run to be named ill-conditioned, got Ok %b" agrees
                  // Without RMSprop's division by the gradient's size the same run agrees.
                  Expect.equal
                      (Laws.trainingAgreesWithReference
                          rule
                          { t with
                              Case =
                                  { t.Case with
                                      Optimiser = Sgd(0.003, 0.0) } })
                      (Ok true)
                      "with SGD forward"
              }
          // Found by CI: a side input's weight U1 whose data gradient 3.0258e-4 Adam's weight decay λp = −3.0258e-4
          // cancelled to 10⁻⁸; float32's residue there had the other sign, and Adam stepped the element the other way.
          yield
              test "a run whose weight decay cancels a gradient to rounding level under Adam is named so, not failed" {
                  let rule =
                      Rule.create
                          "dtp"
                          (Top.gradientStep 0.327736332653 |> Top.atLastHidden)
                          (Propagate.by (below + g target - g here))
                          (Feedback.reconstruct 0.359829566008)

                  let t =
                      { Case =
                          { Seed = 161471
                            Input = 8
                            Widths = [ 7; 5; 4; 1 ]
                            Hidden = Relu
                            Output = Tanh
                            Rows = 7
                            Spare = 0
                            TopAtOutput = true
                            Optimiser = WeightDecay(0.001, Adam 0.003)
                            Through = Refuse
                            Context = 3 }
                        FeedbackOptimiser = WeightDecay(0.01, Sgd(0.05, 0.9))
                        Schedule = Alternating
                        FeedbackIterations = 3
                        FeedbackPretraining = 0
                        ExtraFeedbackEpochs = 1
                        Examples = 21
                        Epochs = 2
                        InputNoise = 0.1
                        NoiseDecay = 2.0 }

                  match Laws.trainingAgreesWithReference rule t with
                  | Error why -> Expect.stringContains why "U1[11], stepped by Adam or RMSprop" "the cancelled element"
                  | Ok agrees -> failtestf "expected U1[11] to be named rounding-steered, got Ok %b" agrees
                  // Without the decay there is nothing to cancel, and the same run agrees.
                  Expect.equal
                      (Laws.trainingAgreesWithReference
                          rule
                          { t with
                              Case = { t.Case with Optimiser = Adam 0.003 } })
                      (Ok true)
                      "Adam without weight decay"
              }
          // Found by a hunt for the CI failure above: coders trained by momentum SGD over 75 updates carried float32's
          // rounding to 0.56 of the bound in the reference held in float32, and to 1.8 in the compiled run.
          yield
              test "a run that float32's rounding carries a quarter of the way to the bound is named ill-conditioned" {
                  let rule =
                      Rule.create "cae" Top.label (Propagate.by (r (below ++ side "label"))) Feedback.none

                  let t =
                      { Case =
                          { Seed = 78609
                            Input = 5
                            Widths = [ 9; 9; 8; 1 ]
                            Hidden = SteepTanh 1.5
                            Output = Softmax
                            Rows = 2
                            Spare = 0
                            TopAtOutput = true
                            Optimiser = Adam 0.003
                            Through = Refuse
                            Context = 0 }
                        FeedbackOptimiser = WeightDecay(0.01, Sgd(0.05, 0.9))
                        Schedule = Alternating
                        FeedbackIterations = 2
                        FeedbackPretraining = 1
                        ExtraFeedbackEpochs = 1
                        Examples = 9
                        Epochs = 2
                        InputNoise = 0.0
                        NoiseDecay = 0.0 }

                  match Laws.trainingAgreesWithReference rule t with
                  | Error why -> Expect.stringContains why "ill-conditioned" "named ill-conditioned"
                  | Ok agrees -> failtestf "expected the run to be named ill-conditioned, got Ok %b" agrees
                  // Without the feedback epochs before and after, the coders' 30 updates stay well inside the bound.
                  Expect.equal
                      (Laws.trainingAgreesWithReference
                          rule
                          { t with
                              FeedbackPretraining = 0
                              ExtraFeedbackEpochs = 0 })
                      (Ok true)
                      "fewer updates"
              }
          // Found by a sampler of 24,000 generated runs: with step units and batches of one, g_2's bias c2 had a
          // gradient of 6.1e-8 (the update's largest 1e-4) that float32 computed as 4.8e-8; RMSprop then stepped it by
          // 4 % of a step more.
          yield
              test
                  "a run whose gradient is below 1e-6 under RMSprop, however small the update's largest, is named rounding-steered" {
                  let rule =
                      Rule.create
                          "generated"
                          (Top.gradientStep 0.1 |> Top.atLastHidden)
                          (Propagate.by (below + g target - g here + noise 0.05))
                          (Feedback.ldrl 0.1)

                  let t =
                      { Case =
                          { Seed = 669157
                            Input = 6
                            Widths = [ 5; 2; 4 ]
                            Hidden = Step
                            Output = Softmax
                            Rows = 1
                            Spare = 0
                            TopAtOutput = false
                            Optimiser = Sgd(0.1, 0.0)
                            Through = StraightThrough
                            Context = 0 }
                        FeedbackOptimiser = RmsProp 0.003
                        Schedule = Alternating
                        FeedbackIterations = 1
                        FeedbackPretraining = 0
                        ExtraFeedbackEpochs = 0
                        Examples = 3
                        Epochs = 1
                        InputNoise = 0.1
                        NoiseDecay = 0.0 }

                  match Laws.trainingAgreesWithReference rule t with
                  | Error why -> Expect.stringContains why "c2[0], stepped by Adam or RMSprop" "the feedback bias"
                  | Ok agrees -> failtestf "expected c2[0] to be named rounding-steered, got Ok %b" agrees
                  // With SGD, which does not divide by the gradient's size, the same run agrees.
                  Expect.equal
                      (Laws.trainingAgreesWithReference
                          rule
                          { t with
                              FeedbackOptimiser = Sgd(0.003, 0.0) })
                      (Ok true)
                      "SGD feedback"
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
