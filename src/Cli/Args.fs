/// The tprop command line, declared with Argu.
module TargetProp.Cli.Args

open Argu

type ScheduleArg =
    | Alternating
    | Parallel
    | Interleaved

type ActivationArg =
    | Tanh
    | Sigmoid
    | Relu
    | Linear
    | Hard_Tanh

type ThroughArg =
    | Straight_Through
    | No_Gradient
    | Continuous

type TrainArgs =
    | Rule of name: string
    | Net of name: string
    | Hidden of layers: string
    | Activation of ActivationArg
    | Straight_Through
    | Through of ThroughArg
    | Data of name_or_folder: string
    | Epochs of n: int
    | Seed of s: int
    | Threads of t: int
    | Batch of b: int
    | Schedule of ScheduleArg
    | Limit_Train of n: int
    | Out of dir: string
    | Force
    | Diagnostics
    | Checkpoint_Every of n: int
    | Checkpoint_Every_Steps of k: int
    | Keep of k: int
    | Resume of dir: string

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Checkpoint_Every _ ->
                "save the run's whole state after every n epochs and after the last (default 1), in <out>/checkpoints."
            | Checkpoint_Every_Steps _ ->
                "also save it after every k batches within an epoch (default: only at epochs' ends); a run resumed from one goes on exactly as if never stopped."
            | Keep _ -> "how many of the newest checkpoints to keep (default 2)."
            | Resume _ ->
                "go on with the run in this folder from its newest checkpoint, with its own options (--epochs and --threads may change): bit for bit as if it had never stopped."
            | Rule _ ->
                "target rule: bp, tp, dtp, sdtp, aoSdtp, ddtpLinear, drl, ldrl or fwDtp (default dtp); `tprop rules` prints their equations."
            | Net _ ->
                "named network with its paper's settings for the rule: lee2015, lee2015-discrete, lee2015-stochastic, bartunov2018-fc, bartunov2018-cifar, meulemans2020, kao2024 or kao2024-cifar; `tprop nets` prints their equations (default: Lee et al.'s 784-240×7-10 sized to the data)."
            | Hidden _ ->
                "hidden layers as COUNTxWIDTH, e.g. 5x256 (default: 7x240, Lee et al.'s); the output is a softmax over the data's classes."
            | Activation _ ->
                "the hidden layers' unit with --hidden: tanh (default), sigmoid, relu, linear or hard-tanh."
            | Straight_Through ->
                "where a rule needs a derivative through a discrete or stochastic unit, use its relaxation's (the straight-through estimator); same as --through straight-through."
            | Through _ ->
                "what stands in for a derivative through a discrete or stochastic unit: straight-through, no-gradient (credit stops there) or continuous (train the continuous net, evaluate with the units). Default: refuse such a rule."
            | Data _ ->
                "data set: digits (bundled, the default), mnist, fashion-mnist, cifar-10, or a folder with the four IDX files or CIFAR-10's binary batches."
            | Epochs _ -> "epochs to train (default 10)."
            | Seed _ -> "seed for initialisation, shuffling and noise (default 1)."
            | Threads _ ->
                "threads (default: the machine's cores, at most 2 per 100 examples of the batch); results do not depend on it."
            | Batch _ -> "examples per batch (default 100)."
            | Schedule _ ->
                "alternating (feedback passes, then a forward pass, each epoch), parallel (both from one forward pass, each batch) or interleaved (feedback, then forward, each batch); default: the rule's own."
            | Limit_Train _ -> "train on the first n training examples only."
            | Out _ -> "folder for metrics.jsonl and metrics.csv (default runs/<rule>-<time>)."
            | Force -> "replace the metrics in an --out folder that already holds a run."
            | Diagnostics ->
                "after each epoch, log per-layer angles to back-propagation's update and to the Gauss–Newton target, g_l's reconstruction error and target moves (on the first 100 training examples)."

type Trans =
    | NN
    | NT
    | TN

