/// tprop reproduce: a paper's protocol over seeds, in this process or as tasks, with our test error beside the paper's.
module TargetProp.Cli.ReproduceCommand

open System.IO
open Argu
open TargetProp.Dsl
open TargetProp.Experiments
open TargetProp.Cli.Args

let private list () =
    for p in Protocols.all do
        printfn
            "%s  %s on %s, %d epochs, batch %d%s"
            p.Name
            p.Net
            p.Data
            p.Epochs
            p.Batch
            (if p.RunsHere then
                 ""
             else
                 "  (run on your machine: its data cannot be fetched here)")

        for row in p.Rows do
            printfn
                "    %-20s paper: %s"
                row.Label
                (row.Paper
                 |> Option.map (sprintf "%.2f %% test error")
                 |> Option.defaultValue "—")

        printfn "    from %s" p.Source
        printfn "    %s" p.Description

    0

/// The run's settings, kept in its folder so that --status, --collect and --resubmit need only the folder; Rows empty
/// for all of the protocol's rows.
type private Settings =
    { Name: string
      Epochs: int
      Seeds: int
      Threads: int
      Rows: string list }

let private settingsFile (out: string) = Path.Combine(out, "reproduce.json")

let private save (out: string) (s: Settings) =
    Directory.CreateDirectory out |> ignore

    let json (x: obj) =
        System.Text.Json.JsonSerializer.Serialize x

    Report.writeAtomic
        (settingsFile out)
        (sprintf
            "{\"name\":%s,\"epochs\":%d,\"seeds\":%d,\"threads\":%d,\"rows\":%s}\n"
            (json s.Name)
            s.Epochs
            s.Seeds
            s.Threads
            (json (Array.ofList s.Rows)))

let private load (out: string) =
    let o = Engine.readSettings (settingsFile out)

    { Name = o.GetProperty("name").GetString()
      Epochs = o.GetProperty("epochs").GetInt32()
      Seeds = o.GetProperty("seeds").GetInt32()
      Threads = o.GetProperty("threads").GetInt32()
      Rows =
        match o.TryGetProperty "rows" with
        | true, rows -> [ for r in rows.EnumerateArray() -> r.GetString() ]
        | _ -> [] }

/// The protocol with only the rows the settings name (all when they name none); an unknown label is refused with the
/// nearest one suggested.
let private restrict (p: Protocol) (s: Settings) =
    let labels = p.Rows |> List.map _.Label

    for label in s.Rows do
        if not (List.contains label labels) then
            let near = TargetProp.Runtime.Nearest.Suggestion(label, labels)

            raise (
                TrainingException(
                    sprintf "%s has no row '%s'%s; its rows are: %s" p.Name label near (String.concat ", " labels)
                )
            )

    if s.Rows.IsEmpty then
        p
    else
        { p with
            Rows = p.Rows |> List.filter (fun r -> List.contains r.Label s.Rows) }

/// The tasks: one per row and seed, in that order.
let private runs (p: Protocol) (s: Settings) =
    [ for row in p.Rows do
          for seed in 1 .. s.Seeds -> row.Label, seed ]

let private collect (p: Protocol) (s: Settings) (out: string) =
    let results, missing =
        Experiment.collect (Protocol.experiment p s.Epochs) out [ 1 .. s.Seeds ]

    for label, seed in missing do
        printfn "missing: %s seed %d (not trained, or not to the end)" label seed

    Protocol.report p s.Epochs out results

/// The command that runs a folder's failed or missing tasks again.
let private resubmit (p: Protocol) (out: string) =
    sprintf "tprop reproduce %s --resubmit --on local|slurm --out %s" p.Name out

