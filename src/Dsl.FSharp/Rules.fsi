namespace TargetProp.Dsl

/// Where the first target is set.
type TopAt =
    /// ĥ_L at the output layer (for a softmax output trained toward a gradient step, on the logits a_L).
    | Output
    /// ĥ_{L-1} at the last hidden layer; the output layer then learns by its own gradient ∂ℓ/∂W_L (Lee et al. 2015).
    | LastHidden

/// What the first target is.
type TopTarget =
    /// ĥ = h − η ∂ℓ/∂h, ℓ the batch-mean loss.
    | GradientStep of eta: float
    /// ĥ_L = y, the one-hot label (for a softmax output, in probability space: the layer's value is then p = softmax(a_L)).
    /// No gradient; the output layer learns by its own gradient (Bartunov et al. 2018).
    | Label
    /// ĥ_L = h_L + β(y − h_L): a step of size β toward the label (in probability space for a softmax output).
    | Blend of beta: float

/// Step 2 of a training step: the top target, where it is set, and any auxiliary output features.
type Top =
    {
        Target: TopTarget
        At: TopAt
        /// k > 0 appends k fixed random features z = tanh(A h_{L-1}) to the output layer's value, with target z
        /// (Bartunov et al. 2018's auxiliary output, AO-SDTP): g_L then sees [h_L, z] and can carry more of h_{L-1}.
        Auxiliary: int
    }

    /// The F# code that builds it: Top.gradientStep 0.327736332653 |> Top.atLastHidden.
    override ToString: unit -> string
    /// Its equation, as the papers write it.
    member Equation: string

/// Step 3: how targets move down from layer l to layer l-1.
type Propagation =
    /// ĥ_{l-1} = h_{l-1} − (σ'_l ⊙ (h_l − ĥ_l)) W_l: exact derivatives, so ĥ_{l-1} = h_{l-1} − η ∂ℓ/∂h_{l-1} (back-propagation).
    | Gradient
    /// ĥ_{l-1} = the expression, evaluated with layer l's g_l.
    | Propagate of Expr

    /// The F# code that builds it: Propagate.by (below + g target - g here), or Propagate.gradient.
    override ToString: unit -> string
    /// Its equation, as the papers write it.
    member Equation: string

/// What a reconstruction loss pulls g_l(f_l(h_{l-1}+ε)) toward.
type ReconstructionTarget =
    /// h_{l-1} + ε, the corrupted input itself (Lee et al. 2015's script: "noise-preserving").
    | NoisyInput
    /// h_{l-1}, the clean input (a denoising auto-encoder, Bengio 2014; Bartunov et al. 2018).
    | CleanInput

/// Step 5: how each feedback map g_l(v) = τ_{l-1}(V_l v + c_l) learns. ε ~ N(0, σ²) on h_{l-1}.
type Feedback =
    /// g_l is not trained: fixed at its initial value (fixed random feedback weights when the propagation uses g,
    /// Shibuya et al. 2023), or unused.
    | NoFeedback
    /// ‖g_l(f_l(h_{l-1}+ε)) − r‖², r = h_{l-1}+ε or h_{l-1}: reconstruction (for a direct g_l, f_l is the whole
    /// forward path from layer l-1 to the top).
    | Reconstruct of sigma: float * target: ReconstructionTarget
    /// Difference reconstruction loss (Meulemans et al. 2020): ‖ĥ^ε_{l-1} − (h_{l-1}+ε)‖² + λ‖g_l(h_l + η) − g_l(h_l)‖²/σ²·σ²
    /// where ĥ^ε_{l-1} is the rule's own propagation down to layer l-1 from the top target f_{T←l-1}(h_{l-1}+ε)
    /// (only g_l learns from it).
    | Drl of sigma: float * lambda: float
    /// Local difference reconstruction loss (Ernoult et al. 2022):
    /// −2εᵀ(g_l(f_l(h_{l-1}+ε)) − g_l(h_l)) + ‖g_l(h_l + η) − g_l(h_l)‖², η ~ N(0, σ²) on h_l.
    | Ldrl of sigma: float

    /// The F# code that builds it: Feedback.reconstruct 0.359829566008.
    override ToString: unit -> string
    /// Its equation, as the papers write it.
    member Equation: string

/// How a squared local loss (step 4, and the reconstruction loss of step 5) is reduced over the batch.
type LocalLoss =
    /// L_l = (1/B) Σ_b ‖f_l(h_{l-1}) − ĥ_l‖²: Lee et al.'s script (squared errors summed over units, averaged over the batch).
    | MeanSquared
    /// L_l = ½ Σ_b ‖f_l(h_{l-1}) − ĥ_l‖²: with ĥ_l = h_l − η ∂ℓ/∂h_l its gradient is exactly η ∂ℓ/∂W_l.
    | HalfSumSquared

    /// The F# code that builds it: MeanSquared or HalfSumSquared.
    override ToString: unit -> string
    /// Its equation, as the papers write it.
    member Equation: string

