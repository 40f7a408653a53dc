namespace TargetProp.Experiments

open System
open System.Diagnostics
open System.IO
open TargetProp.Dsl

/// Where a batch of independent trainings runs.
type Engine =
    /// Child processes on this machine, `jobs` at a time; returns when all have ended.
    | Local of jobs: int
    /// One Slurm job array, a task per training, at most `limit` running at once; with `wait`, sbatch --wait blocks
    /// until every task has ended.
    | Slurm of limit: int * wait: bool

/// A task's state, read from the exit code it left and from Slurm's queue.
type TaskState =
    | Done
    | Failed of exitCode: int
    /// Pending or running in Slurm's queue.
    | Queued
    /// Neither ended nor queued: killed (its script leaves no exit code then), lost with its node, or never run.
    | Missing

/// Trainings as numbered tasks in a folder DIR: tasks.txt holds one command line per task (task i on line i + 1),
/// task.sh runs task i, logging to logs/task-i.log and leaving its exit code in status/task-i.exit when it ends.
/// The same script runs under both engines, so a task does the same wherever it runs.
module Tasks =
    let private quote (arg: string) = "'" + arg.Replace("'", "'\\''") + "'"

    let private statusFile (dir: string) (i: int) =
        Path.Combine(dir, "status", sprintf "task-%d.exit" i)

    /// The log of task i.
    let log (dir: string) (i: int) =
        Path.Combine(dir, "logs", sprintf "task-%d.log" i)

    let private jobFile (dir: string) = Path.Combine(dir, "slurm-jobs.txt")

    /// Writes tasks.txt and task.sh for these command lines (each the program and its arguments), forgetting the
    /// exit codes and Slurm jobs of any earlier tasks in the folder.
    let write (dir: string) (commands: string list list) =
        let dir = Path.GetFullPath dir

        if Directory.Exists(Path.Combine(dir, "status")) then
            Directory.Delete(Path.Combine(dir, "status"), true)

        if File.Exists(jobFile dir) then
            File.Delete(jobFile dir)

        for sub in [ "logs"; "status" ] do
            Directory.CreateDirectory(Path.Combine(dir, sub)) |> ignore

        Report.writeAtomic
            (Path.Combine(dir, "tasks.txt"))
            (commands
             |> List.map (List.map quote >> String.concat " ")
             |> List.map (fun l -> l + "\n")
             |> String.concat "")
        // exec-free on purpose: the shell outlives the command to record its exit code (a killed shell records none).
        let script =
            [ "#!/usr/bin/env bash"
              "# Runs task $1 (or the Slurm array task) of "
              + dir
              + "/tasks.txt; leaves its exit code in status/task-<i>.exit."
              "set -u"
              "i=${1:-${SLURM_ARRAY_TASK_ID:?give a task number}}"
              sprintf "dir=%s" (quote dir)
              "line=$(sed -n \"$((i + 1))p\" \"$dir/tasks.txt\")"
              "[ -n \"$line\" ] || { echo \"no task $i in $dir/tasks.txt\" >&2; exit 2; }"
              "rm -f \"$dir/status/task-$i.exit\""
              "echo \"task $i on $(hostname) at $(date -u +%FT%TZ): $line\""
              "eval \"$line\""
              "code=$?"
              "echo \"$code\" > \"$dir/status/task-$i.exit.tmp\" && mv \"$dir/status/task-$i.exit.tmp\" \"$dir/status/task-$i.exit\""
              "exit \"$code\"" ]

        Report.writeAtomic (Path.Combine(dir, "task.sh")) (String.concat "\n" script + "\n")

    /// How many tasks the folder holds.
    let count (dir: string) =
        let path = Path.Combine(dir, "tasks.txt")

        if not (File.Exists path) then
            raise (
                TrainingException(
                    sprintf "%s does not exist: give a folder that tprop sweep or tprop reproduce --on wrote" path
                )
            )

        File.ReadAllLines path |> Array.filter (fun l -> l.Trim() <> "") |> Array.length

    let private run (program: string) (args: string list) =
        let info =
            ProcessStartInfo(program, args, RedirectStandardOutput = true, RedirectStandardError = true)

        use p =
            try
                Process.Start info
            with :? ComponentModel.Win32Exception as e ->
                raise (
                    TrainingException(
                        sprintf
                            "cannot run %s (%s): is Slurm installed and on the PATH (and SLURM_CONF set for a local cluster)?"
                            program
                            e.Message
                    )
                )

        let out = p.StandardOutput.ReadToEndAsync()
        let err = p.StandardError.ReadToEnd()
        p.WaitForExit()
        p.ExitCode, out.Result.Trim(), err.Trim()

    /// Runs tasks `ids` as child processes, `jobs` at a time, each logging to its own file.
    let private runLocal (dir: string) (jobs: int) (ids: int list) =
        let script = Path.Combine(dir, "task.sh")

        let start (i: int) =
            let info =
                ProcessStartInfo(
                    "bash",
                    [ "-c"
                      sprintf "exec bash %s %d >> %s 2>&1" (quote script) i (quote (log dir i)) ]
                )

            Process.Start info

        let mutable waiting = ids
        let running = Collections.Generic.List<int * Process>()

        while not waiting.IsEmpty || running.Count > 0 do
            while running.Count < jobs && not waiting.IsEmpty do
                let i = waiting.Head
                waiting <- waiting.Tail
                running.Add((i, start i))

            Threading.Thread.Sleep 100

            for i, p in List.ofSeq running do
                if p.HasExited then
                    printfn "task %d ended (exit %d); log %s" i p.ExitCode (log dir i)
                    p.Dispose()
                    running.Remove((i, p)) |> ignore

    /// Submits tasks `ids` as one Slurm job array named `name`, each task one CPU per thread; returns the job id.
    let private submit (dir: string) (name: string) (threads: int) (limit: int) (wait: bool) (ids: int list) =
        let array = sprintf "%s%%%d" (ids |> List.map string |> String.concat ",") limit
        let sbatch = Path.Combine(dir, "job.sbatch")

        let header =
            [ "#!/usr/bin/env bash"
              sprintf "#SBATCH --job-name=tprop-%s" name
              "#SBATCH --ntasks=1"
              sprintf "#SBATCH --cpus-per-task=%d" threads
              sprintf "#SBATCH --output=%s" (Path.Combine(dir, "logs", "task-%a.log"))
              "#SBATCH --open-mode=append"
              sprintf "bash %s \"$SLURM_ARRAY_TASK_ID\"" (quote (Path.Combine(dir, "task.sh"))) ]

        Report.writeAtomic sbatch (String.concat "\n" header + "\n")

        let code, out, err =
            run
                "sbatch"
                ([ "--parsable"; sprintf "--array=%s" array ]
                 @ (if wait then [ "--wait" ] else [])
                 @ [ sbatch ])
        // With --wait, sbatch's exit code is the array's worst; the tasks' own codes are in status/.
        let job = out.Split('\n').[0].Split(';').[0].Trim()

        if job = "" || (code <> 0 && not wait) then
            raise (
                TrainingException(
                    sprintf "sbatch refused the job array (exit %d): %s" code (if err = "" then out else err)
                )
            )

        File.AppendAllText(jobFile dir, job + "\n")
        job

    /// Runs tasks `ids` of the folder on the engine.
    let start (dir: string) (name: string) (threads: int) (engine: Engine) (ids: int list) =
        match engine with
        | Local jobs ->
            if jobs < 1 then
                raise (TrainingException(sprintf "jobs = %d: run at least 1 task at a time" jobs))

            printfn "%d task(s) on this machine, %d at a time; logs in %s" ids.Length jobs (Path.Combine(dir, "logs"))
            runLocal dir jobs ids
        | Slurm(limit, wait) ->
            if limit < 1 then
                raise (TrainingException(sprintf "jobs = %d: let at least 1 task run at a time" limit))

            let job = submit dir name threads limit wait ids

            printfn
                "submitted %d task(s) as Slurm job array %s (at most %d at once)%s; logs in %s"
                ids.Length
                job
                limit
                (if wait then
                     ", all ended"
                 else
                     sprintf "; follow with squeue -j %s" job)
                (Path.Combine(dir, "logs"))

    /// The tasks of the folder still queued in Slurm (pending or running), from squeue; none where Slurm is absent.
    let private queued (dir: string) : Set<int> =
        if not (File.Exists(jobFile dir)) then
            Set.empty
        else
            let jobs =
                File.ReadAllLines(jobFile dir)
                |> Array.filter (fun l -> l.Trim() <> "")
                |> List.ofArray

            let code, out, _ =
                run "squeue" [ "-h"; "-r"; "-o"; "%i"; "-j"; String.concat "," jobs ]

            if code <> 0 then
                Set.empty
            else
                out.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                |> Array.choose (fun id ->
                    match id.Trim().Split('_') with
                    | [| _; task |] ->
                        (match Int32.TryParse task with
                         | true, i -> Some i
                         | _ -> None)
                    | _ -> None)
                |> Set.ofArray

    /// Every task's state.
    let status (dir: string) : (int * TaskState) list =
        let inQueue = queued dir

        [ for i in 0 .. count dir - 1 ->
              let file = statusFile dir i

              if File.Exists file then
                  match Int32.TryParse(File.ReadAllText(file).Trim()) with
                  | true, 0 -> i, Done
                  | true, code -> i, Failed code
                  | _ -> i, Failed -1
              elif inQueue.Contains i then
                  i, Queued
              else
                  i, Missing ]

    /// The last lines of task i's log.
    let tail (dir: string) (i: int) (lines: int) =
        let path = log dir i

        if File.Exists path then
            File.ReadAllLines path
            |> Array.rev
            |> Array.truncate lines
            |> Array.rev
            |> List.ofArray
        else
            [ "(no log)" ]

    /// Prints the tasks' states, and for each that failed or is missing its log's last lines; returns the ones that
    /// did not end well (failed or missing), which a resubmission runs again.
    let report (dir: string) (describe: int -> string) : int list =
        let states = status dir

        let countOf f =
            states |> List.filter (snd >> f) |> List.length

        printfn
            "%s: %d task(s): %d done, %d failed, %d queued or running, %d missing"
            dir
            states.Length
            (countOf ((=) Done))
            (countOf (function
                | Failed _ -> true
                | _ -> false))
            (countOf ((=) Queued))
            (countOf ((=) Missing))

        [ for i, state in states do
              match state with
              | Failed code ->
                  printfn "task %d (%s) failed with exit code %d; the end of %s:" i (describe i) code (log dir i)

                  for l in tail dir i 5 do
                      printfn "    %s" l

                  yield i
              | Missing ->
                  printfn
                      "task %d (%s) is missing: it was killed, lost with its node, or never ran; the end of %s:"
                      i
                      (describe i)
                      (log dir i)

                  for l in tail dir i 5 do
                      printfn "    %s" l

                  yield i
              | Done
              | Queued -> () ]
