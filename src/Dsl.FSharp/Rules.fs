namespace TargetProp.Dsl

/// Where the first target is set.
type TopAt =
    /// ĥ_L at the output layer (for a softmax output, on the logits a_L).
    | Output
    /// ĥ_{L-1} at the last hidden layer; the output layer then learns by its own gradient ∂ℓ/∂W_L (Lee et al. 2015).
    | LastHidden

/// Step 2 of a training step: the top target ĥ = h − η ∂ℓ/∂h at the chosen layer, ℓ the batch-mean loss.
type Top =
    { Eta: float
      At: TopAt }
    override t.ToString() =
        match t.At with
        | Output -> sprintf "ĥ_L = h_L − %g ∂ℓ/∂h_L" t.Eta
        | LastHidden -> sprintf "ĥ_{L-1} = h_{L-1} − %g ∂ℓ/∂h_{L-1}" t.Eta

/// Step 3: how targets move down from layer l to layer l-1.
type Propagation =
    /// ĥ_{l-1} = h_{l-1} − (σ'_l ⊙ (h_l − ĥ_l)) W_l: exact derivatives, so ĥ_{l-1} = h_{l-1} − η ∂ℓ/∂h_{l-1} (back-propagation).
    | Gradient
    /// ĥ_{l-1} = the expression, evaluated with layer l's g_l.
    | Propagate of Expr
    override p.ToString() =
        match p with
        | Gradient -> "ĥ_{l-1} = h_{l-1} − η ∂ℓ/∂h_{l-1}"
        | Propagate e -> Expr.equation e

/// Step 5: how each feedback map g_l(v) = τ_{l-1}(V_l v + c_l) learns.
type Feedback =
    /// g_l is not trained (fixed at its initial value, or unused).
    | NoFeedback
    /// Denoising reconstruction (Bengio 2014; Lee et al. 2015): minimise ‖g_l(f_l(h_{l-1}+ε)) − (h_{l-1}+ε)‖², ε ~ N(0, σ²), W_l held.
    | Reconstruct of sigma: float
    override f.ToString() =
        match f with
        | NoFeedback -> "none"
        | Reconstruct s -> sprintf "‖g_l(f_l(h_{l-1}+ε)) − (h_{l-1}+ε)‖², ε ~ N(0, %g²)" s

/// How a squared local loss (step 4, and the reconstruction loss of step 5) is reduced over the batch.
type LocalLoss =
    /// L_l = (1/B) Σ_b ‖f_l(h_{l-1}) − ĥ_l‖²: Lee et al.'s script (squared errors summed over units, averaged over the batch).
    | MeanSquared
    /// L_l = ½ Σ_b ‖f_l(h_{l-1}) − ĥ_l‖²: with ĥ_l = h_l − η ∂ℓ/∂h_l its gradient is exactly η ∂ℓ/∂W_l.
    | HalfSumSquared
    override l.ToString() =
        match l with
        | MeanSquared -> "(1/B) Σ_b ‖f_l(h_{l-1}) − ĥ_l‖²"
        | HalfSumSquared -> "½ Σ_b ‖f_l(h_{l-1}) − ĥ_l‖²"

/// An optimiser and its hyper-parameters, as a value (lowered to a runtime Optimiser).
type Optimiser =
    /// Centred RMSprop with momentum (Graves 2013; Lee et al. 2015): decay 0.95, momentum 0.9, ε = 1e-3 inside the root.
    | CentredRmsProp of lr: float
    | RmsProp of lr: float
    | Adam of lr: float
    /// SGD with momentum μ (0 for plain SGD).
    | Sgd of lr: float * momentum: float
    override o.ToString() =
        match o with
        | CentredRmsProp lr -> sprintf "centredRmsProp %g" lr
        | RmsProp lr -> sprintf "rmsProp %g" lr
        | Adam lr -> sprintf "adam %g" lr
        | Sgd(lr, m) -> sprintf "sgd %g (momentum %g)" lr m

/// The order of forward and feedback updates.
type Schedule =
    /// Each epoch: one pass of feedback updates over all batches, then one pass of forward updates (Lee et al.'s default).
    | Alternating
    /// Each batch: one forward pass, then both updates.
    | Parallel
    override s.ToString() =
        match s with
        | Alternating -> "alternating"
        | Parallel -> "parallel"

/// The settings a rule's paper ran it with; Model.create starts from them.
type RuleDefaults =
    { ForwardOptimiser: Optimiser
      FeedbackOptimiser: Optimiser
      Schedule: Schedule }