type GemmArgs =
    | [<Mandatory>] M of int
    | [<Mandatory>] K of int
    | [<Mandatory>] N of int
    | Trans of Trans
    | Threads of int
    | Cold

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Cold ->
                "B out of cache, as a weight matrix last written a batch ago: each call reads the next of enough copies of B to fill 64 MiB."
            | M _ -> "rows of C."
            | K _ -> "inner dimension."
            | N _ -> "columns of C."
            | Trans _ -> "nn: C = A·B, nt: C = A·Bᵀ, tn: C = Aᵀ·B (default nn)."
            | Threads _ -> "threads (default 1)."

type EpochArgs =
    | Rule of name: string
    | Data of name_or_folder: string
    | Threads of int
    | Seed of int
    | Profile

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Rule _ -> "target rule (default dtp)."
            | Data _ -> "data set (default mnist)."
            | Threads _ -> "threads (default 1)."
            | Seed _ -> "seed (default 1)."
            | Profile ->
                "also print where the epoch's time went: seconds per kind of kernel (GEMM by form, activations, noise, targets, loss, optimiser, gathering the batch, waiting at joins), summed over threads, the GEMM calls by shape with the GFLOP/s each shape reached, and the epoch's floor on this machine (its GEMM at the cores' multiply-add peak plus the other kernels' time)."

type PeakArgs =
    | Threads of int

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Threads _ -> "cores measured at once (default 1)."

type BenchArgs =
    | [<CliPrefix(CliPrefix.None)>] Gemm of ParseResults<GemmArgs>
    | [<CliPrefix(CliPrefix.None)>] Epoch of ParseResults<EpochArgs>
    | [<CliPrefix(CliPrefix.None)>] Peak of ParseResults<PeakArgs>

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Gemm _ -> "GFLOP/s of one GEMM shape; the last line is gflops=<median>."
            | Epoch _ ->
                "one training epoch on Lee et al.'s network, batch 100; the last line is seconds_per_epoch=<s> allocated_bytes_per_step=<n> gflops=<achieved> (bytes per step beyond what an epoch allocates once)."
            | Peak _ ->
                "the float32 multiply-add peak of this machine's cores on the kernels' vector path, the ceiling of every GEMM figure; the last line is gflops=<median>."

type RulesArgs =
    | [<Hidden>] Unused

    interface IArgParserTemplate with
        member _.Usage = ""

type ReportArgs =
    | [<MainCommand; Mandatory>] Folders of run_folder: string list
    | Out of file: string

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Folders _ -> "run folders (each with the metrics.jsonl that tprop train wrote)."
            | Out _ -> "the PNG to write (default: report.png in the first folder)."

type ExperimentArgs =
    | [<MainCommand; Mandatory>] Name of name: string
    | Quick
    | Seeds of k: int
    | Threads of t: int
    | Out of dir: string
    | Redraw

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Name _ -> "the experiment: discrete, stochastic, side-information, deep-chains or please-upper-layers."
            | Quick -> "a check that it runs: the bundled digits, 600 examples, 2 epochs, one seed."
            | Seeds _ -> "seeds of a full run (default 3)."
            | Threads _ -> "threads (default 1); results do not depend on it."
            | Out _ -> "folder for the runs, results.jsonl and the figure (default runs/experiments/<name>)."
            | Redraw -> "train nothing: redraw the figures and the table from the runs already in the --out folder."

type EngineArg =
    | Local
    | Slurm

