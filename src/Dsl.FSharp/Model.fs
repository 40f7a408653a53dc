namespace TargetProp.Dsl

/// A stack, a rule and the settings that train it. Prints as the stack and the rule's equations.
type Model =
    { Stack: Stack
      Rule: Rule
      ForwardOptimiser: Optimiser
      FeedbackOptimiser: Optimiser
      Schedule: Schedule }
    override m.ToString() =
        sprintf "%O\n%O\nforward %O, feedback %O, %O schedule" m.Stack m.Rule m.ForwardOptimiser m.FeedbackOptimiser m.Schedule

module Model =
    /// A model with the rule's own default settings (its paper's).
    let create (stack: Stack) (rule: Rule) : Model =
        { Stack = stack
          Rule = rule
          ForwardOptimiser = rule.Defaults.ForwardOptimiser
          FeedbackOptimiser = rule.Defaults.FeedbackOptimiser
          Schedule = rule.Defaults.Schedule }

    let forwardOptimiser (o: Optimiser) (m: Model) = { m with ForwardOptimiser = o }
    let feedbackOptimiser (o: Optimiser) (m: Model) = { m with FeedbackOptimiser = o }
    let schedule (s: Schedule) (m: Model) = { m with Schedule = s }

    /// L: the number of layers.
    let depth (m: Model) = Stack.depth m.Stack

    /// The layer whose target comes first: L, or L-1 when the rule starts at the last hidden layer.
    let topLayer (m: Model) =
        match m.Rule.Top.At with
        | Output -> depth m
        | LastHidden -> depth m - 1

    /// Whether the output is a softmax layer trained with cross-entropy (otherwise: squared error to the one-hot label).
    let usesCrossEntropy (m: Model) =
        depth m > 0 && Stack.activation m.Stack (depth m) = TargetProp.Runtime.Activation.Softmax

    /// The layers l that have a feedback map g_l (l-1 gets its target from l through the propagation): 2..top,
    /// when the propagation uses g.
    let feedbackLayers (m: Model) =
        match m.Rule.Propagation with
        | Propagate e when Expr.usesFeedback e -> [ 2 .. topLayer m ]
        | _ -> []

    /// Whether the feedback maps are trained.
    let trainsFeedback (m: Model) =
        match m.Rule.Feedback with
        | Reconstruct _ -> not (List.isEmpty (feedbackLayers m))
        | NoFeedback -> false
