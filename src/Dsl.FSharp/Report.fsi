namespace TargetProp.Dsl

/// Run logs: one JSON object per epoch (JSON Lines) and a CSV beside it; figures of runs as PNG.
module Report =
    /// One epoch as a JSON object with stable field names (epoch, train_loss, train_error, test_error, validation_error when the
    /// run holds a validation split out, seconds, rule, net, data, seed, threads, batch), the diagnostics (if any) after them.
    val jsonLine: rule: string -> net: string -> data: string -> c: TrainConfig -> e: EpochMetrics -> string

    /// A PNG figure, 800 pixels wide, of the runs in these folders (their metrics.jsonl): test and train error and loss
    /// per epoch, the per-layer diagnostics when logged, runs overlaid with a legend naming rule, network and seed, and
    /// runs that differ only by seed drawn as their mean ± one standard deviation.
    val plot: out: string -> folders: string list -> unit

    /// One epoch as a progress line: "epoch   2/10  train loss 0.4120  train error  11.60 %  test error  10.20 %  1.27 s".
    val epochLine: epochs: int -> e: EpochMetrics -> string

    /// The CSV header (validation_error is empty in the rows of a run without a validation split), with the
    /// diagnostics' names when the run measures them.
    val csvHeader: diagnostics: string list -> string

    /// One epoch as a CSV row under csvHeader, numbers in round-trip form.
    val csvLine: e: EpochMetrics -> string

    /// Appends a line to a log, creating it if needed; a line is written whole and flushed before returning.
    val append: path: string -> line: string -> unit

    /// Keeps the lines of a metrics.jsonl or metrics.csv for epochs up to `epoch` (a CSV's header too), dropping later
    /// ones: a run resumed from a checkpoint of that epoch logs the rest again.
    val keepEpochs: path: string -> epoch: int -> unit

    /// Writes text (UTF-8) to path through a temporary file, fsync and a rename (DurableFile), so an existing file is
    /// never left half-written; a failed write (a full disk) leaves no temporary file and says which file it was.
    val writeAtomic: path: string -> text: string -> unit
