/// The shipped generators (Laws.Generate) as the tests use them.
module TargetProp.Tests.Dsl.Cases

open FsCheck.FSharp
open TargetProp.Runtime
open TargetProp.Dsl

/// DRL and L-DRL differentiate through g_l at clean activations: with ReLU layers a dead row gives h = tanh(0), which
/// float32 evaluates to −6e-8, and g_l's ReLU then sits on its kink in the plan but not in the reference.
let activationsFor (rule: string) =
    [ Tanh; Sigmoid; Linear ]
    @ (if rule = "drl" || rule = "ldrl" then [] else [ Relu ])

/// A preset by name.
let rule (name: string) =
    match Rules.tryFind name with
    | Ok r -> r
    | Error e -> failwith e

/// Cases with batches of 1 to 7 rows.
let small (rule: string) =
    Laws.Generate.cases (activationsFor rule) (1, 7)

/// Cases with batches of 12 to 60 rows, large enough for ops to split rows over workers.
let large (rule: string) =
    Laws.Generate.cases (activationsFor rule) (12, 60)

/// Cases whose targets reach down at least one layer below the top (T ≥ 2), where propagation laws have something to say.
/// Rules with conditional auto-encoder targets (Bengio 2014): alone with the label as top target, mixed half and half
/// with dtp's difference and trained beside DRL's g, and as dtp's propagation mixed with r given the label, with a
/// narrower code, more noise and an optimiser of its own.
let conditionalRules =
    [ Rule.create "cae" Top.label (Target.conditional "label") Feedback.none
      Rule.create
          "caeDrl"
          (Top.gradientStep 0.3 |> Top.atLastHidden)
          (Target.mix 0.5 (Target.conditional "label") Propagate.difference)
          (Feedback.drl 0.1 0.01)
      Rules.dtp
      |> Rule.withName "caeDtp"
      |> Rule.withPropagation (0.5 * (below + g target - g here) + 0.5 * r (below ++ side "label"))
      |> Rule.withConditional 3 0.3
      |> Rule.withConditionalOptimiser (Adam 0.01) ]

let deep (r: Rule) =
    Laws.Generate.small
    |> Gen.filter (fun c -> Model.topLayer (Laws.model r c) >= 2)
