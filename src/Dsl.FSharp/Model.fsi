namespace TargetProp.Dsl

/// What stands in for a derivative through a discrete or stochastic unit (sign, step, Bernoulli), which has none.
type ThroughDiscrete =
    /// Nothing: the check refuses a rule that would need one, naming the layer, the unit and the rules that work.
    | Refuse
    /// The straight-through estimator: the derivative of the unit's smooth relaxation ρ (Bengio et al. 2013; the
    /// baseline of Lee et al. 2015's stochastic network, and their stochastic top target ĥ = h − η̂ ∂ℓ/∂(sample)).
    | StraightThrough
    /// Zero: credit stops at the unit, so the layers below it do not learn by it (Lee et al.'s "bp through sign",
    /// where W_1 gets no gradient).
    | NoGradient
    /// Train the continuous net, every unit replaced by its relaxation, and evaluate it with the units in place
    /// (Lee et al.'s second baseline for the discrete network).
    | ContinuousTraining

/// How weight matrices W [fan_out × fan_in] are drawn (biases start at zero). Each scheme scales by a gain.
type Init =
    /// Glorot-uniform draws replaced by the nearest orthogonal matrix U·Vᵀ of their SVD, times the gain (Lee et al.
    /// 2015; the default, gain 1).
    | Orthogonal of gain: float
    /// U(±gain·√(6/(fan_in + fan_out))) (Glorot & Bengio 2010; Bartunov et al. 2018).
    | GlorotUniform of gain: float
    /// N(0, gain²·2/(fan_in + fan_out)) (Glorot & Bengio 2010).
    | GlorotNormal of gain: float
    /// U(±a).
    | Uniform of a: float

    /// The F# code that builds it: GlorotUniform 1.0.
    override ToString: unit -> string

/// A stack, a rule and the settings that train it. Prints as the F# that builds it (Model.create stack rule |> ...),
/// followed by the stack's and the rule's equations as comments.
type Model =
    {
        Stack: Stack
        Rule: Rule
        ForwardOptimiser: Optimiser
        FeedbackOptimiser: Optimiser
        Schedule: Schedule
        /// Feedback updates per forward update.
        FeedbackIterations: int
        /// Epochs of feedback-only training before the first forward update.
        FeedbackPretraining: int
        /// Epochs of feedback-only training after each epoch's updates (Meulemans et al. 2020's extra_fb_epochs: 1).
        ExtraFeedbackEpochs: int
        /// What stands in for the derivative of a discrete or stochastic unit (default Refuse).
        ThroughDiscrete: ThroughDiscrete
        /// σ of Gaussian noise added to the input x in training (Lee et al.'s stochastic network: 0.3); 0 for none.
        InputNoise: float
        /// τ of the feedback noise's decay σ_e = σ / (1 + e/τ) in epoch e (Lee et al.: 50 and 100); 0 keeps σ. It applies
        /// to the g_l's losses (ε and η), not to the conditional auto-encoders' noise, which keeps Rule.Conditional.Sigma.
        FeedbackNoiseDecay: float
        /// Samples whose class probabilities are averaged to evaluate a stack with stochastic units (default 100).
        Samples: int
        /// How every weight matrix is drawn (default Orthogonal 1.0).
        Init: Init
    }

    override ToString: unit -> string

