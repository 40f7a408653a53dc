namespace TargetProp.Dsl

open FsCheck

/// A small model's shape and one batch for it, drawn from a seed: what a law is checked on.
type Case =
    {
        Seed: int
        Input: int
        Widths: int list
        Hidden: Nonlinearity
        Output: Nonlinearity
        Rows: int
        /// Spare rows in the compiled plan beyond this batch (a partial last batch).
        Spare: int
        /// Moves a gradient-step top target to the output (otherwise it stays where the rule puts it).
        TopAtOutput: bool
        Optimiser: Optimiser
        /// What stands in for derivatives through discrete or stochastic hidden units.
        Through: ThroughDiscrete
        /// Width of a declared side input "context" that layer 1 and the output layer read (0: none).
        Context: int
    }

    /// The case as the F# record expression that builds it, on one line.
    override ToString: unit -> string

/// A short training run for the multi-step oracle (Laws.trainedEqualsReference): a case, whose optimiser trains the
/// forward weights and whose Rows are the batch size, and how the run is scheduled.
type Training =
    {
        Case: Case
        FeedbackOptimiser: Optimiser
        Schedule: Schedule
        FeedbackIterations: int
        FeedbackPretraining: int
        /// Feedback-only epochs after each epoch.
        ExtraFeedbackEpochs: int
        /// Training examples: three or more batches, the last one partial when Examples is not a multiple of Rows.
        Examples: int
        Epochs: int
        /// σ of the input noise in training (0: none).
        InputNoise: float
        /// τ of the feedback noise's decay over epochs (0: none).
        NoiseDecay: float
    }

    /// The run as the F# record expression that builds it, on one line.
    override ToString: unit -> string

