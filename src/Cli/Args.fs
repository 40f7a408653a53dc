/// The tprop command line, declared with Argu.
module TargetProp.Cli.Args

open Argu

type ScheduleArg =
    | Alternating
    | Parallel

type TrainArgs =
    | Rule of name: string
    | Data of name_or_folder: string
    | Epochs of n: int
    | Seed of s: int
    | Threads of t: int
    | Batch of b: int
    | Schedule of ScheduleArg
    | Limit_Train of n: int
    | Out of dir: string
    | Force
    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Rule _ -> "target rule: bp, tp or dtp (default dtp)."
            | Data _ -> "data set: digits (bundled, the default), mnist, fashion-mnist, or a folder with the four IDX files."
            | Epochs _ -> "epochs to train (default 10)."
            | Seed _ -> "seed for initialisation, shuffling and noise (default 1)."
            | Threads _ -> "threads (default 1); results do not depend on it."
            | Batch _ -> "examples per batch (default 100)."
            | Schedule _ -> "alternating (a feedback pass, then a forward pass, each epoch) or parallel (both each batch); default: the rule's own."
            | Limit_Train _ -> "train on the first n training examples only."
            | Out _ -> "folder for metrics.jsonl and metrics.csv (default runs/<rule>-<time>)."
            | Force -> "replace the metrics in an --out folder that already holds a run."

type RulesArgs =
    | [<Hidden>] Unused
    interface IArgParserTemplate with
        member _.Usage = ""

[<RequireSubcommand>]
type TpropArgs =
    | [<CliPrefix(CliPrefix.None)>] Train of ParseResults<TrainArgs>
    | [<CliPrefix(CliPrefix.None)>] Rules of ParseResults<RulesArgs>
    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Train _ -> "train a model with a target rule and log each epoch."
            | Rules _ -> "list the preset rules with their equations."
