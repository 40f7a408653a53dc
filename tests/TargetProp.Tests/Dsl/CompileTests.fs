/// Compiled plans against the float64 reference: one training step changes every parameter alike.
module TargetProp.Tests.Dsl.CompileTests

open Expecto
open TargetProp.Runtime
open TargetProp.Dsl
open TargetProp.Tests.Dsl.Cases

/// 1, 2 and 3 threads give bit-identical parameters after a step (rows split over workers, layer groups in parallel).
let private sameOnAnyThreads (r: Rule) (c: Case) =
    let _, one = Laws.compiledStep 1 r c

    for threads in [ 2; 3 ] do
        let _, p = Laws.compiledStep threads r c
        Expect.equal p.W one.W (sprintf "W at %d threads (%s, case %O)" threads r.Name c)
        Expect.equal p.B one.B (sprintf "b at %d threads" threads)
        Expect.equal p.V one.V (sprintf "V at %d threads" threads)
        Expect.equal p.C one.C (sprintf "c at %d threads" threads)

let private config n =
    { FsCheckConfig.defaultConfig with
        maxTest = n }

let private property (r: Rule) =
    testPropertyWithConfig (config 60) (sprintf "%s: one compiled step equals the reference" r.Name)
    <| Laws.propertyOn (small r.Name) "compiledEqualsReference" Laws.compiledEqualsReference r

[<Tests>]
let tests =
    testList
        "Dsl.Compile"
        [ for r in Rules.all do
              yield property r

              yield
                  testPropertyWithConfig
                      (config 6)
                      (sprintf "%s: 1, 2 and 3 threads give bit-identical steps on batches of 12–60 rows" r.Name)
                  <| FsCheck.FSharp.Prop.forAll (FsCheck.FSharp.Arb.fromGen (large r.Name)) (sameOnAnyThreads r)
          for fb in [ Feedback.reconstruct 0.2; Feedback.drl 0.2 0.05; Feedback.ldrl 0.2 ] do
              let conditional = Rules.dtp |> Rule.withFeedback fb |> Rule.conditionedOn "label"

              yield
                  testPropertyWithConfig
                      (config 40)
                      (sprintf "dtp with g conditioned on the label, %O: one compiled step equals the reference" fb)
                  <| Laws.propertyOn (small "drl") "compiledEqualsReference" Laws.compiledEqualsReference conditional
          // Bengio 2014's conditional auto-encoder as a target: ĥ_{l-1} = r_{l-1}(h_{l-1}, s) = g_l([f_l(h_{l-1}), s]), with
          // g_l trained to denoise [f_l(h_{l-1}+ε), s] back to h_{l-1}.
          let conditionalAe =
              Rule.create "conditionalAe" Top.label (Propagate.by (g (f below ++ side "label"))) (Feedback.denoise 0.2)

          yield
              testPropertyWithConfig
                  (config 40)
                  "the conditional auto-encoder target g_l([f_l(h_{l-1}), s]): one compiled step equals the reference"
              <| Laws.propertyOn (small "drl") "compiledEqualsReference" Laws.compiledEqualsReference conditionalAe

          yield
              testPropertyWithConfig
                  (config 80)
                  "rules composed from parts: one compiled step equals the reference whenever the model check accepts them"
              <| FsCheck.FSharp.Prop.forAll
                  (FsCheck.FSharp.Arb.fromGen (FsCheck.FSharp.Gen.zip Laws.Generate.rules (large "drl")))
                  (fun (r, c) ->
                      match Check.run (Laws.model r c) with
                      | Ok _ ->
                          Laws.compiledEqualsReference r c
                          |> FsCheck.FSharp.Prop.label (sprintf "%O on %O" r c)
                      | Error _ -> FsCheck.FSharp.Prop.ofTestable true)

          yield
              test "a layer whose update is cut into pieces (500×240 weights: 2 pieces) still equals the reference" {
                  for r in [ Rules.bp; Rules.dtp ] do
                      for atOutput in [ true; false ] do
                          let c =
                              { Seed = 11
                                Input = 500
                                Widths = [ 240; 12; 10 ]
                                Hidden = Tanh
                                Output = Softmax
                                Rows = 7
                                Spare = 2
                                TopAtOutput = atOutput
                                Optimiser = CentredRmsProp 0.01
                                Through = Refuse
                                Context = 0 }

                          Expect.isTrue
                              (Laws.compiledEqualsReference r c)
                              (sprintf "%s, top at output %b" r.Name atOutput)
              }

          yield
              test "a compiled dtp step moves every parameter (so the comparisons above are not between two no-ops)" {
                  let c =
                      { Seed = 3
                        Input = 6
                        Widths = [ 5; 4; 3 ]
                        Hidden = Tanh
                        Output = Softmax
                        Rows = 5
                        Spare = 0
                        TopAtOutput = false
                        Optimiser = Sgd(0.1, 0.0)
                        Through = Refuse
                        Context = 0 }

                  let p0, pc = Laws.compiledStep 1 Rules.dtp c
                  let moved (a: float32[]) (b: float32[]) = Array.forall2 (<>) a b
                  Expect.isTrue (Array.forall2 moved p0.W pc.W) "every W_l"
                  Expect.isTrue (Array.forall2 moved p0.B pc.B) "every b_l"
                  Expect.isTrue (p0.V |> Map.forall (fun l v -> moved v pc.V.[l])) "every V_l"
                  Expect.equal (Map.count p0.V) 1 "only g_2: the top target is at layer 2 = L−1"
              }

          yield
              test "the dtp plan prints the difference target as one fused combination" {
                  let m =
                      Model.create (input 4 |> repeat 3 (dense 5 Tanh) |> dense 3 Softmax) Rules.dtp

                  let text = (Train.compile 2 m).Plan.ToString()
                  Expect.stringContains text "ĥ1 = h1 + g2(ĥ2) − g2(h2)" "difference target"
              } ]
