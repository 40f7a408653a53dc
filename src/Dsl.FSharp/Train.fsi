namespace TargetProp.Dsl

open TargetProp.Runtime
open TargetProp.Runtime.Data

/// How a run is driven. The same Seed and Threads give the same numbers.
type TrainConfig =
    {
        Epochs: int
        Batch: int
        Seed: int
        Threads: int
        /// Use only the first n training examples (None: all).
        LimitTrain: int option
        /// Hold out the last n of those training examples as a validation split (0: none): the run trains on the others
        /// and measures its error on these after every epoch (Lee et al. train on the first 50,000 MNIST images and
        /// validate on the last 10,000).
        Validation: int
        /// Measure the per-layer diagnostics (Diagnostics.names) after every epoch.
        Diagnostics: bool
    }

/// What one epoch measured. Errors are fractions in [0, 1]; Seconds is the epoch's training wall time (evaluation excluded).
type EpochMetrics =
    {
        Epoch: int
        TrainLoss: float
        TrainError: float
        TestError: float
        /// The error on the validation split, when the run holds one out.
        ValidationError: float option
        Seconds: float
        /// Diagnostics.names with their values, when the run measures them.
        Diagnostics: (string * float) list
    }

/// A finished run: the per-epoch metrics and the trained parameters.
type Run =
    { Model: Model
      Config: TrainConfig
      Data: string
      Epochs: EpochMetrics list
      Parameters: Parameters }

/// What a run does beside training: after each epoch n, measures of its own taken from n and the parameters (logged
/// beside the diagnostics: a linear probe's error per layer, say), then the epoch's metrics handed on, then whether to
/// stop before TrainConfig.Epochs (a wall-time budget, say: EpochMetrics.Seconds sums the training time).
type Hooks =
    {
        Measure: (int -> Parameters -> (string * float) list) option
        OnEpoch: EpochMetrics -> unit
        Stop: EpochMetrics list -> bool
        /// After each batch of an epoch's forward updates: the epoch, the examples done and to do, and the running mean
        /// loss (for a progress bar).
        OnBatch: (int -> int -> int -> float -> unit) option
    }

/// Where a run saves its state: a checkpoint (Checkpoint) in Folder after every `Every` epochs and after the last,
/// and with EverySteps = Some k after every k batches within an epoch (or the feedback pre-training), keeping the
/// newest `Keep`. A run resumed from any of them goes on exactly as if never stopped.
type Checkpointing =
    { Folder: string
      Every: int
      EverySteps: int option
      Keep: int }

/// The training loop: the schedule's passes over shuffled batches, metrics per epoch, and the checks of the settings.
module Train =
    /// Lee et al.'s batch of 100, one thread, seed 1, 10 epochs.
    val defaults: TrainConfig

    /// Refuses settings and data that cannot train the model (a TrainingException saying what to change), among them
    /// a declared side input the data do not supply, or supply at another width.
    val validate: c: TrainConfig -> checkedModel: CheckedModel -> d: DataSet -> unit

    /// The data order of `epochs` successive epochs over `count` examples: each a Fisher–Yates shuffle of the one
    /// before (the first of 0..count-1), drawn from the seed alone. Feedback pre-training epochs come first; each
    /// epoch's extra feedback epochs (Model.ExtraFeedbackEpochs) follow it.
    val orders: seed: int -> count: int -> epochs: int -> int[] list

    /// An epoch as passes over the data, each pass running its phases on every batch in turn: the schedule with its
    /// feedback iterations. The last pass holds the forward updates.
    val passes: m: Model -> plan: Plan -> Op[] list list

    /// The checked model, or a ModelException listing every error in it.
    val check: m: Model -> CheckedModel

    /// One epoch of updates over the first `count` examples in `order`, by the model's schedule. The tally in the
    /// executor's context then holds the loss and errors of the forward updates.
    val epoch: m: Model -> ex: Executor -> d: DataSet -> order: int[] -> count: int -> unit

    /// One epoch of feedback-only updates (pre-training of the g_l before any forward update).
    val feedbackEpoch: m: Model -> ex: Executor -> d: DataSet -> order: int[] -> count: int -> unit

    /// GEMM floating-point operations of one epoch over `count` examples.
    val epochFlops: m: Model -> plan: Plan -> count: int -> int64

    /// Compiles the model (raising ModelException with every error if it has any).
    val compile: batch: int -> m: Model -> Compiled

    /// The fraction of `count` examples of a split (the test split when `test`, else the training one), taken in
    /// `order` a batch at a time through the plan's Predict phase, that the plan classifies wrongly.
    val errorOn: ex: Executor -> d: DataSet -> test: bool -> order: int[] -> count: int -> float

    /// Trains the model from parameters p0, calling onEpoch after each epoch. A diverging run stops with a
    /// DivergedException that says what to change; settings and data that cannot train it, with a TrainingException.
    val runFrom: p0: Parameters -> onEpoch: (EpochMetrics -> unit) -> c: TrainConfig -> m: Model -> d: DataSet -> Run

    /// Trains the model from parameters drawn from the seed (Parameters.init), calling onEpoch after each epoch.
    val runWith: onEpoch: (EpochMetrics -> unit) -> c: TrainConfig -> m: Model -> d: DataSet -> Run

    /// Hooks that measure nothing more, call onEpoch, and never stop early.
    val hooks: onEpoch: (EpochMetrics -> unit) -> Hooks

    /// Trains the model from parameters drawn from the seed, with the hooks.
    val runHooked: h: Hooks -> c: TrainConfig -> m: Model -> d: DataSet -> Run

    /// Trains with the hooks, saving checkpoints as `ck` says; with `resume`, from that checkpoint's state instead of
    /// the seed's (its model, data, seed and batch must be this run's: a CheckpointException says what differs), the
    /// epochs it holds skipped, so the run goes on bit for bit as if it had never stopped (with the same thread count,
    /// or any: results do not depend on it). EpochMetrics of the resumed epochs only are returned and handed on.
    val runCheckpointed:
        h: Hooks -> ck: Checkpointing -> resume: string option -> c: TrainConfig -> m: Model -> d: DataSet -> Run

    /// Trains without a per-epoch callback.
    val run: c: TrainConfig -> m: Model -> d: DataSet -> Run
