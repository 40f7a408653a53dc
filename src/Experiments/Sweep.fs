namespace TargetProp.Experiments

open System
open System.IO
open System.Text.Json
open TargetProp.Dsl

/// Where a searched setting's values come from.
type Range =
    /// exp(U(ln lo, ln hi)): learning rates, steps.
    | LogUniform of lo: float * hi: float
    | Uniform of lo: float * hi: float
    /// One of these (random search draws one; grid search takes each).
    | Values of float list

/// A search: a training (data, network, rule, epochs, batch, validation split, seed) and the settings searched, each
/// over a range; random (Trials draws) or grid (every combination of the Values). A search for a protocol's row
/// starts from that row's model, data, normalisation, batch and validation split.
type SweepSpec =
    {
        Name: string
        /// A protocol and one of its rows (tprop reproduce --list).
        Protocol: (Protocol * Row) option
        Data: string
        /// A named network, or None for Hidden/Activation.
        Net: string option
        Hidden: int * int
        Activation: Nonlinearity
        Rule: string
        Epochs: int
        Batch: int
        Validation: int
        LimitTrain: int option
        Seed: int
        Grid: bool
        Trials: int
        Parameters: (string * Range) list
    }

/// A trial: its number, its seed, and each searched setting's value.
type Trial =
    { Id: int
      Seed: int
      Values: (string * float) list }

