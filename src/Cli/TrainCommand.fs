/// tprop train: builds Lee et al.'s network with the chosen rule, trains it and logs every epoch.
module TargetProp.Cli.TrainCommand

open System.IO
open Argu
open Spectre.Console
open TargetProp.Dsl
open TargetProp.Runtime.Data
open TargetProp.Cli.Args

/// The stack of --hidden COUNTxWIDTH and --activation, sized to the data set (default 7x240 tanh, Lee et al. 2015's).
let network (args: ParseResults<TrainArgs>) (features: int) (classes: int) =
    let hidden = args.GetResult(TrainArgs.Hidden, "7x240")

    let count, width =
        match hidden.Split('x', 'X') |> Array.map System.Int32.TryParse with
        | [| true, c; true, w |] when c >= 1 && w >= 1 -> c, w
        | _ ->
            raise (
                TrainingException(
                    sprintf
                        "--hidden %s: give the hidden layers as COUNTxWIDTH with both at least 1, e.g. --hidden 5x256"
                        hidden
                )
            )

    let unit =
        match args.GetResult(TrainArgs.Activation, ActivationArg.Tanh) with
        | ActivationArg.Tanh -> Nonlinearity.Tanh
        | ActivationArg.Sigmoid -> Nonlinearity.Sigmoid
        | ActivationArg.Relu -> Nonlinearity.Relu
        | ActivationArg.Linear -> Nonlinearity.Linear
        | ActivationArg.Hard_Tanh -> Nonlinearity.HardTanh

    Nets.mlp features count width unit classes

/// The machine's cores, at most 2 per 100 examples of the batch: the runtime shares a batch's rows and GEMM panels
/// out over workers, and its scaling is measured at 1 and 2 threads only (BENCHMARKS.md: 2 threads take a dtp epoch
/// from ~3.1 to ~2.1 s); past 2 workers a 100-row batch leaves each fewer than 50 rows.
let defaultThreads (batch: int) =
    max 1 (min System.Environment.ProcessorCount (2 * ((batch + 99) / 100)))

/// A preset by name, or a one-line error listing the presets.
let rule (name: string) =
    match Rules.tryFind name with
    | Ok r -> r
    | Error message -> raise (TrainingException message)

let private mnistHint =
    "The bundled digits set is the first 6,000 training and 1,000 test images of MNIST. For the full set, put the four "
    + "MNIST files (train-images-idx3-ubyte.gz, ...) in $TARGETPROP_DATA/mnist/ or ./data/mnist/ and use --data mnist."

/// The run's own options, kept in its folder so that --resume needs only the folder.
let private optionsFile (out: string) = Path.Combine(out, "train.json")

let private parser =
    lazy (ArgumentParser.Create<TrainArgs>(programName = "tprop train"))

