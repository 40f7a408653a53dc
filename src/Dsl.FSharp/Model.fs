namespace TargetProp.Dsl

type ThroughDiscrete =
    | Refuse
    | StraightThrough
    | NoGradient
    | ContinuousTraining

type Init =
    | Orthogonal of gain: float
    | GlorotUniform of gain: float
    | GlorotNormal of gain: float
    | Uniform of a: float

    override i.ToString() =
        match i with
        | Orthogonal g -> sprintf "Orthogonal %s" (Code.float g)
        | GlorotUniform g -> sprintf "GlorotUniform %s" (Code.float g)
        | GlorotNormal g -> sprintf "GlorotNormal %s" (Code.float g)
        | Uniform a -> sprintf "Uniform %s" (Code.float a)

type Model =
    { Stack: Stack
      Rule: Rule
      ForwardOptimiser: Optimiser
      FeedbackOptimiser: Optimiser
      Schedule: Schedule
      FeedbackIterations: int
      FeedbackPretraining: int
      ExtraFeedbackEpochs: int
      ThroughDiscrete: ThroughDiscrete
      InputNoise: float
      FeedbackNoiseDecay: float
      Samples: int
      Init: Init }

    override m.ToString() =
        [ yield sprintf "Model.create (%O)" m.Stack
          yield sprintf "    (%O)" m.Rule
          yield sprintf "|> Model.forwardOptimiser (%O)" m.ForwardOptimiser
          yield sprintf "|> Model.feedbackOptimiser (%O)" m.FeedbackOptimiser
          yield sprintf "|> Model.schedule %O" m.Schedule
          yield sprintf "|> Model.feedbackIterations %d" m.FeedbackIterations
          yield sprintf "|> Model.feedbackPretraining %d" m.FeedbackPretraining
          if m.ExtraFeedbackEpochs <> 0 then
              yield sprintf "|> Model.extraFeedbackEpochs %d" m.ExtraFeedbackEpochs
          if m.ThroughDiscrete <> Refuse then
              yield sprintf "|> Model.throughDiscrete %A" m.ThroughDiscrete
          if m.InputNoise <> 0.0 then
              yield sprintf "|> Model.inputNoise %s" (Code.float m.InputNoise)
          if m.FeedbackNoiseDecay <> 0.0 then
              yield sprintf "|> Model.feedbackNoiseDecay %s" (Code.float m.FeedbackNoiseDecay)
          if m.Samples <> 100 then
              yield sprintf "|> Model.samples %d" m.Samples
          if m.Init <> Orthogonal 1.0 then
              yield sprintf "|> Model.init (%O)" m.Init
          yield "// " + Stack.equation m.Stack
          yield "// " + m.Rule.Equation ]
        |> String.concat "\n"