module Sweep =
    let private fail fmt =
        Printf.kprintf (fun s -> raise (TrainingException s)) fmt

    /// The settings a search can vary, with what each sets.
    let parameters =
        [ "forward_lr", "the forward optimiser's learning rate"
          "feedback_lr", "the feedback optimiser's learning rate"
          "sigma", "the feedback training's noise σ"
          "step", "the top target's step (η of a gradient step, β of a blend)"
          "feedback_iterations", "feedback updates per forward update (rounded to an integer)"
          "feedback_weight_decay", "L2 weight decay λ of the feedback optimiser" ]

    let private activations =
        [ "tanh", Tanh
          "sigmoid", Sigmoid
          "relu", Relu
          "linear", Linear
          "hard-tanh", HardTanh ]

    /// Reads a spec from JSON, checking every field: a TrainingException names the file, the field and the fix.
    let parse (path: string) (json: string) : SweepSpec =
        let root =
            try
                JsonDocument.Parse(json).RootElement
            with :? JsonException as e ->
                fail "%s is not JSON: %s" path e.Message

        if root.ValueKind <> JsonValueKind.Object then
            fail "%s: the spec is a JSON object with data, rule, epochs, parameters, ..." path

        let known =
            set
                [ "name"
                  "protocol"
                  "row"
                  "data"
                  "net"
                  "hidden"
                  "activation"
                  "rule"
                  "epochs"
                  "batch"
                  "validation"
                  "limit_train"
                  "seed"
                  "search"
                  "trials"
                  "parameters" ]

        for p in root.EnumerateObject() do
            if not (known.Contains p.Name) then
                fail "%s: unknown field \"%s\"; the fields are: %s" path p.Name (String.concat ", " known)

        let field (name: string) =
            match root.TryGetProperty name with
            | true, v when v.ValueKind <> JsonValueKind.Null -> Some v
            | _ -> None

        let text name fallback =
            match field name with
            | Some v when v.ValueKind = JsonValueKind.String -> v.GetString()
            | Some _ -> fail "%s: \"%s\" must be a string" path name
            | None -> fallback

        let integer name fallback =
            match field name with
            | Some v when v.ValueKind = JsonValueKind.Number && (fst (v.TryGetInt32())) -> v.GetInt32()
            | Some _ -> fail "%s: \"%s\" must be an integer" path name
            | None -> fallback

        let hidden =
            let h = text "hidden" "7x240"

            match h.Split('x', 'X') |> Array.map Int32.TryParse with
            | [| true, c; true, w |] when c >= 1 && w >= 1 -> c, w
            | _ -> fail "%s: \"hidden\": \"%s\": give COUNTxWIDTH, e.g. \"5x256\"" path h

        let activation =
            let a = text "activation" "tanh"

            match activations |> List.tryFind (fst >> (=) a) with
            | Some(_, u) -> u
            | None ->
                fail "%s: \"activation\": \"%s\": use %s" path a (activations |> List.map fst |> String.concat ", ")

        let range (name: string) (v: JsonElement) =
            let numbers (e: JsonElement) =
                if e.ValueKind <> JsonValueKind.Array then
                    fail "%s: parameter \"%s\": give a list of numbers" path name

                [ for x in e.EnumerateArray() ->
                      if x.ValueKind = JsonValueKind.Number then
                          x.GetDouble()
                      else
                          fail "%s: parameter \"%s\": %s is not a number" path name (x.GetRawText()) ]

            let pair kind (e: JsonElement) =
                match numbers e with
                | [ lo; hi ] when lo < hi && (kind <> "log_uniform" || lo > 0.0) -> lo, hi
                | _ ->
                    fail
                        "%s: parameter \"%s\": \"%s\" takes [lo, hi] with lo < hi%s"
                        path
                        name
                        kind
                        (if kind = "log_uniform" then " and lo > 0" else "")

            match [ for p in v.EnumerateObject() -> p.Name, p.Value ] with
            | [ "log_uniform", e ] -> LogUniform(pair "log_uniform" e)
            | [ "uniform", e ] -> Uniform(pair "uniform" e)
            | [ "values", e ] ->
                match numbers e with
                | [] -> fail "%s: parameter \"%s\": \"values\" needs at least one number" path name
                | xs -> Values xs
            | _ ->
                fail
                    "%s: parameter \"%s\": give one of {\"log_uniform\": [lo, hi]}, {\"uniform\": [lo, hi]}, {\"values\": [...]}"
                    path
                    name

        let ranges =
            match field "parameters" with
            | Some v when v.ValueKind = JsonValueKind.Object ->
                [ for p in v.EnumerateObject() ->
                      if not (parameters |> List.exists (fst >> (=) p.Name)) then
                          fail
                              "%s: unknown parameter \"%s\"; a search can vary: %s"
                              path
                              p.Name
                              (parameters |> List.map fst |> String.concat ", ")

                      if p.Value.ValueKind <> JsonValueKind.Object then
                          fail "%s: parameter \"%s\": give a range object" path p.Name

                      p.Name, range p.Name p.Value ]
            | _ ->
                fail
                    "%s: \"parameters\" is missing: give the settings to search, e.g. {\"forward_lr\": {\"log_uniform\": [1e-4, 1e-2]}}"
                    path

        let grid =
            match text "search" "random" with
            | "random" -> false
            | "grid" -> true
            | other -> fail "%s: \"search\": \"%s\": use \"random\" or \"grid\"" path other

        if grid then
            for name, r in ranges do
                match r with
                | Values _ -> ()
                | _ -> fail "%s: a grid search takes each parameter's \"values\"; \"%s\" has a range" path name

        let protocol =
            match field "protocol" with
            | None -> None
            | Some _ ->
                for clash in [ "data"; "net"; "hidden"; "activation"; "rule"; "batch" ] do
                    if (field clash).IsSome then
                        fail "%s: \"%s\" comes from the protocol: drop it, or drop \"protocol\"" path clash

                let p =
                    try
                        Protocols.find (text "protocol" "")
                    with TrainingException message ->
                        fail "%s: \"protocol\": %s" path message

                let label = text "row" ""

                match p.Rows |> List.tryFind (fun r -> r.Label = label) with
                | Some r -> Some(p, r)
                | None ->
                    fail
                        "%s: \"row\": \"%s\": %s's rows are %s"
                        path
                        label
                        p.Name
                        (p.Rows |> List.map _.Label |> String.concat ", ")

        let fromProtocol (read: Protocol -> 'a) (otherwise: unit -> 'a) =
            match protocol with
            | Some(p, _) -> read p
            | None -> otherwise ()

        let spec =
            { Name = text "name" (Path.GetFileNameWithoutExtension path)
              Protocol = protocol
              Data = fromProtocol _.Data (fun () -> text "data" "digits")
              Net = field "net" |> Option.map (fun _ -> text "net" "")
              Hidden = hidden
              Activation = activation
              Rule =
                (match protocol with
                 | Some(_, row) -> row.Model.Rule.Name
                 | None -> text "rule" "dtp")
              Epochs = integer "epochs" (fromProtocol _.Epochs (fun () -> 10))
              Batch = fromProtocol _.Batch (fun () -> integer "batch" 100)
              Validation = integer "validation" (fromProtocol _.Validation (fun () -> 0))
              LimitTrain = field "limit_train" |> Option.map (fun _ -> integer "limit_train" 0)
              Seed = integer "seed" 1
              Grid = grid
              Trials =
                (if grid then
                     ranges
                     |> List.fold
                         (fun n (_, r) ->
                             match r with
                             | Values xs -> n * xs.Length
                             | _ -> n)
                         1
                 else
                     integer "trials" 10)
              Parameters = ranges }

        if spec.Trials < 1 then
            fail "%s: \"trials\" = %d: run at least one trial" path spec.Trials

        if spec.Validation < 1 then
            fail
                "%s: \"validation\" = %d: a search chooses on a validation split; hold out at least 1 training example (e.g. 1000)"
                path
                spec.Validation

        match Rules.tryFind spec.Rule with
        | Error message when protocol.IsNone -> fail "%s: \"rule\": %s" path message
        | _ -> ()

        match spec.Net |> Option.map Nets.tryFind with
        | Some(Error message) -> fail "%s: \"net\": %s" path message
        | _ -> ()

        spec

    /// Reads and checks a spec file.
    let load (path: string) =
        if not (File.Exists path) then
            fail "%s does not exist: give a sweep spec (see examples/sweeps/)" path

        parse path (File.ReadAllText path)

    /// The trials: random draws from the spec's seed (the same spec gives the same trials), or the grid's
    /// combinations in order. Every trial trains from the spec's seed, so trials differ only in their settings.
    let trials (spec: SweepSpec) : Trial list =
        if spec.Grid then
            let rec combine (ranges: (string * Range) list) =
                match ranges with
                | [] -> [ [] ]
                | (name, Values xs) :: rest ->
                    [ for x in xs do
                          for tail in combine rest -> (name, x) :: tail ]
                | (name, _) :: _ -> fail "grid search: \"%s\" has no values" name

            combine spec.Parameters
            |> List.mapi (fun i values ->
                { Id = i
                  Seed = spec.Seed
                  Values = values })
        else
            let rng = Random(spec.Seed)

            let draw (r: Range) =
                match r with
                | LogUniform(lo, hi) -> exp (log lo + rng.NextDouble() * (log hi - log lo))
                | Uniform(lo, hi) -> lo + rng.NextDouble() * (hi - lo)
                | Values xs -> xs.[rng.Next xs.Length]
            // A combination already drawn is drawn again (up to 100 times), so short value lists are not wasted on
            // repeats while new combinations remain.
            let drawn = Collections.Generic.HashSet<float list>(HashIdentity.Structural)

            [ for i in 0 .. spec.Trials - 1 ->
                  let mutable values = [ for _, r in spec.Parameters -> draw r ]
                  let mutable tries = 0

                  while drawn.Contains values && tries < 100 do
                      values <- [ for _, r in spec.Parameters -> draw r ]
                      tries <- tries + 1

                  drawn.Add values |> ignore

                  { Id = i
                    Seed = spec.Seed
                    Values = List.zip (List.map fst spec.Parameters) values } ]

    /// The model a trial trains: the spec's network and rule, with the trial's settings.
    let model (spec: SweepSpec) (features: int) (classes: int) (t: Trial) : Model =
        let rule () =
            match Rules.tryFind spec.Rule with
            | Ok r -> r
            | Error message -> fail "%s" message

        let base' =
            match spec.Protocol, spec.Net with
            | Some(_, row), _ -> row.Model
            | None, Some name ->
                match Nets.tryFind name with
                | Ok net -> net.Configure (rule ()) Refuse
                | Error message -> fail "%s" message
            | None, None ->
                Model.create (Nets.mlp features (fst spec.Hidden) (snd spec.Hidden) spec.Activation classes) (rule ())

        let set (m: Model) (name: string, value: float) =
            match name with
            | "forward_lr" ->
                m
                |> Model.forwardOptimiser (Optimiser.withLearningRate value m.ForwardOptimiser)
            | "feedback_lr" ->
                m
                |> Model.feedbackOptimiser (Optimiser.withLearningRate value m.FeedbackOptimiser)
            | "sigma" ->
                { m with
                    Rule = m.Rule |> Rule.withFeedback (Feedback.withSigma value m.Rule.Feedback) }
            | "step" ->
                match m.Rule.Top.Target with
                | Label ->
                    fail
                        "rule %s sets the label as its top target, which has no step: drop \"step\" from the search"
                        m.Rule.Name
                | _ ->
                    { m with
                        Rule = m.Rule |> Rule.withTop (Top.withStep value m.Rule.Top) }
            | "feedback_iterations" -> m |> Model.feedbackIterations (int (Math.Round value))
            | "feedback_weight_decay" ->
                let inner =
                    match m.FeedbackOptimiser with
                    | WeightDecay(_, o) -> o
                    | o -> o

                m |> Model.feedbackOptimiser (WeightDecay(value, inner))
            | other -> fail "unknown parameter %s" other

        t.Values |> List.fold set base'

    let private number (x: float) =
        x.ToString("R", Globalization.CultureInfo.InvariantCulture)

    /// A trial as a JSON line: {"trial": i, "seed": s, "forward_lr": ..., ...}.
    let trialLine (t: Trial) =
        sprintf
            "{\"trial\":%d,\"seed\":%d%s}"
            t.Id
            t.Seed
            (t.Values
             |> List.map (fun (n, v) -> sprintf ",\"%s\":%s" n (number v))
             |> String.concat "")

    /// Trials read back from trials.jsonl.
    let readTrials (path: string) : Trial list =
        if not (File.Exists path) then
            fail "%s does not exist: give the folder tprop sweep wrote" path

        [ for line in File.ReadAllLines path do
              if line.Trim() <> "" then
                  let o = JsonDocument.Parse(line).RootElement

                  yield
                      { Id = o.GetProperty("trial").GetInt32()
                        Seed = o.GetProperty("seed").GetInt32()
                        Values =
                          [ for p in o.EnumerateObject() do
                                if p.Name <> "trial" && p.Name <> "seed" then
                                    yield p.Name, p.Value.GetDouble() ] } ]

    /// A trial's folder.
    let folder (dir: string) (id: int) =
        Path.Combine(dir, sprintf "trial-%03d" id)

    /// Trains one trial into its folder (metrics.jsonl, validation error every epoch).
    let train (dir: string) (spec: SweepSpec) (t: Trial) (threads: int) =
        let data =
            Data.load spec.Data
            |> Data.normalise (
                match spec.Protocol with
                | Some(p, _) -> p.Normalisation
                | None -> UnitRange
            )

        let m = model spec data.Features data.Classes t

        let config =
            { Train.defaults with
                Epochs = spec.Epochs
                Batch = spec.Batch
                Seed = t.Seed
                Threads = threads
                LimitTrain = spec.LimitTrain
                Validation = spec.Validation }

        let out = folder dir t.Id
        Directory.CreateDirectory out |> ignore
        let jsonl = Path.Combine(out, "metrics.jsonl")
        Report.writeAtomic jsonl ""
        printfn "trial %d: %s" t.Id (trialLine t)
        printfn "%O" m
        let label = sprintf "trial %d" t.Id

        let net =
            match spec.Protocol, spec.Net with
            | Some(p, _), _ -> p.Net
            | None, Some name -> name
            | None, None -> sprintf "784-%dx%d" (fst spec.Hidden) (snd spec.Hidden)

        Train.runWith
            (fun e ->
                Report.append jsonl (Report.jsonLine label net data.Name config e)
                printfn "%s" (Report.epochLine config.Epochs e))
            config
            m
            data
        |> ignore

    /// A finished trial's outcome: the lowest validation error, its epoch, the test error there, and the final test error.
    type Outcome =
        { Trial: Trial
          BestValidation: float
          Epoch: int
          TestAtBest: float
          FinalTest: float }

    /// The trials that trained to the end, best (lowest validation error) first, and those that did not.
    let outcomes (dir: string) (spec: SweepSpec) (trials: Trial list) : Outcome list * Trial list =
        let read (t: Trial) =
            let path = Path.Combine(folder dir t.Id, "metrics.jsonl")

            if not (File.Exists path) || File.ReadAllText(path).Trim() = "" then
                None
            else
                let log = RunLog.read (folder dir t.Id)

                match log.Epochs |> List.filter (fun e -> e.ValidationError.IsSome) with
                | validated when log.Epochs.Length = spec.Epochs && not validated.IsEmpty ->
                    let best = validated |> List.minBy (fun e -> e.ValidationError.Value)

                    Some
                        { Trial = t
                          BestValidation = best.ValidationError.Value
                          Epoch = best.Epoch
                          TestAtBest = best.TestError
                          FinalTest = (List.last log.Epochs).TestError }
                | _ -> None

        let found = trials |> List.map (fun t -> t, read t)

        (found |> List.choose snd |> List.sortBy (fun o -> o.BestValidation, o.Trial.Id)),
        (found |> List.filter (snd >> Option.isNone) |> List.map fst)

    /// Writes results.jsonl and results.csv (best first), draws top.png (the best three overlaid), prints the table.
    let collect (dir: string) (spec: SweepSpec) (trials: Trial list) =
        let done', missing = outcomes dir spec trials
        let names = spec.Parameters |> List.map fst

        let jsonLines =
            [ for o in done' ->
                  sprintf
                      "{\"trial\":%d,\"seed\":%d%s,\"best_validation_error\":%s,\"epoch\":%d,\"test_error_at_best\":%s,\"final_test_error\":%s}"
                      o.Trial.Id
                      o.Trial.Seed
                      (o.Trial.Values
                       |> List.map (fun (n, v) -> sprintf ",\"%s\":%s" n (number v))
                       |> String.concat "")
                      (number o.BestValidation)
                      o.Epoch
                      (number o.TestAtBest)
                      (number o.FinalTest) ]

        Report.writeAtomic
            (Path.Combine(dir, "results.jsonl"))
            (jsonLines |> List.map (fun l -> l + "\n") |> String.concat "")

        let csv =
            String.concat
                ","
                ([ "trial"; "seed" ]
                 @ names
                 @ [ "best_validation_error"; "epoch"; "test_error_at_best"; "final_test_error" ])
            :: [ for o in done' ->
                     String.concat
                         ","
                         ([ string o.Trial.Id; string o.Trial.Seed ]
                          @ (o.Trial.Values |> List.map (snd >> number))
                          @ [ number o.BestValidation
                              string o.Epoch
                              number o.TestAtBest
                              number o.FinalTest ]) ]

        Report.writeAtomic (Path.Combine(dir, "results.csv")) (csv |> List.map (fun l -> l + "\n") |> String.concat "")

        match done' |> List.truncate 3 with
        | [] -> ()
        | top -> Report.plot (Path.Combine(dir, "top.png")) (top |> List.map (fun o -> folder dir o.Trial.Id))

        printfn
            "%-6s %s %-12s %-6s %-12s %s"
            "trial"
            (names |> List.map (sprintf "%-22s") |> String.concat "")
            "best val %"
            "epoch"
            "test there %"
            "final test %"

        for o in done' do
            printfn
                "%-6d %s %-12.2f %-6d %-12.2f %.2f"
                o.Trial.Id
                (o.Trial.Values |> List.map (snd >> sprintf "%-22.4g") |> String.concat "")
                (100.0 * o.BestValidation)
                o.Epoch
                (100.0 * o.TestAtBest)
                (100.0 * o.FinalTest)

        for t in missing do
            printfn "trial %d has not trained to the end (see tprop sweep status %s)" t.Id dir

        printfn
            "%d of %d trial(s) in %s/results.jsonl and results.csv, best first%s"
            done'.Length
            trials.Length
            dir
            (if done'.IsEmpty then
                 ""
             else
                 sprintf
                     "; the best three drawn in %s/top.png (tprop report %s overlays any)"
                     dir
                     (folder dir done'.Head.Trial.Id))

        done', missing
