/// The model check's refusals, one branch at a time: each names where, what and the fix, and the boundary value that
/// is still accepted passes.
module TargetProp.Tests.Dsl.CheckTests

open Expecto
open TargetProp.Dsl

let private net = input 4 |> dense 5 Tanh |> dense 5 Tanh |> dense 3 Softmax

/// The model's single error, whose where, problem and fix contain the given texts.
let private refused (m: Model) (where: string) (problem: string) (fix: string) =
    match Check.run m with
    | Ok _ -> failtestf "the check accepted %O" m
    | Error errors ->
        let text = errors |> List.map string |> String.concat "\n"
        Expect.exists errors (fun e -> e.Where.Contains where && e.Problem.Contains problem && e.Fix.Contains fix) text

let private accepted (m: Model) = Expect.isOk (Check.run m) (string m)

let private withRule (r: Rule) = Model.create net r

/// Lee et al.'s discrete network at a small size: layer 2 reads sign(h1).
let private signNet = input 4 |> dense 5 Sign |> dense 5 Tanh |> dense 3 Softmax

[<Tests>]
let tests =
    testList
        "Dsl.Check"
        [ test
              "beside bp, g_l may learn a reconstruction or LDRL's local loss, but not DRL's, which reads targets bp does not make" {
              accepted (withRule (Rules.bp |> Rule.withFeedback (Feedback.reconstruct 0.1)))
              accepted (withRule (Rules.bp |> Rule.withFeedback (Feedback.ldrl 0.1)))

              refused
                  (withRule (Rules.bp |> Rule.withFeedback (Feedback.drl 0.1 0.01)))
                  "feedback"
                  "DRL's loss has nothing to train g_l on"
                  "Feedback.reconstruct σ"
          }
          test "bp through a sign unit is refused at the layer that reads it, naming the unit and the rules that work" {
              refused
                  (Model.create signNet Rules.bp)
                  "layer 2 (dense 5 tanh)"
                  "sign(h_1), the sign unit of layer 1"
                  "dtp"

              refused (Model.create signNet Rules.bp) "layer 2" "sign has no derivative" "--straight-through"

              for through in [ StraightThrough; NoGradient; ContinuousTraining ] do
                  accepted (Model.create signNet Rules.bp |> Model.throughDiscrete through)

              accepted (Model.create signNet Rules.dtp |> Model.throughDiscrete Refuse)
          }
          test "bp through a Bernoulli or step unit is refused the same way, at each layer that reads one" {
              let net =
                  input 4 |> dense 5 Bernoulli |> dense 5 Step |> dense 5 Tanh |> dense 3 Softmax

              refused (Model.create net Rules.bp) "layer 2 (dense 5 step)" "the bernoulli unit of layer 1" "dtp"
              refused (Model.create net Rules.bp) "layer 3 (dense 5 tanh)" "the step unit of layer 2" "dtp"
          }
          test "a gradient-step top target at a last hidden layer that emits is refused unless straight-through" {
              let net = input 4 |> dense 5 Tanh |> dense 5 Bernoulli |> dense 3 Softmax

              refused
                  (Model.create net Rules.dtp)
                  "top target at layer 2 (dense 5 bernoulli)"
                  "a step through the bernoulli unit"
                  "Model.throughDiscrete StraightThrough"

              accepted (Model.create net Rules.dtp |> Model.throughDiscrete StraightThrough)
              accepted (Model.create net (Rules.dtp |> Rule.withTop (Top.gradientStep 0.3)))
          }
          test "the output layer's unit must have a derivative: the loss differentiates it" {
              for u in [ Sign; Step; Bernoulli ] do
                  let name = u.ToString().ToLowerInvariant()

                  refused
                      (Model.create (input 4 |> dense 5 Tanh |> dense 3 u) Rules.dtp)
                      (sprintf "layer 2 (dense 3 %s)" name)
                      (sprintf "%s has no derivative" name)
                      "end the stack with a differentiable unit"

              accepted (Model.create (input 4 |> dense 5 Tanh |> dense 3 HardTanh) Rules.dtp)
          }
          test "every r takes the same input, and g's output unit has a derivative" {
              refused
                  (withRule (
                      Rule.create
                          "twoR"
                          Top.label
                          (Propagate.by (0.5 * r below + 0.5 * r (below ++ side "label")))
                          Feedback.none
                  ))
                  "propagation"
                  "gives r different inputs"
                  "the same input"

              for u in [ Sign; Bernoulli; Softmax ] do
                  refused
                      (withRule (Rules.dtp |> Rule.withFeedbackActivation u))
                      "rule dtp, feedback activation"
                      (sprintf "τ is %s" (u.ToString().ToLowerInvariant()))
                      "differentiable unit"

              accepted (withRule (Rules.dtp |> Rule.withFeedbackActivation HardTanh))
          }
          test "g reads its input through Sign or Step only" {
              refused
                  (withRule (Rules.dtp |> Rule.withFeedbackInput Tanh))
                  "rule dtp, feedback input"
                  "through tanh"
                  "use Sign or Step"

              refused
                  (withRule (Rules.dtp |> Rule.withFeedbackInput Bernoulli))
                  "feedback input"
                  "through bernoulli"
                  "use Sign or Step"

              for u in [ Sign; Step; Linear ] do
                  accepted (withRule (Rules.dtp |> Rule.withFeedbackInput u))
          }
          test "a forward map reads only declared side inputs, never the label; each declared once, with a sound width" {
              let reading name =
                  input 4
                  |> sideInput "context" 2
                  |> dense 5 Tanh
                  |> reads name
                  |> dense 3 Softmax

              refused
                  (Model.create (reading "view") Rules.dtp)
                  "layer 1 (dense 5 tanh)"
                  "reads the side input 'view', which the stack does not declare (it declares: sideInput \"context\" 2)"
                  "sideInput \"view\""

              refused (Model.create (reading "label") Rules.dtp) "layer 1" "reads the label" "Rule.conditionedOn"

              refused
                  (Model.create (input 4 |> sideInput "context" 0 |> dense 3 Softmax) Rules.dtp)
                  "side input 'context'"
                  "width 0"
                  "positive width"

              refused
                  (Model.create (input 4 |> sideInput "c" 2 |> sideInput "c" 3 |> dense 3 Softmax) Rules.dtp)
                  "side input 'c'"
                  "more than once"
                  "once"

              refused
                  (Model.create (input 4 |> sideInput "label" 4 |> dense 3 Softmax) Rules.dtp)
                  "side input 'label'"
                  "as wide as the output (3)"
                  "sideInput \"label\" 3"

              accepted (Model.create (reading "context") Rules.dtp)
              accepted (Model.create (reading "context") (Rules.dtp |> Rule.conditionedOn "context"))

              refused
                  (Model.create net (Rules.dtp |> Rule.conditionedOn "context"))
                  "propagation"
                  "reads the side input 'context'"
                  "side \"label\""
          }
          test "input noise and the noise decay are finite and ≥ 0; evaluation averages over at least one sample" {
              refused (withRule Rules.dtp |> Model.inputNoise -0.1) "input noise" "σ is -0.1" "≥ 0"
              refused (withRule Rules.dtp |> Model.feedbackNoiseDecay nan) "feedback noise decay" "τ is" "≥ 0"
              refused (withRule Rules.dtp |> Model.samples 0) "evaluation" "0 samples" "1 or more"

              accepted (
                  withRule Rules.dtp
                  |> Model.inputNoise 0.0
                  |> Model.feedbackNoiseDecay 0.0
                  |> Model.samples 1
              )
          }
          test "a gradient step η must be finite and above 0" {
              for eta in [ 0.0; -0.5; nan ] do
                  refused
                      (withRule (Rules.dtp |> Rule.withTop (Top.gradientStep eta)))
                      "rule dtp, top target"
                      "step η is"
                      "greater than 0"

              accepted (withRule (Rules.dtp |> Rule.withTop (Top.gradientStep 1e-9)))
          }
          test "a blend β must lie in (0, 1]" {
              for beta in [ 0.0; -0.1; 1.5 ] do
                  refused
                      (withRule (Rules.sdtp |> Rule.withTop (Top.blend beta)))
                      "top target"
                      (sprintf "the blend β is %g" beta)
                      "β in (0, 1]"

              accepted (withRule (Rules.sdtp |> Rule.withTop (Top.blend 1.0)))
          }
          test "a label or blend target is set at the output, not at L−1" {
              for top in [ Top.label; Top.blend 0.3 ] do
                  refused
                      (withRule (Rules.sdtp |> Rule.withTop (Top.atLastHidden top)))
                      "top target"
                      "not at the last hidden layer"
                      "drop Top.atLastHidden"
          }
          test "auxiliary features: not negative, and only on a target at the output" {
              refused
                  (withRule (Rules.aoSdtp |> Rule.withTop (Top.label |> Top.withAuxiliary -1)))
                  "top target"
                  "-1 auxiliary output features"
                  "use 0"

              refused
                  (withRule (
                      Rules.dtp
                      |> Rule.withTop (Top.gradientStep 0.3 |> Top.atLastHidden |> Top.withAuxiliary 3)
                  ))
                  "top target"
                  "auxiliary output features extend the output layer"
                  "drop the auxiliary features"
          }
          test "noise σ and regularisation λ must not be negative" {
              for fb in
                  [ Feedback.reconstruct -0.1
                    Feedback.denoise -0.1
                    Feedback.ldrl -0.1
                    Feedback.drl -0.1 0.01 ] do
                  refused (withRule (Rules.dtp |> Rule.withFeedback fb)) "rule dtp, feedback" "noise σ is -0.1" "≥ 0"

              refused
                  (withRule (Rules.drl |> Rule.withFeedback (Feedback.drl 0.1 -1.0)))
                  "feedback"
                  "regularisation λ is -1"
                  "≥ 0"

              accepted (withRule (Rules.drl |> Rule.withFeedback (Feedback.drl 0.0 0.0)))
          }
          test "L-DRL trains a layer-wise g_l, so a direct propagation is refused" {
              refused
                  (withRule (Rules.ddtpLinear |> Rule.withFeedback (Feedback.ldrl 0.1)))
                  "feedback"
                  "this propagation's g reads the top layer"
                  "Feedback.drl"
          }
          test "feedback iterations ≥ 1 and pre-training epochs ≥ 0" {
              refused (withRule Rules.dtp |> Model.feedbackIterations 0) "schedule" "0 feedback iterations" "1 or more"

              refused
                  (withRule Rules.dtp |> Model.feedbackPretraining -1)
                  "schedule"
                  "-1 feedback pre-training epochs"
                  "0 or more"

              accepted (withRule Rules.dtp |> Model.feedbackIterations 1 |> Model.feedbackPretraining 0)
          }
          test "SGD's momentum lies in [0, 1), for either optimiser" {
              for mu in [ 1.0; -0.1 ] do
                  refused
                      (withRule Rules.dtp |> Model.forwardOptimiser (Sgd(0.1, mu)))
                      "forward optimiser"
                      (sprintf "momentum is %g" mu)
                      "[0, 1)"

                  refused
                      (withRule Rules.dtp |> Model.feedbackOptimiser (Sgd(0.1, mu)))
                      "feedback optimiser"
                      (sprintf "momentum is %g" mu)
                      "[0, 1)"

              accepted (
                  withRule Rules.dtp
                  |> Model.forwardOptimiser (Sgd(0.1, 0.99))
                  |> Model.feedbackOptimiser (Sgd(0.1, 0.0))
              )
          }
          test "Adam's betas lie in [0, 1) and its epsilon above 0; a weight decay is finite, ≥ 0, and given once" {
              refused
                  (withRule Rules.dtp |> Model.forwardOptimiser (AdamWith(1e-3, 1.0, 0.999, 1e-8)))
                  "forward optimiser"
                  "beta1 is 1"
                  "[0, 1)"

              refused
                  (withRule Rules.dtp |> Model.forwardOptimiser (AdamWith(1e-3, 0.9, -0.1, 1e-8)))
                  "forward optimiser"
                  "beta2 is -0.1"
                  "[0, 1)"

              refused
                  (withRule Rules.dtp |> Model.feedbackOptimiser (AdamWith(1e-3, 0.9, 0.999, 0.0)))
                  "feedback optimiser"
                  "epsilon is 0"
                  "greater than 0"

              refused
                  (withRule Rules.dtp |> Model.feedbackOptimiser (WeightDecay(-1e-4, Adam 1e-3)))
                  "feedback optimiser"
                  "weight decay is -0.0001"
                  "≥ 0"

              refused
                  (withRule Rules.dtp
                   |> Model.feedbackOptimiser (WeightDecay(1e-4, WeightDecay(1e-4, Adam 1e-3))))
                  "feedback optimiser"
                  "given twice"
                  "sum"

              refused
                  (withRule Rules.dtp |> Model.feedbackOptimiser (WeightDecay(1e-4, Adam -1.0)))
                  "feedback optimiser"
                  "learning rate is -1"
                  "greater than 0"

              accepted (
                  withRule Rules.dtp
                  |> Model.feedbackOptimiser (WeightDecay(1e-4, AdamWith(1e-3, 0.9, 0.999, 1e-4)))
              )
          }

          test "a learning rate that is 0, negative or NaN is refused for every optimiser, forward and feedback" {
              for lr in [ 0.0; -0.01; nan ] do
                  for o in
                      [ Sgd(lr, 0.0)
                        CentredRmsProp lr
                        RmsProp lr
                        Adam lr
                        AdamWith(lr, 0.9, 0.999, 1e-8)
                        WeightDecay(1e-4, Sgd(lr, 0.9)) ] do
                      refused
                          (withRule Rules.dtp |> Model.forwardOptimiser o)
                          "forward optimiser"
                          (sprintf "learning rate is %g" lr)
                          "use a finite learning rate greater than 0"

                      refused
                          (withRule Rules.dtp |> Model.feedbackOptimiser o)
                          "feedback optimiser"
                          (sprintf "learning rate is %g" lr)
                          "use a finite learning rate greater than 0"

              accepted (
                  withRule Rules.dtp
                  |> Model.forwardOptimiser (Sgd(1e-9, 0.0))
                  |> Model.feedbackOptimiser (RmsProp 1e-9)
              )
          }
          test "a stack with no layers, or a layer of 0 or fewer units, is refused naming where" {
              refused
                  (Model.create (input 4) Rules.bp)
                  "stack"
                  "the stack has no layers"
                  "add layers, e.g. input 784 |> dense 10 Softmax"

              for units in [ 0; -3 ] do
                  refused
                      (Model.create (input 4 |> dense units Tanh |> dense 3 Softmax) Rules.dtp)
                      (sprintf "layer 1 (dense %d tanh)" units)
                      (sprintf "the layer has %d units" units)
                      "give every layer a positive number of units"

              refused
                  (Model.create (input -1 |> dense 3 Softmax) Rules.bp)
                  "layer 0 (input)"
                  "the input has -1 features"
                  "positive width"
          }
          test "extra feedback epochs are 0 or more" {
              refused
                  (withRule Rules.dtp |> Model.extraFeedbackEpochs -1)
                  "schedule"
                  "-1 extra feedback epochs"
                  "use 0 or more"

              accepted (withRule Rules.dtp |> Model.extraFeedbackEpochs 0)
          }

          test "a feedback optimiser is checked only where g learns" {
              accepted (withRule Rules.fwDtp |> Model.feedbackOptimiser (Adam -1.0))

              refused
                  (withRule Rules.dtp |> Model.feedbackOptimiser (Adam -1.0))
                  "feedback optimiser"
                  "learning rate is -1"
                  "greater than 0"
          }
          test "DRL needs g as terms of the propagation, not inside another g or a product" {
              refused
                  (withRule (Rules.drl |> Rule.withPropagation (below + (g target - g here) .* g here)))
                  "feedback"
                  "uses g inside another g, f or product"
                  "sum of scaled terms"
          } ]
