namespace TargetProp.Dsl

type TopAt =
    | Output
    | LastHidden

type TopTarget =
    | GradientStep of eta: float
    | Label
    | Blend of beta: float

type Top =
    { Target: TopTarget
      At: TopAt
      Auxiliary: int }

    override t.ToString() =
        let target =
            match t.Target with
            | GradientStep eta -> sprintf "Top.gradientStep %s" (Code.float eta)
            | Label -> "Top.label"
            | Blend beta -> sprintf "Top.blend %s" (Code.float beta)

        target
        + (if t.At = LastHidden then " |> Top.atLastHidden" else "")
        + (if t.Auxiliary > 0 then
               sprintf " |> Top.withAuxiliary %d" t.Auxiliary
           else
               "")

    member t.Equation =
        let at =
            match t.At with
            | Output -> "L"
            | LastHidden -> "{L-1}"

        let aux =
            if t.Auxiliary > 0 then
                sprintf " (with %d auxiliary output features)" t.Auxiliary
            else
                ""

        match t.Target with
        | GradientStep eta -> sprintf "ĥ_%s = h_%s − %g ∂ℓ/∂h_%s%s" at at eta at aux
        | Label -> sprintf "ĥ_L = y%s" aux
        | Blend beta -> sprintf "ĥ_L = h_L + %g(y − h_L)%s" beta aux

type Propagation =
    | Gradient
    | Propagate of Expr

    override p.ToString() =
        match p with
        | Gradient -> "Propagate.gradient"
        | Propagate e -> sprintf "Propagate.by (%O)" e

    member p.Equation =
        match p with
        | Gradient -> "ĥ_{l-1} = h_{l-1} − η ∂ℓ/∂h_{l-1}"
        | Propagate e -> Expr.equation e

type ReconstructionTarget =
    | NoisyInput
    | CleanInput

type Feedback =
    | NoFeedback
    | Reconstruct of sigma: float * target: ReconstructionTarget
    | Drl of sigma: float * lambda: float
    | Ldrl of sigma: float

    override f.ToString() =
        match f with
        | NoFeedback -> "Feedback.none"
        | Reconstruct(s, NoisyInput) -> sprintf "Feedback.reconstruct %s" (Code.float s)
        | Reconstruct(s, CleanInput) -> sprintf "Feedback.denoise %s" (Code.float s)
        | Drl(s, lambda) -> sprintf "Feedback.drl %s %s" (Code.float s) (Code.float lambda)
        | Ldrl s -> sprintf "Feedback.ldrl %s" (Code.float s)

    member f.Equation =
        match f with
        | NoFeedback -> "none (g_l fixed)"
        | Reconstruct(s, NoisyInput) -> sprintf "‖g_l(f_l(h_{l-1}+ε)) − (h_{l-1}+ε)‖², ε ~ N(0, %g²)" s
        | Reconstruct(s, CleanInput) -> sprintf "‖g_l(f_l(h_{l-1}+ε)) − h_{l-1}‖², ε ~ N(0, %g²)" s
        | Drl(s, lambda) ->
            sprintf "DRL ‖ĥ^ε_{l-1} − (h_{l-1}+ε)‖² + %g‖g_l(h_l+η) − g_l(h_l)‖², ε, η ~ N(0, %g²)" lambda s
        | Ldrl s -> sprintf "L-DRL −2εᵀ(g_l(f_l(h_{l-1}+ε)) − g_l(h_l)) + ‖g_l(h_l+η) − g_l(h_l)‖², ε, η ~ N(0, %g²)" s

type LocalLoss =
    | MeanSquared
    | HalfSumSquared

    override l.ToString() =
        match l with
        | MeanSquared -> "MeanSquared"
        | HalfSumSquared -> "HalfSumSquared"

    member l.Equation =
        match l with
        | MeanSquared -> "(1/B) Σ_b ‖f_l(h_{l-1}) − ĥ_l‖²"
        | HalfSumSquared -> "½ Σ_b ‖f_l(h_{l-1}) − ĥ_l‖²"

type Optimiser =
    | CentredRmsProp of lr: float
    | RmsProp of lr: float
    | Adam of lr: float
    | AdamWith of lr: float * beta1: float * beta2: float * epsilon: float
    | Sgd of lr: float * momentum: float
    | WeightDecay of lambda: float * Optimiser

    override o.ToString() =
        match o with
        | CentredRmsProp lr -> sprintf "CentredRmsProp %s" (Code.float lr)
        | RmsProp lr -> sprintf "RmsProp %s" (Code.float lr)
        | Adam lr -> sprintf "Adam %s" (Code.float lr)
        | AdamWith(lr, b1, b2, eps) ->
            sprintf "AdamWith(%s, %s, %s, %s)" (Code.float lr) (Code.float b1) (Code.float b2) (Code.float eps)
        | Sgd(lr, m) -> sprintf "Sgd(%s, %s)" (Code.float lr) (Code.float m)
        | WeightDecay(lambda, inner) -> sprintf "WeightDecay(%s, %O)" (Code.float lambda) inner

