/// The bad-input catalogue as a user meets it (issue 13): each mistake in settings, data, the --out folder, a disk
/// that fills up or a script ends with a message that says what, where and how to fix it, a non-zero exit, no stack
/// trace from tprop, and nothing already saved changed. Library-level cases are beside the code they check (CheckTests,
/// DataTests, CifarTests, CheckpointTests, TrainTests, LanguageTests).
module TargetProp.Tests.EndToEnd.BadInputTests

open System.IO
open System.Text.Json
open Expecto
open TargetProp.Tests.TestData
open TargetProp.Tests.EndToEnd.CommandTests

/// A folder holding a run as tprop train leaves it (logs, options, a checkpoint), which a refused command must not touch.
let private savedRun (parent: string) =
    let dir = Path.Combine(parent, "run")
    Directory.CreateDirectory(Path.Combine(dir, "checkpoints")) |> ignore
    File.WriteAllText(Path.Combine(dir, "metrics.jsonl"), "{\"epoch\":1,\"train_loss\":2.3}\n")
    File.WriteAllText(Path.Combine(dir, "metrics.csv"), "epoch,train_loss\n1,2.3\n")
    File.WriteAllText(Path.Combine(dir, "train.json"), "[\"--epochs\",\"1\"]\n")
    File.WriteAllBytes(Path.Combine(dir, "checkpoints", "epoch-000001.ckpt"), Array.init 4096 byte)
    dir

/// Every file and folder under dir, with each file's bytes.
let private contents (dir: string) =
    [ for e in
          Directory.GetFileSystemEntries(dir, "*", SearchOption.AllDirectories)
          |> Array.sort -> Path.GetRelativePath(dir, e), (if File.Exists e then Some(File.ReadAllBytes e) else None) ]

/// tprop with these arguments exits with 2 and a message holding `expected`, prints no stack trace, and leaves `dir`
/// as it was.
let private refusedKeeping (dir: string) (args: string list) (expected: string) =
    let before = contents dir
    let code, stdout, stderr = tprop args
    Expect.equal code 2 (sprintf "%A exit code: %s%s" args stdout stderr)
    Expect.stringContains stderr expected (sprintf "%A message" args)
    Expect.isFalse (stderr.Contains "   at ") (sprintf "%A: no stack trace" args)
    Expect.equal (contents dir) before (sprintf "%A: nothing in %s changed" args dir)

/// Runs f on a fresh tmpfs of these mount options, unmounted after; skipped where mounting is not permitted.
let private onTmpfs (options: string) (f: string -> unit) =
    use dir = new TempDir()

    let code, _, stderr =
        exec "mount" [ "-t"; "tmpfs"; "-o"; options; "tmpfs"; dir.Path ]

    if code <> 0 then
        skiptestf
            "mount -t tmpfs is not permitted here (%s): run the tests as root on Linux to check a full or read-only disk"
            (stderr.Trim())

    try
        f dir.Path
    finally
        exec "umount" [ dir.Path ] |> ignore

/// Writes to a file in folder until its disk is full.
let private fill (folder: string) =
    use filler = new FileStream(Path.Combine(folder, "filler"), FileMode.Create)
    let chunk = Array.create 65536 0x5auy

    try
        while true do
            filler.Write(chunk, 0, chunk.Length)
            filler.Flush()
    with :? IOException ->
        ()

/// A small network, so that its checkpoints are small (about 200 kB).
let private small = [ "--hidden"; "1x16"; "--limit-train"; "200" ]

