module TargetProp.Tests.Runtime.DataTests

open System
open System.IO
open Expecto
open TargetProp.Runtime.Data
open TargetProp.Tests.TestData

[<Tests>]
let tests =
    testList
        "Runtime.Data"
        [ testList
              "Idx.Read"
              [ for compress in [ false; true ] do
                    test $"""round-trips a file it wrote ({if compress then "gzip" else "raw"})""" {
                        use dir = new TempDir()
                        let data = Array.init (3 * 4 * 5) byte
                        let raw = idxBytes [ 3; 4; 5 ] data
                        // The name says nothing: gzip is detected by its magic, not by ".gz".
                        let path = dir.File "array.idx"
                        File.WriteAllBytes(path, if compress then gzip raw else raw)
                        let a = Idx.Read path
                        Expect.sequenceEqual a.Dimensions [| 3; 4; 5 |] "dimensions"
                        Expect.sequenceEqual a.Data data "data"
                    }

                // Each malformed file raises a DataFormatException whose message names the file and contains the fragment.
                let wholeGzip = gzip (idxBytes [ 1000 ] (Array.init 1000 byte))
                let corruptGzip = Array.copy wholeGzip

                for i in 10 .. corruptGzip.Length - 9 do
                    corruptGzip[i] <- 0xffuy

                for (what, bytes, fragment) in
                    [ "a truncated file", idxBytes [ 10 ] (Array.zeroCreate 7), "truncated: expected 10 bytes"
                      "a truncated header", [| 0uy; 0uy; 8uy |], "truncated: expected 4 bytes of IDX header"
                      "a truncated gzip file", wholeGzip[.. wholeGzip.Length / 2], ""
                      "a corrupt gzip stream (not an InvalidDataException)", corruptGzip, "gzip"
                      "trailing bytes", idxBytes [ 4 ] (Array.zeroCreate 5), "trailing bytes"
                      "a wrong magic",
                      [| 0x50uy; 0x4buy; 3uy; 4uy; 0uy; 0uy; 0uy; 1uy; 0uy |],
                      "expected the magic to start with bytes 00 00, found 50 4b"
                      "an element type other than unsigned byte",
                      [| 0uy; 0uy; 0x0duy; 1uy; 0uy; 0uy; 0uy; 1uy; 0uy; 0uy; 0uy; 0uy |],
                      "element type: expected 0x08"
                      "0 dimensions", [| 0uy; 0uy; 8uy; 0uy |], "dimension count: expected 1 to 4, found 0"
                      "5 dimensions", idxBytes [ 1; 1; 1; 1; 1 ] [| 0uy |], "dimension count: expected 1 to 4, found 5"
                      "a zero dimension", idxBytes [ 2; 0 ] [||], "dimension 1 has size 0" ] do
                    test $"{what}: a DataFormatException naming the file" {
                        use dir = new TempDir()
                        let path = dir.File "file-idx-ubyte"
                        File.WriteAllBytes(path, bytes)
                        expectFormatError path fragment (fun () -> Idx.Read path)
                    }

                test "a missing file: a DataNotFoundException naming it" {
                    use dir = new TempDir()
                    let path = dir.File "train-images-idx3-ubyte"

                    try
                        Idx.Read path |> ignore
                        failtest "expected DataNotFoundException"
                    with :? DataNotFoundException as e ->
                        Expect.equal e.Name path "the file asked for"
                        Expect.stringContains e.Message (path + ": no such file") "the message names it"
                } ]

          testList
              "DataSets.Load"
              [ for compress in [ false; true ] do
                    test $"""a folder of four files written by the test ({if compress then "gzip" else "raw"})""" {
                        use dir = new TempDir()
                        writeIdxSet dir.Path [| 3uy; 1uy; 4uy |] [| 9uy; 0uy |] compress
                        let d = DataSets.Load dir.Path
                        Expect.equal (d.TrainCount, d.TestCount, d.Features, d.Classes) (3, 2, 784, 10) "shape"
                        Expect.sequenceEqual d.TrainY [| 3; 1; 4 |] "train labels"
                        Expect.sequenceEqual d.TestY [| 9; 0 |] "test labels"
                        Expect.equal d.TrainX[255] 1.0f "255 scales to exactly 1"
                        Expect.equal d.TrainX[1] (1.0f / 255.0f) "pixel / 255"
                        Expect.equal d.Source (Path.GetFullPath dir.Path) "source is the folder"
                    }

                test "more labels than images names the labels file" {
                    use dir = new TempDir()
                    writeIdxSet dir.Path [| 1uy; 2uy |] [| 0uy |] false
                    let labels = dir.File "train-labels-idx1-ubyte"
                    File.WriteAllBytes(labels, idxBytes [ 3 ] [| 1uy; 2uy; 3uy |])
                    expectFormatError labels "expected one label per image" (fun () -> DataSets.Load dir.Path)
                }
                test "a label of 10 or more names the labels file and the index" {
                    use dir = new TempDir()
                    writeIdxSet dir.Path [| 1uy; 2uy |] [| 0uy; 10uy |] false

                    expectFormatError (dir.File "t10k-labels-idx1-ubyte") "found 10 at index 1" (fun () ->
                        DataSets.Load dir.Path)
                }
                test
                    "a side input's IDX file with another count of examples than the split names the file, both counts and the fix" {
                    use dir = new TempDir()
                    writeIdxSet dir.Path [| 1uy; 2uy; 3uy |] [| 0uy |] false
                    let d = DataSets.Load dir.Path
                    File.WriteAllBytes(dir.File "side-train", idxBytes [ 2; 4 ] (Array.zeroCreate 8))
                    File.WriteAllBytes(dir.File "side-test", idxBytes [ 1; 4 ] (Array.zeroCreate 4))

                    expectFormatError
                        (dir.File "side-train")
                        $"the side input 'view' has 2 examples here, but {d.Name} has 3 in this split: give it one row per example, in the data set's order (dimensions [3, WIDTH])"
                        (fun () ->
                            TargetProp.Dsl.Data.withSideFromIdx "view" (dir.File "side-train") (dir.File "side-test") d)

                    File.WriteAllBytes(dir.File "side-train", idxBytes [ 3; 4 ] (Array.zeroCreate 12))

                    let attached =
                        TargetProp.Dsl.Data.withSideFromIdx "view" (dir.File "side-train") (dir.File "side-test") d

                    Expect.equal attached.Sides.["view"].Width 4 "the right count is attached, 4 values per example"
                }
                test "test images of another size than the training images name the test images file" {
                    use dir = new TempDir()
                    writeIdxSet dir.Path [| 1uy |] [| 0uy |] false
                    let images = dir.File "t10k-images-idx3-ubyte"
                    File.WriteAllBytes(images, idxBytes [ 1; 27; 28 ] (Array.zeroCreate (27 * 28)))
                    expectFormatError images "expected images of 784 pixels" (fun () -> DataSets.Load dir.Path)
                }
                test "an images file with 1 dimension is refused" {
                    use dir = new TempDir()
                    writeIdxSet dir.Path [| 1uy |] [| 0uy |] false
                    let images = dir.File "train-images-idx3-ubyte"
                    File.WriteAllBytes(images, idxBytes [ 784 ] (Array.zeroCreate 784))
                    expectFormatError images "3 dimensions" (fun () -> DataSets.Load dir.Path)
                }

                test "digits is the bundled 6000/1000 slice of MNIST" {
                    let d = DataSets.Load "digits"
                    Expect.equal (d.Name, d.Source) ("digits", "bundled") "name and source"
                    Expect.equal (d.TrainCount, d.TestCount, d.Features, d.Classes) (6000, 1000, 784, 10) "shape"

                    Expect.sequenceEqual
                        d.TrainY[..9]
                        [| 5; 0; 4; 1; 9; 2; 1; 3; 1; 4 |]
                        "MNIST's first training labels"

                    Expect.sequenceEqual d.TestY[..9] [| 7; 2; 1; 0; 4; 1; 4; 9; 5; 9 |] "MNIST's first test labels"
                    Expect.isTrue (d.TrainX |> Array.forall (fun v -> v >= 0.0f && v <= 1.0f)) "pixels in [0,1]"
                }
                test "Take gives a prefix and checks its counts" {
                    let d = DataSets.Load "digits"
                    let t = d.Take(100, 10)
                    Expect.equal (t.TrainCount, t.TestCount, t.TrainX.Length) (100, 10, 78400) "counts"
                    Expect.sequenceEqual t.TrainX d.TrainX[..78399] "the prefix"
                    Expect.throwsT<ArgumentOutOfRangeException> (fun () -> d.Take(0, 10) |> ignore) "train 0"
                    Expect.throwsT<ArgumentOutOfRangeException> (fun () -> d.Take(6001, 10) |> ignore) "train too many"
                    Expect.throwsT<ArgumentOutOfRangeException> (fun () -> d.Take(10, 1001) |> ignore) "test too many"
                }

                // Run alone, so the processor time measured is this load's (wall time on a busy 2-core machine says little).
                testSequenced
                <| test
                    "mnist from TARGETPROP_DATA: 60000/10000, 784 features, label counts, loaded in < 2 s of processor time" {
                    let root = Environment.GetEnvironmentVariable "TARGETPROP_DATA"

                    if String.IsNullOrEmpty root || not (Directory.Exists(Path.Combine(root, "mnist"))) then
                        skiptest
                            "TARGETPROP_DATA is not set or has no mnist/ folder; set it to a folder holding mnist/ (CI sets it to shared/data)."

                    let self = Diagnostics.Process.GetCurrentProcess()
                    let cpu0 = self.TotalProcessorTime
                    let watch = Diagnostics.Stopwatch.StartNew()
                    let d = DataSets.Load "mnist"
                    let wall = watch.Elapsed.TotalSeconds
                    self.Refresh()
                    let cpu = (self.TotalProcessorTime - cpu0).TotalSeconds
                    Expect.equal (d.TrainCount, d.TestCount, d.Features) (60000, 10000, 784) "shape"
                    Expect.isTrue (d.TrainX |> Array.forall (fun v -> v >= 0.0f && v <= 1.0f)) "pixels in [0,1]"
                    let counts = Array.zeroCreate 10

                    for y in d.TrainY do
                        counts[y] <- counts[y] + 1

                    Expect.sequenceEqual
                        counts
                        [| 5923; 6742; 5958; 6131; 5842; 5421; 5918; 6265; 5851; 5949 |]
                        "train label counts"

                    Expect.sequenceEqual d.TrainY[..9] [| 5; 0; 4; 1; 9; 2; 1; 3; 1; 4 |] "first labels"
                    Expect.isLessThan cpu 2.0 $"processor time of the load (wall time {wall:F2} s)"
                }

                testSequenced
                <| test "an unknown name lists every place looked in" {
                    use dir = new TempDir()

                    withVariable "TARGETPROP_DATA" dir.Path (fun () ->
                        try
                            DataSets.Load "no-such-set" |> ignore
                            failtest "expected DataNotFoundException"
                        with :? DataNotFoundException as e ->
                            Expect.isGreaterThanOrEqual e.Searched.Count 3 "TARGETPROP_DATA, ./data and a cache folder"
                            Expect.equal e.Searched[0] (Path.Combine(dir.Path, "no-such-set")) "TARGETPROP_DATA first"

                            Expect.equal
                                e.Searched[1]
                                (Path.GetFullPath(Path.Combine("data", "no-such-set")))
                                "./data second"

                            for place in e.Searched do
                                Expect.stringContains e.Message place "each place is in the message"

                            Expect.stringContains
                                e.Message
                                "Known names: digits, mnist, fashion-mnist"
                                "the known names")
                }
                testSequenced
                <| test "a missing mnist says where to get the files" {
                    use dir = new TempDir()
                    Directory.CreateDirectory(dir.File "mnist") |> ignore
                    File.WriteAllBytes(Path.Combine(dir.File "mnist", "train-images-idx3-ubyte.gz"), [||])

                    withVariable "TARGETPROP_DATA" dir.Path (fun () ->
                        // The cache folders might hold a real copy on some machine; only check the message when nothing is found.
                        try
                            DataSets.Load "mnist" |> ignore

                            skiptest
                                "a copy of MNIST was found in ./data or a cache folder, so the missing-set message cannot be seen here"
                        with :? DataNotFoundException as e ->
                            Expect.stringContains
                                e.Message
                                "lacks train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]"
                                "what the folder lacks"

                            Expect.stringContains
                                e.Message
                                "https://ossci-datasets.s3.amazonaws.com/mnist/train-images-idx3-ubyte.gz"
                                "the download URL (the first mirror)"

                            Expect.stringContains e.Message "Put them in" "where to put them")
                } ] ]
