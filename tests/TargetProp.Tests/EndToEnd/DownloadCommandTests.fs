/// tprop train --data mnist on a machine without MNIST: it downloads from TARGETPROP_MIRROR (a server on 127.0.0.1)
/// into the user's cache folder, then trains; a corrupt file ends the command with a message and nothing cached.
module TargetProp.Tests.EndToEnd.DownloadCommandTests

open System.Diagnostics
open System.IO
open System.IO.Compression
open Expecto
open TargetProp.Tests.TestData
open TargetProp.Tests.HttpServer
open TargetProp.Tests.EndToEnd.CommandTests

/// Runs tprop in `home` (its working folder, so no ./data) with HOME and the XDG folders inside it, TARGETPROP_DATA
/// unset and TARGETPROP_MIRROR set to `mirror`; returns exit code, stdout and stderr.
let private tpropAt (home: string) (mirror: string) (args: string list) =
    let info =
        ProcessStartInfo(
            "dotnet",
            Path.Combine(root, "src", "Cli", "bin", "Release", "net10.0", "tprop.dll")
            :: args,
            WorkingDirectory = home,
            RedirectStandardOutput = true,
            RedirectStandardError = true
        )

    info.Environment.Remove "TARGETPROP_DATA" |> ignore
    info.Environment["TARGETPROP_MIRROR"] <- mirror
    info.Environment["HOME"] <- home
    info.Environment["XDG_CACHE_HOME"] <- Path.Combine(home, ".cache")
    info.Environment["XDG_DATA_HOME"] <- Path.Combine(home, ".local", "share")
    use p = Process.Start info
    let out = p.StandardOutput.ReadToEndAsync()
    let err = p.StandardError.ReadToEnd()
    p.WaitForExit()
    p.ExitCode, out.Result, err

/// Every file under a folder (none when it does not exist).
let private filesUnder (folder: string) =
    if Directory.Exists folder then
        Directory.GetFiles(folder, "*", SearchOption.AllDirectories) |> List.ofArray
    else
        []

[<Tests>]
let tests =
    testList
        "EndToEnd.Download"
        [ test
              "tprop train --data mnist without MNIST: downloads from TARGETPROP_MIRROR into the cache folder, then trains; a corrupt file: exit 2, a message, nothing cached" {
              match sharedSet "mnist" with
              | None ->
                  skiptest
                      "TARGETPROP_DATA is not set or has no mnist/ folder; set it to a folder holding mnist/ (CI sets it to shared/data)."
              | Some files ->
                  use home = new TempDir()
                  let cache = Path.Combine(home.Path, ".cache", "targetprop", "mnist")
                  use server = new Server(files, true, NoFault)

                  let train =
                      [ "train"
                        "--data"
                        "mnist"
                        "--epochs"
                        "1"
                        "--limit-train"
                        "500"
                        "--hidden"
                        "1x32"
                        "--out"
                        home.File "run" ]

                  let code, stdout, stderr = tpropAt home.Path server.Url train
                  Expect.equal code 0 (stdout + stderr)
                  Expect.stringContains stdout $"saved in {cache}" "says where it saved the files"

                  Expect.stringContains
                      stdout
                      $"data mnist ({cache}): 500 training, 10000 test examples"
                      "trained on the downloaded set"

                  Expect.equal
                      (filesUnder cache |> List.map Path.GetFileName |> List.sort)
                      (files.Keys |> Seq.map Path.GetFileName |> Seq.sort |> List.ofSeq)
                      "the four files in the cache"

                  Expect.equal (File.ReadAllLines(home.File "run/metrics.jsonl").Length) 1 "one epoch logged"

                  use fresh = new TempDir()

                  let wrong =
                      use ms = new MemoryStream() in

                      ((use z = new GZipStream(ms, CompressionLevel.Fastest, true) in
                        z.Write(Array.zeroCreate 1000, 0, 1000))

                       ms.ToArray())

                  use bad =
                      new Server(files |> Map.add "/mnist/train-images-idx3-ubyte.gz" wrong, true, NoFault)

                  let code, stdout, stderr = tpropAt fresh.Path bad.Url train
                  Expect.equal code 2 (stdout + stderr)
                  Expect.stringContains stderr "train-images-idx3-ubyte.gz" "names the file"

                  Expect.stringContains
                      stderr
                      "expected sha256 ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"
                      "the expected checksum"

                  Expect.stringContains stderr "Put them in" "where to put the files by hand"
                  Expect.isFalse (stderr.Contains "   at ") "no stack trace"
                  Expect.isEmpty (filesUnder (Path.Combine(fresh.Path, ".cache"))) "nothing cached"
          } ]
