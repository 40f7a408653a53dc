/// The tprop command and the experiment scripts, run as a user runs them (needs `dotnet build -c Release` first, as CI does).
module TargetProp.Tests.EndToEnd.CommandTests

open System.IO
open System.Diagnostics
open System.Text.Json
open Expecto

/// The repository root: the folder holding TargetProp.Dsl.sln above the test program.
let root =
    let rec up (d: DirectoryInfo) =
        if isNull d then
            failwith "TargetProp.Dsl.sln not found above the test program"
        elif File.Exists(Path.Combine(d.FullName, "TargetProp.Dsl.sln")) then
            d.FullName
        else
            up d.Parent

    up (DirectoryInfo System.AppContext.BaseDirectory)

/// A fresh folder path that no run has written: a refused command must leave it absent.
let freshNever () =
    Path.Combine(Path.GetTempPath(), sprintf "tprop-never-%s" (System.Guid.NewGuid().ToString "N"))

/// Runs a program with arguments and extra environment variables in the root folder; returns exit code, stdout and stderr.
let execWith (env: (string * string) list) (program: string) (args: string list) =
    let info =
        ProcessStartInfo(
            program,
            args,
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true
        )

    for k, v in env do
        info.Environment.[k] <- v

    use p = Process.Start info
    let out = p.StandardOutput.ReadToEndAsync()
    let err = p.StandardError.ReadToEnd()
    p.WaitForExit()
    p.ExitCode, out.Result, err

/// Runs a program with arguments in the root folder; returns exit code, stdout and stderr.
let exec (program: string) (args: string list) = execWith [] program args

/// Runs dotnet with arguments in the root folder; returns exit code, stdout and stderr.
let dotnet (args: string list) = exec "dotnet" args

/// The tprop the solution's Release build leaves.
let tpropDll =
    Path.Combine(root, "src", "Cli", "bin", "Release", "net10.0", "tprop.dll")

let tprop (args: string list) = dotnet (tpropDll :: args)

