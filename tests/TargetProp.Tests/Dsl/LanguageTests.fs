/// The language itself: printing, composition laws, and the model check reporting every error at once.
module TargetProp.Tests.Dsl.LanguageTests

open Expecto
open TargetProp.Dsl

let private lee = input 784 |> repeat 7 (dense 240 Tanh) |> dense 10 Softmax

[<Tests>]
let tests =
    testList
        "Dsl.Language"
        [ test "a stack prints as the F# that builds it" {
              Expect.equal
                  (string lee)
                  "input 784 |> repeat 7 (dense 240 Tanh) |> dense 10 Softmax"
                  "Lee et al.'s network"
              // The printed forms, written here as code: the compiler checks that they are F#, and they build the same stack.
              Expect.equal (input 784 |> repeat 7 (dense 240 Tanh) |> dense 10 Softmax) lee "it builds the same stack"

              let mixed =
                  input 3
                  |> dense 4 Relu
                  |> dense 4 Sigmoid
                  |> repeat 2 (dense 5 Linear)
                  |> dense 2 Tanh

              Expect.equal
                  (string mixed)
                  "input 3 |> dense 4 Relu |> dense 4 Sigmoid |> repeat 2 (dense 5 Linear) |> dense 2 Tanh"
                  "runs of one layer"

              let reading =
                  input 3
                  |> sideInput "c" 2
                  |> repeat 2 (dense 4 Tanh >> reads "c")
                  |> dense 2 Softmax
                  |> reads "c"

              Expect.equal
                  (string reading)
                  "input 3 |> sideInput \"c\" 2 |> repeat 2 (dense 4 Tanh >> reads \"c\") |> dense 2 Softmax |> reads \"c\""
                  "side inputs"

              Expect.equal
                  (input 3
                   |> sideInput "c" 2
                   |> repeat 2 (dense 4 Tanh >> reads "c")
                   |> dense 2 Softmax
                   |> reads "c")
                  reading
                  "the printed code builds it"
          }
          test "a rule and a model print as the F# that builds them, the equations beside as comments" {
              let m =
                  Model.create (input 4 |> dense 5 Sign |> dense 3 Softmax) Rules.bp
                  |> Model.throughDiscrete StraightThrough
                  |> Model.inputNoise 0.3

              let expected =
                  [ "Model.create (input 4 |> dense 5 Sign |> dense 3 Softmax)"
                    "    (Rule.create \"bp\" (Top.gradientStep 1.0) (Propagate.gradient) (Feedback.none) |> Rule.withLocalLoss HalfSumSquared |> Rule.withDefaults { Rule.leeDefaults with ForwardOptimiser = CentredRmsProp 0.000804436870084; FeedbackOptimiser = CentredRmsProp 0.000804436870084; Schedule = Parallel })"
                    "|> Model.forwardOptimiser (CentredRmsProp 0.000804436870084)"
                    "|> Model.feedbackOptimiser (CentredRmsProp 0.000804436870084)"
                    "|> Model.schedule Parallel"
                    "|> Model.feedbackIterations 1"
                    "|> Model.feedbackPretraining 0"
                    "|> Model.throughDiscrete StraightThrough"
                    "|> Model.inputNoise 0.3"
                    "// h1 = tanh(W1 x + b1); p = softmax(W2 sign(h1) + b2)"
                    "// rule bp: ĥ_L = h_L − 1 ∂ℓ/∂h_L; ĥ_{l-1} = h_{l-1} − η ∂ℓ/∂h_{l-1}; local loss ½ Σ_b ‖f_l(h_{l-1}) − ĥ_l‖²; feedback none (no g_l)" ]

              Expect.equal (string m) (String.concat "\n" expected) "the model, printed"
              // The printed code, pasted: the compiler checks that it is F#, and it builds the same model.
              let written =
                  Model.create
                      (input 4 |> dense 5 Sign |> dense 3 Softmax)
                      (Rule.create "bp" (Top.gradientStep 1.0) (Propagate.gradient) (Feedback.none)
                       |> Rule.withLocalLoss HalfSumSquared
                       |> Rule.withDefaults
                           { Rule.leeDefaults with
                               ForwardOptimiser = CentredRmsProp 0.000804436870084
                               FeedbackOptimiser = CentredRmsProp 0.000804436870084
                               Schedule = Parallel })
                  |> Model.forwardOptimiser (CentredRmsProp 0.000804436870084)
                  |> Model.feedbackOptimiser (CentredRmsProp 0.000804436870084)
                  |> Model.schedule Parallel
                  |> Model.feedbackIterations 1
                  |> Model.feedbackPretraining 0
                  |> Model.throughDiscrete StraightThrough
                  |> Model.inputNoise 0.3

              Expect.equal written m "the printed code builds the same model"

              let dtp =
                  Rule.create
                      "dtp"
                      (Top.gradientStep 0.327736332653 |> Top.atLastHidden)
                      (Propagate.by (below + g target - g here))
                      (Feedback.reconstruct 0.359829566008)

              Expect.equal
                  (string Rules.dtp)
                  "Rule.create \"dtp\" (Top.gradientStep 0.327736332653 |> Top.atLastHidden) (Propagate.by (below + g target - g here)) (Feedback.reconstruct 0.359829566008)"
                  "dtp, printed"

              Expect.equal dtp Rules.dtp "dtp's printed code builds dtp"

              for r in Rules.all do
                  Expect.stringContains r.Equation (sprintf "rule %s: " r.Name) "the equation form stays"
          }
          test "the conditional auto-encoder's target is a part: r prints as code and as r_{l-1}, mixes, and is checked" {
              let mixed = Target.mix 0.5 (Target.conditional "label") Propagate.difference

              Expect.equal
                  (string mixed)
                  "Propagate.by (0.5 * r (below ++ side \"label\") + 0.5 * (below + g target - g here))"
                  "the code"

              Expect.equal
                  mixed
                  (Propagate.by (0.5 * r (below ++ side "label") + 0.5 * (below + g target - g here)))
                  "the printed code builds it"

              Expect.equal
                  mixed.Equation
                  "ĥ_{l-1} = 0.5·r_{l-1}([h_{l-1}, s_label]) + 0.5·(h_{l-1} + g_l(ĥ_l) − g_l(h_l))"
                  "the equation"

              let net = input 4 |> dense 5 Tanh |> dense 5 Tanh |> dense 3 Softmax

              for bad in [ r target; r (here ++ side "label"); r (side "label" ++ below) ] do
                  match Check.run (Model.create net (Rule.create "bad" Top.label (Propagate.by bad) Feedback.none)) with
                  | Ok _ -> failtestf "%O was accepted" bad
                  | Error errors ->
                      Expect.exists
                          errors
                          (fun e -> e.Problem.Contains "r (below ++ side")
                          (sprintf "%O: %A" bad errors)

              let m =
                  Model.create
                      net
                      (Rule.create "cae" Top.label (Target.conditional "label") Feedback.none
                       |> Rule.withConditional 7 0.2)

              Expect.isOk (Check.run m) "a conditional rule with no g is sound"

              Expect.equal
                  (Model.conditionalLayers m)
                  [ 1; 2 ]
                  "every layer below the top (the output, for a label target) gets an auto-encoder"

              let p = Parameters.init 1 m

              Expect.equal
                  (p.Coders.[1].E.Length, p.Coders.[1].D.Length)
                  (7 * (5 + 3), 5 * 7)
                  "E [7 × (5 + 3)], D [5 × 7]"

              Expect.stringContains (string m.Rule) "Rule.withConditional 7 0.2" "its settings print as code"
              let own = m.Rule |> Rule.withConditionalOptimiser (Adam 0.001)

              Expect.stringContains
                  (string own)
                  "Rule.withConditional 7 0.2 |> Rule.withConditionalOptimiser (Adam 0.001)"
                  "its own optimiser prints as code"

              Expect.stringContains own.Equation "by Adam 0.001" "and in the equation"

              match Check.run (Model.create net (m.Rule |> Rule.withConditionalOptimiser (Sgd(0.1, 1.5)))) with
              | Ok _ -> failtest "a momentum of 1.5 was accepted"
              | Error errors ->
                  Expect.exists
                      errors
                      (fun e ->
                          e.Where.Contains "conditional auto-encoder's optimiser"
                          && e.Problem.Contains "momentum")
                      (sprintf "%A" errors)
          }
          test
              "a steep unit tanh(k·a) prints as code, and a gain that is not positive and finite is refused where it is" {
              let net k =
                  input 4 |> dense 5 (SteepTanh k) |> dense 3 Softmax

              Expect.stringContains (string (net 4.0)) "dense 5 (SteepTanh 4.0)" "the code"

              for k in [ 0.0; -1.0; nan ] do
                  match Check.run (Model.create (net k) Rules.dtp) with
                  | Ok _ -> failtestf "gain %g was accepted" k
                  | Error errors ->
                      Expect.exists
                          errors
                          (fun e -> e.Where.Contains "layer 1" && e.Fix.Contains "SteepTanh 4.0")
                          (sprintf "%g: %A" k errors)

              Expect.isOk
                  (Check.run (Model.create (net 4.0) (Rules.dtp |> Rule.withFeedbackActivation (SteepTanh 2.0))))
                  "a steep g is sound"
          }
          test
              "a paper's optimiser settings, extra feedback epochs and settings changed in place print as code that builds them" {
              let m =
                  Model.create (input 4 |> dense 5 Tanh |> dense 3 Softmax) Rules.drl
                  |> Model.forwardOptimiser (AdamWith(0.001, 0.9, 0.99, 1e-6))
                  |> Model.feedbackOptimiser (Optimiser.withWeightDecay 1e-5 (Adam 0.002))
                  |> Model.extraFeedbackEpochs 1

              let text = string m

              Expect.stringContains
                  text
                  "|> Model.forwardOptimiser (AdamWith(0.001, 0.9, 0.99, 1E-06))"
                  "Adam's β₁, β₂, ε"

              Expect.stringContains text "|> Model.feedbackOptimiser (WeightDecay(1E-05, Adam 0.002))" "weight decay"
              Expect.stringContains text "|> Model.extraFeedbackEpochs 1" "extra feedback epochs"

              Expect.isFalse
                  ((string (Model.create (input 4 |> dense 3 Softmax) Rules.drl)).Contains "extraFeedbackEpochs")
                  "printed only when set"

              let written =
                  Model.create (input 4 |> dense 5 Tanh |> dense 3 Softmax) Rules.drl
                  |> Model.forwardOptimiser (AdamWith(0.001, 0.9, 0.99, 1E-06))
                  |> Model.feedbackOptimiser (WeightDecay(1E-05, Adam 0.002))
                  |> Model.extraFeedbackEpochs 1

              Expect.equal written m "the printed code builds the same model"

              Expect.equal
                  (Optimiser.withLearningRate 0.3 (WeightDecay(1e-4, AdamWith(0.1, 0.8, 0.9, 1e-3))))
                  (WeightDecay(1e-4, AdamWith(0.3, 0.8, 0.9, 1e-3)))
                  "another lr, the rest kept"

              Expect.equal (Optimiser.learningRate (WeightDecay(1e-4, Sgd(0.2, 0.5)))) 0.2 "the lr under a decay"

              Expect.equal
                  (Top.withStep 0.5 (Top.gradientStep 0.1 |> Top.atLastHidden))
                  (Top.gradientStep 0.5 |> Top.atLastHidden)
                  "η, where it was"

              Expect.equal (Top.withStep 0.5 (Top.blend 0.1)) (Top.blend 0.5) "β"
              Expect.equal (Top.withStep 0.5 Top.label) Top.label "a label has no step"

              for f, expected in
                  [ Feedback.reconstruct 0.3, Feedback.reconstruct 0.1
                    Feedback.denoise 0.3, Feedback.denoise 0.1
                    Feedback.drl 0.3 0.01, Feedback.drl 0.1 0.01
                    Feedback.ldrl 0.3, Feedback.ldrl 0.1
                    Feedback.none, Feedback.none ] do
                  Expect.equal (Feedback.withSigma 0.1 f) expected (string f)
          }
          test "composition with >> and |> agree and repeat unrolls" {
              let block = dense 5 Tanh >> dense 3 Relu
              Expect.equal (input 2 |> repeat 2 block) (input 2 |> block |> block) "repeat 2 = twice"

              Expect.equal
                  (input 2 |> (dense 5 Tanh >> (dense 3 Relu >> dense 4 Linear)))
                  (input 2 |> ((dense 5 Tanh >> dense 3 Relu) >> dense 4 Linear))
                  "associative"

              Expect.equal (input 2 |> repeat 0 block) (input 2) "repeat 0 is the identity"
          }
          test "dtp's propagation is literally below + g target - g here and prints as Lee's equation" {
              match Rules.dtp.Propagation with
              | Propagate e ->
                  Expect.equal e (below + g target - g here) "the expression"
                  Expect.equal (Expr.equation e) "ĥ_{l-1} = h_{l-1} + g_l(ĥ_l) − g_l(h_l)" "the equation"
                  Expect.equal (string e) "below + g target - g here" "the code"
              | Gradient -> failtest "dtp propagates by an expression"

              Expect.equal (string (0.5 * (g target - g here))) "0.5 * (g target - g here)" "scalar product"
              // Whole numbers print as F# float literals, so the printed code compiles; the equation keeps them short.
              Expect.equal (string (1.0 * g here + noise 2.0)) "1.0 * g here + noise 2.0" "float literals"

              Expect.equal
                  (1.0 * g here + noise 2.0)
                  (1.0 * g here + noise 2.0)
                  "the printed code builds the same expression"

              Expect.equal (Expr.equation (1.0 * g here)) "ĥ_{l-1} = 1·g_l(h_l)" "the equation"
          }
          test "the check returns every error at once, each with where, what and a fix" {
              let bad = input 0 |> dense 5 Softmax |> dense 0 Tanh

              let errors =
                  Check.model (Model.create bad Rules.dtp |> Model.forwardOptimiser (Sgd(-1.0, 0.0)))

              let text = errors |> List.map string |> String.concat "\n"
              Expect.equal errors.Length 4 text
              Expect.stringContains text "layer 0 (input)" "input"

              Expect.stringContains
                  text
                  "layer 1 (dense 5 softmax): softmax is only supported on the output layer"
                  "softmax"

              Expect.stringContains text "layer 2 (dense 0 tanh): the layer has 0 units" "units"
              Expect.stringContains text "forward optimiser: learning rate is -1" "optimiser"
              Expect.isTrue (errors |> List.forall (fun e -> e.Fix <> "")) "every error has a fix"
          }
          test "a propagation in the wrong space is refused, quoting the expression" {
              let m = Model.create lee (Rules.dtp |> Rule.withPropagation (below + g below))

              match Check.run m with
              | Error [ e ] ->
                  Expect.stringContains e.Problem "'g below' applies g to a value in layer l-1's space" "quotes g below"
                  Expect.stringContains e.Where "propagation" "where"
              | other -> failtestf "expected one error, got %A" other

              match Check.run (Model.create lee (Rules.dtp |> Rule.withPropagation (here - target))) with
              | Error errors ->
                  Expect.exists
                      errors
                      (fun e -> e.Problem.Contains "'here - target' is a value of layer l")
                      "wrong result space"

                  Expect.exists
                      errors
                      (fun e -> e.Problem.Contains "the propagation never uses g")
                      "and the feedback has nothing to train"
              | Ok _ -> failtest "expected errors"
          }
          test "side inputs enter g side by side with its input, print back, and are checked by name and place" {
              let conditional = below + g (target ++ side "label") - g (here ++ side "label")

              Expect.equal
                  (string conditional)
                  "below + g (target ++ side \"label\") - g (here ++ side \"label\")"
                  "the code"

              Expect.equal
                  (Expr.equation conditional)
                  "ĥ_{l-1} = h_{l-1} + g_l([ĥ_l, s_label]) − g_l([h_l, s_label])"
                  "the equation"

              Expect.equal
                  (Expr.conditionOn "label" (below + g target - g here))
                  conditional
                  "conditionOn adds the side input to every g"

              let m = Model.create lee (Rules.dtp |> Rule.withPropagation conditional)
              Expect.isOk (Check.run m) "a conditional difference rule is valid"
              Expect.equal (Model.feedbackInputWidth m 3) (240 + 10) "g_3 reads h_3 and the 10-class label"

              match
                  Check.run (
                      Model.create
                          lee
                          (Rules.dtp
                           |> Rule.withPropagation (below + g (target ++ side "ctx") - g (here ++ side "ctx")))
                  )
              with
              | Error errors ->
                  Expect.exists
                      errors
                      (fun e ->
                          e.Problem.Contains
                              "reads the side input 'ctx', which is neither the built-in label nor declared by the stack"
                          && e.Fix.Contains "side \"label\" (10 units)"
                          && e.Fix.Contains "sideInput \"ctx\" WIDTH")
                      "unknown side input"
              | Ok _ -> failtest "expected an error"

              match
                  Check.run (Model.create lee (Rules.dtp |> Rule.withPropagation (below + (here ++ side "label"))))
              with
              | Error errors ->
                  Expect.exists
                      errors
                      (fun e -> e.Problem.Contains "only g takes as its input")
                      "concatenation outside g"
              | Ok _ -> failtest "expected an error"
          }
          test "compiling or training a model with two mistakes raises one exception that names both" {
              let bad = Model.create (input 3 |> dense 2 Softmax |> dense 0 Tanh) Rules.bp

              let data =
                  TargetProp.Runtime.Data.DataSet(
                      "tiny",
                      "test",
                      3,
                      2,
                      Array.zeroCreate 12,
                      [| 0; 1; 0; 1 |],
                      Array.zeroCreate 6,
                      [| 0; 1 |]
                  )

              for what, act in
                  [ "compile", (fun () -> Train.compile 10 bad |> ignore)
                    "run",
                    (fun () ->
                        Train.run
                            { Train.defaults with
                                Epochs = 1
                                Batch = 2 }
                            bad
                            data
                        |> ignore) ] do
                  try
                      act ()
                      failtestf "%s accepted the model" what
                  with ModelException errors as e ->
                      Expect.equal errors.Length 2 what

                      for text in
                          [ "the model has 2 problem(s)"
                            "layer 1 (dense 2 softmax): softmax is only supported on the output layer"
                            "layer 2 (dense 0 tanh): the layer has 0 units" ] do
                          Expect.stringContains e.Message text what
          } ]