type Schedule =
    | Alternating
    | Parallel
    | Interleaved

    override s.ToString() =
        match s with
        | Alternating -> "Alternating"
        | Parallel -> "Parallel"
        | Interleaved -> "Interleaved"

type RuleDefaults =
    { ForwardOptimiser: Optimiser
      FeedbackOptimiser: Optimiser
      Schedule: Schedule
      FeedbackIterations: int
      FeedbackPretraining: int }

type ConditionalCoder =
    { Width: int
      Sigma: float
      Optimiser: Optimiser option }

type Rule =
    { Name: string
      Top: Top
      Propagation: Propagation
      LocalLoss: LocalLoss
      Feedback: Feedback
      FeedbackActivation: Nonlinearity option
      FeedbackInput: Nonlinearity
      Conditional: ConditionalCoder
      Defaults: RuleDefaults }

    override r.ToString() =
        let d = r.Defaults

        [ yield sprintf "Rule.create \"%s\" (%O) (%O) (%O)" r.Name r.Top r.Propagation r.Feedback
          if r.LocalLoss <> MeanSquared then
              yield sprintf "Rule.withLocalLoss %O" r.LocalLoss
          match r.FeedbackActivation with
          | Some a -> yield sprintf "Rule.withFeedbackActivation %O" a
          | None -> ()
          if r.FeedbackInput <> Linear then
              yield sprintf "Rule.withFeedbackInput %O" r.FeedbackInput
          if
              r.Conditional.Width <> Rule.ConditionalDefaults.Width
              || r.Conditional.Sigma <> Rule.ConditionalDefaults.Sigma
          then
              yield sprintf "Rule.withConditional %d %s" r.Conditional.Width (Code.float r.Conditional.Sigma)
          match r.Conditional.Optimiser with
          | Some o -> yield sprintf "Rule.withConditionalOptimiser (%O)" o
          | None -> ()
          // Only the defaults that differ from Lee et al.'s (Rule.create's).
          let lee = Rule.LeeDefaults

          let changed =
              [ if d.ForwardOptimiser <> lee.ForwardOptimiser then
                    yield sprintf "ForwardOptimiser = %O" d.ForwardOptimiser
                if d.FeedbackOptimiser <> lee.FeedbackOptimiser then
                    yield sprintf "FeedbackOptimiser = %O" d.FeedbackOptimiser
                if d.Schedule <> lee.Schedule then
                    yield sprintf "Schedule = %O" d.Schedule
                if d.FeedbackIterations <> lee.FeedbackIterations then
                    yield sprintf "FeedbackIterations = %d" d.FeedbackIterations
                if d.FeedbackPretraining <> lee.FeedbackPretraining then
                    yield sprintf "FeedbackPretraining = %d" d.FeedbackPretraining ]

          if not changed.IsEmpty then
              yield sprintf "Rule.withDefaults { Rule.leeDefaults with %s }" (String.concat "; " changed) ]
        |> String.concat " |> "

    /// The conditional auto-encoders' defaults: as wide as their layer, noise σ 0.1.
    static member internal ConditionalDefaults =
        { Width = 0
          Sigma = 0.1
          Optimiser = None }

    /// Lee et al. 2015's settings, Rule.create's defaults (Rule.leeDefaults).
    static member internal LeeDefaults =
        { ForwardOptimiser = CentredRmsProp 0.0148893490317
          FeedbackOptimiser = CentredRmsProp 0.00501149118237
          Schedule = Alternating
          FeedbackIterations = 1
          FeedbackPretraining = 0 }

    member r.Equation =
        let tau =
            match r.FeedbackActivation with
            | None -> ""
            | Some a -> sprintf " (g_l %s)" (a.ToString().ToLowerInvariant())

        let tau =
            if r.FeedbackInput = Linear then
                tau
            else
                tau
                + sprintf " (g_l reads %s(v))" (r.FeedbackInput.ToString().ToLowerInvariant())

        let usesG =
            match r.Propagation with
            | Propagate e -> Expr.usesFeedback e
            | Gradient -> false

        let feedback = if usesG then r.Feedback.Equation else "none (no g_l)"

        let usesR =
            match r.Propagation with
            | Propagate e -> Expr.usesConditional e
            | Gradient -> false

        let coder =
            if not usesR then
                ""
            else
                let width =
                    if r.Conditional.Width > 0 then
                        string r.Conditional.Width
                    else
                        "n_k"

                sprintf
                    "; r_k(h_k, s) = ρ_k(D_k tanh(E_k [h_k+ε, s] + e_k) + d_k), %s code units, trained on ‖r_k(h_k+ε, s) − h_k‖², ε ~ N(0, %g²)%s"
                    width
                    r.Conditional.Sigma
                    (match r.Conditional.Optimiser with
                     | Some o -> sprintf " by %O" o
                     | None -> "")

        sprintf
            "rule %s: %s; %s; local loss %s; feedback %s%s%s"
            r.Name
            r.Top.Equation
            r.Propagation.Equation
            r.LocalLoss.Equation
            feedback
            tau
            coder