[<Tests>]
let tests =
    testSequenced
    <| testList
        "EndToEnd.Commands"
        [ test "tprop train writes one JSON object per epoch with the documented fields" {
              let out =
                  Path.Combine(Path.GetTempPath(), sprintf "tprop-%d" (System.Random().Next()))

              let code, stdout, stderr =
                  tprop
                      [ "train"
                        "--rule"
                        "dtp"
                        "--epochs"
                        "2"
                        "--limit-train"
                        "1000"
                        "--out"
                        out ]

              Expect.equal code 0 (stdout + stderr)
              let lines = File.ReadAllLines(Path.Combine(out, "metrics.jsonl"))
              Expect.equal lines.Length 2 "two epochs"

              for i, line in Array.indexed lines do
                  let o = JsonDocument.Parse(line).RootElement
                  Expect.equal (o.GetProperty("epoch").GetInt32()) (i + 1) "epoch"

                  for field in [ "train_loss"; "train_error"; "test_error"; "seconds" ] do
                      let v = o.GetProperty(field).GetDouble()
                      Expect.isTrue (System.Double.IsFinite v && v >= 0.0) field

                  Expect.isLessThanOrEqual (o.GetProperty("test_error").GetDouble()) 1.0 "error is a fraction"

              Expect.stringContains stdout "epoch   2/2" "a progress line per epoch"

              Expect.isFalse
                  (stdout |> Seq.exists (fun c -> c = '\u001b' || c = '\r'))
                  "no control characters when the output is not a terminal"
              // The same seed and thread count: the same log, every field but seconds.
              let again = out + "-again"

              let code, stdout, stderr =
                  tprop
                      [ "train"
                        "--rule"
                        "dtp"
                        "--epochs"
                        "2"
                        "--limit-train"
                        "1000"
                        "--out"
                        again ]

              Expect.equal code 0 (stdout + stderr)

              let withoutSeconds (folder: string) =
                  File.ReadAllLines(Path.Combine(folder, "metrics.jsonl"))
                  |> Array.map (fun l ->
                      let o = Nodes.JsonNode.Parse(l).AsObject() in
                      o.Remove "seconds" |> ignore
                      o.ToJsonString())

              Expect.equal (withoutSeconds again) (withoutSeconds out) "two runs, one log"
              Directory.Delete(again, true)
              let code2, _, stderr2 = tprop [ "train"; "--epochs"; "1"; "--out"; out ]
              Expect.equal code2 2 "refuses to overwrite a run"
              Expect.stringContains stderr2 "already holds a run's metrics.jsonl" "says why"
              Expect.equal (File.ReadAllLines(Path.Combine(out, "metrics.jsonl")).Length) 2 "the earlier run is kept"
              Directory.Delete(out, true)
          }
          test
              "tprop train --resume: a run stopped after epoch 3 of 5 and resumed ends with the same checkpoint and log (but seconds) as one that never stopped" {
              let whole =
                  Path.Combine(Path.GetTempPath(), sprintf "tprop-whole-%d" (System.Random().Next()))

              let part =
                  Path.Combine(Path.GetTempPath(), sprintf "tprop-part-%d" (System.Random().Next()))

              let common = [ "train"; "--rule"; "drl"; "--limit-train"; "300"; "--seed"; "4" ]
              let code, stdout, stderr = tprop (common @ [ "--epochs"; "5"; "--out"; whole ])
              Expect.equal code 0 (stdout + stderr)
              let code, stdout, stderr = tprop (common @ [ "--epochs"; "3"; "--out"; part ])
              Expect.equal code 0 (stdout + stderr)
              // As if killed after logging epoch 4 but before its checkpoint: the resumed run logs epoch 4 once.
              File.AppendAllText(Path.Combine(part, "metrics.jsonl"), "{\"epoch\":4,\"train_loss\":0}\n")
              let code, stdout, stderr = tprop [ "train"; "--resume"; part; "--epochs"; "5" ]
              Expect.equal code 0 (stdout + stderr)
              Expect.stringContains stdout "after epoch 3" "resumed from epoch 3's checkpoint"

              let withoutSeconds (folder: string) =
                  File.ReadAllLines(Path.Combine(folder, "metrics.jsonl"))
                  |> Array.map (fun l ->
                      let o = Nodes.JsonNode.Parse(l).AsObject() in
                      o.Remove "seconds" |> ignore
                      o.ToJsonString())

              Expect.equal (withoutSeconds part) (withoutSeconds whole) "metrics.jsonl, every field but seconds"

              let last (folder: string) =
                  File.ReadAllBytes(Path.Combine(folder, "checkpoints", "epoch-000005.ckpt"))

              Expect.equal
                  (last part)
                  (last whole)
                  "the final checkpoint (weights, optimiser states, update counts), byte for byte"
              // A damaged newest checkpoint is refused naming its section, the previous one offered, and nothing in the folder changes.
              let newest = Path.Combine(part, "checkpoints", "epoch-000005.ckpt")
              let bytes = File.ReadAllBytes newest
              bytes.[bytes.Length - 100] <- bytes.[bytes.Length - 100] ^^^ 1uy
              File.WriteAllBytes(newest, bytes)

              let before =
                  [ for f in Directory.GetFiles(part, "*", SearchOption.AllDirectories) -> f, File.ReadAllBytes f ]

              let code, _, stderr = tprop [ "train"; "--resume"; part; "--epochs"; "6" ]
              Expect.equal code 2 "a damaged checkpoint"

              for text in
                  [ "epoch-000005.ckpt is damaged in section \"optim"
                    "its checksum (CRC-32) does not match"
                    "the previous checkpoint"
                    "epoch-000004.ckpt reads well" ] do
                  Expect.stringContains stderr text stderr

              Expect.equal
                  [ for f in Directory.GetFiles(part, "*", SearchOption.AllDirectories) -> f, File.ReadAllBytes f ]
                  before
                  "nothing in the folder changed"

              let code, _, stderr = tprop [ "train"; "--resume"; part; "--rule"; "bp" ]
              Expect.equal code 2 "only --epochs and --threads may change"
              Expect.stringContains stderr "only --epochs and --threads may change" stderr

              let never = freshNever ()
              let code, _, stderr = tprop [ "train"; "--resume"; never ]
              Expect.equal code 2 "not a run's folder"
              Expect.stringContains stderr "train.json does not exist" stderr
              Expect.isFalse (Directory.Exists never) "a refused resume creates no folder"

              for d in [ whole; part ] do
                  Directory.Delete(d, true)
          }
          test "in a terminal, tprop train draws a live progress bar per epoch with examples/s and the running loss" {
              let out =
                  Path.Combine(Path.GetTempPath(), sprintf "tprop-progress-%d" (System.Random().Next()))

              let dll = Path.Combine(root, "src", "Cli", "bin", "Release", "net10.0", "tprop.dll")
              // script(1) runs the command on a pseudo-terminal, as a user's shell would.
              let info =
                  ProcessStartInfo(
                      "script",
                      [ "-q"
                        "-c"
                        sprintf "dotnet %s train --epochs 2 --limit-train 2000 --out %s" dll out
                        "/dev/null" ],
                      RedirectStandardOutput = true,
                      RedirectStandardError = true
                  )

              info.Environment.["TERM"] <- "xterm-256color"
              use p = Process.Start info
              let stdout = p.StandardOutput.ReadToEnd()
              p.WaitForExit()
              Expect.equal p.ExitCode 0 stdout

              for text in [ "examples/s"; "loss "; "epoch   2/2"; "\u001b[" ] do
                  Expect.stringContains stdout text "the live view"

              Expect.equal
                  (File.ReadAllLines(Path.Combine(out, "metrics.jsonl"))).Length
                  2
                  "the log as without a terminal"

              Directory.Delete(out, true)
          }
          test "tprop train --diagnostics logs every layer's angles under stable names, bp's at 0°" {
              let out =
                  Path.Combine(Path.GetTempPath(), sprintf "tprop-%d" (System.Random().Next()))

              let code, stdout, stderr =
                  tprop
                      [ "train"
                        "--rule"
                        "bp"
                        "--epochs"
                        "1"
                        "--limit-train"
                        "500"
                        "--diagnostics"
                        "--out"
                        out ]

              Expect.equal code 0 (stdout + stderr)

              let o =
                  JsonDocument.Parse(File.ReadAllLines(Path.Combine(out, "metrics.jsonl")).[0]).RootElement

              for l in 1..8 do
                  Expect.isLessThan (o.GetProperty(sprintf "angle_bp_%d" l).GetDouble()) 1e-3 (sprintf "layer %d" l)
                  Expect.isTrue (o.TryGetProperty(sprintf "target_move_%d" l) |> fst) "target moves"

              Expect.stringContains
                  (File.ReadAllLines(Path.Combine(out, "metrics.csv")).[0])
                  ",angle_bp_1,"
                  "CSV header"

              Directory.Delete(out, true)
          }
          test
              "tprop train's settings reach the run: --schedule, --seed, --threads, --batch, and --force replaces a run" {
              let out name =
                  Path.Combine(Path.GetTempPath(), sprintf "tprop-%s-%d" name (System.Random().Next()))

              let train (dir: string) (extra: string list) =
                  let code, stdout, stderr =
                      tprop (
                          [ "train"
                            "--rule"
                            "dtp"
                            "--epochs"
                            "1"
                            "--limit-train"
                            "400"
                            "--batch"
                            "50"
                            "--schedule"
                            "parallel"
                            "--out"
                            dir ]
                          @ extra
                      )

                  Expect.equal code 0 (stdout + stderr)
                  stdout
              // train_loss and test_error of each epoch.
              let metrics (dir: string) =
                  File.ReadAllLines(Path.Combine(dir, "metrics.jsonl"))
                  |> Array.map (fun line ->
                      let o = JsonDocument.Parse(line).RootElement
                      o.GetProperty("train_loss").GetDouble(), o.GetProperty("test_error").GetDouble())

              let a, b, c = out "a", out "b", out "c"
              let stdoutA = train a [ "--seed"; "3"; "--threads"; "2" ]
              Expect.stringContains stdoutA "|> Model.schedule Parallel" "the schedule"
              Expect.stringContains stdoutA "batch 50, seed 3, 2 thread(s)" "batch, seed and threads"
              train b [ "--seed"; "3"; "--threads"; "1" ] |> ignore
              Expect.equal (metrics b) (metrics a) "1 and 2 threads give the same numbers"
              train c [ "--seed"; "4"; "--threads"; "1" ] |> ignore
              Expect.notEqual (metrics c) (metrics a) "another seed gives other numbers"
              train a [ "--seed"; "3"; "--epochs"; "2"; "--force" ] |> ignore
              Expect.equal (metrics a).Length 2 "--force replaced the one-epoch run with a two-epoch one"

              for dir in [ a; b; c ] do
                  Directory.Delete(dir, true)
          }
          test "tprop rules lists every preset with its equations" {
              let code, stdout, stderr = tprop [ "rules" ]
              Expect.equal code 0 stderr
              let lines = stdout.Split('\n')

              for r in TargetProp.Dsl.Rules.all do
                  Expect.exists lines (fun l -> l.StartsWith(r.Name + " ") && l.Contains(r.Propagation.Equation)) r.Name
                  Expect.exists lines (fun l -> l.Trim() = string r) (r.Name + " as code")

              Expect.stringContains stdout "ĥ_{l-1} = h_{l-1} + g_l(ĥ_l) − g_l(h_l)" "dtp's propagation"
          }
          test "tprop nets lists every named network with its equations" {
              let code, stdout, stderr = tprop [ "nets" ]
              Expect.equal code 0 stderr

              for n in TargetProp.Dsl.Nets.all do
                  Expect.stringContains stdout (n.Name + "  " + string n.Stack) n.Name

              Expect.stringContains stdout "h2 = tanh(W2 sign(h1) + b2)" "the discrete network's equation"
              Expect.stringContains stdout "p = softmax(W3 bernoulli(h2) + b3)" "the stochastic network's equation"
          }
          test
              "bp on Lee et al.'s discrete network is refused naming layer 2, the sign unit and the rules that work; --straight-through trains" {
              let never = freshNever ()

              let code, _, stderr =
                  tprop
                      [ "train"
                        "--rule"
                        "bp"
                        "--net"
                        "lee2015-discrete"
                        "--epochs"
                        "1"
                        "--out"
                        never ]

              Expect.equal code 2 stderr

              for text in
                  [ "layer 2 (dense 500 tanh)"
                    "sign(h_1), the sign unit of layer 1"
                    "dtp, sdtp"
                    "--straight-through" ] do
                  Expect.stringContains stderr text "the refusal"

              Expect.isFalse (stderr.Contains "   at ") "no stack trace"
              Expect.isFalse (Directory.Exists never) "the refused run created no folder"

              for args in
                  [ [ "--rule"; "bp"; "--net"; "lee2015-discrete"; "--straight-through" ]
                    [ "--rule"; "dtp"; "--net"; "lee2015-discrete" ]
                    [ "--rule"; "dtp"; "--net"; "lee2015-stochastic" ] ] do
                  let out =
                      Path.Combine(Path.GetTempPath(), sprintf "tprop-%d" (System.Random().Next()))

                  let code, stdout, stderr =
                      tprop ([ "train"; "--epochs"; "1"; "--limit-train"; "300"; "--out"; out ] @ args)

                  Expect.equal code 0 (sprintf "%A: %s%s" args stdout stderr)

                  Expect.equal
                      (File.ReadAllLines(Path.Combine(out, "metrics.jsonl")).Length)
                      1
                      (sprintf "%A: one epoch logged" args)

                  Directory.Delete(out, true)
          }
          test "tprop report draws one run, and an overlay of three, to PNG" {
              let root =
                  Path.Combine(Path.GetTempPath(), sprintf "tprop-%d" (System.Random().Next()))

              let folders =
                  [ for rule, seed in [ "dtp", 1; "dtp", 2; "bp", 1 ] ->
                        let out = Path.Combine(root, sprintf "%s%d" rule seed)

                        let code, stdout, stderr =
                            tprop
                                [ "train"
                                  "--rule"
                                  rule
                                  "--seed"
                                  string seed
                                  "--epochs"
                                  "2"
                                  "--limit-train"
                                  "300"
                                  "--out"
                                  out ]

                        Expect.equal code 0 (stdout + stderr)
                        out ]

              for args, png in
                  [ [ folders.Head ], Path.Combine(folders.Head, "report.png")
                    folders @ [ "--out"; Path.Combine(root, "three.png") ], Path.Combine(root, "three.png") ] do
                  let code, stdout, stderr = tprop ("report" :: args)
                  Expect.equal code 0 (stdout + stderr)
                  let bytes = File.ReadAllBytes png
                  Expect.equal bytes.[1..3] "PNG"B "a PNG"

              let code, _, stderr = tprop [ "report"; Path.Combine(root, "nope") ]
              Expect.equal code 2 "a folder without a run"
              Expect.stringContains stderr "metrics.jsonl does not exist" "says what is missing"
              Directory.Delete(root, true)
          }
          test
              "every experiment runs in quick mode and writes its runs, results.jsonl and figure; a script runs one too" {
              for e in TargetProp.Experiments.Catalog.all do
                  let out =
                      Path.Combine(Path.GetTempPath(), sprintf "tprop-%s-%d" e.Name (System.Random().Next()))

                  let code, stdout, stderr = tprop [ "experiment"; e.Name; "--quick"; "--out"; out ]
                  Expect.equal code 0 (stdout + stderr)
                  let results = File.ReadAllLines(Path.Combine(out, "results.jsonl"))
                  Expect.equal results.Length e.QuickArms.Length (sprintf "%s: a result per arm (one seed)" e.Name)

                  for line in results do
                      let o = JsonDocument.Parse(line).RootElement

                      Expect.equal
                          (o.GetProperty("diverged").ValueKind)
                          JsonValueKind.Null
                          (sprintf "%s: no run diverged" line)

                      for c in e.Columns do
                          match o.GetProperty(c.Key).ValueKind with
                          | JsonValueKind.Number
                          | JsonValueKind.Null -> ()
                          | other -> failtestf "%s: column %s is %O" line c.Key other

                      match o.TryGetProperty "test_error" with
                      | true, v -> Expect.isTrue (v.GetDouble() >= 0.0 && v.GetDouble() <= 100.0) "a test error in %"
                      | _ -> ()

                  for arm in e.QuickArms do
                      let log =
                          Path.Combine(out, TargetProp.Experiments.Experiment.folder arm.Label 1, "metrics.jsonl")

                      Expect.equal (File.ReadAllLines log).Length 2 (sprintf "%s: two epochs logged" arm.Label)

                  for suffix, _ in e.Figures do
                      Expect.equal
                          (File.ReadAllBytes(Path.Combine(out, e.Name + suffix + ".png")).[1..3])
                          "PNG"B
                          (sprintf "the figure %s%s" e.Name suffix)

                  Expect.stringContains stdout e.Columns.Head.Heading "the table"
                  Directory.Delete(out, true)

              let out =
                  Path.Combine(Path.GetTempPath(), sprintf "tprop-script-%d" (System.Random().Next()))

              let code, stdout, stderr =
                  dotnet [ "fsi"; "experiments/stochastic.fsx"; "--quick"; "--out"; out ]

              Expect.equal code 0 (stdout + stderr)
              Expect.isTrue (File.Exists(Path.Combine(out, "stochastic.png"))) "the script's figure"
              Directory.Delete(out, true)
          }
          test "tprop train --hidden COUNTxWIDTH --activation builds that stack" {
              let out =
                  Path.Combine(Path.GetTempPath(), sprintf "tprop-hidden-%d" (System.Random().Next()))

              let code, stdout, stderr =
                  tprop
                      [ "train"
                        "--rule"
                        "bp"
                        "--hidden"
                        "2x16"
                        "--activation"
                        "relu"
                        "--epochs"
                        "1"
                        "--limit-train"
                        "100"
                        "--out"
                        out ]

              Expect.equal code 0 (stdout + stderr)

              Expect.stringContains
                  stdout
                  "input 784 |> repeat 2 (dense 16 Relu) |> dense 10 Softmax"
                  "the stack it trained"

              Directory.Delete(out, true)
          }
          test "tprop reports a user's mistake in one line, without a stack trace, and writes nothing" {
              let never = freshNever ()

              for args, expected in
                  [ [ "train"; "--rule"; "nope" ], "no rule named 'nope'; the presets are: bp, tp, dtp"
                    [ "train"; "--rule"; "dpt" ], "no rule named 'dpt' (did you mean dtp?); the presets are"
                    [ "train"; "--data"; "mnistt" ], "Data set \"mnistt\" not found (did you mean mnist?)"
                    [ "train"; "--net"; "lee2051"; "--out"; never ], "(did you mean lee2015?)"
                    [ "train"; "--batch"; "1000000"; "--out"; never ],
                    "batch = 1000000, but the run trains on 6000 examples: use a batch of at most 6000"
                    [ "train"; "--net"; "lee"; "--out"; never ],
                    "no network named 'lee'; the named networks are: lee2015, lee2015-discrete"
                    [ "train"; "--data"; "/nonexistent/folder" ], "/nonexistent/folder"
                    [ "train"; "--epochs"; "0"; "--out"; never ], "epochs = 0"
                    [ "train"; "--hidden"; "5by256"; "--out"; never ],
                    "--hidden 5by256: give the hidden layers as COUNTxWIDTH"
                    [ "train"; "--net"; "lee2015"; "--hidden"; "5x256"; "--out"; never ],
                    "give either --net or --hidden/--activation"
                    [ "train"
                      "--epochs"
                      "1"
                      "--limit-train"
                      "100"
                      "--out"
                      Path.Combine(root, "README.md") ],
                    "README.md"
                    [ "sweep"; "/nonexistent/spec.json" ], "/nonexistent/spec.json does not exist: give a sweep spec"
                    [ "sweep"; "status"; "/nonexistent" ],
                    "/nonexistent/trials.jsonl does not exist: give the folder tprop sweep wrote"
                    [ "sweep"; "stats"; "/nonexistent" ], "give SPEC.json, or status DIR, collect DIR or resubmit DIR"
                    [ "reproduce"; "lee2015-mnist"; "--collect"; "--out"; "/nonexistent" ],
                    "reproduce.json does not exist"
                    [ "reproduce"; "lee2015-mnist"; "--arm"; "ddtp"; "--out"; never ],
                    "lee2015-mnist has no rule 'ddtp'; its rules are: dtp, bp" ] do
                  let code, _, stderr = tprop args
                  Expect.equal code 2 (sprintf "%A exit code" args)
                  Expect.stringContains stderr expected (sprintf "%A message" args)
                  Expect.isFalse (stderr.Contains "   at ") "no stack trace"
                  Expect.isFalse (Directory.Exists never) (sprintf "%A created the --out folder" args)
          }
          test "tprop bench prints its figures as the last line, in the documented format" {
              let code, stdout, stderr =
                  tprop
                      [ "bench"
                        "gemm"
                        "--m"
                        "17"
                        "--k"
                        "65"
                        "--n"
                        "63"
                        "--trans"
                        "tn"
                        "--threads"
                        "2" ]

              Expect.equal code 0 stderr
              let last = stdout.Trim().Split('\n') |> Array.last
              Expect.isMatch last @"^gflops=\d+\.\d\d$" "gemm"

              let code, stdout, stderr =
                  tprop [ "bench"; "gemm"; "--m"; "10"; "--k"; "512"; "--n"; "512"; "--cold" ]

              Expect.equal code 0 stderr
              // 64 MiB of 1 MiB copies of B, and one more.
              Expect.stringContains stdout "B out of cache (65 copies)" "gemm --cold"
              Expect.isMatch (stdout.Trim().Split('\n') |> Array.last) @"^gflops=\d+\.\d\d$" "gemm --cold"

              let code, stdout, stderr = tprop [ "bench"; "peak"; "--threads"; "2" ]
              Expect.equal code 0 stderr
              let last = stdout.Trim().Split('\n') |> Array.last
              Expect.isMatch last @"^gflops=\d+\.\d\d$" "peak"

              let code, stdout, stderr =
                  tprop [ "bench"; "epoch"; "--rule"; "dtp"; "--data"; "digits"; "--threads"; "2" ]

              Expect.equal code 0 stderr
              let last = stdout.Trim().Split('\n') |> Array.last

              Expect.isMatch
                  last
                  @"^seconds_per_epoch=\d+\.\d{3} allocated_bytes_per_step=\d+ gflops=\d+\.\d\d$"
                  "epoch"

              Expect.stringContains stdout "vector path: " "the vector path beside the figures"
          }
          test "tprop bench epoch --profile prints the time of each kind of kernel, and they add up to the epoch" {
              let code, stdout, stderr =
                  tprop
                      [ "bench"
                        "epoch"
                        "--rule"
                        "dtp"
                        "--data"
                        "digits"
                        "--threads"
                        "2"
                        "--profile" ]

              Expect.equal code 0 stderr
              let lines = stdout.Trim().Split('\n')

              let row kind =
                  lines
                  |> Array.pick (fun l ->
                      let m =
                          System.Text.RegularExpressions.Regex.Match(l, $@"^  {kind} +(\d+\.\d+) s +(\d+\.\d) %%$")

                      if m.Success then Some(float m.Groups.[1].Value) else None)

              let kinds =
                  [ "GemmNN"
                    "GemmNT"
                    "GemmTN"
                    "Activation"
                    "Noise"
                    "Emission"
                    "Target"
                    "Loss"
                    "Optimiser"
                    "Gather"
                    "Wait"
                    "other" ]

              let seconds = kinds |> List.map (fun k -> k, row k) |> Map.ofList
              // dtp's forward and feedback maps, weight gradients, noise and optimisers all run in an epoch.
              for k in [ "GemmNN"; "GemmTN"; "Activation"; "Noise"; "Optimiser"; "Loss" ] do
                  Expect.isGreaterThan seconds.[k] 0.0 $"{k} was charged"

              let wall =
                  System.Text.RegularExpressions.Regex
                      .Match(stdout, @"share of (\d+\.\d+) thread-seconds")
                      .Groups.[1].Value
                  |> float

              Expect.floatClose
                  { absolute = 0.02; relative = 0.01 }
                  (Seq.sum seconds.Values)
                  wall
                  "the kinds and other add up to threads × wall"

              let floor =
                  System.Text.RegularExpressions.Regex.Match(
                      stdout,
                      @"^floor on this machine: (\d+\.\d{3}) s = (\d+\.\d{3}) s of GEMM at the multiply-add peak \((\d+\.\d) GFLOP/s a thread\) \+ (\d+\.\d{3}) thread-s of other kernels over 2 thread\(s\); this run's GEMM ran at \d+ % of peak$",
                      System.Text.RegularExpressions.RegexOptions.Multiline
                  )

              Expect.isTrue floor.Success "the floor line"
              let group (i: int) = float floor.Groups.[i].Value

              let flops =
                  System.Text.RegularExpressions.Regex.Match(stdout, @"(\d+\.\d) GFLOP of GEMM").Groups.[1].Value
                  |> float

              let close = { absolute = 0.0015; relative = 0.0 }

              // Seven rows rounded to 3 decimals against one: up to 0.004 apart.
              Expect.floatClose
                  { absolute = 0.0045; relative = 0.0 }
                  (group 4)
                  ([ "Activation"; "Noise"; "Emission"; "Target"; "Loss"; "Optimiser"; "Gather" ]
                   |> List.sumBy (fun k -> seconds.[k]))
                  "other kernels: every kind but GEMM, Wait and other"

              Expect.floatClose
                  { absolute = 0.001; relative = 0.003 }
                  (group 2)
                  (flops / (2.0 * group 3))
                  "GEMM at peak: the epoch's GFLOP over 2 threads' peak"

              Expect.floatClose close (group 1) (group 2 + group 4 / 2.0) "floor = GEMM at peak + other kernels / 2"
              Expect.isMatch (Array.last lines) @"^seconds_per_epoch=" "the figures stay the last line"
          } ]
