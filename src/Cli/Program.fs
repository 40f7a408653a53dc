/// tprop: train target-propagation rules from the command line. User mistakes (bad arguments, a malformed model, a
/// bad data file, a diverging run) end with a message and exit code 2; nothing else is caught. reproduce and sweep exit
/// with 3 when a task they ran to the end failed or is missing.
module TargetProp.Cli.Program

open Argu
open TargetProp.Dsl
open TargetProp.Runtime.Data
open TargetProp.Cli.Args

let private listRules () =
    let width = Rules.all |> List.map (fun r -> r.Name.Length) |> List.max

    for r in Rules.all do
        printfn "%s  %s" (r.Name.PadRight width) r.Equation
        printfn "%s  %O" (String.replicate width " ") r

    0

let private listNets () =
    for n in Nets.all do
        printfn "%s  %O" n.Name n.Stack
        printfn "    %s" (Stack.equation n.Stack)
        printfn "    from %s" n.Source

    0

let private fail (message: string) =
    eprintfn "tprop: %s" message
    2

[<EntryPoint>]
let main argv =
    let parser = ArgumentParser.Create<TpropArgs>(programName = "tprop")

    try
        let args = parser.ParseCommandLine(argv, raiseOnUsage = true)

        match args.GetSubCommand() with
        | Train a -> TrainCommand.run a
        | Rules _ -> listRules ()
        | Nets _ -> listNets ()
        | Experiment x ->
            let e = TargetProp.Experiments.Catalog.find (x.GetResult ExperimentArgs.Name)
            let d = TargetProp.Experiments.Experiment.defaults e.Name

            let o =
                { d with
                    Quick = x.Contains ExperimentArgs.Quick
                    Seeds = x.GetResult(ExperimentArgs.Seeds, d.Seeds)
                    Threads = x.GetResult(ExperimentArgs.Threads, d.Threads)
                    Out = x.GetResult(ExperimentArgs.Out, d.Out) }

            if x.Contains ExperimentArgs.Redraw then
                TargetProp.Experiments.Experiment.redraw e o.Out |> ignore
            else
                if not o.Quick then
                    e.Arms |> List.map _.Data |> List.distinct |> List.iter Fetch.ensure

                TargetProp.Experiments.Experiment.run e o |> ignore

            0
        | Reproduce r -> ReproduceCommand.run r
        | Sweep s -> SweepCommand.run s
        | Report r ->
            let folders = r.GetResult ReportArgs.Folders

            let out =
                r.GetResult(ReportArgs.Out, System.IO.Path.Combine(List.head folders, "report.png"))

            Report.plot out folders
            printfn "%s: %d run(s)" out folders.Length
            0
        | Bench b ->
            match b.GetSubCommand() with
            | Gemm g -> BenchCommand.gemm g
            | Epoch e -> BenchCommand.epoch e
            | Peak p -> BenchCommand.peak p
    with
    | :? ArguParseException as e ->
        if e.ErrorCode = ErrorCode.HelpText then
            (printfn "%s" e.Message
             0)
        else
            fail e.Message
    | ModelException _ as e -> fail e.Message
    | TrainingException message -> fail message
    | DivergedException message -> fail message
    | CheckpointException message -> fail message
    | :? DataFormatException as e -> fail e.Message
    | :? DataNotFoundException as e -> fail e.Message
    | :? DataDownloadException as e -> fail e.Message
    // A folder or file the user named cannot be written or read (the message names the path).
    | :? System.IO.IOException as e -> fail e.Message
    | :? System.UnauthorizedAccessException as e -> fail e.Message
