/// Fault injection: tprop train killed with SIGKILL at random moments, some inside checkpoint writes (held open by
/// TPROP_WRITE_DELAY_MS), and resumed each time (from epochs' ends and from within epochs), ends with the same final
/// checkpoint as a run never killed.
module TargetProp.Tests.EndToEnd.KillTests

open System
open System.Diagnostics
open System.IO
open Expecto
open TargetProp.Tests.EndToEnd.CommandTests

let private tpropDll =
    Path.Combine(root, "src", "Cli", "bin", "Release", "net10.0", "tprop.dll")

/// Starts tprop with these arguments, writes held open for `delay` ms each.
let private start (args: string list) (delay: int) =
    let info =
        ProcessStartInfo(
            "dotnet",
            tpropDll :: args,
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true
        )

    info.Environment.["TPROP_WRITE_DELAY_MS"] <- string delay
    let p = Process.Start info
    p.OutputDataReceived.Add ignore
    p.ErrorDataReceived.Add ignore
    p.BeginOutputReadLine()
    p.BeginErrorReadLine()
    p

let private final (dir: string) =
    Path.Combine(dir, "checkpoints", "epoch-000006.ckpt")

[<Tests>]
let tests =
    testSequenced
    <| testList
        "EndToEnd.Kill"
        [ test
              "SIGKILL at 20 random moments, resumed each time: the final checkpoint and log equal the uninterrupted run's" {
              // 60 batches an epoch (a feedback pass and a forward pass of 30), a checkpoint after every 7th of them too.
              let train =
                  [ "train"
                    "--rule"
                    "dtp"
                    "--limit-train"
                    "3000"
                    "--epochs"
                    "6"
                    "--seed"
                    "2"
                    "--checkpoint-every-steps"
                    "7" ]

              let reference =
                  Path.Combine(Path.GetTempPath(), sprintf "tprop-kill-ref-%d" (Random().Next()))

              use p = start (train @ [ "--out"; reference ]) 0
              p.WaitForExit()
              Expect.equal p.ExitCode 0 "the uninterrupted run"

              let dir =
                  Path.Combine(Path.GetTempPath(), sprintf "tprop-kill-%d" (Random().Next()))

              let rng = Random 11
              let folder = Path.Combine(dir, "checkpoints")
              // The newest checkpoint's name ("" for none).
              let newest () =
                  if Directory.Exists folder then
                      Directory.GetFiles(folder, "epoch-*.ckpt") |> Array.fold max ""
                  else
                      ""

              let writing () =
                  Directory.Exists folder
                  && Directory.GetFiles(folder) |> Array.exists (fun f -> f.EndsWith ".tmp")

              let mutable kills, insideWrites, resumes, fromWithin, finished = 0, 0, 0, 0, false

              while not finished do
                  let saved = newest ()

                  let args =
                      if saved <> "" then
                          [ "train"; "--resume"; dir ]
                      else
                          train @ [ "--out"; dir; "--force" ]

                  if saved <> "" then
                      resumes <- resumes + 1

                      if saved.Contains "-step-" then
                          fromWithin <- fromWithin + 1

                  use p = start args 150

                  if kills < 20 then
                      let clock = Stopwatch.StartNew()

                      let waitFor condition =
                          while not (condition ()) && not p.HasExited && clock.Elapsed.TotalSeconds < 60.0 do
                              Threading.Thread.Sleep 2

                      if kills % 2 = 0 then
                          // Inside a checkpoint's write (held open 150 ms between its bytes and its rename), once the
                          // process has saved one of its own, so that every resume starts further on.
                          waitFor (fun () -> newest () <> saved)
                          waitFor writing
                      else
                          // Anywhere: start-up, an epoch, a log line, a write.
                          Threading.Thread.Sleep(300 + rng.Next 2500)

                      if not p.HasExited then
                          if writing () then
                              insideWrites <- insideWrites + 1

                          p.Kill()
                          kills <- kills + 1

                  p.WaitForExit()
                  finished <- p.ExitCode = 0 && File.Exists(final dir)

              Expect.equal kills 20 "20 kills"

              Expect.isGreaterThanOrEqual
                  insideWrites
                  8
                  (sprintf "%d of the kills landed inside a checkpoint's write" insideWrites)

              Expect.isGreaterThanOrEqual resumes 10 (sprintf "%d of the runs resumed from a checkpoint" resumes)
              Expect.isGreaterThanOrEqual fromWithin 3 (sprintf "%d of the resumes started within an epoch" fromWithin)

              Expect.equal
                  (File.ReadAllBytes(final dir))
                  (File.ReadAllBytes(final reference))
                  "the final weights, optimiser states and counts, byte for byte"

              let withoutSeconds (folder: string) =
                  File.ReadAllLines(Path.Combine(folder, "metrics.jsonl"))
                  |> Array.map (fun l ->
                      let o = Text.Json.Nodes.JsonNode.Parse(l).AsObject() in
                      o.Remove "seconds" |> ignore
                      o.ToJsonString())

              Expect.equal
                  (withoutSeconds dir)
                  (withoutSeconds reference)
                  "metrics.jsonl: each epoch once, every field but seconds"

              for d in [ reference; dir ] do
                  Directory.Delete(d, true)
          } ]
