namespace TargetProp.Dsl

open TargetProp.Runtime

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
              if layer.Activation = Activation.Softmax && l < L then
                  yield err (Stack.layerName s l) "softmax is only supported on the output layer (it is part of the cross-entropy loss)"
                      "use tanh, sigmoid, relu or linear for hidden layers" ]

    let private rule (m: Model) =
        let r = m.Rule
        let L = Model.depth m
        let where = sprintf "rule %s" r.Name
        [ yield! finitePositive (where + ", top target") "step η" r.Top.Eta
          if r.Top.At = LastHidden && L < 2 then
              yield err (where + ", top target") (sprintf "the target starts at the last hidden layer but the stack has %d layer(s)" L)
                  "add a hidden layer, or use Top.gradientStep η (at the output)"
          match r.Propagation with
          | Gradient -> ()
          | Propagate e ->
              match Expr.space e with
              | Error message ->
                  yield err (where + ", propagation") message "g takes a value of layer l (here, target) and returns one of layer l-1; + and − need both sides in the same layer"
              | Ok HereSpace ->
                  yield err (where + ", propagation") (sprintf "'%O' is a value of layer l, but the propagation must give layer l-1's target" e)
                      "wrap it in g (g target), or start from below (below + ...)"
              | Ok BelowSpace -> ()
          match r.Feedback with
          | Reconstruct sigma when not (System.Double.IsFinite sigma) || sigma < 0.0 ->
              yield err (where + ", feedback") (sprintf "noise σ is %g" sigma) "use a finite σ ≥ 0"
          | Reconstruct _ when (match r.Propagation with
                               | Gradient -> true
                               | Propagate e -> not (Expr.usesFeedback e)) ->
              yield err (where + ", feedback") "the feedback maps g_l are to be trained, but the propagation never uses g"
                  "use Feedback.none, or a propagation with g (e.g. below + g target - g here)"
          | _ -> () ]

    /// Every problem in the model; empty when it can be compiled.
    let model (m: Model) : ModelError list =
        stack m.Stack
        @ rule m
        @ optimiser "forward optimiser" m.ForwardOptimiser
        @ (if Model.trainsFeedback m then optimiser "feedback optimiser" m.FeedbackOptimiser else [])

    /// The model, or every error in it.
    let run (m: Model) : Result<Model, ModelError list> =
        match model m with
        | [] -> Ok m
        | errors -> Error errors