module Optimiser =
    let withWeightDecay (lambda: float) (o: Optimiser) = WeightDecay(lambda, o)

    let rec withLearningRate (lr: float) (o: Optimiser) =
        match o with
        | CentredRmsProp _ -> CentredRmsProp lr
        | RmsProp _ -> RmsProp lr
        | Adam _ -> Adam lr
        | AdamWith(_, b1, b2, eps) -> AdamWith(lr, b1, b2, eps)
        | Sgd(_, m) -> Sgd(lr, m)
        | WeightDecay(lambda, inner) -> WeightDecay(lambda, withLearningRate lr inner)

    let rec learningRate (o: Optimiser) =
        match o with
        | Sgd(lr, _)
        | CentredRmsProp lr
        | RmsProp lr
        | Adam lr
        | AdamWith(lr, _, _, _) -> lr
        | WeightDecay(_, inner) -> learningRate inner

    let rec weightDecay (o: Optimiser) =
        match o with
        | WeightDecay(lambda, inner) -> lambda + weightDecay inner
        | _ -> 0.0

module Top =
    let gradientStep (eta: float) : Top =
        { Target = GradientStep eta
          At = Output
          Auxiliary = 0 }

    let label: Top =
        { Target = Label
          At = Output
          Auxiliary = 0 }

    let blend (beta: float) : Top =
        { Target = Blend beta
          At = Output
          Auxiliary = 0 }

    let atLastHidden (t: Top) : Top = { t with At = LastHidden }
    let withAuxiliary (k: int) (t: Top) : Top = { t with Auxiliary = k }

    let withStep (step: float) (t: Top) : Top =
        match t.Target with
        | GradientStep _ -> { t with Target = GradientStep step }
        | Blend _ -> { t with Target = Blend step }
        | Label -> t

module Propagate =
    let by (e: Expr) : Propagation = Propagate e
    let gradient: Propagation = Gradient
    let invert: Propagation = Propagate(g target)
    let difference: Propagation = Propagate(below + g target - g here)
    let direct: Propagation = Propagate(below + g outTarget - g out)

module Target =
    let conditional (name: string) : Propagation = Propagate(r (below ++ side name))

    let mix (beta: float) (a: Propagation) (b: Propagation) : Propagation =
        match a, b with
        | Propagate x, Propagate y -> Propagate(beta * x + (1.0 - beta) * y)
        | Gradient, _ -> invalidArg "a" "Target.mix mixes propagations by expressions; Propagate.gradient is not one"
        | _, Gradient -> invalidArg "b" "Target.mix mixes propagations by expressions; Propagate.gradient is not one"

module Feedback =
    let reconstruct (sigma: float) : Feedback = Reconstruct(sigma, NoisyInput)
    let denoise (sigma: float) : Feedback = Reconstruct(sigma, CleanInput)
    let drl (sigma: float) (lambda: float) : Feedback = Drl(sigma, lambda)
    let ldrl (sigma: float) : Feedback = Ldrl sigma
    let fixedRandom: Feedback = NoFeedback
    let none: Feedback = NoFeedback

    let withSigma (sigma: float) (f: Feedback) : Feedback =
        match f with
        | Reconstruct(_, target) -> Reconstruct(sigma, target)
        | Drl(_, lambda) -> Drl(sigma, lambda)
        | Ldrl _ -> Ldrl sigma
        | NoFeedback -> NoFeedback

module Rule =
    let leeDefaults = Rule.LeeDefaults

    let create (name: string) (top: Top) (propagation: Propagation) (feedback: Feedback) : Rule =
        { Name = name
          Top = top
          Propagation = propagation
          LocalLoss = MeanSquared
          Feedback = feedback
          FeedbackActivation = None
          FeedbackInput = Linear
          Conditional = Rule.ConditionalDefaults
          Defaults = leeDefaults }

    let withName (name: string) (r: Rule) = { r with Name = name }
    let withTop (t: Top) (r: Rule) = { r with Top = t }
    let withPropagation (p: Expr) (r: Rule) = { r with Propagation = Propagate p }
    let withFeedback (f: Feedback) (r: Rule) = { r with Feedback = f }
    let withLocalLoss (l: LocalLoss) (r: Rule) = { r with LocalLoss = l }
    let withFeedbackActivation (a: Nonlinearity) (r: Rule) = { r with FeedbackActivation = Some a }
    let withFeedbackInput (u: Nonlinearity) (r: Rule) = { r with FeedbackInput = u }

    let withConditional (width: int) (sigma: float) (r: Rule) =
        { r with
            Conditional =
                { r.Conditional with
                    Width = width
                    Sigma = sigma } }

    let withConditionalOptimiser (o: Optimiser) (r: Rule) =
        { r with
            Conditional =
                { r.Conditional with
                    Optimiser = Some o } }

    let conditionedOn (name: string) (r: Rule) =
        match r.Propagation with
        | Propagate e ->
            { r with
                Name = r.Name + "|" + name
                Propagation = Propagate(Expr.conditionOn name e) }
        | Gradient -> r

    let withDefaults (d: RuleDefaults) (r: Rule) = { r with Defaults = d }
