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

[<Tests>]
let tests =
    testList "Dsl.Check" [
        test "a gradient step η must be finite and above 0" {
            for eta in [ 0.0; -0.5; nan ] do
                refused (withRule (Rules.dtp |> Rule.withTop (Top.gradientStep eta))) "rule dtp, top target" "step η is" "greater than 0"
            accepted (withRule (Rules.dtp |> Rule.withTop (Top.gradientStep 1e-9)))
        }
        test "a blend β must lie in (0, 1]" {
            for beta in [ 0.0; -0.1; 1.5 ] do
                refused (withRule (Rules.sdtp |> Rule.withTop (Top.blend beta))) "top target" (sprintf "the blend β is %g" beta) "β in (0, 1]"
            accepted (withRule (Rules.sdtp |> Rule.withTop (Top.blend 1.0)))
        }
        test "a label or blend target is set at the output, not at L−1" {
            for top in [ Top.label; Top.blend 0.3 ] do
                refused (withRule (Rules.sdtp |> Rule.withTop (Top.atLastHidden top))) "top target" "not at the last hidden layer" "drop Top.atLastHidden"
        }
        test "auxiliary features: not negative, and only on a target at the output" {
            refused (withRule (Rules.aoSdtp |> Rule.withTop (Top.label |> Top.withAuxiliary -1))) "top target" "-1 auxiliary output features" "use 0"
            refused (withRule (Rules.dtp |> Rule.withTop (Top.gradientStep 0.3 |> Top.atLastHidden |> Top.withAuxiliary 3)))
                "top target" "auxiliary output features extend the output layer" "drop the auxiliary features"
        }
        test "noise σ and regularisation λ must not be negative" {
            for fb in [ Feedback.reconstruct -0.1; Feedback.denoise -0.1; Feedback.ldrl -0.1; Feedback.drl -0.1 0.01 ] do
                refused (withRule (Rules.dtp |> Rule.withFeedback fb)) "rule dtp, feedback" "noise σ is -0.1" "≥ 0"
            refused (withRule (Rules.drl |> Rule.withFeedback (Feedback.drl 0.1 -1.0))) "feedback" "regularisation λ is -1" "≥ 0"
            accepted (withRule (Rules.drl |> Rule.withFeedback (Feedback.drl 0.0 0.0)))
        }
        test "L-DRL trains a layer-wise g_l, so a direct propagation is refused" {
            refused (withRule (Rules.ddtpLinear |> Rule.withFeedback (Feedback.ldrl 0.1))) "feedback" "this propagation's g reads the top layer" "Feedback.drl"
        }
        test "feedback iterations ≥ 1 and pre-training epochs ≥ 0" {
            refused (withRule Rules.dtp |> Model.feedbackIterations 0) "schedule" "0 feedback iterations" "1 or more"
            refused (withRule Rules.dtp |> Model.feedbackPretraining -1) "schedule" "-1 feedback pre-training epochs" "0 or more"
            accepted (withRule Rules.dtp |> Model.feedbackIterations 1 |> Model.feedbackPretraining 0)
        }
        test "SGD's momentum lies in [0, 1), for either optimiser" {
            for mu in [ 1.0; -0.1 ] do
                refused (withRule Rules.dtp |> Model.forwardOptimiser (Sgd(0.1, mu))) "forward optimiser" (sprintf "momentum is %g" mu) "[0, 1)"
                refused (withRule Rules.dtp |> Model.feedbackOptimiser (Sgd(0.1, mu))) "feedback optimiser" (sprintf "momentum is %g" mu) "[0, 1)"
            accepted (withRule Rules.dtp |> Model.forwardOptimiser (Sgd(0.1, 0.99)) |> Model.feedbackOptimiser (Sgd(0.1, 0.0)))
        }
        test "a feedback optimiser is checked only where g learns" {
            accepted (withRule Rules.fwDtp |> Model.feedbackOptimiser (Adam -1.0))
            refused (withRule Rules.dtp |> Model.feedbackOptimiser (Adam -1.0)) "feedback optimiser" "learning rate is -1" "greater than 0"
        }
        test "DRL needs g as terms of the propagation, not inside another g or a product" {
            refused (withRule (Rules.drl |> Rule.withPropagation (below + (g target - g here) .* g here))) "feedback" "uses g inside another g, f or product" "sum of scaled terms"
        }
    ]