/// An optimiser and its hyper-parameters, as a value (lowered to a runtime Optimiser).
type Optimiser =
    /// Centred RMSprop with momentum (Graves 2013; Lee et al. 2015): decay 0.95, momentum 0.9, ε = 1e-3 inside the root.
    | CentredRmsProp of lr: float
    | RmsProp of lr: float
    /// Adam (Kingma & Ba 2015) with β₁ = 0.9, β₂ = 0.999, ε = 10⁻⁸.
    | Adam of lr: float
    /// Adam with its own β₁, β₂ and ε (Meulemans et al. 2020 search ε; Adam lr is AdamWith(lr, 0.9, 0.999, 1e-8)).
    | AdamWith of lr: float * beta1: float * beta2: float * epsilon: float
    /// SGD with momentum μ (0 for plain SGD).
    | Sgd of lr: float * momentum: float
    /// The optimiser stepping on g + λp instead of g: L2 weight decay coupled to the gradient, on every parameter the
    /// optimiser updates (PyTorch's weight_decay). Per part: the forward and the feedback optimiser each have their own.
    | WeightDecay of lambda: float * Optimiser

    /// The F# code that builds it: CentredRmsProp 0.0148893490317, Sgd(0.1, 0.9), WeightDecay(1e-5, Adam 0.001).
    override ToString: unit -> string

/// Optimisers' settings.
module Optimiser =
    /// The optimiser with L2 weight decay λ: it steps on g + λp.
    val withWeightDecay: lambda: float -> o: Optimiser -> Optimiser

    /// The same optimiser with another learning rate.
    val withLearningRate: lr: float -> o: Optimiser -> Optimiser

    /// Its learning rate.
    val learningRate: o: Optimiser -> float

    /// Its weight decay λ (0 for none).
    val weightDecay: o: Optimiser -> float

/// The order of forward and feedback updates.
type Schedule =
    /// Each epoch: passes of feedback updates over all batches, then one pass of forward updates (Lee et al.'s default).
    | Alternating
    /// Each batch: one forward pass, then both updates from it (extra feedback iterations follow on the same batch).
    | Parallel
    /// Each batch: the feedback updates, then the forward update (Ernoult et al. 2022).
    | Interleaved

    /// The F# code that builds it: Alternating, Parallel or Interleaved.
    override ToString: unit -> string

/// The settings a rule's paper ran it with; Model.create starts from them.
type RuleDefaults =
    {
        ForwardOptimiser: Optimiser
        FeedbackOptimiser: Optimiser
        Schedule: Schedule
        /// Feedback updates per forward update (per batch, or per epoch pass for the alternating schedule).
        FeedbackIterations: int
        /// Epochs of feedback-only training before the first forward update.
        FeedbackPretraining: int
    }

/// The conditional auto-encoders r_k(h_k, s) = d_k(e_k(h_k + ε, s)) of a propagation that applies r: e_k = tanh(E_k x +
/// e_k0) with Width units (0: as many as layer k), d_k = ρ_k(D_k e + d_k0) in layer k's space, trained in the feedback
/// updates on ‖r_k(h_k + ε, s) − h_k‖², ε ~ N(0, Sigma²), by Optimiser (None: the feedback optimiser, g's).
type ConditionalCoder =
    { Width: int
      Sigma: float
      Optimiser: Optimiser option }

/// A target rule: the choices of steps 2 (Top), 3 (Propagation), 4 (LocalLoss) and 5 (Feedback), plus its
/// paper's settings. Prints as the F# that builds it.
type Rule =
    {
        Name: string
        Top: Top
        Propagation: Propagation
        LocalLoss: LocalLoss
        Feedback: Feedback
        /// τ in g_l(v) = τ(V_l v + c_l): None for layer l-1's own unit (its relaxation; g_l then lands in h_{l-1}'s range), or a
        /// fixed one (Linear for Meulemans et al.'s DDTP-linear).
        FeedbackActivation: Nonlinearity option
        /// u in g_l(v) = τ(V_l u(v) + c_l): the unit g_l reads its input through, Linear (none) by default, Sign for
        /// Lee et al.'s discrete network (g_2(h_2) = tanh(V_2 sign(h_2) + c_2)). Linear, Sign or Step. It applies to g's
        /// whole input, side inputs beside the value included (a one-hot label y becomes 2y − 1 under Sign).
        FeedbackInput: Nonlinearity
        /// The conditional auto-encoders, for a propagation that applies r.
        Conditional: ConditionalCoder
        Defaults: RuleDefaults
    }

    /// The F# code that builds it, on one line: Rule.create "dtp" (...) (...) (...) |> Rule.with... for each setting that differs.
    override ToString: unit -> string
    /// Its equation, as the papers write it.
    member Equation: string