module Model =
    let create (stack: Stack) (rule: Rule) : Model =
        { Stack = stack
          Rule = rule
          ForwardOptimiser = rule.Defaults.ForwardOptimiser
          FeedbackOptimiser = rule.Defaults.FeedbackOptimiser
          Schedule = rule.Defaults.Schedule
          FeedbackIterations = rule.Defaults.FeedbackIterations
          FeedbackPretraining = rule.Defaults.FeedbackPretraining
          ExtraFeedbackEpochs = 0
          ThroughDiscrete = Refuse
          InputNoise = 0.0
          FeedbackNoiseDecay = 0.0
          Samples = 100
          Init = Orthogonal 1.0 }

    let forwardOptimiser (o: Optimiser) (m: Model) = { m with ForwardOptimiser = o }
    let feedbackOptimiser (o: Optimiser) (m: Model) = { m with FeedbackOptimiser = o }
    let schedule (s: Schedule) (m: Model) = { m with Schedule = s }
    let feedbackIterations (k: int) (m: Model) = { m with FeedbackIterations = k }
    let feedbackPretraining (epochs: int) (m: Model) = { m with FeedbackPretraining = epochs }
    let extraFeedbackEpochs (epochs: int) (m: Model) = { m with ExtraFeedbackEpochs = epochs }
    let throughDiscrete (t: ThroughDiscrete) (m: Model) = { m with ThroughDiscrete = t }
    let inputNoise (sigma: float) (m: Model) = { m with InputNoise = sigma }
    let feedbackNoiseDecay (tau: float) (m: Model) = { m with FeedbackNoiseDecay = tau }
    let samples (n: int) (m: Model) = { m with Samples = n }
    let init (i: Init) (m: Model) = { m with Init = i }

    let depth (m: Model) = Stack.depth m.Stack

    let emitsInTraining (m: Model) (l: int) =
        l > 0
        && l < depth m
        && (Stack.activation m.Stack l).Discrete
        && m.ThroughDiscrete <> ContinuousTraining

    let stochastic (m: Model) =
        m.Stack.Layers |> List.exists (fun layer -> layer.Activation.Stochastic)

    let topLayer (m: Model) =
        match m.Rule.Top.At with
        | Output -> depth m
        | LastHidden -> depth m - 1

    let localTop (m: Model) =
        match m.Rule.Top.Target with
        | GradientStep _ -> topLayer m
        | Label
        | Blend _ -> depth m - 1

    let usesCrossEntropy (m: Model) =
        depth m > 0 && Stack.activation m.Stack (depth m) = Softmax

    let usesProbabilities (m: Model) =
        usesCrossEntropy m
        && (match m.Rule.Top.Target with
            | GradientStep _ -> false
            | Label
            | Blend _ -> true)

    let targetWidth (m: Model) (l: int) =
        Stack.width m.Stack l + (if l = depth m then m.Rule.Top.Auxiliary else 0)

    let feedbackDomain (m: Model) : Space list =
        match m.Rule.Propagation with
        | Propagate e ->
            match Expr.feedbackDomains e with
            | d :: _ -> d
            | [] -> [ HereSpace ]
        | Gradient -> [ HereSpace ]

    let directFeedback (m: Model) =
        List.contains OutSpace (feedbackDomain m)

    let sideInputs (m: Model) : (string * int) list =
        ("label", Stack.width m.Stack (depth m))
        :: (m.Stack.Sides |> List.filter (fst >> (<>) "label"))

    let layerSides (m: Model) (l: int) = m.Stack.Layers.[l - 1].Reads

    let usedSides (m: Model) =
        let inExpr =
            match m.Rule.Propagation with
            | Propagate e -> Expr.sides e
            | Gradient -> []

        inExpr @ (m.Stack.Layers |> List.collect _.Reads) |> List.distinct

    let sideWidth (m: Model) (name: string) =
        sideInputs m
        |> List.tryFind (fst >> (=) name)
        |> Option.map snd
        |> Option.defaultValue 0

    let layerSideWidth (m: Model) (l: int) =
        layerSides m l |> List.sumBy (sideWidth m)

    let feedbackLayers (m: Model) =
        match m.Rule.Propagation with
        | Propagate e when Expr.usesFeedback e -> [ 2 .. topLayer m ]
        // bp's targets use no g, but a feedback loss still trains one beside it, for measuring (reconstructions).
        | Gradient when m.Rule.Feedback <> NoFeedback -> [ 2 .. topLayer m ]
        | _ -> []

    let feedbackInputWidth (m: Model) (l: int) =
        feedbackDomain m
        |> List.sumBy (function
            | OutSpace -> targetWidth m (topLayer m)
            | SideSpace n -> sideWidth m n
            | HereSpace
            | BelowSpace -> targetWidth m l)

    let trainsG (m: Model) =
        m.Rule.Feedback <> NoFeedback && not (List.isEmpty (feedbackLayers m))

    let conditionalLayers (m: Model) =
        match m.Rule.Propagation with
        | Propagate e when Expr.usesConditional e -> [ 1 .. topLayer m - 1 ]
        | _ -> []

    let conditionalInputWidth (m: Model) (k: int) =
        match m.Rule.Propagation with
        | Propagate e ->
            match Expr.conditionalDomains e with
            | d :: _ ->
                d
                |> List.sumBy (function
                    | SideSpace n -> sideWidth m n
                    | _ -> targetWidth m k)
            | [] -> targetWidth m k
        | Gradient -> targetWidth m k

    let conditionalWidth (m: Model) (k: int) =
        if m.Rule.Conditional.Width > 0 then
            m.Rule.Conditional.Width
        else
            Stack.width m.Stack k

    let trainsFeedback (m: Model) =
        trainsG m || not (List.isEmpty (conditionalLayers m))

    let feedbackActivation (m: Model) (l: int) =
        m.Rule.FeedbackActivation
        |> Option.defaultValue (Stack.activation m.Stack (l - 1)).Relaxation
