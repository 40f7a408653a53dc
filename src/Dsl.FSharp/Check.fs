namespace TargetProp.Dsl


/// A model that has passed the check: the only kind Lower compiles. Only Check.run makes one, so nothing is compiled
/// unchecked and nothing is checked twice.
[<Sealed>]
type CheckedModel internal (model: Model) =
    /// The model as written.
    member _.Model = model
    override _.ToString() = string model

/// The model check: every problem at once, each naming where it is, what is wrong and how to fix it.
module Check =
    let private err where problem fix =
        { Where = where
          Problem = problem
          Fix = fix }

    let private unitName (u: Nonlinearity) = u.ToString().ToLowerInvariant()

    let private finitePositive (where: string) (what: string) (x: float) =
        if System.Double.IsFinite x && x > 0.0 then
            []
        else
            [ err where (sprintf "%s is %g" what x) (sprintf "use a finite %s greater than 0" what) ]

    let private fraction (where: string) (what: string) (x: float) =
        if x >= 0.0 && x < 1.0 then
            []
        else
            [ err where (sprintf "%s is %g" what x) (sprintf "use a %s in [0, 1)" what) ]

    let rec private optimiser (where: string) (o: Optimiser) =
        match o with
        | CentredRmsProp lr
        | RmsProp lr
        | Adam lr -> finitePositive where "learning rate" lr
        | AdamWith(lr, b1, b2, eps) ->
            finitePositive where "learning rate" lr
            @ fraction where "beta1" b1
            @ fraction where "beta2" b2
            @ finitePositive where "epsilon" eps
        | Sgd(lr, m) -> finitePositive where "learning rate" lr @ fraction where "momentum" m
        | WeightDecay(lambda, inner) ->
            (if System.Double.IsFinite lambda && lambda >= 0.0 then
                 []
             else
                 [ err where (sprintf "the weight decay is %g" lambda) "use a finite weight decay ≥ 0" ])
            @ (match inner with
               | WeightDecay _ ->
                   [ err where "the weight decay is given twice" "give one WeightDecay with the sum of the two" ]
               | _ -> optimiser where inner)

    let private stack (s: Stack) =
        let L = Stack.depth s

        [ if s.Input <= 0 then
              yield
                  err
                      "layer 0 (input)"
                      (sprintf "the input has %d features" s.Input)
                      "give the input a positive width, e.g. input 784"
          if L = 0 then
              yield err "stack" "the stack has no layers" "add layers, e.g. input 784 |> dense 10 Softmax"
          for l in 1..L do
              let layer = s.Layers.[l - 1]

              if layer.Units <= 0 then
                  yield
                      err
                          (Stack.layerName s l)
                          (sprintf "the layer has %d units" layer.Units)
                          "give every layer a positive number of units"

              match layer.Activation with
              | SteepTanh k when not (System.Double.IsFinite k && k > 0.0) ->
                  yield
                      err
                          (Stack.layerName s l)
                          (sprintf "the unit tanh(k·a) has gain k = %g" k)
                          "use a finite gain greater than 0, e.g. SteepTanh 4.0"
              | _ -> ()

              if layer.Activation = Softmax && l < L then
                  yield
                      err
                          (Stack.layerName s l)
                          "softmax is only supported on the output layer (it is part of the cross-entropy loss)"
                          "use another unit for hidden layers (Tanh, SteepTanh k, Sigmoid, Relu, HardTanh, Linear, or the discrete Sign, Step, Bernoulli)"

              if l = L && not layer.Activation.Differentiable then
                  yield
                      err
                          (Stack.layerName s l)
                          (sprintf
                              "the output layer learns from the loss ℓ through σ_L', and %s has no derivative"
                              (unitName layer.Activation))
                          "end the stack with a differentiable unit (dense 10 Softmax, Linear, Tanh, SteepTanh k or Sigmoid); discrete and stochastic units belong on hidden layers" ]

    let private nonNegative (where: string) (what: string) (x: float) =
        if System.Double.IsFinite x && x >= 0.0 then
            []
        else
            [ err where (sprintf "%s is %g" what x) (sprintf "use a finite %s ≥ 0" what) ]

    // The rules a stack with discrete units can train with as it is: those whose targets pass through g, not ∂ℓ/∂h.
    let private targetRules () =
        Rules.all
        |> List.filter (fun r -> r.Propagation <> Gradient)
        |> List.map _.Name
        |> String.concat ", "

    let private standIns =
        "or keep the rule and say what stands in for the missing derivative: Model.throughDiscrete StraightThrough (tprop train --straight-through), NoGradient (--through no-gradient), or ContinuousTraining (train the continuous net, evaluate with the units; --through continuous)"

    /// What needs a derivative through a discrete or stochastic unit, refused while the model says Refuse: back-propagated
    /// targets through a hidden layer that emits, and a gradient-step top target at the last hidden layer when that
    /// layer emits (∂ℓ/∂h_{L-1} is taken at its emission, and setting it on the relaxed value assumes dσ/dρ = 1).
    let private discrete (m: Model) =
        let s = m.Stack
        let L = Stack.depth s

        let emits l =
            Model.emitsInTraining m l && m.ThroughDiscrete = Refuse

        let name l = unitName (Stack.activation s l)

        [ if L >= 2 then
              match m.Rule.Propagation with
              | Gradient ->
                  for l in 1 .. Model.topLayer m - 1 do
                      if emits l then
                          yield
                              err
                                  (Stack.layerName s (l + 1))
                                  (sprintf
                                      "rule %s back-propagates ∂ℓ/∂h_%d through this layer's input %s(h_%d), the %s unit of layer %d, and %s has no derivative"
                                      m.Rule.Name
                                      l
                                      (name l)
                                      l
                                      (name l)
                                      l
                                      (name l))
                                  (sprintf "use a rule whose targets pass through g (%s), %s" (targetRules ()) standIns)
              | Propagate _ -> ()

              match m.Rule.Top.Target, m.Rule.Top.At with
              | GradientStep _, LastHidden when emits (L - 1) ->
                  yield
                      err
                          (sprintf "rule %s, top target at %s" m.Rule.Name (Stack.layerName s (L - 1)))
                          (sprintf
                              "ĥ_%d = h_%d − η ∂ℓ/∂h_%d takes the gradient at the layer's emission %s(h_%d) and sets it on h_%d, a step through the %s unit, which has no derivative"
                              (L - 1)
                              (L - 1)
                              (L - 1)
                              (name (L - 1))
                              (L - 1)
                              (L - 1)
                              (name (L - 1)))
                          (sprintf
                              "set the top target at the output (Top.gradientStep η, or Top.label), %s (Lee et al.'s stochastic network takes this straight-through step)"
                              standIns)
              | _ -> () ]

    /// Side inputs: each declared once with a positive width ("label" as wide as the output, if declared at all), and
    /// each one a forward map reads declared, and not the label (which a forward map would then see at test time).
    let private sides (m: Model) =
        let s = m.Stack
        let L = Stack.depth s

        let declared =
            s.Sides
            |> List.map (fun (n, w) -> sprintf "sideInput \"%s\" %d" n w)
            |> String.concat ", "

        [ for name, width in s.Sides do
              if width <= 0 then
                  yield
                      err
                          (sprintf "side input '%s'" name)
                          (sprintf "it is declared with width %d" width)
                          "declare it with a positive width, e.g. sideInput \"context\" 32"

              if name = "label" && L > 0 && width <> Stack.width s L then
                  yield
                      err
                          "side input 'label'"
                          (sprintf
                              "it is declared with width %d, but the one-hot label is as wide as the output (%d)"
                              width
                              (Stack.width s L))
                          (sprintf
                              "declare sideInput \"label\" %d, or drop the declaration: the label is built in"
                              (Stack.width s L))
          for name in s.Sides |> List.countBy fst |> List.filter (snd >> (<) 1) |> List.map fst do
              yield err (sprintf "side input '%s'" name) "it is declared more than once" "declare each side input once"
          for l in 1..L do
              for name in s.Layers.[l - 1].Reads do
                  if name = "label" then
                      yield
                          err
                              (Stack.layerName s l)
                              "its forward map reads the label, which it would then also read at test time"
                              "condition the targets on the label instead (a g that reads side \"label\", e.g. Rule.conditionedOn \"label\"), or read another side input"
                  elif not (List.exists (fst >> (=) name) s.Sides) then
                      yield
                          err
                              (Stack.layerName s l)
                              (sprintf
                                  "it reads the side input '%s', which the stack does not declare (it declares: %s)"
                                  name
                                  (if declared = "" then "none" else declared))
                              (sprintf
                                  "declare it after the input: input %d |> sideInput \"%s\" WIDTH |> ..., or drop reads \"%s\""
                                  s.Input
                                  name
                                  name) ]

    let private settings (m: Model) =
        [ yield! nonNegative "input noise" "σ" m.InputNoise
          yield! nonNegative "feedback noise decay" "τ" m.FeedbackNoiseDecay
          if m.Samples < 1 then
              yield
                  err
                      "evaluation"
                      (sprintf "%d samples per evaluation" m.Samples)
                      "average over 1 or more samples (Lee et al.: 100)"
          match m.Init with
          | Orthogonal k
          | GlorotUniform k
          | GlorotNormal k
          | Uniform k when not (System.Double.IsFinite k && k > 0.0) ->
              yield
                  err
                      "initialisation"
                      (sprintf "Model.init (%O): its scale is not a finite number above 0" m.Init)
                      "use a finite scale greater than 0, e.g. Model.init (GlorotUniform 1.0)"
          | _ -> ()
          if not (List.isEmpty (Model.conditionalLayers m)) then
              if m.Rule.Conditional.Width < 0 then
                  yield
                      err
                          (sprintf "rule %s, conditional auto-encoder" m.Rule.Name)
                          (sprintf "%d code units" m.Rule.Conditional.Width)
                          "use 0 (as many as the layer) or more: Rule.withConditional 240 0.1"

              yield!
                  nonNegative
                      (sprintf "rule %s, conditional auto-encoder" m.Rule.Name)
                      "noise σ"
                      m.Rule.Conditional.Sigma

              match m.Rule.Conditional.Optimiser with
              | Some o -> yield! optimiser (sprintf "rule %s, conditional auto-encoder's optimiser" m.Rule.Name) o
              | None -> ()
          match m.Rule.FeedbackActivation with
          | Some u when not u.Differentiable || u = Softmax ->
              yield
                  err
                      (sprintf "rule %s, feedback activation" m.Rule.Name)
                      (sprintf "g_l's output unit τ is %s, which g_l cannot be trained through" (unitName u))
                      "use a differentiable unit (Linear, Tanh, SteepTanh k, Sigmoid, Relu, HardTanh), or none for the layer below's; to read g's input through sign, use Rule.withFeedbackInput Sign"
          | Some(SteepTanh k) when not (System.Double.IsFinite k && k > 0.0) ->
              yield
                  err
                      (sprintf "rule %s, feedback activation" m.Rule.Name)
                      (sprintf "g_l's output unit tanh(k·a) has gain k = %g" k)
                      "use a finite gain greater than 0, e.g. SteepTanh 4.0"
          | _ -> ()
          match m.Rule.FeedbackInput with
          | Linear
          | Sign
          | Step -> ()
          | u ->
              yield
                  err
                      (sprintf "rule %s, feedback input" m.Rule.Name)
                      (sprintf "g_l reads its input through %s" (unitName u))
                      "use Sign or Step (g_l(v) = τ(V_l sign(v) + c_l)), or Linear to read v itself" ]

    let private top (m: Model) (where: string) =
        let t = m.Rule.Top
        let L = Model.depth m

        [ match t.Target with
          | GradientStep eta -> yield! finitePositive where "step η" eta
          | Blend beta when not (beta > 0.0 && beta <= 1.0) ->
              yield err where (sprintf "the blend β is %g" beta) "use a β in (0, 1]: 1 is the label itself"
          | Label
          | Blend _ -> ()
          if t.At = LastHidden && L < 2 then
              yield
                  err
                      where
                      (sprintf "the target starts at the last hidden layer but the stack has %d layer(s)" L)
                      "add a hidden layer, or set the target at the output"
          match t.Target with
          | Label
          | Blend _ when t.At = LastHidden ->
              yield
                  err where "a label target is set at the output, not at the last hidden layer" "drop Top.atLastHidden"
          | _ -> ()
          if t.Auxiliary < 0 then
              yield err where (sprintf "%d auxiliary output features" t.Auxiliary) "use 0 (none) or more"
          if t.Auxiliary > 0 && (t.At = LastHidden || L < 2) then
              yield
                  err
                      where
                      "auxiliary output features extend the output layer, which needs a target at the output and a layer below it"
                      "set the target at the output of a stack with a hidden layer, or drop the auxiliary features" ]

    let private propagation (m: Model) (where: string) =
        match m.Rule.Propagation with
        | Gradient ->
            [ if Model.usesProbabilities m || m.Rule.Top.Auxiliary > 0 then
                  yield
                      err
                          where
                          "gradient propagation carries ∂ℓ/∂h down from a gradient-step target on the layer's own value, not from a label or auxiliary features"
                          "use Top.gradientStep η without auxiliary features, or a propagation expression such as Propagate.difference" ]
        | Propagate e ->
            [ match Expr.space e with
              | Error message ->
                  yield
                      err
                          where
                          message
                          "g takes a value of layer l (here, target) or of the top (out, outTarget) and returns one of layer l-1; f takes one of layer l-1; r takes layer l-1's value with side inputs beside it (r (below ++ side \"label\")); +, − and .* need both sides in the same layer"
              | Ok BelowSpace -> ()
              | Ok s ->
                  yield
                      err
                          where
                          (sprintf "'%O' is a value of %O, but the propagation must give layer l-1's target" e s)
                          "wrap it in g (g target), or start from below (below + ...)"
              if List.length (Expr.feedbackDomains e) > 1 then
                  yield
                      err
                          where
                          (sprintf "'%O' gives g different kinds of input in different places; g_l has one input" e)
                          "give every g the same kind of input: here/target (layer-wise) or out/outTarget (direct), with the same side inputs in the same order"
              for n in Expr.sides e do
                  if Model.sideWidth m n = 0 then
                      yield
                          err
                              where
                              (sprintf
                                  "'%O' reads the side input '%s', which is neither the built-in label nor declared by the stack"
                                  e
                                  n)
                              (sprintf
                                  "declare it after the input (input %d |> sideInput \"%s\" WIDTH |> ...) and attach its values with Data.withSide, or read one there is: %s"
                                  m.Stack.Input
                                  n
                                  (Model.sideInputs m
                                   |> List.map (fun (n, w) -> sprintf "side \"%s\" (%d units)" n w)
                                   |> String.concat ", "))
              if List.length (Expr.conditionalDomains e) > 1 then
                  yield
                      err
                          where
                          (sprintf "'%O' gives r different inputs in different places; r_{l-1} has one input" e)
                          "give every r the same input, e.g. r (below ++ side \"label\") everywhere" ]

    // Where g sits in the propagation: DRL differentiates the propagation with respect to g_l, so g_l must appear as
    // a term of its linear combination with an argument free of g.
    let private linearInG (e: Expr) =
        let nested =
            Expr.subterms e
            |> List.exists (function
                | G x -> Expr.usesFeedback x
                | _ -> false)

        let inside =
            Expr.linearTerms e
            |> List.exists (fun (_, a) ->
                match a with
                | G _ -> false
                | a -> Expr.usesFeedback a)

        not nested && not inside

    let private feedback (m: Model) (where: string) =
        let r = m.Rule

        let usesG =
            match r.Propagation with
            | Gradient -> true // a g_l trained beside bp, for measures (Model.feedbackLayers)
            | Propagate e -> Expr.usesFeedback e

        let chainsTargets =
            match r.Feedback with
            | Drl _ -> true
            | NoFeedback
            | Reconstruct _
            | Ldrl _ -> false

        [ match r.Feedback with
          | NoFeedback -> ()
          | Reconstruct(sigma, _)
          | Ldrl sigma -> yield! nonNegative where "noise σ" sigma
          | Drl(sigma, lambda) ->
              yield! nonNegative where "noise σ" sigma
              yield! nonNegative where "regularisation λ" lambda
          if r.Propagation = Gradient && chainsTargets then
              yield
                  err
                      where
                      "beside bp, DRL's loss has nothing to train g_l on: it reads the propagation's targets through g, and bp's use none"
                      "use Feedback.reconstruct σ, Feedback.denoise σ or Feedback.ldrl σ beside bp, or a propagation with g for DRL"
          if r.Feedback <> NoFeedback && not usesG then
              yield
                  err
                      where
                      "the feedback maps g_l are to be trained, but the propagation never uses g"
                      "use Feedback.none, or a propagation with g (e.g. below + g target - g here)"
          match r.Feedback, r.Propagation with
          | Drl _, Propagate e when usesG && not (linearInG e) ->
              yield
                  err
                      where
                      (sprintf
                          "DRL trains g_l through the propagation, but '%O' uses g inside another g, f or product"
                          e)
                      "write the propagation as a sum of scaled terms and g applications (e.g. below + g target - g here)"
          | Ldrl _, _ when Model.directFeedback m ->
              yield
                  err
                      where
                      "L-DRL trains a layer-wise g_l (from layer l), but this propagation's g reads the top layer"
                      "use Feedback.drl or Feedback.reconstruct for direct feedback"
          | _ -> () ]

    let private rule (m: Model) =
        let where = sprintf "rule %s" m.Rule.Name

        top m (where + ", top target")
        @ propagation m (where + ", propagation")
        @ feedback m (where + ", feedback")

    let private schedule (m: Model) =
        [ if m.FeedbackIterations < 1 then
              yield err "schedule" (sprintf "%d feedback iterations per update" m.FeedbackIterations) "use 1 or more"
          if m.FeedbackPretraining < 0 then
              yield err "schedule" (sprintf "%d feedback pre-training epochs" m.FeedbackPretraining) "use 0 or more"
          if m.ExtraFeedbackEpochs < 0 then
              yield
                  err
                      "schedule"
                      (sprintf "%d extra feedback epochs after each epoch" m.ExtraFeedbackEpochs)
                      "use 0 or more" ]

    /// Every problem in the model; empty when it can be compiled.
    let model (m: Model) : ModelError list =
        stack m.Stack
        @ rule m
        @ discrete m
        @ sides m
        @ settings m
        @ schedule m
        @ optimiser "forward optimiser" m.ForwardOptimiser
        @ (if Model.trainsFeedback m then
               optimiser "feedback optimiser" m.FeedbackOptimiser
           else
               [])

    /// The checked model, or every error in it.
    let run (m: Model) : Result<CheckedModel, ModelError list> =
        match model m with
        | [] -> Ok(CheckedModel m)
        | errors -> Error errors
