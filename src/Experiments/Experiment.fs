namespace TargetProp.Experiments

open System.IO
open TargetProp.Dsl
open TargetProp.Runtime.Data

/// How an experiment runs: quick (the bundled digits, a few hundred examples, two epochs, one seed: a check that it
/// runs) or full (its protocol), over how many seeds, with how many threads, into which folder.
type ExperimentOptions =
    { Quick: bool
      Seeds: int
      Threads: int
      Out: string }

/// What an arm's own measure is given after each epoch: the run's data, seed and threads, the epoch, the epochs the
/// run is configured for, and the parameters.
type MeasureContext =
    { Data: DataSet
      Seed: int
      Threads: int
      Epoch: int
      Epochs: int
      Parameters: Parameters }

/// One arm: a label, the model and the network's name, the data set and what the arm attaches to it (its side
/// inputs, a normalisation, or a subset), the batch and the validation split held out of the training examples, the
/// epochs of a full run and when to stop before them (given the epochs so far), whether to log the per-layer
/// diagnostics, and measures of its own after every epoch.
type Arm =
    { Label: string
      Net: string
      Model: Model
      Data: string
      Prepare: DataSet -> DataSet
      Batch: int
      Validation: int
      Epochs: int
      Until: EpochMetrics list -> bool
      Diagnostics: bool
      Measure: (MeasureContext -> (string * float) list) option }

/// A column of an experiment's table and of its results.jsonl: a key, a heading with its unit, and what it reads from
/// a run's log.
type Column =
    { Key: string
      Heading: string
      Read: RunLog -> float }

/// An experiment: its name, the conjecture it tests (quoted), its protocol in a sentence, its arms and those a quick
/// run takes, the columns of its table (each mean ± std over seeds), and its figures (a file name suffix and the
/// series drawn from every arm's runs).
type Experiment =
    { Name: string
      Conjecture: string
      Protocol: string
      Arms: Arm list
      QuickArms: Arm list
      Columns: Column list
      Figures: (string * ((Arm * RunLog list) list -> Series list)) list }

/// What an arm's runs ended with: each column's value for each seed (NaN for a run that diverged), and the message of
/// each seed's run that diverged.
type ArmResult =
    { Arm: string
      Seeds: int list
      Values: Map<string, float list>
      Diverged: Map<int, string> }

