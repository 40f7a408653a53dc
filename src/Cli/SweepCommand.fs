/// tprop sweep: a search over declared ranges, its trials run as local processes or a Slurm job array, followed
/// (status), gathered (collect) and completed (resubmit) from its folder alone.
module TargetProp.Cli.SweepCommand

open System.IO
open Argu
open TargetProp.Dsl
open TargetProp.Experiments
open TargetProp.Cli.Args

let private specFile (dir: string) = Path.Combine(dir, "spec.json")
let private trialsFile (dir: string) = Path.Combine(dir, "trials.jsonl")
let private settingsFile (dir: string) = Path.Combine(dir, "sweep.json")

let private threadsOf (dir: string) =
    (Engine.readSettings (settingsFile dir)).GetProperty("threads").GetInt32()

/// The spec and trials a sweep's folder holds.
let private opened (dir: string) =
    let trials = Sweep.readTrials (trialsFile dir)
    Sweep.load (specFile dir), trials

let private describe (trials: Trial list) (i: int) = Sweep.trialLine trials.[i]

let private engineOf (args: ParseResults<SweepArgs>) =
    Engine.engine
        (args.GetResult(SweepArgs.On, EngineArg.Local))
        (args.TryGetResult SweepArgs.Jobs)
        (args.Contains SweepArgs.Wait)

/// Runs trials `ids` of the sweep in `dir`, then (when they have all ended) reports and collects.
let private start (args: ParseResults<SweepArgs>) (dir: string) (spec: SweepSpec) (trials: Trial list) (ids: int list) =
    let engine = engineOf args
    Fetch.ensure spec.Data
    Tasks.start dir spec.Name (threadsOf dir) engine ids

    if Engine.ended engine then
        let notWell = Tasks.report dir (describe trials)
        Sweep.collect dir spec trials |> ignore
        Engine.exitCode notWell (sprintf "tprop sweep resubmit %s --on local|slurm" dir)
    else
        printfn "then: tprop sweep status %s, and tprop sweep collect %s once all have ended" dir dir
        0

let run (args: ParseResults<SweepArgs>) =
    match args.GetResult SweepArgs.Words with
    | [ "status"; dir ] ->
        let _, trials = opened dir
        Tasks.report dir (describe trials) |> ignore
        0
    | [ "collect"; dir ] ->
        let spec, trials = opened dir
        Sweep.collect dir spec trials |> ignore
        0
    | [ "resubmit"; dir ] ->
        let spec, trials = opened dir

        match Tasks.report dir (describe trials) with
        | [] ->
            printfn "every trial ended well: nothing to resubmit"
            0
        | ids -> start args dir spec trials ids
    | [ "trial"; dir; id ] ->
        // One trial: what each task runs.
        let spec, trials = opened dir

        match System.Int32.TryParse id with
        | true, i when i >= 0 && i < trials.Length ->
            Fetch.ensure spec.Data
            Sweep.train dir spec trials.[i] (args.GetResult(SweepArgs.Threads, threadsOf dir))
            0
        | _ ->
            raise (TrainingException(sprintf "trial %s: %s holds trials 0..%d" id (trialsFile dir) (trials.Length - 1)))
    | [ path ] ->
        let spec = Sweep.load path

        let dir =
            Path.GetFullPath(args.GetResult(SweepArgs.Out, Path.Combine("runs", "sweeps", spec.Name)))

        if File.Exists(trialsFile dir) then
            raise (
                TrainingException(
                    sprintf
                        "%s already holds a sweep: choose another --out folder, or follow it with tprop sweep status/collect/resubmit %s"
                        dir
                        dir
                )
            )

        let threads = args.GetResult(SweepArgs.Threads, 1)

        if threads < 1 then
            raise (TrainingException(sprintf "threads = %d: use at least 1 thread" threads))

        Directory.CreateDirectory dir |> ignore
        let trials = Sweep.trials spec
        File.Copy(path, specFile dir, true)
        Report.writeAtomic (trialsFile dir) (trials |> List.map (fun t -> Sweep.trialLine t + "\n") |> String.concat "")
        Report.writeAtomic (settingsFile dir) (sprintf "{\"threads\":%d}\n" threads)
        Tasks.write dir [ for t in trials -> Engine.self () @ [ "sweep"; "trial"; dir; string t.Id ] ]

        printfn
            "sweep %s: %d %s trial(s) of %s on %s, %d epochs each, chosen on %d validation examples; in %s"
            spec.Name
            trials.Length
            (if spec.Grid then "grid" else "random")
            spec.Rule
            spec.Data
            spec.Epochs
            spec.Validation
            dir

        start args dir spec trials [ 0 .. trials.Length - 1 ]
    | words ->
        raise (
            TrainingException(
                sprintf
                    "tprop sweep %s: give SPEC.json, or status DIR, collect DIR or resubmit DIR"
                    (String.concat " " words)
            )
        )
