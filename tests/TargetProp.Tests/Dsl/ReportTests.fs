/// Run logs read back and drawn (RunLog.fs, Plots.fs, Report.plot): the plotted series checked as numbers against runs
/// written by hand, and the PNG checked to decode at the stated size.
module TargetProp.Tests.Dsl.ReportTests

open System.IO
open Expecto
open TargetProp.Dsl

/// A run of `epochs` epochs whose test error is base + epoch/100 and whose angle to bp at layer l is 10·l + seed.
let private run (folder: string) (rule: string) (seed: int) (epochs: int) (testBase: float) =
    Directory.CreateDirectory folder |> ignore
    let c = { Train.defaults with Seed = seed }

    let lines =
        [ for e in 1..epochs ->
              Report.jsonLine
                  rule
                  "lee2015"
                  "digits"
                  c
                  { Epoch = e
                    TrainLoss = 1.0 / float e
                    TrainError = 0.5 / float e
                    TestError = testBase + float e / 100.0
                    ValidationError = None
                    Seconds = 1.0
                    Diagnostics = [ for l in 1..3 -> sprintf "angle_bp_%d" l, 10.0 * float l + float seed ] } ]

    File.WriteAllLines(Path.Combine(folder, "metrics.jsonl"), lines)
    folder

let private scratch () =
    Path.Combine(Path.GetTempPath(), sprintf "tprop-report-%d" (System.Random().Next()))

/// Width and height from a PNG's IHDR chunk, after checking its signature.
let private pngSize (path: string) =
    let b = File.ReadAllBytes path
    Expect.sequenceEqual b.[0..7] [| 137uy; 80uy; 78uy; 71uy; 13uy; 10uy; 26uy; 10uy |] "the PNG signature"
    Expect.equal (System.Text.Encoding.ASCII.GetString(b, 12, 4)) "IHDR" "the first chunk"

    let int32 at =
        (int b.[at] <<< 24)
        ||| (int b.[at + 1] <<< 16)
        ||| (int b.[at + 2] <<< 8)
        ||| int b.[at + 3]

    int32 16, int32 20

[<Tests>]
let tests =
    testList
        "Dsl.Report"
        [ test "a run reads back with what trained it and every epoch's metrics" {
              let dir = scratch ()
              let r = RunLog.read (run dir "dtp" 4 2 0.1)
              Expect.equal (r.Rule, r.Net, r.Data, r.Seed) ("dtp", "lee2015", "digits", 4) "what trained"

              Expect.equal
                  (r.Epochs |> List.map (fun e -> e.Epoch, System.Math.Round(e.TestError, 12)))
                  [ 1, 0.11; 2, 0.12 ]
                  "epochs"

              Expect.equal
                  (r.Epochs.[1].Diagnostics)
                  [ "angle_bp_1", 14.0; "angle_bp_2", 24.0; "angle_bp_3", 34.0 ]
                  "diagnostics"

              Directory.Delete(dir, true)
          }
          test "a missing or malformed log is refused naming the file and the line" {
              let dir = scratch ()
              Directory.CreateDirectory dir |> ignore

              let message f =
                  try
                      f () |> ignore
                      ""
                  with TrainingException m ->
                      m

              Expect.stringContains (message (fun () -> RunLog.read dir)) "metrics.jsonl does not exist" "missing"
              File.WriteAllLines(Path.Combine(dir, "metrics.jsonl"), [ "{\"epoch\": 1}"; "not json" ])
              Expect.stringContains (message (fun () -> RunLog.read dir)) "line 1: no number '" "malformed"
              Directory.Delete(dir, true)
          }
          test
              "runs that differ only by seed are drawn as mean ± std; others one line each, named by rule, net and seed" {
              let root = scratch ()

              let runs =
                  [ for s in 1..3 -> RunLog.read (run (Path.Combine(root, sprintf "dtp%d" s)) "dtp" s 3 (0.1 * float s)) ]

              let bp = RunLog.read (run (Path.Combine(root, "bp")) "bp" 7 2 0.05)
              let series = Plots.series (runs @ [ bp ])

              let find panel label =
                  series |> List.find (fun s -> s.Panel = panel && s.Label = label)

              let dtp = find "test error (%)" "dtp, 3 seeds (mean ± std)"
              Expect.equal dtp.X [| 1.0; 2.0; 3.0 |] "epochs"
              // Test error (%) per seed s at epoch e: 10s + e; mean 20 + e, std 10 (n − 1).
              for i in 0..2 do
                  Expect.floatClose Accuracy.high dtp.Y.[i] (20.0 + float (i + 1)) "mean"
                  Expect.floatClose Accuracy.high (dtp.High.[i] - dtp.Y.[i]) 10.0 "std"

              let single = find "test error (%)" "bp, seed 7"

              Expect.equal
                  (single.Y |> Array.map (fun v -> System.Math.Round(v, 9)))
                  [| 6.0; 7.0 |]
                  "one run: its own values"

              Expect.isEmpty single.Low "no band for one run"
              let angles = find "angle to bp (degrees), epoch 3" "dtp, 3 seeds (mean ± std)"
              Expect.equal angles.X [| 1.0; 2.0; 3.0 |] "per layer"
              Expect.equal angles.Y [| 12.0; 22.0; 32.0 |] "mean over seeds 1-3 of 10·l + s"
              Directory.Delete(root, true)
          }
          test "Report.plot writes an 800-pixel-wide PNG, 360 pixels a row of two panels" {
              let root = scratch ()

              let folders =
                  [ for s in 1..3 -> run (Path.Combine(root, sprintf "dtp%d" s)) "dtp" s 3 0.1 ]

              let out = Path.Combine(root, "three.png")
              Report.plot out folders
              // Test error, train error, loss and the angle to bp: two rows.
              Expect.equal (pngSize out) (800, 720) "size"
              Expect.isFalse (File.Exists(out + ".tmp.png")) "written through a temporary file"
              Directory.Delete(root, true)
          } ]