let run (args: ParseResults<ReproduceArgs>) =
    if args.Contains ReproduceArgs.List then
        list ()
    else
        let name =
            match args.TryGetResult ReproduceArgs.Name with
            | Some n -> n
            | None -> raise (TrainingException "give a protocol's name (tprop reproduce --list names them), or --list")

        let whole = Protocols.find name

        let out =
            args.GetResult(ReproduceArgs.Out, Path.Combine("runs", "reproduce", whole.Name))

        let given =
            { Name = whole.Name
              Epochs = args.GetResult(ReproduceArgs.Epochs, whole.Epochs)
              Seeds = args.GetResult(ReproduceArgs.Seeds, 3)
              Threads = args.GetResult(ReproduceArgs.Threads, 1)
              Rows = args.GetResult(ReproduceArgs.Rows, []) }
        // The rows of this run: those given, or (for a folder already started) those it was started with.
        let started =
            args.Contains ReproduceArgs.Status
            || args.Contains ReproduceArgs.Collect
            || args.Contains ReproduceArgs.Resubmit

        let p = restrict whole (if started then load out else given)

        if given.Epochs < 1 then
            raise (TrainingException(sprintf "epochs = %d: train for at least 1 epoch" given.Epochs))

        if given.Seeds < 1 then
            raise (TrainingException(sprintf "seeds = %d: run at least one seed" given.Seeds))

        let experiment (s: Settings) = Protocol.experiment p s.Epochs

        let options (s: Settings) =
            { Experiment.defaults p.Name with
                Seeds = s.Seeds
                Threads = s.Threads
                Out = out }

        let describe (s: Settings) i =
            let label, seed = (runs p s).[i] in sprintf "%s seed %d" label seed

        let engineOf () =
            args.TryGetResult ReproduceArgs.On
            |> Option.map (fun on ->
                Engine.engine on (args.TryGetResult ReproduceArgs.Jobs) (args.Contains ReproduceArgs.Wait))
        // Every branch but --status and --collect trains, here or in tasks started from here.
        if not (args.Contains ReproduceArgs.Status || args.Contains ReproduceArgs.Collect) then
            Fetch.ensure p.Data

        match args.TryGetResult ReproduceArgs.Arm with
        | Some label ->
            // One run: what each task trains.
            let seed = args.GetResult(ReproduceArgs.Seed, 1)
            let e = experiment given

            match e.Arms |> List.tryFind (fun a -> a.Label = label) with
            | None ->
                raise (
                    TrainingException(
                        sprintf
                            "%s has no rule '%s'; its rules are: %s"
                            p.Name
                            label
                            (p.Rows |> List.map _.Label |> String.concat ", ")
                    )
                )
            | Some arm ->
                // A task: resumable, so that a task killed and run again (--resubmit) goes on from its last epoch.
                match Experiment.trainOne arm (options given) (Experiment.data arm false) seed true with
                | Ok _ -> 0
                | Error _ -> 3
        | None when args.Contains ReproduceArgs.Status ->
            let s = load out
            Tasks.report out (describe s) |> ignore
            0
        | None when args.Contains ReproduceArgs.Collect ->
            collect p (load out) out
            0
        | None when args.Contains ReproduceArgs.Resubmit ->
            let s = load out

            match Tasks.report out (describe s), engineOf () with
            | [], _ ->
                printfn "nothing to resubmit"
                0
            | _, None -> raise (TrainingException "--resubmit needs --on local or --on slurm")
            | ids, Some engine ->
                Tasks.start out p.Name s.Threads engine ids

                if Engine.ended engine then
                    let notWell = Tasks.report out (describe s)
                    collect p s out
                    Engine.exitCode notWell (resubmit p out)
                else
                    0
        | None ->
            printfn "protocol %s: %s" p.Name p.Source
            save out given

            match engineOf () with
            | None ->
                Experiment.run (experiment given) (options given)
                |> Protocol.report p given.Epochs out

                0
            | Some engine ->
                let command (label, seed) =
                    Engine.self ()
                    @ [ "reproduce"
                        p.Name
                        "--arm"
                        label
                        "--seed"
                        string seed
                        "--epochs"
                        string given.Epochs
                        "--threads"
                        string given.Threads
                        "--out"
                        Path.GetFullPath out ]

                let tasks = runs p given
                Tasks.write out (tasks |> List.map command)
                Tasks.start out p.Name given.Threads engine [ 0 .. tasks.Length - 1 ]

                if Engine.ended engine then
                    let notWell = Tasks.report out (describe given)
                    collect p given out
                    Engine.exitCode notWell (resubmit p out)
                else
                    printfn "then: tprop reproduce %s --status --out %s, and --collect once all have ended" p.Name out
                    0
