namespace TargetProp.Dsl

open System.IO
open System.Text.Json
open System.Text.Json.Nodes
open System.Text.Json.Serialization

module Report =
    let private options =
        JsonSerializerOptions(NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)

    let jsonLine (rule: string) (net: string) (data: string) (c: TrainConfig) (e: EpochMetrics) =
        let o = JsonObject()
        let put (name: string) (v: JsonNode) = o.Add(name, v)
        put "epoch" (JsonValue.Create e.Epoch)
        put "train_loss" (JsonValue.Create e.TrainLoss)
        put "train_error" (JsonValue.Create e.TrainError)
        put "test_error" (JsonValue.Create e.TestError)

        e.ValidationError
        |> Option.iter (fun v -> put "validation_error" (JsonValue.Create v))

        put "seconds" (JsonValue.Create e.Seconds)
        put "rule" (JsonValue.Create rule)
        put "net" (JsonValue.Create net)
        put "data" (JsonValue.Create data)
        put "seed" (JsonValue.Create c.Seed)
        put "threads" (JsonValue.Create c.Threads)
        put "batch" (JsonValue.Create c.Batch)

        for name, v in e.Diagnostics do
            put name (JsonValue.Create v)

        o.ToJsonString options

    let epochLine (epochs: int) (e: EpochMetrics) =
        let validation =
            e.ValidationError
            |> Option.map (fun v -> sprintf "  validation error %6.2f %%" (100.0 * v))
            |> Option.defaultValue ""

        sprintf
            "epoch %3d/%d  train loss %.4f  train error %6.2f %%%s  test error %6.2f %%  %.2f s"
            e.Epoch
            epochs
            e.TrainLoss
            (100.0 * e.TrainError)
            validation
            (100.0 * e.TestError)
            e.Seconds

    let csvHeader (diagnostics: string list) =
        String.concat
            ","
            ([ "epoch"
               "train_loss"
               "train_error"
               "test_error"
               "validation_error"
               "seconds" ]
             @ diagnostics)

    let csvLine (e: EpochMetrics) =
        let number (v: float) =
            v.ToString("R", System.Globalization.CultureInfo.InvariantCulture)

        let validation = e.ValidationError |> Option.map number |> Option.defaultValue ""

        String.concat
            ","
            ([ string e.Epoch
               number e.TrainLoss
               number e.TrainError
               number e.TestError
               validation
               number e.Seconds ]
             @ List.map (snd >> number) e.Diagnostics)

    let append (path: string) (line: string) =
        let bytes = System.Text.UTF8Encoding(false).GetBytes(line + "\n")
        use stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.Write)
        let length = stream.Seek(0L, SeekOrigin.End)
        // A line that cannot be written whole (a full disk) is cut back off, so the log keeps only whole lines.
        try
            stream.Write(bytes, 0, bytes.Length)
            stream.Flush()
        with :? IOException ->
            stream.SetLength length
            reraise ()

    let writeAtomic (path: string) (text: string) =
        TargetProp.Runtime.Persist.DurableFile.Write(
            path,
            fun stream ->
                let bytes = System.Text.UTF8Encoding(false).GetBytes text
                stream.Write(bytes, 0, bytes.Length)
        )

    /// Keeps only the lines of a log (JSON Lines with an "epoch" field, or a CSV whose first column is the epoch,
    /// header kept) of epochs up to `epoch`: what a resumed run starts from. A line cut short by a kill (not JSON, or
    /// fewer fields than the header) is dropped.
    let keepEpochs (path: string) (epoch: int) =
        if File.Exists path then
            let lines = File.ReadAllLines path |> Array.filter (fun l -> l.Trim() <> "")
            let csv = path.EndsWith ".csv"
            let fields (l: string) = l.Split(',').Length

            let upTo (line: string) =
                if csv then
                    fields line = fields lines.[0]
                    && (match System.Int32.TryParse(line.Split(',').[0]) with
                        | true, e -> e <= epoch
                        | _ -> false)
                else
                    try
                        match JsonNode.Parse(line) with
                        | :? JsonObject as o when o.ContainsKey "epoch" -> o.["epoch"].GetValue<int>() <= epoch
                        | _ -> false
                    with :? System.Text.Json.JsonException ->
                        false

            let kept =
                if csv && lines.Length > 0 then
                    Array.append [| lines.[0] |] (lines.[1..] |> Array.filter upTo)
                else
                    lines |> Array.filter upTo

            writeAtomic path (kept |> Array.map (fun l -> l + System.Environment.NewLine) |> String.concat "")

    let plot (out: string) (folders: string list) =
        Plots.render out 800 (Plots.series (folders |> List.map RunLog.read))