[<Tests>]
let tests =
    testSequenced
    <| testList
        "EndToEnd.BadInput"
        [ test "settings: each bad one is refused before anything in the --out folder changes, even with --force" {
              use parent = new TempDir()
              let run = savedRun parent.Path

              for args, expected in
                  [ [ "--batch"; "0" ], "batch = 0: use a batch of at least 1 example"
                    [ "--batch"; "1000000" ],
                    "batch = 1000000, but the run trains on 6000 examples: use a batch of at most 6000"
                    [ "--threads"; "0" ], "threads = 0: use at least 1 thread"
                    [ "--epochs"; "0" ], "epochs = 0: train for at least 1 epoch"
                    [ "--hidden"; "2x0" ], "--hidden 2x0: give the hidden layers as COUNTxWIDTH with both at least 1"
                    [ "--hidden"; "2x-5" ], "--hidden 2x-5: give the hidden layers as COUNTxWIDTH with both at least 1"
                    [ "--hidden"; "0x16" ], "--hidden 0x16: give the hidden layers as COUNTxWIDTH with both at least 1"
                    [ "--rule"; "dpt" ], "no rule named 'dpt' (did you mean dtp?); the presets are"
                    [ "--net"; "lee2051" ], "no network named 'lee2051' (did you mean lee2015?)"
                    [ "--data"; "mnistt" ], "Data set \"mnistt\" not found (did you mean mnist?)"
                    [ "--rule"; "bp"; "--net"; "lee2015-discrete" ], "layer 2 (dense 500 tanh)" ] do
                  refusedKeeping run ([ "train" ] @ args @ [ "--out"; run; "--force" ]) expected
          }
          test
              "data: a missing, truncated or malformed file, an empty folder, a file for a folder, or features the model does not take, named before anything in --out changes" {
              use parent = new TempDir()
              let run = savedRun parent.Path

              let folder (name: string) =
                  let dir = Path.Combine(parent.Path, name)
                  Directory.CreateDirectory dir |> ignore
                  writeIdxSet dir [| 1uy; 2uy; 3uy |] [| 4uy; 5uy |] false
                  dir

              let replace (dir: string) (file: string) (bytes: byte[]) =
                  File.WriteAllBytes(Path.Combine(dir, file), bytes)

              let missing = folder "missing"
              File.Delete(Path.Combine(missing, "t10k-labels-idx1-ubyte"))
              let empty = Path.Combine(parent.Path, "empty")
              Directory.CreateDirectory empty |> ignore
              let file = Path.Combine(parent.Path, "train-images-idx3-ubyte")
              File.WriteAllBytes(file, idxBytes [ 1; 28; 28 ] (Array.zeroCreate 784))
              let truncated = folder "truncated"
              replace truncated "train-labels-idx1-ubyte" (idxBytes [ 3 ] [| 1uy |])
              let magic = folder "magic"
              replace magic "t10k-images-idx3-ubyte" (Array.append "PK"B (Array.zeroCreate 20))
              let corrupt = folder "corrupt"
              let zipped = gzip (idxBytes [ 2 ] [| 4uy; 5uy |])
              File.Delete(Path.Combine(corrupt, "t10k-labels-idx1-ubyte"))

              replace
                  corrupt
                  "t10k-labels-idx1-ubyte.gz"
                  (Array.append zipped.[..9] (Array.create (zipped.Length - 10) 0xffuy))

              let counts = folder "counts"
              replace counts "train-labels-idx1-ubyte" (idxBytes [ 2 ] [| 1uy; 2uy |])
              let labels = folder "labels"
              replace labels "train-labels-idx1-ubyte" (idxBytes [ 3 ] [| 1uy; 12uy; 3uy |])
              let narrow = folder "narrow"

              for name, n in [ "train-images-idx3-ubyte", 3; "t10k-images-idx3-ubyte", 2 ] do
                  replace narrow name (idxBytes [ n; 27; 28 ] (Array.zeroCreate (n * 756)))

              for args, expected in
                  [ [ "--data"; missing ], sprintf "The folder %s lacks t10k-labels-idx1-ubyte[.gz]." missing
                    [ "--data"; empty ],
                    sprintf
                        "The folder %s lacks train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]."
                        empty
                    [ "--data"; file ],
                    sprintf "%s is a file, not a folder: give the folder that holds it, or a name (digits, mnist" file
                    [ "--data"; truncated ],
                    sprintf
                        "%s: the file is truncated: expected 3 bytes of data for dimensions [3], found 1."
                        (Path.Combine(truncated, "train-labels-idx1-ubyte"))
                    [ "--data"; magic ],
                    sprintf
                        "%s: not an IDX file: expected the magic to start with bytes 00 00, found 50 4b."
                        (Path.Combine(magic, "t10k-images-idx3-ubyte"))
                    [ "--data"; corrupt ],
                    sprintf "%s: the gzip stream is corrupt" (Path.Combine(corrupt, "t10k-labels-idx1-ubyte.gz"))
                    [ "--data"; counts ],
                    sprintf
                        "%s: expected one label per image of %s (3), found 2 labels."
                        (Path.Combine(counts, "train-labels-idx1-ubyte"))
                        (Path.Combine(counts, "train-images-idx3-ubyte"))
                    [ "--data"; labels ],
                    sprintf
                        "%s: expected labels 0 to 9, found 12 at index 1."
                        (Path.Combine(labels, "train-labels-idx1-ubyte"))
                    [ "--data"; narrow; "--net"; "lee2015"; "--batch"; "1" ],
                    "narrow has 756 features per example but the model's input has 784: use input 756" ] do
                  refusedKeeping run ([ "train" ] @ args @ [ "--out"; run; "--force" ]) expected
          }
          test "--out: a file, or a folder inside a file, is refused naming it, and the file is unchanged" {
              use parent = new TempDir()
              let file = parent.File "notes.txt"
              File.WriteAllText(file, "a user's notes\n")

              refusedKeeping
                  parent.Path
                  ([ "train"; "--epochs"; "1" ] @ small @ [ "--out"; file ])
                  (sprintf "--out %s is a file, not a folder: give a folder for the run's logs and checkpoints" file)

              refusedKeeping
                  parent.Path
                  ([ "train"; "--epochs"; "1" ] @ small @ [ "--out"; Path.Combine(file, "run") ])
                  (sprintf "cannot write the run's folder %s: " (Path.Combine(file, "run")))

              let _, _, stderr =
                  tprop ([ "train"; "--epochs"; "1" ] @ small @ [ "--out"; Path.Combine(file, "run") ])

              Expect.stringContains stderr "Give --out a folder you can write to, on a disk with space." "the fix"
          }
          test
              "--out on a read-only disk is refused naming the folder, and the run in it is unchanged, even with --force" {
              onTmpfs "size=1m" (fun mount ->
                  let run = savedRun mount
                  let code, _, stderr = exec "mount" [ "-o"; "remount,ro"; mount ]
                  Expect.equal code 0 stderr

                  refusedKeeping
                      run
                      ([ "train"; "--epochs"; "1" ] @ small @ [ "--out"; run; "--force" ])
                      (sprintf "cannot write the run's folder %s: " run)

                  let _, _, stderr =
                      tprop ([ "train"; "--epochs"; "1" ] @ small @ [ "--out"; run; "--force" ])

                  Expect.stringContains stderr "Give --out a folder you can write to" "the fix")
          }
          test
              "a full disk: the run stops naming the checkpoint and 'no space left', the earlier checkpoint verifies, the log is whole, no temporary file is left; a resume on the full disk names the log and changes nothing" {
              // The size of one checkpoint of this run, measured: the disk then holds one and a half.
              use measured = new TempDir()

              let code, stdout, stderr =
                  tprop ([ "train"; "--epochs"; "1" ] @ small @ [ "--out"; measured.Path ])

              Expect.equal code 0 (stdout + stderr)

              let size =
                  FileInfo(Path.Combine(measured.Path, "checkpoints", "epoch-000001.ckpt")).Length

              Expect.isGreaterThan
                  size
                  131072L
                  "a checkpoint of more than 128 kB, so that a second one does not fit beside the first"

              onTmpfs (sprintf "size=%dk" ((size * 3L / 2L + 65536L) / 1024L)) (fun mount ->
                  let run = Path.Combine(mount, "run")

                  let code, stdout, stderr =
                      tprop ([ "train"; "--epochs"; "3" ] @ small @ [ "--out"; run ])

                  Expect.equal code 2 (stdout + stderr)
                  let second = Path.Combine(run, "checkpoints", "epoch-000002.ckpt")

                  for text in
                      [ second + " could not be written (No space left on device"
                        "it is as it was before"
                        "tprop train --resume " + run ] do
                      Expect.stringContains stderr text "the file and what to do"

                  Expect.isFalse (stderr.Contains "   at ") "no stack trace"

                  Expect.equal
                      (Directory.GetFiles(run, "*", SearchOption.AllDirectories)
                       |> Array.filter (fun f -> f.EndsWith ".tmp"))
                      [||]
                      "no temporary file left"

                  Expect.equal
                      (Directory.GetFiles(Path.Combine(run, "checkpoints"))
                       |> Array.map Path.GetFileName)
                      [| "epoch-000001.ckpt" |]
                      "epoch 1's checkpoint, alone"

                  Expect.equal
                      (TargetProp.Dsl.Checkpoint.verify (Path.Combine(run, "checkpoints", "epoch-000001.ckpt"))).Epoch
                      1
                      "it reads well, every section's checksum"

                  let logged =
                      File.ReadAllLines(Path.Combine(run, "metrics.jsonl"))
                      |> Array.map (fun l -> JsonDocument.Parse(l).RootElement.GetProperty("epoch").GetInt32())

                  Expect.equal
                      logged
                      [| 1; 2 |]
                      "the log: whole lines of epochs 1 and 2 (epoch 2 was logged before its checkpoint)"
                  // Going on while the disk is still full: the log is cut back to epoch 1 through a new file, which cannot be written.
                  fill mount

                  refusedKeeping
                      run
                      [ "train"; "--resume"; run ]
                      (Path.Combine(run, "metrics.jsonl")
                       + " could not be written (No space left on device"))
          }
          test
              "a log line that does not fit on a full disk is cut back off: the log keeps only whole lines, and says why" {
              onTmpfs "size=1m" (fun mount ->
                  let log = Path.Combine(mount, "metrics.jsonl")
                  TargetProp.Dsl.Report.append log "{\"epoch\":1}"
                  let before = File.ReadAllBytes log
                  fill mount
                  // 8 kB free again: a 100 kB line starts to be written, then the disk is full.
                  using (new FileStream(Path.Combine(mount, "filler"), FileMode.Open)) (fun f ->
                      f.SetLength(f.Length - 8192L))

                  let line = "{\"epoch\":2,\"pad\":\"" + System.String('x', 100_000) + "\"}"

                  Expect.throwsC (fun () -> TargetProp.Dsl.Report.append log line) (fun e ->
                      Expect.stringContains e.Message "No space left" "why")

                  Expect.equal (File.ReadAllBytes log) before "the log as it was: no part of the line")
          }
          test "--resume of a folder with no checkpoint says so and changes nothing" {
              use parent = new TempDir()
              let run = savedRun parent.Path
              Directory.Delete(Path.Combine(run, "checkpoints"), true)

              refusedKeeping
                  run
                  [ "train"; "--resume"; run ]
                  (sprintf
                      "%s holds no checkpoint (checkpoints/epoch-*.ckpt): the run saved none before it stopped; start it again"
                      run)
          }
          test "a script with a type error stops with the compiler's message: loading the library does not swallow it" {
              use dir = new TempDir()
              let script = dir.File "typo.fsx"

              File.WriteAllLines(
                  script,
                  [ sprintf "#load \"%s\"" (Path.Combine(root, "experiments", "prelude.fsx"))
                    "open TargetProp.Dsl"
                    "let net = input 784 |> dense \"ten\" Softmax" ]
              )

              let code, stdout, stderr = dotnet [ "fsi"; script ]
              Expect.notEqual code 0 "a non-zero exit"

              for text in
                  [ "typo.fsx(3,30): error FS0001: This expression was expected to have type"
                    "'int'"
                    "'string'" ] do
                  Expect.stringContains (stdout + stderr) text "the compiler's message, with the line"
          }
          test "a script's model with two mistakes raises one exception that names both" {
              use dir = new TempDir()
              let script = dir.File "model.fsx"

              File.WriteAllLines(
                  script,
                  [ sprintf "#load \"%s\"" (Path.Combine(root, "experiments", "prelude.fsx"))
                    "open TargetProp.Dsl"
                    "let model = Model.create (input 784 |> dense 240 Softmax |> dense 0 Tanh) Rules.dtp"
                    "Train.run { Train.defaults with Epochs = 1 } model (Data.digits ()) |> ignore"
                    "printfn \"trained\"" ]
              )

              let code, stdout, stderr = dotnet [ "fsi"; script ]
              let output = stdout + stderr
              Expect.notEqual code 0 "a non-zero exit"
              Expect.isFalse (output.Contains "trained") "nothing trained"
              Expect.equal (output.Split "the model has").Length 2 (sprintf "one exception: %s" output)

              for text in
                  [ "ModelException: the model has 2 problem(s):"
                    "layer 1 (dense 240 softmax): softmax is only supported on the output layer"
                    "layer 2 (dense 0 tanh): the layer has 0 units"
                    "fix: give every layer a positive number of units" ] do
                  Expect.stringContains output text "both mistakes, each with its fix"
          } ]
