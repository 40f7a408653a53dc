/// The downloader (Data/Download.cs, Catalogue.cs, ContentHash.cs) against an HTTP server on 127.0.0.1 that each test
/// starts: the real files of the shared data, and small synthetic files for the faults.
module TargetProp.Tests.Runtime.DownloadTests

open System
open System.Collections.Concurrent
open System.Diagnostics
open System.IO
open System.IO.Compression
open System.Security.Cryptography
open Expecto
open TargetProp.Runtime.Data
open TargetProp.Tests.TestData
open TargetProp.Tests.HttpServer

let private gzip (level: CompressionLevel) (bytes: byte[]) =
    use ms = new MemoryStream()
    (use z = new GZipStream(ms, level, true) in z.Write(bytes, 0, bytes.Length))
    ms.ToArray()

/// 300 kB of seeded random bytes: incompressible, so its .gz is as long and a cut at 100 kB falls inside it.
let private content (seed: int) =
    let bytes = Array.zeroCreate 300_000
    Random(seed).NextBytes bytes
    bytes

let private sha256 (bytes: byte[]) =
    Convert.ToHexStringLower(SHA256.HashData bytes)

let private md5 (bytes: byte[]) =
    Convert.ToHexStringLower(MD5.HashData bytes)

/// The catalogue entry of a file whose decompressed content is `bytes`.
let private remote (name: string) (bytes: byte[]) =
    RemoteFile(name, sha256 bytes, md5 bytes)

/// Three attempts 10 and 20 ms apart, the notes collected. The timeout is generous where nothing stalls: the machine
/// may be busy, and a spurious timeout would add requests the tests count.
let private quick (notes: ConcurrentQueue<string>) =
    DownloadOptions(
        ReadTimeout = TimeSpan.FromSeconds 10.0,
        Attempts = 3,
        BaseDelay = TimeSpan.FromMilliseconds 10.0,
        Note = Action<_>(notes.Enqueue)
    )

/// As quick, with a 1 s timeout for the servers that stall.
let private impatient =
    DownloadOptions(ReadTimeout = TimeSpan.FromSeconds 1.0, Attempts = 3, BaseDelay = TimeSpan.FromMilliseconds 10.0)

/// Fetches a synthetic set from the server's /synthetic/ into folder.
let private fetch (server: Server) (files: RemoteFile list) (folder: string) (options: DownloadOptions) =
    let set =
        RemoteSet("synthetic", "https://example.invalid/", [||], Array.ofList files)

    Downloader.Fetch(set, [| server.Url + "synthetic/" |], folder, options, "BY HAND: put the files in the folder")

/// Expects the fetch to fail with a DataDownloadException; returns it.
let private refused (f: unit -> unit) =
    try
        f ()
        failtest "expected a DataDownloadException"
        Unchecked.defaultof<DataDownloadException>
    with :? DataDownloadException as e ->
        e

