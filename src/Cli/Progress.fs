/// The live view of a training: in a terminal, a Spectre.Console progress bar per epoch (examples/s, time left, running
/// loss) that becomes the epoch's line when it ends; without one (CI, a pipe, a Slurm log), one plain line per epoch.
module TargetProp.Cli.Progress

open System
open System.Diagnostics
open Spectre.Console
open TargetProp.Dsl

/// Whether the output is a terminal that can redraw a live display.
let interactive () =
    not Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive

/// Runs `train` with hooks that log each epoch (`log`, then the epoch's line) and, in a terminal, draw the progress.
let run (epochs: int) (log: EpochMetrics -> unit) (train: Hooks -> 'a) : 'a =
    let plain (e: EpochMetrics) =
        log e
        printfn "%s" (Report.epochLine epochs e)

        if not e.Diagnostics.IsEmpty then
            printfn
                "  %s"
                (e.Diagnostics
                 |> List.map (fun (n, v) -> sprintf "%s %.3g" n v)
                 |> String.concat "  ")

    if not (interactive ()) then
        train (Train.hooks plain)
    else
        let mutable result = Unchecked.defaultof<'a>

        AnsiConsole
            .Progress()
            .AutoClear(false)
            .Columns(
                TaskDescriptionColumn(Alignment = Justify.Left),
                ProgressBarColumn(),
                PercentageColumn(),
                RemainingTimeColumn()
            )
            .Start(fun ctx ->
                let tasks = Collections.Generic.Dictionary<int, ProgressTask * Stopwatch>()

                let taskOf (n: int) (total: int) =
                    match tasks.TryGetValue n with
                    | true, t -> t
                    | _ ->
                        let t =
                            ctx.AddTask(sprintf "epoch %d/%d" n epochs, maxValue = float total), Stopwatch.StartNew()

                        tasks.[n] <- t
                        t

                let onBatch (n: int) (done': int) (total: int) (loss: float) =
                    let task, clock = taskOf n total
                    task.Value <- float done'

                    task.Description <-
                        Markup.Escape(
                            sprintf
                                "epoch %d/%d  loss %.4f  %.0f examples/s"
                                n
                                epochs
                                loss
                                (float done' / max 1e-9 clock.Elapsed.TotalSeconds)
                        )

                let onEpoch (e: EpochMetrics) =
                    log e
                    let task, _ = taskOf e.Epoch 1
                    task.Value <- task.MaxValue
                    task.Description <- Markup.Escape(Report.epochLine epochs e)
                    task.StopTask()

                result <-
                    train
                        { Train.hooks onEpoch with
                            OnBatch = Some onBatch })

        result