/// Trains as the options say; `resume` is the checkpoint to go on from, in the run's folder.
let private train (args: ParseResults<TrainArgs>) (resume: string option) =
    let rule = rule (args.GetResult(TrainArgs.Rule, "dtp"))
    let dataName = args.GetResult(TrainArgs.Data, "digits")

    let config =
        { Train.defaults with
            Epochs = args.GetResult(TrainArgs.Epochs, Train.defaults.Epochs)
            Seed = args.GetResult(TrainArgs.Seed, Train.defaults.Seed)
            Threads =
                args.GetResult(
                    TrainArgs.Threads,
                    defaultThreads (args.GetResult(TrainArgs.Batch, Train.defaults.Batch))
                )
            Batch = args.GetResult(TrainArgs.Batch, Train.defaults.Batch)
            LimitTrain = args.TryGetResult TrainArgs.Limit_Train
            Diagnostics = args.Contains TrainArgs.Diagnostics }

    let data = Fetch.load dataName

    if dataName = "digits" then
        printfn "%s" mnistHint

    let through =
        match args.TryGetResult TrainArgs.Through with
        | Some ThroughArg.Straight_Through -> StraightThrough
        | Some ThroughArg.No_Gradient -> NoGradient
        | Some ThroughArg.Continuous -> ContinuousTraining
        | None when args.Contains TrainArgs.Straight_Through -> StraightThrough
        | None -> Refuse

    let model =
        let m =
            match args.TryGetResult TrainArgs.Net with
            | Some _ when args.Contains TrainArgs.Hidden || args.Contains TrainArgs.Activation ->
                raise (
                    TrainingException
                        "--net names a whole network: give either --net or --hidden/--activation, not both"
                )
            | Some name ->
                match Nets.tryFind name with
                | Ok net -> net.Configure rule through
                | Error message -> raise (TrainingException message)
            | None ->
                Model.create (network args data.Features data.Classes) rule
                |> Model.throughDiscrete through

        match args.TryGetResult TrainArgs.Schedule with
        | Some ScheduleArg.Alternating -> Model.schedule Schedule.Alternating m
        | Some ScheduleArg.Parallel -> Model.schedule Schedule.Parallel m
        | Some ScheduleArg.Interleaved -> Model.schedule Schedule.Interleaved m
        | None -> m

    Train.validate config (Train.check model) data

    let out =
        args.GetResult(
            TrainArgs.Out,
            Path.Combine("runs", sprintf "%s-%s" rule.Name (System.DateTime.Now.ToString "yyyyMMdd-HHmmss"))
        )

    let jsonl = Path.Combine(out, "metrics.jsonl")
    let csv = Path.Combine(out, "metrics.csv")

    let checkpointing =
        { Folder = Path.Combine(out, "checkpoints")
          Every = args.GetResult(TrainArgs.Checkpoint_Every, 1)
          EverySteps = args.TryGetResult TrainArgs.Checkpoint_Every_Steps
          Keep = args.GetResult(TrainArgs.Keep, 2) }

    match resume with
    | Some path ->
        // Refused before anything changes if it is not this run's; then the logs keep the epochs the checkpoint holds,
        // and the resumed epochs are appended.
        let saved = Checkpoint.readHeader path
        let text = string model

        Checkpoint.check
            path
            saved
            { saved with
                Model = text
                ModelHash = Checkpoint.hash text
                Data = data.Name
                TestCount = data.TestCount
                Seed = config.Seed
                Batch = config.Batch
                TrainCount = defaultArg config.LimitTrain data.TrainCount - config.Validation }

        let epoch = saved.Epoch
        Report.keepEpochs jsonl epoch
        Report.keepEpochs csv epoch

        if saved.Pretraining || saved.Pass > 0 || saved.PassExamples > 0 then
            printfn
                "resuming %s within %s (%d passes and %d examples done) from %s"
                out
                (if saved.Pretraining then
                     "the feedback pre-training"
                 else
                     sprintf "epoch %d" (epoch + 1))
                saved.Pass
                saved.PassExamples
                path
        else
            printfn "resuming %s after epoch %d from %s" out epoch path
    | None ->
        if File.Exists out then
            raise (
                TrainingException(
                    sprintf "--out %s is a file, not a folder: give a folder for the run's logs and checkpoints" out
                )
            )

        if File.Exists jsonl && not (args.Contains TrainArgs.Force) then
            raise (
                TrainingException(
                    sprintf
                        "%s already holds a run's metrics.jsonl: choose another --out folder, add --force to replace it, or go on with it: tprop train --resume %s"
                        out
                        out
                )
            )

        try
            Directory.CreateDirectory out |> ignore

            if Directory.Exists checkpointing.Folder then
                Directory.Delete(checkpointing.Folder, true)
            // A new run starts its logs afresh; each epoch then appends a complete line.
            Report.writeAtomic jsonl ""

            Report.writeAtomic
                csv
                (Report.csvHeader (if config.Diagnostics then Diagnostics.names model else [])
                 + "\n")

            let options =
                parser.Value.PrintCommandLineArguments(
                    args.GetAllResults()
                    |> List.filter (function
                        | TrainArgs.Out _
                        | TrainArgs.Force -> false
                        | _ -> true)
                )

            Report.writeAtomic
                (optionsFile out)
                (System.Text.Json.JsonSerializer.Serialize(Array.append options [| "--out"; Path.GetFullPath out |])
                 + "\n")
        with
        | :? IOException
        | :? System.UnauthorizedAccessException as e ->
            raise (
                TrainingException(
                    sprintf
                        "cannot write the run's folder %s: %s\nGive --out a folder you can write to, on a disk with space."
                        out
                        e.Message
                )
            )

    printfn "%O" model

    printfn
        "data %s (%s): %d training, %d test examples; batch %d, seed %d, %d thread(s); logs in %s"
        data.Name
        data.Source
        (defaultArg config.LimitTrain data.TrainCount)
        data.TestCount
        config.Batch
        config.Seed
        config.Threads
        out

    let log (e: EpochMetrics) =
        Report.append jsonl (Report.jsonLine rule.Name (args.GetResult(TrainArgs.Net, "lee2015")) data.Name config e)
        Report.append csv (Report.csvLine e)

    let run =
        try
            Progress.run config.Epochs log (fun hooks ->
                Train.runCheckpointed hooks checkpointing resume config model data)
        with
        | :? IOException
        | :? System.UnauthorizedAccessException as e ->
            // A log line or checkpoint that could not be written (a full disk, say): what was saved before is kept.
            raise (
                TrainingException(
                    sprintf
                        "the run stopped: %s\nThe logs and checkpoints saved before are in %s: free space (or make the folder writable) and go on with tprop train --resume %s"
                        e.Message
                        out
                        out
                )
            )

    let table =
        Table().AddColumns("epoch", "train loss", "train error", "test error", "seconds")

    for e in run.Epochs do
        table.AddRow(
            string e.Epoch,
            sprintf "%.4f" e.TrainLoss,
            sprintf "%.2f %%" (100.0 * e.TrainError),
            sprintf "%.2f %%" (100.0 * e.TestError),
            sprintf "%.2f" e.Seconds
        )
        |> ignore

    AnsiConsole.Write table
    0

