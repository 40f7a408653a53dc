/// The data of the commands: a known set (mnist, fashion-mnist) that is on no local path is downloaded into the
/// user's cache folder, with a Spectre.Console bar per file in a terminal and plain lines otherwise, then loaded.
module TargetProp.Cli.Fetch

open System.Collections.Generic
open Spectre.Console
open TargetProp.Runtime.Data

/// Plain progress for a log: a line when a file starts and at each quarter of it.
let private plainLines () =
    let quarters = Dictionary<string, int>()

    fun (p: DownloadProgress) ->
        let quarter =
            if p.Total.HasValue && p.Total.Value > 0L then
                int (4L * p.Done / p.Total.Value)
            else
                0

        match quarters.TryGetValue p.Url with
        | true, q when q >= quarter -> ()
        | seen, _ ->
            if not seen then
                printfn "  %s" p.Url

            quarters.[p.Url] <- quarter

            if quarter > 0 then
                printfn "  %s: %d %% (%s bytes)" p.File (25 * quarter) (p.Done.ToString "N0")

/// Downloads the set with the progress drawn as the output allows; returns the folder it saved the files in.
let private download (name: string) =
    let note (line: string) = printfn "  %s" line

    if not (Progress.interactive ()) then
        // Bound first: a delegate built from an application would call plainLines () afresh at every call.
        let plain = plainLines ()
        DataSets.Download(name, DownloadOptions(Progress = System.Action<_>(plain), Note = System.Action<_>(note)))
    else
        AnsiConsole
            .Progress()
            .AutoClear(false)
            .Columns(
                TaskDescriptionColumn(Alignment = Justify.Left),
                ProgressBarColumn(),
                PercentageColumn(),
                DownloadedColumn(),
                TransferSpeedColumn()
            )
            .Start(fun ctx ->
                let tasks = Dictionary<string, ProgressTask>()

                let show (p: DownloadProgress) =
                    lock tasks (fun () ->
                        let size = float (if p.Total.HasValue then p.Total.Value else p.Done)

                        let task =
                            match tasks.TryGetValue p.File with
                            | true, t -> t
                            | _ ->
                                let t = ctx.AddTask(Markup.Escape(name + "/" + p.File), maxValue = size)
                                tasks.[p.File] <- t
                                t

                        task.MaxValue <- size
                        task.Value <- float p.Done)

                DataSets.Download(
                    name,
                    DownloadOptions(
                        Progress = System.Action<_>(show),
                        Note = System.Action<_>(fun line -> AnsiConsole.WriteLine line)
                    )
                ))

/// Makes sure a known downloadable set is on this machine: when no place Load looks in holds it, downloads it into
/// the user's cache folder and says where. Any other name or folder is left to Load.
let ensure (name: string) =
    if DataSets.IsDownloadable name && isNull (DataSets.Locate name) then
        printfn
            "%s is not on this machine: downloading it (set TARGETPROP_MIRROR to fetch from a mirror of your own)"
            name

        let folder = download name
        printfn "%s: downloaded and verified, saved in %s" name folder

/// Loads a data set by name or folder, downloading a known set first when it is missing.
let load (name: string) : DataSet =
    ensure name
    DataSets.Load name