/// Laws any target rule can be checked against, as FsCheck properties (DESIGN.md §4). Each law is a function
/// Rule → Case → bool, checked on generated cases by Laws.property; a failing case prints the call that replays it
/// (Laws.fixedPoint rule { Seed = ...; ... }). Laws run on the float64 reference, except compiledEqualsReference.
module Laws =
    /// Generators: shape first (2–4 layers of 1–9 units), then bounded values from the case's seed.
    module Generate =
        /// Cases with hidden layers from `activations` and batches of minRows..maxRows rows.
        val cases: activations: Nonlinearity list -> minRows: int * maxRows: int -> Gen<Case>

        /// Every hidden activation (a steep tanh(3a) among them), batches of 1–7 rows.
        val small: Gen<Case>

        /// As small, with the steep unit at gain 1.5: for comparisons over many updates, where a gain k multiplies the
        /// float32 rounding carried through each layer by up to k at every step (at gain 3, sixty updates left the
        /// bound of Laws.trainedEqualsReference in a case where forty stayed within it).
        val trainable: Gen<Case>

        /// Smooth hidden activations only (no ReLU kinks), batches of 1–7 rows.
        val smooth: Gen<Case>

        /// Discrete, stochastic and piecewise-linear hidden units (sign, step, Bernoulli, hardTanh), batches of 1–7
        /// rows, each with a stand-in for their derivatives (straight-through, none, or continuous training).
        val discrete: Gen<Case>

        /// Rules composed from parts: a top target (a gradient step of size η at the output or at L-1, the label, a
        /// blend of weight β), a propagation (a·below + b·g target − c·g here, inversion, difference, direct, difference
        /// with a noise term, difference gated element-wise by g here, the conditional auto-encoder's target given the
        /// label, alone or mixed half and half with difference, and r below mixed with below) and a feedback training (reconstruction,
        /// denoising, DRL, L-DRL, none), a third of them with every g conditioned on the label and a quarter with g
        /// reading its input through sign. Some compositions are
        /// invalid on some stacks; the model check says which (Check.run).
        val rules: Gen<Rule>

        /// The optimisers a run is drawn with: SGD with and without momentum, centred RMSprop, RMSprop and Adam.
        val optimisers: Optimiser list

        /// Training runs on the schedule: distinct forward and feedback optimisers, 1–3 feedback iterations, at times
        /// a pre-training epoch, 3–4 batches with at times a partial one, 1–2 epochs, at times input noise and a decaying
        /// feedback noise.
        val trainings: schedule: Schedule -> cases: Gen<Case> -> Gen<Training>

    /// The case's stack: its hidden widths, then an output of at least 2 units.
    val stack: c: Case -> Stack

    /// The rule on the case's stack, trained by the case's optimiser with the parallel schedule, one feedback
    /// iteration and no pre-training (one step updates both sides from the same forward pass). Auxiliary output features shrink to 3 on these small stacks.
    val model: rule: Rule -> c: Case -> Model

    /// The batch: inputs in [0, 1) and labels below the output width.
    val batch: c: Case -> float32[] * int[]

    /// The noise keys of a plan's first step.
    val draws: c: Case -> Reference.Draws

    /// The case's "context" side input values [Rows × Context] (empty without one), drawn from its seed.
    val context: c: Case -> float32[]

    /// Fixed point: a top target equal to the top value gives every target equal to its value, and no layer below
    /// the top moves (its local gradient is 0).
    val fixedPoint: rule: Rule -> c: Case -> bool

    /// Difference correction (Lee et al. 2015): at any layer, ĥ_l = h_l gives ĥ_{l-1} = h_{l-1}, whatever g_l is.
    val differenceCorrection: rule: Rule -> c: Case -> bool

    /// bp equivalence: the rule's local weight gradients equal ∂ℓ/∂W_l, by central finite differences (one-sided at
    /// a ReLU kink, where ℓ has no derivative).
    val bpEquivalence: rule: Rule -> c: Case -> bool

    /// Linear inverse (layer-wise rules): on linear layers of equal width whose g_l is the exact inverse f_l⁻¹ (V_l = W_l⁻¹,
    /// c_l = −W_l⁻¹b_l), the rule's targets equal those of inversion ĥ_{l-1} = g_l(ĥ_l) (tp) from the same top target.
    val linearInverse: rule: Rule -> c: Case -> bool

    /// Reconstruction: at each trained layer, a small gradient step on V_l and c_l alone lowers g_l's feedback loss
    /// (with the same noise draw): some step of length 10⁻⁴ … 10⁻¹² along −∇ does, unless ∇ is 0. Fails when the
    /// model has feedback maps that do not learn. For smooth activations: at a ReLU kink the (sub)gradient need not
    /// point downhill.
    val reconstruction: rule: Rule -> c: Case -> bool

    /// Descent: the rule's forward update has a positive inner product with −∇ℓ: Σ_l ⟨∂L_l/∂W_l, ∂ℓ/∂W_l⟩ > 0 (or ∇ℓ = 0). For a
    /// small top step this holds for bp; for other rules it holds on a fraction of networks (Laws.fraction).
    val descent: rule: Rule -> c: Case -> bool

    /// One compiled step of the parallel schedule on `threads` threads: the initial parameters and the updated ones.
    val compiledStep: threads: int -> rule: Rule -> c: Case -> Parameters * Parameters

    /// Compiled plan equals reference: one compiled step of the parallel schedule changes every parameter as the
    /// float64 reference does, within float32 accuracy.
    val compiledEqualsReference: rule: Rule -> c: Case -> bool

    /// The model of a training run: the rule on the case's stack with the run's optimisers and schedule.
    val trainingModel: rule: Rule -> t: Training -> Model

    /// A training run's data (inputs in [0, 1), labels below the output width; two test examples) and its starting
    /// parameters: Parameters.init with every bias drawn from ±0.2, so that biases matter from the first step.
    val trainingSetup: rule: Rule -> t: Training -> Model * TargetProp.Runtime.Data.DataSet * Parameters

    /// Multi-step oracle: a whole training run of the compiled plan, driven by Train (pre-training, epochs, schedule,
    /// feedback iterations, data order), ends with the parameters the float64 reference reaches from the same start
    /// and data order, within float32 accuracy accumulated over the run's updates. Error with the reference's caveat
    /// when float32 cannot follow the run (ReferenceTraining.Outcome.Caveat), or, for a run that disagrees, when the
    /// reference is ill-conditioned there: its end moves a quarter of the way to the bound when the starting weights
    /// move by one ulp, when Adam's and RMSprop's cancelled gradients carry float32's residue, or when gradients and
    /// parameters are held in float32 (ReferenceTraining.runWith).
    val trainingAgreesWithReference: rule: Rule -> t: Training -> Result<bool, string>

    /// trainingAgreesWithReference as a law: holds where the run agrees, or where float32 cannot follow it.
    val trainedEqualsReference: rule: Rule -> t: Training -> bool

    /// The law as an FsCheck property over cases; a failing case is labelled with the line that replays it.
    val propertyOn: cases: Gen<Case> -> name: string -> law: (Rule -> Case -> bool) -> rule: Rule -> Property

    /// The law over Generate.small cases.
    val property: name: string -> law: (Rule -> Case -> bool) -> rule: Rule -> Property

    /// The fraction of n generated cases (from a fixed seed) on which the law holds: for laws that hold only for
    /// some networks, such as descent for rules other than bp.
    val fraction: n: int -> law: (Rule -> Case -> bool) -> rule: Rule -> float
