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

/// One arm: a label, the model and the network's name, the data set and what the arm attaches to it (its side
/// inputs), and the epochs of a full run.
type Arm =
    { Label: string
      Net: string
      Model: Model
      Data: string
      Prepare: DataSet -> DataSet
      Epochs: int }

/// An experiment: its name, the conjecture it tests (quoted), its protocol in a sentence, and its arms.
type Experiment =
    { Name: string
      Conjecture: string
      Protocol: string
      Arms: Arm list }

/// What an arm's runs ended with: the final test error of each seed.
type ArmResult =
    { Arm: string
      Seeds: int list
      TestErrors: float list }

module Experiment =
    /// The default options: full, three seeds, one thread, into runs/experiments/<name>.
    let defaults (name: string) = { Quick = false; Seeds = 3; Threads = 1; Out = Path.Combine("runs", "experiments", name) }

    /// Quick runs: the bundled digits, 600 training examples, 2 epochs, one seed.
    let private quickData = "digits"

    /// An arm's folder name: its label with every run of other characters than letters, digits and '-' as one '-'.
    let folder (label: string) (seed: int) =
        let slug = System.Text.RegularExpressions.Regex.Replace(label, "[^A-Za-z0-9-]+", "-").Trim('-')
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
            | other :: _ -> raise (TrainingException(sprintf "unknown argument '%s': use --quick, --seeds K, --threads T, --out DIR" other))
        go (defaults name) args

    /// An arm on MNIST with one of the named networks, the net's settings for the rule: `epochs` in a full run.
    let onNet (net: Net) (epochs: int) (label: string) (rule: Rule) (through: ThroughDiscrete) =
        { Label = label; Net = net.Name; Model = net.Configure rule through; Data = "mnist"; Prepare = id; Epochs = epochs }

    /// mean and standard deviation (n − 1) of the values.
    let meanStd (xs: float list) =
        let m = List.average xs
        let s = if xs.Length < 2 then 0.0 else sqrt ((xs |> List.sumBy (fun x -> (x - m) ** 2.0)) / float (xs.Length - 1))
        m, s

    /// Trains every arm on every seed, each run logged under Out/<arm>-seed<k>/metrics.jsonl; writes the final test
    /// errors to Out/results.jsonl, the figure of every run to Out/<name>.png, and prints a table of mean ± std.
    let run (e: Experiment) (o: ExperimentOptions) : ArmResult list =
        if o.Seeds < 1 then raise (TrainingException(sprintf "seeds = %d: run at least one seed" o.Seeds))
        Directory.CreateDirectory o.Out |> ignore
        let seeds = if o.Quick then [ 1 ] else [ 1 .. o.Seeds ]
        printfn "experiment %s (%s): %s" e.Name (if o.Quick then "quick" else "full") e.Protocol
        let results =
            [ for arm in e.Arms ->
                  let data =
                      let d = Data.load (if o.Quick then quickData else arm.Data)
                      arm.Prepare (if o.Quick then d.Take(min 600 d.TrainCount, min 500 d.TestCount) else d)
                  let errors =
                      [ for seed in seeds ->
                            let folder = Path.Combine(o.Out, folder arm.Label seed)
                            Directory.CreateDirectory folder |> ignore
                            let jsonl = Path.Combine(folder, "metrics.jsonl")
                            Report.writeAtomic jsonl ""
                            let config = { Train.defaults with Epochs = (if o.Quick then 2 else arm.Epochs); Seed = seed; Threads = o.Threads }
                            let log (m: EpochMetrics) =
                                Report.append jsonl (Report.jsonLine arm.Label arm.Net data.Name config m)
                                printfn "  %-28s seed %d  %s" arm.Label seed (Report.epochLine config.Epochs m)
                            let r = Train.runWith log config arm.Model data
                            (List.last r.Epochs).TestError ]
                  { Arm = arm.Label; Seeds = seeds; TestErrors = errors } ]
        let lines =
            [ for r in results do
                  for seed, err in List.zip r.Seeds r.TestErrors ->
                      sprintf "{\"experiment\":\"%s\",\"arm\":\"%s\",\"seed\":%d,\"test_error\":%s,\"quick\":%b}" e.Name r.Arm seed
                          (err.ToString("R", System.Globalization.CultureInfo.InvariantCulture)) o.Quick ]
        Report.writeAtomic (Path.Combine(o.Out, "results.jsonl")) (String.concat "\n" lines + "\n")
        Report.plot (Path.Combine(o.Out, e.Name + ".png")) [ for arm in e.Arms do for seed in seeds -> Path.Combine(o.Out, folder arm.Label seed) ]
        printfn ""
        printfn "%-30s %-8s %s" "arm" "seeds" "final test error (%, mean ± std)"
        for r in results do
            let m, s = meanStd r.TestErrors
            printfn "%-30s %-8d %.2f ± %.2f" r.Arm r.Seeds.Length (100.0 * m) (100.0 * s)
        printfn "figures and numbers in %s" o.Out
        results
