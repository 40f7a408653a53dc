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
    let private err where problem fix = { Where = where; Problem = problem; Fix = fix }

    let private finitePositive (where: string) (what: string) (x: float) =
        if System.Double.IsFinite x && x > 0.0 then []
        else [ err where (sprintf "%s is %g" what x) (sprintf "use a finite %s greater than 0" what) ]

    let private optimiser (where: string) (o: Optimiser) =
        match o with
        | CentredRmsProp lr | RmsProp lr | Adam lr -> finitePositive where "learning rate" lr
        | Sgd(lr, m) ->
            finitePositive where "learning rate" lr
            @ (if m >= 0.0 && m < 1.0 then [] else [ err where (sprintf "momentum is %g" m) "use a momentum in [0, 1)" ])

    let private stack (s: Stack) =
        let L = Stack.depth s
        [ if s.Input <= 0 then
              yield err "layer 0 (input)" (sprintf "the input has %d features" s.Input) "give the input a positive width, e.g. input 784"
          if L = 0 then
              yield err "stack" "the stack has no layers" "add layers, e.g. input 784 |> dense 10 Softmax"
          for l in 1..L do
              let layer = s.Layers.[l - 1]
              if layer.Units <= 0 then
                  yield err (Stack.layerName s l) (sprintf "the layer has %d units" layer.Units) "give every layer a positive number of units"
              if layer.Activation = Softmax && l < L then
                  yield err (Stack.layerName s l) "softmax is only supported on the output layer (it is part of the cross-entropy loss)"
                      "use tanh, sigmoid, relu or linear for hidden layers" ]

    let private nonNegative (where: string) (what: string) (x: float) =
        if System.Double.IsFinite x && x >= 0.0 then []
        else [ err where (sprintf "%s is %g" what x) (sprintf "use a finite %s ≥ 0" what) ]

    let private top (m: Model) (where: string) =
        let t = m.Rule.Top
        let L = Model.depth m
        [ match t.Target with
          | GradientStep eta -> yield! finitePositive where "step η" eta
          | Blend beta when not (beta > 0.0 && beta <= 1.0) ->
              yield err where (sprintf "the blend β is %g" beta) "use a β in (0, 1]: 1 is the label itself"
          | Label | Blend _ -> ()
          if t.At = LastHidden && L < 2 then
              yield err where (sprintf "the target starts at the last hidden layer but the stack has %d layer(s)" L)
                  "add a hidden layer, or set the target at the output"
          match t.Target with
          | Label | Blend _ when t.At = LastHidden ->
              yield err where "a label target is set at the output, not at the last hidden layer" "drop Top.atLastHidden"
          | _ -> ()
          if t.Auxiliary < 0 then
              yield err where (sprintf "%d auxiliary output features" t.Auxiliary) "use 0 (none) or more"
          if t.Auxiliary > 0 && (t.At = LastHidden || L < 2) then
              yield err where "auxiliary output features extend the output layer, which needs a target at the output and a layer below it"
                  "set the target at the output of a stack with a hidden layer, or drop the auxiliary features" ]

    let private propagation (m: Model) (where: string) =
        match m.Rule.Propagation with
        | Gradient ->
            [ if Model.usesProbabilities m || m.Rule.Top.Auxiliary > 0 then
                  yield err where "gradient propagation carries ∂ℓ/∂h down from a gradient-step target on the layer's own value, not from a label or auxiliary features"
                      "use Top.gradientStep η without auxiliary features, or a propagation expression such as Propagate.difference" ]
        | Propagate e ->
            [ match Expr.space e with
              | Error message ->
                  yield err where message "g takes a value of layer l (here, target) or of the top (out, outTarget) and returns one of layer l-1; f takes one of layer l-1; +, − and .* need both sides in the same layer"
              | Ok BelowSpace -> ()
              | Ok s ->
                  yield err where (sprintf "'%O' is a value of %O, but the propagation must give layer l-1's target" e s)
                      "wrap it in g (g target), or start from below (below + ...)"
              if List.length (Expr.feedbackDomains e) > 1 then
                  yield err where (sprintf "'%O' gives g different kinds of input in different places; g_l has one input" e)
                      "give every g the same kind of input: here/target (layer-wise) or out/outTarget (direct), with the same side inputs in the same order"
              for n in Expr.sides e do
                  if Model.sideWidth m n = 0 then
                      yield err where (sprintf "'%O' reads the side input '%s', which the data do not provide" e n)
                          (sprintf "use one of: %s" (Model.sideInputs m |> List.map (fun (n, w) -> sprintf "side \"%s\" (%d units)" n w) |> String.concat ", ")) ]

    // Where g sits in the propagation: DRL differentiates the propagation with respect to g_l, so g_l must appear as
    // a term of its linear combination with an argument free of g.
    let private linearInG (e: Expr) =
        let nested = Expr.subterms e |> List.exists (function G x -> Expr.usesFeedback x | _ -> false)
        let inside = Expr.linearTerms e |> List.exists (fun (_, a) -> match a with G _ -> false | a -> Expr.usesFeedback a)
        not nested && not inside

    let private feedback (m: Model) (where: string) =
        let r = m.Rule
        let usesG =
            match r.Propagation with
            | Gradient -> false
            | Propagate e -> Expr.usesFeedback e
        [ match r.Feedback with
          | NoFeedback -> ()
          | Reconstruct(sigma, _) | Ldrl sigma -> yield! nonNegative where "noise σ" sigma
          | Drl(sigma, lambda) ->
              yield! nonNegative where "noise σ" sigma
              yield! nonNegative where "regularisation λ" lambda
          if r.Feedback <> NoFeedback && not usesG then
              yield err where "the feedback maps g_l are to be trained, but the propagation never uses g"
                  "use Feedback.none, or a propagation with g (e.g. below + g target - g here)"
          match r.Feedback, r.Propagation with
          | Drl _, Propagate e when usesG && not (linearInG e) ->
              yield err where (sprintf "DRL trains g_l through the propagation, but '%O' uses g inside another g, f or product" e)
                  "write the propagation as a sum of scaled terms and g applications (e.g. below + g target - g here)"
          | Ldrl _, _ when Model.directFeedback m ->
              yield err where "L-DRL trains a layer-wise g_l (from layer l), but this propagation's g reads the top layer"
                  "use Feedback.drl or Feedback.reconstruct for direct feedback"
          | _ -> () ]

    let private rule (m: Model) =
        let where = sprintf "rule %s" m.Rule.Name
        top m (where + ", top target") @ propagation m (where + ", propagation") @ feedback m (where + ", feedback")

    let private schedule (m: Model) =
        [ if m.FeedbackIterations < 1 then
              yield err "schedule" (sprintf "%d feedback iterations per update" m.FeedbackIterations) "use 1 or more"
          if m.FeedbackPretraining < 0 then
              yield err "schedule" (sprintf "%d feedback pre-training epochs" m.FeedbackPretraining) "use 0 or more" ]

    /// Every problem in the model; empty when it can be compiled.
    let model (m: Model) : ModelError list =
        stack m.Stack
        @ rule m
        @ schedule m
        @ optimiser "forward optimiser" m.ForwardOptimiser
        @ (if Model.trainsFeedback m then optimiser "feedback optimiser" m.FeedbackOptimiser else [])

    /// The checked model, or every error in it.
    let run (m: Model) : Result<CheckedModel, ModelError list> =
        match model m with
        | [] -> Ok(CheckedModel m)
        | errors -> Error errors