/// Making a model, and what the rest of the library reads of its structure.
module Model =
    /// A model with the rule's own default settings (its paper's).
    val create: stack: Stack -> rule: Rule -> Model

    /// The model with another optimiser for the forward weights W_l, b_l.
    val forwardOptimiser: o: Optimiser -> m: Model -> Model

    /// The model with another optimiser for the feedback weights V_l, c_l.
    val feedbackOptimiser: o: Optimiser -> m: Model -> Model

    /// The model with another order of forward and feedback updates.
    val schedule: s: Schedule -> m: Model -> Model

    /// The model with k feedback updates per forward update.
    val feedbackIterations: k: int -> m: Model -> Model

    /// The model with that many epochs of feedback-only training first.
    val feedbackPretraining: epochs: int -> m: Model -> Model

    /// The model with that many epochs of feedback-only training after each epoch's updates.
    val extraFeedbackEpochs: epochs: int -> m: Model -> Model

    /// The model with another stand-in for derivatives through discrete or stochastic units.
    val throughDiscrete: t: ThroughDiscrete -> m: Model -> Model

    /// The model with Gaussian noise of that σ on the input in training.
    val inputNoise: sigma: float -> m: Model -> Model

    /// The model with the feedback noise decaying as σ / (1 + e/τ) over epochs e.
    val feedbackNoiseDecay: tau: float -> m: Model -> Model

    /// The model evaluated by averaging the class probabilities of that many samples (stochastic units only).
    val samples: n: int -> m: Model -> Model

    /// The model with its weights drawn by another scheme.
    val init: i: Init -> m: Model -> Model

    /// Whether layer l (0 < l < L) emits something other than its relaxed value to the layer above in training: a
    /// discrete or stochastic unit, unless the model trains the continuous net.
    val emitsInTraining: m: Model -> l: int -> bool

    /// Whether any layer's unit draws random values.
    val stochastic: m: Model -> bool

    /// L: the number of layers.
    val depth: m: Model -> int

    /// T: the layer whose target is set first, L or L-1 when the rule starts at the last hidden layer.
    val topLayer: m: Model -> int

    /// The highest layer that learns by a local loss: T, except that a label or blend top target leaves the output
    /// layer to learn by its own gradient. Layers above it learn by ∂ℓ/∂W.
    val localTop: m: Model -> int

    /// Whether the output is a softmax layer trained with cross-entropy (otherwise: squared error to the one-hot label).
    val usesCrossEntropy: m: Model -> bool

    /// Whether the output layer's value in target space is the probability p = softmax(a_L) (a label or blend top on
    /// a softmax output) rather than the layer's plain value (logits for softmax).
    val usesProbabilities: m: Model -> bool

    /// Width of layer l's value in target space: the top layer's includes the auxiliary output features.
    val targetWidth: m: Model -> l: int -> int

    /// The spaces of g_l's input, in order: [layer l] by default, [the top] for direct feedback, with side inputs
    /// where the propagation puts them (g (target ++ side "label")).
    val feedbackDomain: m: Model -> Space list

    /// Whether g_l reads the top layer (direct feedback) rather than layer l.
    val directFeedback: m: Model -> bool

    /// The side inputs there are, with their widths: "label", the one-hot label (as wide as the output, built in), and
    /// those the stack declares (sideInput "context" 32), which the data supply.
    val sideInputs: m: Model -> (string * int) list

    /// Width of a side input (0 for a name neither built in nor declared; the check refuses it).
    val sideWidth: m: Model -> name: string -> int

    /// The side inputs layer l's forward map reads, in order: f_l(h, s) = σ(W_l h + U_l s + b_l).
    val layerSides: m: Model -> l: int -> string list

    /// Σ of the widths of the side inputs layer l reads: U_l's column count (0 when it reads none).
    val layerSideWidth: m: Model -> l: int -> int

    /// Every side input something reads (a propagation's g, a forward map), each once, in order of first use.
    val usedSides: m: Model -> string list

    /// The layers l that have a feedback map g_l (l-1 gets its target through the propagation): 2..T, when the
    /// propagation uses g, or when bp's propagation comes with a feedback loss (Rules.bp |> Rule.withFeedback
    /// (Feedback.reconstruct σ)): g_l is then trained beside bp and used by nothing but measures (Diagnostics' recon_l).
    val feedbackLayers: m: Model -> int list

    /// Width of g_l's input: layer l's value (or the top's, for direct feedback) and any side inputs.
    val feedbackInputWidth: m: Model -> l: int -> int

    /// Whether the feedback maps g_l are trained (a feedback loss, and some g_l to train).
    val trainsG: m: Model -> bool

    /// The layers k with a conditional auto-encoder r_k: 1..T-1 when the propagation applies r.
    val conditionalLayers: m: Model -> int list

    /// Width of r_k's input: layer k's and the side inputs beside it.
    val conditionalInputWidth: m: Model -> k: int -> int

    /// Code units of r_k's encoder: the rule's Conditional.Width, or layer k's own width.
    val conditionalWidth: m: Model -> k: int -> int

    /// Whether the feedback updates train anything: the g_l, or the conditional auto-encoders r_k.
    val trainsFeedback: m: Model -> bool

    /// τ of g_l: the rule's fixed choice, or layer l-1's unit (its relaxation for a discrete or stochastic one).
    val feedbackActivation: m: Model -> l: int -> Nonlinearity