[<Tests>]
let tests =
    testList
        "Runtime.Download"
        [ for name, firstLabels in
              [ "mnist", [| 5; 0; 4; 1; 9; 2; 1; 3; 1; 4 |]
                "fashion-mnist", [| 9; 0; 0; 3; 0; 2; 7; 2; 5; 5 |] ] do
              test
                  $"{name} served as stored in TARGETPROP_DATA: downloaded with progress, verified by the catalogue, loaded (60,000/10,000); a second download fetches nothing" {
                  match sharedSet name with
                  | None ->
                      skiptest
                          $"TARGETPROP_DATA is not set or has no {name}/ folder; set it to a folder holding {name}/ (CI sets it to shared/data)."
                  | Some files ->
                      use server = new Server(files, true, NoFault)
                      use dir = new TempDir()
                      let last = ConcurrentDictionary<string, DownloadProgress>()

                      let options =
                          DownloadOptions(
                              Folder = dir.File name,
                              Mirrors = [| server.Url + name + "/" |],
                              Progress = Action<_>(fun p -> last[p.File] <- p)
                          )

                      let folder = DataSets.Download(name, options)
                      Expect.equal folder (dir.File name) "the folder asked for"

                      Expect.sequenceEqual
                          (Directory.GetFiles folder |> Array.map Path.GetFileName |> Array.sort)
                          (files.Keys |> Seq.map Path.GetFileName |> Seq.sort)
                          "the four files and nothing else (no .part)"

                      for KeyValue(path, bytes) in files do
                          let file = Path.GetFileName path
                          Expect.equal (File.ReadAllBytes(Path.Combine(folder, file))) bytes $"{file}: the bytes served"

                          Expect.equal
                              (last[file].Done, last[file].Total)
                              (bytes.LongLength, Nullable bytes.LongLength)
                              $"{file}: progress ends at its size"

                      let d = DataSets.Load folder
                      Expect.equal (d.TrainCount, d.TestCount, d.Features, d.Classes) (60000, 10000, 784, 10) "shape"
                      Expect.sequenceEqual d.TrainY[..9] firstLabels "first training labels"
                      let before = server.Requests.Length
                      DataSets.Download(name, options) |> ignore
                      Expect.equal server.Requests.Length before "files already in the folder are not fetched again"
              }

          test
              "a corrupt file is refused with a message naming the file, the URL and both checksums; nothing is left in the folder" {
              let good = content 1
              let corrupt = Array.copy good
              corrupt[1000] <- corrupt[1000] ^^^ 0x10uy

              use server =
                  new Server(Map [ "/synthetic/a.gz", gzip CompressionLevel.Optimal corrupt ], true, NoFault)

              use dir = new TempDir()
              let folder = dir.File "cache"

              let e =
                  refused (fun () -> fetch server [ remote "a.gz" good ] folder (quick (ConcurrentQueue())))

              Expect.equal e.File "a.gz" "the exception's File"

              for fragment, what in
                  [ "a.gz", "the file"
                    server.Url + "synthetic/a.gz", "the URL"
                    sha256 good, "the expected sha256"
                    sha256 corrupt, "the received sha256"
                    md5 good, "the expected md5"
                    md5 corrupt, "the received md5"
                    "BY HAND", "where to put the files by hand" ] do
                  Expect.stringContains e.Message fragment what

              Expect.isEmpty (Directory.GetFileSystemEntries folder) "nothing left in the folder, no .part either"

              Expect.equal
                  server.Requests.Length
                  1
                  "a file fetched in one piece is not fetched again from the same mirror"
          }

          // A response cut after 100,000 bytes: resumed from there (206), or, where the server ignores Range, fetched
          // again from byte 0 (200); either way the file ends whole and the .part is gone.
          for ranges, what, note in
              [ true, "is resumed with a Range request at the byte it stopped at", "attempt 2 of 3"
                false, "from a server without Range support starts again from byte 0", "does not resume" ] do
              test $"a response cut short {what} and ends whole" {
                  let served = gzip CompressionLevel.Optimal (content 2)

                  use server =
                      new Server(Map [ "/synthetic/a.gz", served ], ranges, CutFirst 100_000L)

                  use dir = new TempDir()
                  let notes = ConcurrentQueue()
                  fetch server [ remote "a.gz" (content 2) ] dir.Path (quick notes)

                  Expect.equal
                      (server.Requests |> List.map _.RangeFrom)
                      [ None; Some 100_000L ]
                      "the second request asks to resume at byte 100,000"

                  Expect.equal
                      (File.ReadAllBytes(dir.File "a.gz"))
                      served
                      "the whole file (not its first 100,000 bytes twice)"

                  Expect.isFalse (File.Exists(dir.File "a.gz.part")) "no .part left"
                  Expect.exists notes (fun n -> n.Contains note) "the retry or restart is noted"
              }

          test "a .part left by an earlier download is resumed from its length" {
              let served = gzip CompressionLevel.Optimal (content 4)
              use server = new Server(Map [ "/synthetic/a.gz", served ], true, NoFault)
              use dir = new TempDir()
              File.WriteAllBytes(dir.File "a.gz.part", served[..49_999])
              fetch server [ remote "a.gz" (content 4) ] dir.Path (quick (ConcurrentQueue()))
              Expect.equal (server.Requests |> List.map _.RangeFrom) [ Some 50_000L ] "one request, from byte 50,000"
              Expect.equal (File.ReadAllBytes(dir.File "a.gz")) served "the whole file"
          }

          test "a .part of other bytes fails its checksum once joined, and the file is fetched whole once more" {
              let served = gzip CompressionLevel.Optimal (content 5)
              use server = new Server(Map [ "/synthetic/a.gz", served ], true, NoFault)
              use dir = new TempDir()
              File.WriteAllBytes(dir.File "a.gz.part", (gzip CompressionLevel.Optimal (content 6))[..49_999])
              let notes = ConcurrentQueue()
              fetch server [ remote "a.gz" (content 5) ] dir.Path (quick notes)

              Expect.equal
                  (server.Requests |> List.map _.RangeFrom)
                  [ Some 50_000L; None ]
                  "resumed, refused, fetched whole"

              Expect.equal (File.ReadAllBytes(dir.File "a.gz")) served "the whole file"
              Expect.exists notes (fun n -> n.Contains "corrupt") "the refusal is noted"
          }

          test
              "the identity is the decompressed content: a copy compressed otherwise is accepted, and a raw one is kept without .gz" {
              let a, b = content 7, content 8

              let files =
                  Map [ "/synthetic/a.gz", gzip CompressionLevel.Fastest a; "/synthetic/b.gz", b ]

              use server = new Server(files, true, NoFault)
              use dir = new TempDir()
              fetch server [ remote "a.gz" a; remote "b.gz" b ] dir.Path (quick (ConcurrentQueue()))
              Expect.equal (File.ReadAllBytes(dir.File "a.gz")) files["/synthetic/a.gz"] "a.gz as served"
              Expect.equal (File.ReadAllBytes(dir.File "b")) b "b, raw, under its name without .gz"
              Expect.isFalse (File.Exists(dir.File "b.gz")) "no raw file named .gz"
          }

          test
              "a mirror that refuses connections is left at once, one without the file after its 404, and the next serves it" {
              use server =
                  new Server(Map [ "/good/a.gz", gzip CompressionLevel.Optimal (content 9) ], true, NoFault)

              use dir = new TempDir()

              let closed =
                  let l = new Net.Sockets.TcpListener(Net.IPAddress.Loopback, 0)
                  l.Start()
                  let port = (l.LocalEndpoint :?> Net.IPEndPoint).Port
                  l.Stop()
                  sprintf "http://127.0.0.1:%d/" port

              let notes = ConcurrentQueue()

              let set =
                  RemoteSet("synthetic", "https://example.invalid/", [||], [| remote "a.gz" (content 9) |])

              Downloader.Fetch(
                  set,
                  [| closed; server.Url + "missing/"; server.Url + "good/" |],
                  dir.Path,
                  quick notes,
                  "BY HAND"
              )

              Expect.isTrue (File.Exists(dir.File "a.gz")) "fetched"

              Expect.exists
                  notes
                  (fun n -> n.Contains "cannot connect" && n.Contains(server.Url + "missing/"))
                  "the refused connection and the next mirror are noted"

              Expect.exists
                  notes
                  (fun n -> n.Contains "HTTP 404" && n.Contains(server.Url + "good/"))
                  "the 404 and the next mirror are noted"

              Expect.isFalse (notes |> Seq.exists (fun n -> n.Contains "attempt 2")) "neither is retried"
              Expect.equal (server.Requests |> List.map _.Path) [ "/missing/a.gz"; "/good/a.gz" ] "one request each"
          }

          for fault, expected in
              [ StallAfter 1000L, "timed out: no data for 1 s after"
                Silent, "timed out: no response within 1 s" ] do
              test $"a server that stalls ({fault}): every attempt times out and the message says so, within seconds" {
                  use server =
                      new Server(Map [ "/synthetic/a.gz", gzip CompressionLevel.Optimal (content 10) ], true, fault)

                  use dir = new TempDir()
                  let clock = Stopwatch.StartNew()

                  let e =
                      refused (fun () -> fetch server [ remote "a.gz" (content 10) ] dir.Path impatient)

                  Expect.isLessThan clock.Elapsed.TotalSeconds 8.0 "3 attempts of 1 s, not a default timeout"
                  Expect.stringContains e.Message expected "says it timed out and how long it waited"
                  Expect.stringContains e.Message "(after 3 attempts)" "how often it tried"
                  Expect.stringContains e.Message (server.Url + "synthetic/a.gz") "the URL"
                  Expect.equal server.Requests.Length 3 "three attempts"

                  if fault = Silent then
                      Expect.stringContains e.Message "Nothing of a.gz was kept" "nothing received, nothing kept"
                  else
                      Expect.stringContains
                          e.Message
                          "is kept: the next download resumes it"
                          "the bytes received are kept for the next try"
              }

          testSequenced
          <| test "TARGETPROP_MIRROR replaces the built-in mirrors by <root>/<name>/" {
              let mnist = Catalogue.Find "MNIST"

              withVariable Catalogue.MirrorVariable null (fun () ->
                  Expect.equal
                      (Catalogue.Mirrors mnist |> List.ofSeq |> List.head)
                      "https://ossci-datasets.s3.amazonaws.com/mnist/"
                      "without it, the catalogue's first")

              withVariable Catalogue.MirrorVariable "http://127.0.0.1:9/root/" (fun () ->
                  Expect.equal
                      (Catalogue.Mirrors mnist |> List.ofSeq)
                      [ "http://127.0.0.1:9/root/mnist/" ]
                      "with it, only the mirror")
          } ]
