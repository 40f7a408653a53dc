namespace TargetProp.Dsl

open System.IO
open System.Text.Json

/// A run read back from its folder's metrics.jsonl: what trained (rule, network, data, seed) and each epoch's metrics.
type RunLog =
    { Folder: string
      Rule: string
      Net: string
      Data: string
      Seed: int
      Epochs: EpochMetrics list }

module RunLog =
    /// A diagnostic or measure an epoch logged under `name` (angle_bp_3, probe_error_1), NaN when it logged none (an
    /// angle to a zero update is logged as NaN, which reads back as no number).
    let metric (name: string) (e: EpochMetrics) =
        e.Diagnostics
        |> List.tryFind (fst >> (=) name)
        |> Option.map snd
        |> Option.defaultValue nan

    let private fields =
        set
            [ "epoch"
              "train_loss"
              "train_error"
              "test_error"
              "validation_error"
              "seconds"
              "rule"
              "net"
              "data"
              "seed"
              "threads"
              "batch" ]

    /// The run in `folder` (its metrics.jsonl), or a TrainingException naming the file, the line and what is wrong.
    let read (folder: string) : RunLog =
        let path = Path.Combine(folder, "metrics.jsonl")

        let fail line what =
            raise (
                TrainingException(
                    sprintf
                        "%s, line %d: %s; it should hold one JSON object per epoch as tprop train writes it"
                        path
                        line
                        what
                )
            )

        if not (File.Exists path) then
            raise (TrainingException(sprintf "%s does not exist: give a folder that tprop train (--out) wrote" path))

        let lines =
            File.ReadAllLines path
            |> Array.indexed
            |> Array.filter (fun (_, l) -> l.Trim() <> "")

        if lines.Length = 0 then
            raise (TrainingException(sprintf "%s is empty: the run logged no epoch yet" path))

        let parsed =
            [ for i, line in lines ->
                  let n = i + 1

                  let o =
                      try
                          JsonDocument.Parse(line).RootElement
                      with :? JsonException as e ->
                          fail n (sprintf "not JSON (%s)" e.Message)

                  let number (name: string) =
                      match o.TryGetProperty name with
                      | true, v when v.ValueKind = JsonValueKind.Number -> v.GetDouble()
                      | true, v when v.ValueKind = JsonValueKind.String && v.GetString() = "NaN" -> nan
                      | _ -> fail n (sprintf "no number '%s'" name)

                  let text (name: string) (otherwise: string) =
                      match o.TryGetProperty name with
                      | true, v when v.ValueKind = JsonValueKind.String -> v.GetString()
                      | _ -> otherwise

                  let diagnostics =
                      [ for p in o.EnumerateObject() do
                            if not (fields.Contains p.Name) && p.Value.ValueKind = JsonValueKind.Number then
                                yield p.Name, p.Value.GetDouble() ]

                  (text "rule" "?", text "net" "lee2015", text "data" "?", int (number "seed")),
                  { Epoch = int (number "epoch")
                    TrainLoss = number "train_loss"
                    TrainError = number "train_error"
                    TestError = number "test_error"
                    ValidationError =
                      if o.TryGetProperty("validation_error") |> fst then
                          Some(number "validation_error")
                      else
                          None
                    Seconds = number "seconds"
                    Diagnostics = diagnostics } ]

        let (rule, net, data, seed), _ = List.head parsed

        { Folder = folder
          Rule = rule
          Net = net
          Data = data
          Seed = seed
          Epochs = List.map snd parsed }