module Experiment =
    /// The default options: full, three seeds, one thread, into runs/experiments/<name>.
    let defaults (name: string) =
        { Quick = false
          Seeds = 3
          Threads = 1
          Out = Path.Combine("runs", "experiments", name) }

    /// Quick runs: the bundled digits, 600 training examples, 2 epochs, one seed.
    let private quickData = "digits"

    /// An arm's folder name: its label with every run of other characters than letters, digits and '-' as one '-'.
    let folder (label: string) (seed: int) =
        let slug =
            System.Text.RegularExpressions.Regex.Replace(label, "[^A-Za-z0-9-]+", "-").Trim('-')

        sprintf "%s-seed%d" slug seed

    /// The options from a script's arguments: --quick, --seeds K, --threads T, --out DIR (tprop experiment's own).
    let options (name: string) (args: string list) =
        let rec go (o: ExperimentOptions) args =
            match args with
            | "--quick" :: rest -> go { o with Quick = true } rest
            | "--seeds" :: k :: rest -> go { o with Seeds = int k } rest
            | "--threads" :: t :: rest -> go { o with Threads = int t } rest
            | "--out" :: dir :: rest -> go { o with Out = dir } rest
            | [] -> o
            | other :: _ ->
                raise (
                    TrainingException(
                        sprintf "unknown argument '%s': use --quick, --seeds K, --threads T, --out DIR" other
                    )
                )

        go (defaults name) args

    /// An arm of `epochs` epochs on MNIST as it is (batch 100, no validation split), with no diagnostics or measures
    /// of its own.
    let arm (label: string) (net: string) (model: Model) (epochs: int) : Arm =
        { Label = label
          Net = net
          Model = model
          Data = "mnist"
          Prepare = id
          Batch = Train.defaults.Batch
          Validation = 0
          Epochs = epochs
          Until = (fun _ -> false)
          Diagnostics = false
          Measure = None }

    /// An arm on MNIST with one of the named networks, the net's settings for the rule: `epochs` in a full run.
    let onNet (net: Net) (epochs: int) (label: string) (rule: Rule) (through: ThroughDiscrete) =
        arm label net.Name (net.Configure rule through) epochs

    /// The test error after the last epoch, in %.
    let finalError: Column =
        { Key = "test_error"
          Heading = "final test error (%)"
          Read = fun r -> 100.0 * (List.last r.Epochs).TestError }

    /// The figure of every run: error and loss per epoch, per-layer diagnostics when logged (Plots.series).
    let curves (runs: (Arm * RunLog list) list) = Plots.series (runs |> List.collect snd)

    /// mean and standard deviation (n − 1) of the values (Plots.meanStd of one column).
    let meanStd (xs: float list) =
        let m, s = Plots.meanStd (xs |> List.map (fun x -> [| x |]))
        m.[0], s.[0]

    let private number (x: float) =
        if System.Double.IsFinite x then
            x.ToString("R", System.Globalization.CultureInfo.InvariantCulture)
        else
            "null"

    /// The arms' results from their runs' outcomes (a log, or the message of a run that diverged): results.jsonl, the
    /// figures of the arms with a run that trained, and the table of mean ± std.
    let private summarise
        (e: Experiment)
        (out: string)
        (quick: bool)
        (runs: (Arm * (int * Result<RunLog, string>) list) list)
        : ArmResult list =
        let results =
            [ for arm, outcomes in runs ->
                  let read (c: Column) =
                      outcomes
                      |> List.map (function
                          | _, Ok log -> c.Read log
                          | _, Error _ -> nan)

                  { Arm = arm.Label
                    Seeds = outcomes |> List.map fst
                    Values = e.Columns |> List.map (fun c -> c.Key, read c) |> Map.ofList
                    Diverged =
                      outcomes
                      |> List.choose (function
                          | seed, Error why -> Some(seed, why)
                          | _ -> None)
                      |> Map.ofList } ]

        let lines =
            [ for r in results do
                  for i, seed in List.indexed r.Seeds ->
                      let columns =
                          e.Columns
                          |> List.map (fun c -> sprintf ",\"%s\":%s" c.Key (number r.Values.[c.Key].[i]))
                          |> String.concat ""

                      let diverged =
                          match r.Diverged.TryFind seed with
                          | Some why -> System.Text.Json.JsonSerializer.Serialize why
                          | None -> "null"

                      sprintf
                          "{\"experiment\":\"%s\",\"arm\":%s,\"seed\":%d%s,\"diverged\":%s,\"quick\":%b}"
                          e.Name
                          (System.Text.Json.JsonSerializer.Serialize r.Arm)
                          seed
                          columns
                          diverged
                          quick ]

        Report.writeAtomic (Path.Combine(out, "results.jsonl")) (String.concat "\n" lines + "\n")
        // The figures draw the arms with at least one run that trained.
        let trained =
            runs
            |> List.map (fun (arm, outcomes) ->
                arm,
                outcomes
                |> List.choose (function
                    | _, Ok log -> Some log
                    | _ -> None))
            |> List.filter (snd >> List.isEmpty >> not)

        if not trained.IsEmpty then
            for suffix, series in e.Figures do
                match series trained with
                | [] -> ()
                | drawn -> Plots.render (Path.Combine(out, e.Name + suffix + ".png")) 800 drawn

        printfn ""

        printfn
            "%-36s %-6s %s"
            "arm"
            "seeds"
            (e.Columns |> List.map (fun c -> sprintf "%-24s" c.Heading) |> String.concat " ")

        for r in results do
            let cells =
                e.Columns
                |> List.map (fun c ->
                    match r.Values.[c.Key] |> List.filter System.Double.IsFinite with
                    | [] -> sprintf "%-24s" "—"
                    | xs -> let m, s = meanStd xs in sprintf "%-24s" (sprintf "%.2f ± %.2f" m s))

            let diverged =
                if r.Diverged.IsEmpty then
                    ""
                else
                    sprintf " (%d diverged)" r.Diverged.Count

            printfn "%-36s %-6d %s%s" r.Arm r.Seeds.Length (String.concat " " cells) diverged

        printfn "figures and numbers in %s (mean ± std over seeds; — where no seed has a value)" out
        results

    /// The data set an arm trains on: its data prepared by the arm, or in a quick run the bundled digits' first 600
    /// training and 500 test examples.
    let data (arm: Arm) (quick: bool) =
        let d = Data.load (if quick then quickData else arm.Data)

        arm.Prepare(
            if quick then
                d.Take(min 600 d.TrainCount, min 500 d.TestCount)
            else
                d
        )

    /// The file that holds the message of a run that diverged, beside its metrics.jsonl.
    let private divergedFile (folder: string) = Path.Combine(folder, "diverged.txt")

    /// Trains one arm on one seed into Out/<arm>-seed<k>/ (metrics.jsonl; diverged.txt with the message of a run that
    /// diverged): its log, or the message. With `resumable`, the run saves a checkpoint after every epoch (the newest
    /// two kept, in checkpoints/) and, when it finds one there, goes on from it (a task killed and run again).
    let trainOne
        (arm: Arm)
        (o: ExperimentOptions)
        (data: DataSet)
        (seed: int)
        (resumable: bool)
        : Result<RunLog, string> =
        let folder = Path.Combine(o.Out, folder arm.Label seed)
        Directory.CreateDirectory folder |> ignore
        let jsonl = Path.Combine(folder, "metrics.jsonl")
        let checkpoints = Path.Combine(folder, "checkpoints")

        let resume =
            if resumable then
                List.tryHead (Checkpoint.list checkpoints)
            else
                None

        match resume with
        | Some path ->
            let epoch = (Checkpoint.readHeader path).Epoch
            Report.keepEpochs jsonl epoch
            printfn "  %-28s seed %d  resumes after epoch %d from %s" arm.Label seed epoch path
        | None ->
            Report.writeAtomic jsonl ""

            if Directory.Exists checkpoints then
                Directory.Delete(checkpoints, true)

        if File.Exists(divergedFile folder) then
            File.Delete(divergedFile folder)

        let config =
            { Train.defaults with
                Epochs = (if o.Quick then 2 else arm.Epochs)
                Batch = arm.Batch
                Validation = (if o.Quick then 0 else arm.Validation)
                Seed = seed
                Threads = o.Threads
                Diagnostics = arm.Diagnostics }

        let log (m: EpochMetrics) =
            Report.append jsonl (Report.jsonLine arm.Label arm.Net data.Name config m)
            printfn "  %-28s seed %d  %s" arm.Label seed (Report.epochLine config.Epochs m)

        let hooks =
            { Measure =
                arm.Measure
                |> Option.map (fun measure n p ->
                    measure
                        { Data = data
                          Seed = seed
                          Threads = o.Threads
                          Epoch = n
                          Epochs = config.Epochs
                          Parameters = p })
              OnEpoch = log
              Stop = (if o.Quick then (fun _ -> false) else arm.Until)
              OnBatch = None }

        try
            if resumable then
                Train.runCheckpointed
                    hooks
                    { Folder = checkpoints
                      Every = 1
                      EverySteps = None
                      Keep = 2 }
                    resume
                    config
                    arm.Model
                    data
                |> ignore
            else
                Train.runHooked hooks config arm.Model data |> ignore

            Ok(RunLog.read folder)
        with DivergedException why ->
            printfn "  %-28s seed %d  diverged: %s" arm.Label seed why
            Report.writeAtomic (divergedFile folder) why
            Error why

    /// Trains every arm on every seed, each run logged under Out/<arm>-seed<k>/metrics.jsonl; writes each column's value
    /// per run to Out/results.jsonl, each figure to Out/<name><suffix>.png, and prints the table of mean ± std. A run
    /// that diverges is reported as such (its message in results.jsonl, a count in the table) and left out of the
    /// columns and figures; the other runs go on.
    let run (e: Experiment) (o: ExperimentOptions) : ArmResult list =
        if o.Seeds < 1 then
            raise (TrainingException(sprintf "seeds = %d: run at least one seed" o.Seeds))

        Directory.CreateDirectory o.Out |> ignore
        let seeds = if o.Quick then [ 1 ] else [ 1 .. o.Seeds ]
        printfn "experiment %s (%s): %s" e.Name (if o.Quick then "quick" else "full") e.Protocol

        let runs =
            [ for arm in (if o.Quick then e.QuickArms else e.Arms) ->
                  let d = data arm o.Quick
                  arm, [ for seed in seeds -> seed, trainOne arm o d seed false ] ]

        summarise e o.Out o.Quick runs

    /// Gathers runs that trainOne wrote into `out` (by separate processes or Slurm tasks) and summarises them as run
    /// does: a run counts when its metrics.jsonl holds every epoch (or it stopped by its arm's Until), or it left the
    /// message of a divergence; the others are returned as missing (arm label, seed).
    let collect (e: Experiment) (out: string) (seeds: int list) : ArmResult list * (string * int) list =
        let outcome (arm: Arm) seed =
            let folder = Path.Combine(out, folder arm.Label seed)

            if File.Exists(divergedFile folder) then
                Some(Error(File.ReadAllText(divergedFile folder)))
            elif
                File.Exists(Path.Combine(folder, "metrics.jsonl"))
                && File.ReadAllText(Path.Combine(folder, "metrics.jsonl")).Trim() <> ""
            then
                let log = RunLog.read folder

                if log.Epochs.Length >= arm.Epochs || arm.Until log.Epochs then
                    Some(Ok log)
                else
                    None
            else
                None

        let found =
            [ for arm in e.Arms -> arm, [ for seed in seeds -> seed, outcome arm seed ] ]

        let missing =
            [ for arm, outcomes in found do
                  for seed, o in outcomes do
                      if o.IsNone then
                          yield arm.Label, seed ]

        let runs =
            [ for arm, outcomes in found ->
                  arm, outcomes |> List.choose (fun (seed, o) -> o |> Option.map (fun o -> seed, o)) ]

        summarise e out false runs, missing

    /// Redraws the figures and the table of an experiment's runs in `out` from their logs and results.jsonl, with the
    /// current figure code, without training (results.jsonl is rewritten with the columns recomputed).
    let redraw (e: Experiment) (out: string) : ArmResult list =
        let path = Path.Combine(out, "results.jsonl")

        if not (File.Exists path) then
            raise (
                TrainingException(
                    sprintf "%s does not exist: give the folder that tprop experiment %s --out wrote" path e.Name
                )
            )

        let rows =
            File.ReadAllLines path
            |> Array.filter (fun l -> l.Trim() <> "")
            |> Array.map (fun l -> System.Text.Json.JsonDocument.Parse(l).RootElement)

        let text (r: System.Text.Json.JsonElement) (name: string) = r.GetProperty(name).GetString()
        let quick = rows |> Array.exists (fun r -> r.GetProperty("quick").GetBoolean())

        let runs =
            [ for arm in (if quick then e.QuickArms else e.Arms) do
                  match rows |> Array.filter (fun r -> text r "arm" = arm.Label) |> List.ofArray with
                  | [] -> ()
                  | mine ->
                      yield
                          arm,
                          [ for r in mine ->
                                let seed = r.GetProperty("seed").GetInt32()

                                match r.GetProperty("diverged").ValueKind with
                                | System.Text.Json.JsonValueKind.String -> seed, Error(text r "diverged")
                                | _ -> seed, Ok(RunLog.read (Path.Combine(out, folder arm.Label seed))) ] ]

        summarise e out quick runs
