/// The oracle checks itself (DESIGN.md §8): the float64 reference's feedback gradients against central finite
/// differences of its own feedback losses, and its loss scale against a case worked by hand.
module TargetProp.Tests.Dsl.ReferenceTests

open Expecto
open FsCheck
open FsCheck.FSharp
open MathNet.Numerics.LinearAlgebra
open TargetProp.Runtime
open TargetProp.Dsl
open TargetProp.Tests.Dsl.Cases

/// ∂/∂V_l and ∂/∂c_l of g_l's feedback loss: the reference's gradients and central differences (step 1e-6) of the loss
/// value, element by element, agree within 1e-7 + 1e-5·|analytic|. On smooth activations, where the loss has a derivative.
let private gradientsMatchDifferences (r: Rule) (c: Case) =
    let m = Laws.model r c
    let p = Parameters.init c.Seed m
    // Nonzero feedback biases, so that c_l's gradient is not taken at a special point.
    let p =
        { p with
            C =
                p.C
                |> Map.map (fun _ v -> v |> Array.mapi (fun i _ -> 0.05f * float32 (i % 3 - 1))) }

    let s = Reference.ofParameters m p
    let x, y = Laws.batch c

    let X =
        Matrix<float>.Build.Dense(c.Rows, c.Input, fun i j -> float x.[i * c.Input + j])

    let d = Reference.withSides m y (Laws.draws c)
    // The forward pass the feedback gradients take (the same draws, for Bernoulli units and input noise).
    let h, passed = Reference.forwardPass m s d FeedbackPass X
    let values = Reference.targetValues m s h passed
    let gV, gC = Reference.feedbackGradients m s (Laws.draws c) FeedbackPass X y

    let close (numeric: float) (analytic: float) =
        abs (numeric - analytic) <= 1e-7 + 1e-5 * abs analytic

    Reference.feedbackLayers m
    |> List.forall (fun l ->
        let lossAt (s': Reference.State) =
            fst (Reference.feedbackLoss m s' d h values l)

        let central (bump: float -> Reference.State) =
            (lossAt (bump 1e-6) - lossAt (bump -1e-6)) / 2e-6

        let v, b = s.V.[l], s.C.[l]

        let weights =
            Seq.forall
                (fun (i, j) ->
                    close
                        (central (fun e ->
                            { s with
                                V = s.V.Add(l, v.MapIndexed(fun a k w -> if a = i && k = j then w + e else w)) }))
                        gV.[l].[i, j])
                (seq {
                    for i in 0 .. v.RowCount - 1 do
                        for j in 0 .. v.ColumnCount - 1 -> i, j
                })

        let biases =
            Seq.forall
                (fun i ->
                    close
                        (central (fun e ->
                            { s with
                                C = s.C.Add(l, b.MapIndexed(fun k w -> if k = i then w + e else w)) }))
                        gC.[l].[i])
                (seq { 0 .. b.Count - 1 })

        weights && biases)

/// ∂/∂W_l, ∂/∂b_l and ∂/∂U_l of each layer's local loss κΣ‖ρ_l(W_l u_{l-1} + U_l s + b_l) − ĥ_l‖² on a stack with
/// discrete or stochastic units and at times a side input s (u_{l-1} what layer l-1 passes up: its sign, step or
/// Bernoulli draw, held fixed with the targets): the reference's gradients and central differences (step 1e-6) agree
/// within 1e-7 + 1e-5·|analytic|.
let private localGradientsMatchDifferences (r: Rule) (c: Case) =
    let m = Laws.model r c
    let p = Parameters.init c.Seed m
    let s = Reference.ofParameters m p
    let x, y = Laws.batch c

    let X =
        Matrix<float>.Build.Dense(c.Rows, c.Input, fun i j -> float x.[i * c.Input + j])

    let d = Laws.draws c
    let h, passed = Reference.forwardPass m s d ForwardPass X
    let t, _, _ = Reference.targets m s d h passed y
    let g = Reference.forwardGradients m s d X y

    let kappa =
        match m.Rule.LocalLoss with
        | MeanSquared -> 1.0 / float c.Rows
        | HalfSumSquared -> 0.5

    let close (numeric: float) (analytic: float) =
        abs (numeric - analytic) <= 1e-7 + 1e-5 * abs analytic

    let central f = (f 1e-6 - f -1e-6) / 2e-6

    let bump (a: Matrix<float>) i j e =
        a.MapIndexed(fun r k v -> if r = i && k = j then v + e else v)

    let cells (a: Matrix<float>) =
        seq {
            for i in 0 .. a.RowCount - 1 do
                for j in 0 .. a.ColumnCount - 1 -> i, j
        }

    [ 1 .. Reference.localTop m ]
    |> List.forall (fun l ->
        let side = Model.layerSides m l |> List.map (fun n -> d.Sides.[n])

        let lossAt (w: Matrix<float>) (b: Vector<float>) (u: Matrix<float> option) =
            let z =
                passed.[l - 1] * w.Transpose()
                + (match u with
                   | Some u -> List.reduce (fun (a: Matrix<float>) b -> a.Append b) side * u.Transpose()
                   | None -> 0.0 * t.[l])

            let e =
                Reference.activate
                    (Stack.activation m.Stack l)
                    (z + Matrix<float>.Build.Dense(c.Rows, b.Count, fun _ j -> b.[j]))
                - t.[l]

            kappa * Seq.sum ((e.PointwiseMultiply e).Enumerate())

        let w, b, u = s.W.[l - 1], s.B.[l - 1], s.U.TryFind l

        Seq.forall (fun (i, j) -> close (central (fun e -> lossAt (bump w i j e) b u)) g.W.[l - 1].[i, j]) (cells w)
        && Seq.forall
            (fun i ->
                close
                    (central (fun e -> lossAt w (b.MapIndexed(fun k v -> if k = i then v + e else v)) u))
                    g.B.[l - 1].[i])
            (seq { 0 .. b.Count - 1 })
        && (match u with
            | Some u ->
                Seq.forall
                    (fun (i, j) -> close (central (fun e -> lossAt w b (Some(bump u i j e)))) g.U.[l].[i, j])
                    (cells u)
            | None -> true))

/// ∂/∂E_k, e_k, D_k, d_k of each conditional auto-encoder's loss κ‖r_k([h_k + ε, s]) − h_k‖²: the reference's gradients
/// and central differences (step 1e-6) of the loss agree within 1e-7 + 1e-5·|analytic|.
let private coderGradientsMatchDifferences (r: Rule) (c: Case) =
    let m = Laws.model r c
    let s = Reference.ofParameters m (Parameters.init c.Seed m)
    let x, y = Laws.batch c

    let X =
        Matrix<float>.Build.Dense(c.Rows, c.Input, fun i j -> float x.[i * c.Input + j])

    let d = Reference.withSides m y (Laws.draws c)
    let h, _ = Reference.forwardPass m s d FeedbackPass X
    let grads = Reference.conditionalGradients m s (Laws.draws c) FeedbackPass X y

    let close (numeric: float) (analytic: float) =
        abs (numeric - analytic) <= 1e-7 + 1e-5 * abs analytic

    Model.conditionalLayers m
    |> List.forall (fun k ->
        let e, eb, dk, db = s.Coders.[k]
        let ge, geb, gd, gdb = grads.[k]

        let lossAt coder =
            fst (
                Reference.conditionalLoss
                    m
                    { s with
                        Coders = s.Coders.Add(k, coder) }
                    d
                    h
                    k
            )

        let central f =
            (lossAt (f 1e-6) - lossAt (f -1e-6)) / 2e-6

        let bumpM (a: Matrix<float>) i j x =
            a.MapIndexed(fun r q v -> if r = i && q = j then v + x else v)

        let bumpV (a: Vector<float>) i x =
            a.MapIndexed(fun q v -> if q = i then v + x else v)

        let cells (a: Matrix<float>) =
            seq {
                for i in 0 .. a.RowCount - 1 do
                    for j in 0 .. a.ColumnCount - 1 -> i, j
            }

        Seq.forall (fun (i, j) -> close (central (fun x -> bumpM e i j x, eb, dk, db)) ge.[i, j]) (cells e)
        && Seq.forall (fun i -> close (central (fun x -> e, bumpV eb i x, dk, db)) geb.[i]) (seq { 0 .. eb.Count - 1 })
        && Seq.forall (fun (i, j) -> close (central (fun x -> e, eb, bumpM dk i j x, db)) gd.[i, j]) (cells dk)
        && Seq.forall (fun i -> close (central (fun x -> e, eb, dk, bumpV db i x)) gdb.[i]) (seq { 0 .. db.Count - 1 }))

/// Discrete and stochastic hidden units without hardTanh's kinks, where the losses have derivatives.
let private discreteSmooth =
    Laws.Generate.discrete |> Gen.filter (fun c -> c.Hidden <> HardTanh)

/// The rules whose feedback losses are checked: every preset that trains g, and g conditioned on the label.
let private rulesWithFeedback =
    (Rules.all |> List.filter (fun r -> r.Feedback <> NoFeedback))
    @ [ for fb in
            [ Feedback.reconstruct 0.2
              Feedback.denoise 0.2
              Feedback.drl 0.2 0.05
              Feedback.ldrl 0.2 ] do
            yield Rules.dtp |> Rule.withFeedback fb |> Rule.conditionedOn "label"
        yield Rule.create "conditionalAe" Top.label (Propagate.by (g (f below ++ side "label"))) (Feedback.denoise 0.2) ]

[<Tests>]
let tests =
    testList
        "Dsl.Reference"
        [ for r in rulesWithFeedback do
              yield
                  testPropertyWithConfig
                      { FsCheckConfig.defaultConfig with
                          maxTest = 15 }
                      (sprintf
                          "%s (%O): ∂/∂V_l, ∂/∂c_l of the feedback loss equal central differences of the loss"
                          r.Name
                          r.Feedback)
                      (Laws.propertyOn
                          (deep r |> Gen.filter (fun c -> c.Hidden <> Relu))
                          "feedback gradient"
                          gradientsMatchDifferences
                          r)
          for r in
              [ Rules.dtp
                Rules.ddtpLinear
                Rules.dtp |> Rule.withFeedbackInput Sign
                Rules.drl |> Rule.withFeedbackInput Step
                Rules.ldrl ] do
              yield
                  testPropertyWithConfig
                      { FsCheckConfig.defaultConfig with
                          maxTest = 15 }
                      (sprintf
                          "%s (g reads %O), sign/step/Bernoulli units: ∂/∂V_l, ∂/∂c_l of the feedback loss equal central differences"
                          r.Name
                          r.FeedbackInput)
                      (Laws.propertyOn discreteSmooth "feedback gradient" gradientsMatchDifferences r)
          for r in conditionalRules do
              yield
                  testPropertyWithConfig
                      { FsCheckConfig.defaultConfig with
                          maxTest = 15 }
                      (sprintf
                          "%s: ∂/∂E_k, e_k, D_k, d_k of the conditional auto-encoder's loss equal central differences"
                          r.Name)
                      (Laws.propertyOn
                          (Laws.Generate.smooth
                           |> Gen.filter (fun c -> Model.topLayer (Laws.model r c) >= 2))
                          "conditional gradient"
                          coderGradientsMatchDifferences
                          r)
          for r in [ Rules.dtp; Rules.bp; Rules.sdtp ] do
              yield
                  testPropertyWithConfig
                      { FsCheckConfig.defaultConfig with
                          maxTest = 15 }
                      (sprintf
                          "%s, sign/step/Bernoulli units: ∂/∂W_l, ∂/∂b_l of the local losses equal central differences"
                          r.Name)
                      (Laws.propertyOn discreteSmooth "local gradient" localGradientsMatchDifferences r)
          yield
              test "the local loss's scale, by hand: (1/B)Σ‖h − ĥ‖² with B = 3 gives ∂W = (2η/B²) Σ_b (h_b − y_b) x_bᵀ" {
                  // One linear layer of 2 units on 1 input, W = [0.5; −0.25], b = 0, squared error to the one-hot label,
                  // top target ĥ = h − η ∂ℓ/∂h with η = 0.5 and ℓ = (1/2B)Σ‖h − y‖², so h − ĥ = η(h − y)/B.
                  // x = 1, 2, 3 and y = 0, 1, 0: h − y = (−0.5, −0.25), (1, −1.5), (0.5, −0.75), and Σ_b (h_b − y_b) x_b =
                  // (3, −5.5); with 2η/B² = 1/9, ∂W = (1/3, −5.5/9).
                  let m =
                      Model.create
                          (input 1 |> dense 2 Linear)
                          (Rule.create "step" (Top.gradientStep 0.5) Propagate.difference Feedback.none)
                      |> Model.forwardOptimiser (Sgd(1.0, 0.0))

                  let p =
                      { Parameters.init 1 m with
                          W = [| [| 0.5f; -0.25f |] |] }

                  let x, y = [| 1.0f; 2.0f; 3.0f |], [| 0; 1; 0 |]
                  let expected = [| 1.0 / 3.0; -5.5 / 9.0 |]
                  let X = Matrix<float>.Build.Dense(3, 1, fun i _ -> float x.[i])

                  let gW =
                      (Reference.forwardGradients
                          m
                          (Reference.ofParameters m p)
                          { Seed = 1UL
                            ForwardStep = 1L
                            FeedbackStep = 1L
                            Epoch = 1
                            Sides = Map.empty }
                          X
                          y)
                          .W

                  Expect.floatClose Accuracy.high gW.[0].[0, 0] expected.[0] "reference ∂W[0]"
                  Expect.floatClose Accuracy.high gW.[0].[1, 0] expected.[1] "reference ∂W[1]"
                  // The compiled plan, one SGD step of lr 1: W ← W − ∂W.
                  let compiled = Train.compile 3 m
                  compiled.Load p
                  use ex = new Executor(compiled.Plan, 1UL, 1)
                  ex.LoadBatch(x, y, System.ReadOnlySpan [| 0; 1; 2 |], 0, 3)
                  ex.Run compiled.Plan.ForwardUpdate
                  let w = compiled.Parameters.W.[0]
                  Expect.floatClose Accuracy.medium (float w.[0]) (0.5 - expected.[0]) "compiled W[0] after the step"
                  Expect.floatClose Accuracy.medium (float w.[1]) (-0.25 - expected.[1]) "compiled W[1] after the step"
              } ]