/// tprop train: a new run, or (--resume DIR) the run in DIR going on from its newest checkpoint with its own options,
/// --epochs and --threads given here replacing its own.
let run (args: ParseResults<TrainArgs>) =
    match args.TryGetResult TrainArgs.Resume with
    | None -> train args None
    | Some dir ->
        let saved =
            let path = optionsFile dir

            if not (File.Exists path) then
                raise (
                    TrainingException(
                        sprintf "%s does not exist: give the --out folder of a run tprop train started" path
                    )
                )

            System.Text.Json.JsonSerializer.Deserialize<string[]>(File.ReadAllText path)
        // Its own options, with --epochs and --threads given here in place of its own.
        let overrides =
            [ for a in args.GetAllResults() do
                  match a with
                  | TrainArgs.Epochs n -> yield "--epochs", string n
                  | TrainArgs.Threads t -> yield "--threads", string t
                  | TrainArgs.Resume _ -> ()
                  | other ->
                      raise (
                          TrainingException(
                              sprintf
                                  "--resume goes on with the run's own options; only --epochs and --threads may change (not %s)"
                                  (parser.Value.PrintCommandLineArgumentsFlat [ other ])
                          )
                      ) ]
        // The newest checkpoint, read whole before anything in the folder changes; a damaged one is refused, offering
        // the newest that reads well.
        let checkpoint =
            let reads path =
                try
                    Checkpoint.verify path |> ignore
                    None
                with CheckpointException why ->
                    Some why

            match Checkpoint.list (Path.Combine(dir, "checkpoints")) with
            | [] ->
                raise (
                    TrainingException(
                        sprintf
                            "%s holds no checkpoint (checkpoints/epoch-*.ckpt): the run saved none before it stopped; start it again"
                            dir
                    )
                )
            | newest :: older ->
                match reads newest with
                | None -> newest
                | Some why ->
                    match older |> List.tryFind (reads >> Option.isNone) with
                    | Some good ->
                        raise (
                            CheckpointException(
                                sprintf
                                    "%s; the previous checkpoint %s reads well: move the damaged one out of the folder to resume from it"
                                    why
                                    good
                            )
                        )
                    | None ->
                        raise (
                            CheckpointException(
                                sprintf "%s, and no older checkpoint in the folder reads well: start the run again" why
                            )
                        )

        let rec drop (flags: Set<string>) (xs: string list) =
            match xs with
            | flag :: _ :: rest when flags.Contains flag -> drop flags rest
            | x :: rest -> x :: drop flags rest
            | [] -> []

        let argv =
            drop (overrides |> List.map fst |> set) (List.ofArray saved)
            @ (overrides |> List.collect (fun (f, v) -> [ f; v ]))

        train (parser.Value.ParseCommandLine(Array.ofList argv)) (Some checkpoint)