type ReproduceArgs =
    | [<MainCommand>] Name of name: string
    | List
    | Seeds of k: int
    | Epochs of n: int
    | Threads of t: int
    | On of EngineArg
    | Jobs of n: int
    | Wait
    | Out of dir: string
    | Arm of label: string
    | Rows of labels: string list
    | Seed of k: int
    | Status
    | Collect
    | Resubmit

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Name _ -> "the protocol (tprop reproduce --list names them)."
            | List ->
                "list the protocols: network, data, epochs, what is reported, the paper's numbers and where the settings come from."
            | Seeds _ -> "seeds per rule (default 3)."
            | Epochs _ -> "epochs per run (default: the protocol's)."
            | Threads _ -> "threads per run (default 1); results do not depend on it."
            | On _ ->
                "run the trainings as tasks: local (child processes, --jobs at a time) or slurm (one sbatch job array). Default: one after another in this process."
            | Jobs _ ->
                "tasks at once: processes with --on local (default 2), the array's % limit with --on slurm (default 8)."
            | Wait -> "with --on slurm, block until every task has ended, then collect."
            | Out _ -> "folder for the runs, results.jsonl, summary.md and the figure (default runs/reproduce/<name>)."
            | Arm _ -> "train only this rule of the protocol (with --seed): what each task runs."
            | Rows _ ->
                "run only these rows of the protocol (default: all), e.g. --rows bp \"dtp alternating\"; --status, --collect and --resubmit keep to them."
            | Seed _ -> "the seed of the one run --arm trains."
            | Status -> "report the tasks of the --out folder: done, failed (with the end of its log), queued, missing."
            | Collect ->
                "gather the runs in the --out folder into results.jsonl, summary.md and the figure, without training."
            | Resubmit -> "run again the tasks of the --out folder that failed or are missing, on --on's engine."

type SweepArgs =
    | [<MainCommand; Mandatory>] Words of words: string list
    | On of EngineArg
    | Jobs of n: int
    | Wait
    | Out of dir: string
    | Threads of t: int

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Words _ ->
                "SPEC.json to start a search (examples/sweeps/); status DIR, collect DIR or resubmit DIR to follow one."
            | On _ -> "local (child processes, the default) or slurm (one sbatch job array, a task per trial)."
            | Jobs _ ->
                "trials at once: processes with --on local (default 2), the array's % limit with --on slurm (default 8)."
            | Wait -> "with --on slurm, block until every trial has ended, then collect."
            | Out _ -> "folder for the trials and the results (default runs/sweeps/<name>)."
            | Threads _ -> "threads per trial (default 1); results do not depend on it."

type NetsArgs =
    | [<Hidden>] Unused

    interface IArgParserTemplate with
        member _.Usage = ""

[<RequireSubcommand>]
type TpropArgs =
    | [<CliPrefix(CliPrefix.None)>] Train of ParseResults<TrainArgs>
    | [<CliPrefix(CliPrefix.None)>] Rules of ParseResults<RulesArgs>
    | [<CliPrefix(CliPrefix.None)>] Nets of ParseResults<NetsArgs>
    | [<CliPrefix(CliPrefix.None)>] Report of ParseResults<ReportArgs>
    | [<CliPrefix(CliPrefix.None)>] Experiment of ParseResults<ExperimentArgs>
    | [<CliPrefix(CliPrefix.None)>] Reproduce of ParseResults<ReproduceArgs>
    | [<CliPrefix(CliPrefix.None)>] Sweep of ParseResults<SweepArgs>
    | [<CliPrefix(CliPrefix.None)>] Bench of ParseResults<BenchArgs>

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Train _ -> "train a model with a target rule and log each epoch."
            | Bench _ -> "measure speed: a GEMM shape, or a training epoch."
            | Rules _ -> "list the preset rules with their equations."
            | Nets _ -> "list the named networks with their equations and sources."
            | Report _ ->
                "draw runs to a PNG: error and loss per epoch, per-layer diagnostics, runs overlaid, seeds as mean ± std."
            | Experiment _ ->
                "run one of the seed's conjectures as an experiment: its runs, results.jsonl, a figure and a table."
            | Reproduce _ -> "run a paper's protocol over seeds and print our test error beside the paper's."
            | Sweep _ ->
                "search settings on a validation split: random or grid trials, as local processes or a Slurm job array."