/// A target rule: the choices of steps 2 (Top), 3 (Propagation), 4 (LocalLoss) and 5 (Feedback), plus its
/// paper's settings. Prints as its equations.
type Rule =
    { Name: string
      Top: Top
      Propagation: Propagation
      LocalLoss: LocalLoss
      Feedback: Feedback
      Defaults: RuleDefaults }
    override r.ToString() =
        sprintf "rule %s: %O; %O; local loss %O; feedback %O" r.Name r.Top r.Propagation r.LocalLoss r.Feedback

module Top =
    /// ĥ_L = h_L − η ∂ℓ/∂h_L at the output layer.
    let gradientStep (eta: float) : Top = { Eta = eta; At = Output }
    /// Moves the top target to the last hidden layer; the output layer learns by its own gradient.
    let atLastHidden (t: Top) : Top = { t with At = LastHidden }

module Propagate =
    /// Propagation by an expression, e.g. Propagate.by (below + g target - g here).
    let by (e: Expr) : Propagation = Propagate e
    /// Exact-derivative propagation (back-propagation written as targets).
    let gradient : Propagation = Gradient

module Feedback =
    /// Denoising reconstruction with noise N(0, σ²) on h_{l-1}.
    let reconstruct (sigma: float) : Feedback = Reconstruct sigma
    /// No feedback training.
    let none : Feedback = NoFeedback

module Rule =
    /// Lee et al. 2015's MNIST settings: centred RMSprop, forward lr 0.0148893, feedback lr 0.00501149, alternating.
    let leeDefaults =
        { ForwardOptimiser = CentredRmsProp 0.0148893490317
          FeedbackOptimiser = CentredRmsProp 0.00501149118237
          Schedule = Alternating }

    /// A rule from its parts, with Lee et al.'s local loss and settings as defaults.
    let create (name: string) (top: Top) (propagation: Propagation) (feedback: Feedback) : Rule =
        { Name = name
          Top = top
          Propagation = propagation
          LocalLoss = MeanSquared
          Feedback = feedback
          Defaults = leeDefaults }

    let withPropagation (p: Expr) (r: Rule) = { r with Propagation = Propagate p }
    let withLocalLoss (l: LocalLoss) (r: Rule) = { r with LocalLoss = l }
    let withDefaults (d: RuleDefaults) (r: Rule) = { r with Defaults = d }

/// The rules a user finds ready.
module Rules =
    /// Back-propagation as a target rule: ĥ_L = h_L − ∂ℓ/∂h_L (η = 1) and ĥ_{l-1} = h_{l-1} − ∂ℓ/∂h_{l-1}, with the local
    /// loss ½ Σ_b ‖f_l − ĥ_l‖², so each local update equals ∂ℓ/∂W_l exactly. Lee et al. 2015's BP baseline settings:
    /// centred RMSprop, lr 0.000804437.
    let bp : Rule =
        Rule.create "bp" (Top.gradientStep 1.0) Propagate.gradient Feedback.none
        |> Rule.withLocalLoss HalfSumSquared
        |> Rule.withDefaults
            { ForwardOptimiser = CentredRmsProp 0.000804436870084
              FeedbackOptimiser = CentredRmsProp 0.000804436870084
              Schedule = Parallel }

    /// Target propagation (Bengio 2014), as the baseline of Lee et al. 2015: ĥ_{L-1} = h_{L-1} − η̂ ∂ℓ/∂h_{L-1},
    /// ĥ_{l-1} = g_l(ĥ_l), denoising reconstruction of g_l. Lee et al.'s settings.
    let tp : Rule =
        Rule.create "tp" (Top.gradientStep 0.327736332653 |> Top.atLastHidden) (Propagate.by (g target)) (Feedback.reconstruct 0.359829566008)

    /// Difference target propagation (Lee, Zhang, Fischer, Bengio 2015): ĥ_{L-1} = h_{L-1} − η̂ ∂ℓ/∂h_{L-1} with
    /// η̂ = 0.327736, ĥ_{l-1} = h_{l-1} + g_l(ĥ_l) − g_l(h_l), g_l trained on ‖g_l(f_l(h_{l-1}+ε)) − (h_{l-1}+ε)‖²
    /// with σ = 0.35983; centred RMSprop, forward lr 0.0148893, feedback lr 0.00501149, alternating schedule.
    let dtp : Rule =
        Rule.create "dtp" (Top.gradientStep 0.327736332653 |> Top.atLastHidden)
            (Propagate.by (below + g target - g here)) (Feedback.reconstruct 0.359829566008)

    /// Every preset, by name.
    let all : Rule list = [ bp; tp; dtp ]

    /// A preset by its name, or an error listing the names.
    let tryFind (name: string) : Result<Rule, string> =
        match all |> List.tryFind (fun r -> r.Name = name) with
        | Some r -> Ok r
        | None -> Error(sprintf "no rule named '%s'; the presets are: %s" name (all |> List.map _.Name |> String.concat ", "))
