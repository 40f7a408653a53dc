namespace TargetProp.Dsl

open System.IO
open System.Text.Json
open System.Text.Json.Serialization

/// Run logs: one JSON object per epoch (JSON Lines) and a CSV beside it.
module Report =
    let private options =
        JsonSerializerOptions(NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)

    /// One epoch as a JSON object with stable field names.
    let jsonLine (rule: string) (data: string) (c: TrainConfig) (e: EpochMetrics) =
        JsonSerializer.Serialize(
            {| epoch = e.Epoch
               train_loss = e.TrainLoss
               train_error = e.TrainError
               test_error = e.TestError
               seconds = e.Seconds
               rule = rule
               data = data
               seed = c.Seed
               threads = c.Threads
               batch = c.Batch |},
            options)

    /// One epoch as a progress line.
    let epochLine (epochs: int) (e: EpochMetrics) =
        sprintf "epoch %3d/%d  train loss %.4f  train error %6.2f %%  test error %6.2f %%  %.2f s"
            e.Epoch epochs e.TrainLoss (100.0 * e.TrainError) (100.0 * e.TestError) e.Seconds

    let csvHeader = "epoch,train_loss,train_error,test_error,seconds"

    let csvLine (e: EpochMetrics) =
        System.FormattableString.Invariant($"{e.Epoch},{e.TrainLoss:R},{e.TrainError:R},{e.TestError:R},{e.Seconds:R}")

    /// Appends a line to a log, creating it if needed; a line is written whole and flushed before returning.
    let append (path: string) (line: string) =
        use w = new StreamWriter(path, true)
        w.WriteLine line

    /// Writes text to path through a temporary file and a rename, so an existing file is never left half-written.
    let writeAtomic (path: string) (text: string) =
        let tmp = path + ".tmp"
        File.WriteAllText(tmp, text)
        File.Move(tmp, path, true)
