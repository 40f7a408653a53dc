namespace TargetProp.Dsl

open System.IO
open System.Text.Json
open System.Text.Json.Nodes
open System.Text.Json.Serialization

/// Run logs: one JSON object per epoch (JSON Lines) and a CSV beside it.
module Report =
    let private options =
        JsonSerializerOptions(NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)

    /// One epoch as a JSON object with stable field names, the diagnostics (if any) after the run's fields.
    let jsonLine (rule: string) (data: string) (c: TrainConfig) (e: EpochMetrics) =
        let o = JsonObject()
        let put (name: string) (v: JsonNode) = o.Add(name, v)
        put "epoch" (JsonValue.Create e.Epoch)
        put "train_loss" (JsonValue.Create e.TrainLoss)
        put "train_error" (JsonValue.Create e.TrainError)
        put "test_error" (JsonValue.Create e.TestError)
        put "seconds" (JsonValue.Create e.Seconds)
        put "rule" (JsonValue.Create rule)
        put "data" (JsonValue.Create data)
        put "seed" (JsonValue.Create c.Seed)
        put "threads" (JsonValue.Create c.Threads)
        put "batch" (JsonValue.Create c.Batch)
        for name, v in e.Diagnostics do put name (JsonValue.Create v)
        o.ToJsonString options

    /// One epoch as a progress line.
    let epochLine (epochs: int) (e: EpochMetrics) =
        sprintf "epoch %3d/%d  train loss %.4f  train error %6.2f %%  test error %6.2f %%  %.2f s"
            e.Epoch epochs e.TrainLoss (100.0 * e.TrainError) (100.0 * e.TestError) e.Seconds

    /// The CSV header, with the diagnostics' names when the run measures them.
    let csvHeader (diagnostics: string list) =
        String.concat "," ([ "epoch"; "train_loss"; "train_error"; "test_error"; "seconds" ] @ diagnostics)

    let csvLine (e: EpochMetrics) =
        let number (v: float) = v.ToString("R", System.Globalization.CultureInfo.InvariantCulture)
        String.concat "," (string e.Epoch :: List.map number ([ e.TrainLoss; e.TrainError; e.TestError; e.Seconds ] @ List.map snd e.Diagnostics))

    /// Appends a line to a log, creating it if needed; a line is written whole and flushed before returning.
    let append (path: string) (line: string) =
        use w = new StreamWriter(path, true)
        w.WriteLine line

    /// Writes text to path through a temporary file and a rename, so an existing file is never left half-written.
    let writeAtomic (path: string) (text: string) =
        let tmp = path + ".tmp"
        File.WriteAllText(tmp, text)
        File.Move(tmp, path, true)
