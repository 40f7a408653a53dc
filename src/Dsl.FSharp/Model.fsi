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

    /// The side inputs the data provide, with their widths: "label", the one-hot label (as wide as the output).
    val sideInputs: m: Model -> (string * int) list

    /// Width of a side input (0 for a name the data do not provide; the check refuses it).
    val sideWidth: m: Model -> name: string -> int

    /// The layers l that have a feedback map g_l (l-1 gets its target through the propagation): 2..T, when the
    /// propagation uses g.
    val feedbackLayers: m: Model -> int list

    /// Width of g_l's input: layer l's value (or the top's, for direct feedback) and any side inputs.
    val feedbackInputWidth: m: Model -> l: int -> int

    /// Whether the feedback maps are trained.
    val trainsFeedback: m: Model -> bool

    /// τ of g_l: the rule's fixed choice, or layer l-1's activation.
    val feedbackActivation: m: Model -> l: int -> Nonlinearity