/// Step 2: the first target.
module Top =
    /// ĥ_L = h_L − η ∂ℓ/∂h_L at the output layer.
    val gradientStep: eta: float -> Top

    /// ĥ_L = y: the label itself, no gradient (Bartunov et al. 2018).
    val label: Top

    /// ĥ_L = h_L + β(y − h_L): a step toward the label.
    val blend: beta: float -> Top

    /// Moves the top target to the last hidden layer; the output layer learns by its own gradient.
    val atLastHidden: t: Top -> Top

    /// Appends k fixed random auxiliary features to the output layer's value (AO-SDTP).
    val withAuxiliary: k: int -> t: Top -> Top

    /// The top target with another step: η of a gradient step, β of a blend; a label has none and is returned as is.
    val withStep: step: float -> t: Top -> Top

/// Step 3: how targets move down.
module Propagate =
    /// Propagation by an expression, e.g. Propagate.by (below + g target - g here).
    val by: e: Expr -> Propagation

    /// Exact-derivative propagation (back-propagation written as targets).
    val gradient: Propagation

    /// ĥ_{l-1} = g_l(ĥ_l): g as an approximate inverse (Bengio 2014).
    val invert: Propagation

    /// ĥ_{l-1} = h_{l-1} + g_l(ĥ_l) − g_l(h_l) (Lee et al. 2015).
    val difference: Propagation

    /// ĥ_{l-1} = h_{l-1} + g_l(ĥ_L) − g_l(h_L): direct feedback from the top (Meulemans et al. 2020).
    val direct: Propagation

/// Targets composed from parts: the conditional auto-encoder's, and mixtures.
module Target =
    /// ĥ_{l-1} = r_{l-1}(h_{l-1}, s): layer l-1's conditional auto-encoder's reconstruction given the side input s.
    val conditional: name: string -> Propagation

    /// ĥ_{l-1} = β·a + (1 − β)·b for two propagations by expressions, e.g. Target.mix 0.5 (Target.conditional "label")
    /// Propagate.difference.
    val mix: beta: float -> a: Propagation -> b: Propagation -> Propagation

/// Step 5: how each g_l learns.
module Feedback =
    /// Reconstruction of the corrupted input: ‖g_l(f_l(h_{l-1}+ε)) − (h_{l-1}+ε)‖² (Lee et al. 2015).
    val reconstruct: sigma: float -> Feedback

    /// Denoising reconstruction of the clean input: ‖g_l(f_l(h_{l-1}+ε)) − h_{l-1}‖² (Bengio 2014).
    val denoise: sigma: float -> Feedback

    /// Difference reconstruction loss with noise σ and regularisation λ (Meulemans et al. 2020).
    val drl: sigma: float -> lambda: float -> Feedback

    /// Local difference reconstruction loss with noise σ (Ernoult et al. 2022).
    val ldrl: sigma: float -> Feedback

    /// No feedback training: g_l keeps its initial (random) weights.
    val fixedRandom: Feedback

    /// No feedback training.
    val none: Feedback

    /// The feedback training with another noise σ (no feedback training has none and is returned as is).
    val withSigma: sigma: float -> f: Feedback -> Feedback

/// Rules from parts, and their settings.
module Rule =
    /// Lee et al. 2015's MNIST settings: centred RMSprop, forward lr 0.0148893, feedback lr 0.00501149, alternating.
    val leeDefaults: RuleDefaults

    /// A rule from its parts, with Lee et al.'s local loss and settings as defaults.
    val create: name: string -> top: Top -> propagation: Propagation -> feedback: Feedback -> Rule

    /// The rule under another name.
    val withName: name: string -> r: Rule -> Rule

    /// The rule with another top target (step 2).
    val withTop: t: Top -> r: Rule -> Rule

    /// The rule with another propagation expression (step 3).
    val withPropagation: p: Expr -> r: Rule -> Rule

    /// The rule with another feedback training (step 5).
    val withFeedback: f: Feedback -> r: Rule -> Rule

    /// The rule with another reduction of its squared losses (step 4).
    val withLocalLoss: l: LocalLoss -> r: Rule -> Rule

    /// The rule with a fixed τ for every g_l (Linear for DDTP-linear).
    val withFeedbackActivation: a: Nonlinearity -> r: Rule -> Rule

    /// The rule with every g_l reading its input through a unit: g_l(v) = τ(V_l u(v) + c_l) (Sign or Step).
    val withFeedbackInput: u: Nonlinearity -> r: Rule -> Rule

    /// The rule with conditional auto-encoders of `width` code units (0: the layer's own width) trained with noise σ.
    val withConditional: width: int -> sigma: float -> r: Rule -> Rule

    /// The rule with its conditional auto-encoders trained by their own optimiser (by default they share g's).
    val withConditionalOptimiser: o: Optimiser -> r: Rule -> Rule

    /// Every g_l of the propagation also reads the side input (g x becomes g (x ++ side name)): targets conditioned
    /// on it, e.g. on the label.
    val conditionedOn: name: string -> r: Rule -> Rule

    /// The rule with other paper settings.
    val withDefaults: d: RuleDefaults -> r: Rule -> Rule
