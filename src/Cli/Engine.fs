/// What reproduce and sweep share: how this tprop runs itself as a task, and the engine a command line asks for.
module TargetProp.Cli.Engine

open System
open System.IO
open TargetProp.Dsl
open TargetProp.Experiments
open TargetProp.Cli.Args

/// This tprop as a command: its executable, or dotnet and its assembly.
let self () : string list =
    let path = Environment.ProcessPath

    if isNull path || Path.GetFileNameWithoutExtension(path) = "dotnet" then
        [ "dotnet"; Reflection.Assembly.GetEntryAssembly().Location ]
    else
        [ path ]

/// The engine of --on and --jobs (local: 2 processes at a time by default; slurm: 8 tasks).
let engine (on: EngineArg) (jobs: int option) (wait: bool) =
    match on with
    | EngineArg.Local -> Engine.Local(defaultArg jobs 2)
    | EngineArg.Slurm -> Engine.Slurm(defaultArg jobs 8, wait)

/// Whether the tasks have all ended when start returns (local processes, or Slurm with --wait).
let ended (e: Engine) =
    match e with
    | Engine.Local _ -> true
    | Engine.Slurm(_, wait) -> wait

/// Reads a small JSON settings file a command left in its folder.
let readSettings (path: string) =
    if not (File.Exists path) then
        raise (
            TrainingException(sprintf "%s does not exist: give the --out folder of an earlier run of this command" path)
        )

    Text.Json.JsonDocument.Parse(File.ReadAllText path).RootElement

/// The exit code of a command whose tasks have all ended, from the ids Tasks.report listed as failed or missing: 0
/// when there are none, else 3 (a training that did not end well, as a task's own exit code says), with the command
/// that runs only those again once their cause is fixed.
let exitCode (notWell: int list) (resubmit: string) =
    match notWell with
    | [] -> 0
    | ids ->
        eprintfn
            "tprop: %d task(s) did not end well (%s; their logs' last lines are above); once the cause is fixed, %s runs only those"
            ids.Length
            (ids |> List.map string |> String.concat ", ")
            resubmit

        3
