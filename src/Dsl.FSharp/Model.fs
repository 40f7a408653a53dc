namespace TargetProp.Dsl

/// A stack, a rule and the settings that train it. Prints as the stack and the rule's equations.
type Model =
    { Stack: Stack
      Rule: Rule
      ForwardOptimiser: Optimiser
      FeedbackOptimiser: Optimiser
      Schedule: Schedule
      /// Feedback updates per forward update.
      FeedbackIterations: int
      /// Epochs of feedback-only training before the first forward update.
      FeedbackPretraining: int }
    override m.ToString() =
        sprintf "%O\n%O\nforward %O, feedback %O, %O schedule, %d feedback iteration(s), %d pre-training epoch(s)"
            m.Stack m.Rule m.ForwardOptimiser m.FeedbackOptimiser m.Schedule m.FeedbackIterations m.FeedbackPretraining

module Model =
    /// A model with the rule's own default settings (its paper's).
    let create (stack: Stack) (rule: Rule) : Model =
        { Stack = stack
          Rule = rule
          ForwardOptimiser = rule.Defaults.ForwardOptimiser
          FeedbackOptimiser = rule.Defaults.FeedbackOptimiser
          Schedule = rule.Defaults.Schedule
          FeedbackIterations = rule.Defaults.FeedbackIterations
          FeedbackPretraining = rule.Defaults.FeedbackPretraining }

    let forwardOptimiser (o: Optimiser) (m: Model) = { m with ForwardOptimiser = o }
    let feedbackOptimiser (o: Optimiser) (m: Model) = { m with FeedbackOptimiser = o }
    let schedule (s: Schedule) (m: Model) = { m with Schedule = s }
    let feedbackIterations (k: int) (m: Model) = { m with FeedbackIterations = k }
    let feedbackPretraining (epochs: int) (m: Model) = { m with FeedbackPretraining = epochs }

    /// L: the number of layers.
    let depth (m: Model) = Stack.depth m.Stack

    /// T: the layer whose target is set first, L or L-1 when the rule starts at the last hidden layer.
    let topLayer (m: Model) =
        match m.Rule.Top.At with
        | Output -> depth m
        | LastHidden -> depth m - 1

    /// The highest layer that learns by a local loss: T, except that a label or blend top target leaves the output
    /// layer to learn by its own gradient. Layers above it learn by ∂ℓ/∂W.
    let localTop (m: Model) =
        match m.Rule.Top.Target with
        | GradientStep _ -> topLayer m
        | Label
        | Blend _ -> depth m - 1

    /// Whether the output is a softmax layer trained with cross-entropy (otherwise: squared error to the one-hot label).
    let usesCrossEntropy (m: Model) =
        depth m > 0 && Stack.activation m.Stack (depth m) = Softmax

    /// Whether the output layer's value in target space is the probability p = softmax(a_L) (a label or blend top on
    /// a softmax output) rather than the layer's plain value (logits for softmax).
    let usesProbabilities (m: Model) =
        usesCrossEntropy m && (match m.Rule.Top.Target with GradientStep _ -> false | Label | Blend _ -> true)

    /// Width of layer l's value in target space: the top layer's includes the auxiliary output features.
    let targetWidth (m: Model) (l: int) =
        Stack.width m.Stack l + (if l = depth m then m.Rule.Top.Auxiliary else 0)

    /// The spaces of g_l's input, in order: [layer l] by default, [the top] for direct feedback, with side inputs
    /// where the propagation puts them (g (target ++ side "label")).
    let feedbackDomain (m: Model) : Space list =
        match m.Rule.Propagation with
        | Propagate e ->
            match Expr.feedbackDomains e with
            | d :: _ -> d
            | [] -> [ HereSpace ]
        | Gradient -> [ HereSpace ]

    /// Whether g_l reads the top layer (direct feedback) rather than layer l.
    let directFeedback (m: Model) = List.contains OutSpace (feedbackDomain m)

    /// The side inputs the data provide, with their widths: "label", the one-hot label (as wide as the output).
    let sideInputs (m: Model) : (string * int) list = [ "label", Stack.width m.Stack (depth m) ]

    /// Width of a side input (0 for a name the data do not provide; the check refuses it).
    let sideWidth (m: Model) (name: string) =
        sideInputs m |> List.tryFind (fst >> (=) name) |> Option.map snd |> Option.defaultValue 0

    /// The layers l that have a feedback map g_l (l-1 gets its target through the propagation): 2..T, when the
    /// propagation uses g.
    let feedbackLayers (m: Model) =
        match m.Rule.Propagation with
        | Propagate e when Expr.usesFeedback e -> [ 2 .. topLayer m ]
        | _ -> []

    /// Width of g_l's input: layer l's value (or the top's, for direct feedback) and any side inputs.
    let feedbackInputWidth (m: Model) (l: int) =
        feedbackDomain m
        |> List.sumBy (function
            | OutSpace -> targetWidth m (topLayer m)
            | SideSpace n -> sideWidth m n
            | HereSpace | BelowSpace -> targetWidth m l)

    /// Whether the feedback maps are trained.
    let trainsFeedback (m: Model) =
        m.Rule.Feedback <> NoFeedback && not (List.isEmpty (feedbackLayers m))

    /// τ of g_l: the rule's fixed choice, or layer l-1's activation.
    let feedbackActivation (m: Model) (l: int) =
        m.Rule.FeedbackActivation |> Option.defaultValue (Stack.activation m.Stack (l - 1))
