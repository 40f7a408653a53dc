module TargetProp.Tests.Runtime.CifarTests

open System
open System.IO
open Expecto
open TargetProp.Runtime.Data
open TargetProp.Tests.TestData

let private trainFiles = [ for b in 1..5 -> $"data_batch_{b}.bin" ]
let private testFile = "test_batch.bin"

/// Records per file: uneven, so a batch read at the wrong offset shows. Files 0..4 are data_batch_1..5, file 5 the test batch.
let private counts = [| 3; 2; 3; 1; 3; 4 |]

/// The label of record r of file f.
let private label f r = byte ((3 * f + r) % 10)

/// The pixel of record r of file f at channel c (0 red, 1 green, 2 blue), row, col: distinct coefficients, so a reader that
/// swaps channels, rows or columns, or reads another record, sees other values.
let private pixel f r c row col =
    byte ((37 * f + 101 * r + 71 * c + 11 * row + 3 * col) % 256)

/// A batch file's bytes: per record the label, then 1024 red, 1024 green and 1024 blue bytes, each plane row by row.
let private batch f =
    [| for r in 0 .. counts[f] - 1 do
           yield label f r

           for c in 0..2 do
               for row in 0..31 do
                   for col in 0..31 -> pixel f r c row col |]

/// Writes the six batch files into folder.
let private writeSet (folder: string) =
    Directory.CreateDirectory folder |> ignore

    trainFiles @ [ testFile ]
    |> List.iteri (fun f name -> File.WriteAllBytes(Path.Combine(folder, name), batch f))

/// (file, record) of each example of a split, in order.
let private trainRecords =
    [| for f in 0..4 do
           for r in 0 .. counts[f] - 1 -> f, r |]

let private testRecords = [| for r in 0 .. counts[5] - 1 -> 5, r |]

/// Every label, and every feature against byte / 255 at channel × 1024 + row × 32 + col of its example's row.
let private expectSplit (what: string) (records: (int * int)[]) (x: float32[]) (y: int[]) =
    Expect.sequenceEqual y [| for f, r in records -> int (label f r) |] $"{what} labels"
    Expect.equal x.Length (records.Length * 3072) $"{what}: 3072 values per example"

    for i, (f, r) in Array.indexed records do
        for c in 0..2 do
            for row in 0..31 do
                for col in 0..31 do
                    let expected = float32 (pixel f r c row col) / 255.0f
                    let actual = x[i * 3072 + c * 1024 + row * 32 + col]

                    if actual <> expected then
                        failtest
                            $"{what} example {i} (file {f}, record {r}) channel {c} row {row} col {col}: expected {expected}, found {actual}"

let private expectSet (d: DataSet) =
    Expect.equal (d.TrainCount, d.TestCount, d.Features, d.Classes) (12, 4, 3072, 10) "shape"
    expectSplit "train" trainRecords d.TrainX d.TrainY
    expectSplit "test" testRecords d.TestX d.TestY

[<Tests>]
let tests =
    testList
        "Runtime.Cifar"
        [ test "cifar-10 is a known name" { Expect.contains DataSets.Names "cifar-10" "DataSets.Names" }

          testList
              "a folder"
              [ test "six batches written by the test: counts, labels and every pixel of both splits" {
                    use dir = new TempDir()
                    writeSet dir.Path
                    let d = DataSets.Load dir.Path
                    expectSet d

                    Expect.equal
                        (d.Name, d.Source)
                        (Path.GetFileName dir.Path, Path.GetFullPath dir.Path)
                        "name and source"
                }
                test "pixels 0 and 255 scale to exactly 0 and 1" {
                    Expect.equal (pixel 0 0 0 0 0) 0uy "the first pixel written is 0"
                    use dir = new TempDir()
                    writeSet dir.Path
                    let d = DataSets.Load dir.Path
                    Expect.equal d.TrainX[0] 0.0f "0 / 255"

                    let at =
                        [ for i, (f, r) in Array.indexed trainRecords do
                              for c in 0..2 do
                                  for row in 0..31 do
                                      for col in 0..31 do
                                          if pixel f r c row col = 255uy then
                                              yield i * 3072 + c * 1024 + row * 32 + col ]

                    Expect.isNonEmpty at "the set holds a 255"

                    for i in at do
                        Expect.equal d.TrainX[i] 1.0f "255 / 255"
                }
                test "the files in its cifar-10-batches-bin sub-folder" {
                    use dir = new TempDir()
                    let sub = dir.File "cifar-10-batches-bin"
                    writeSet sub
                    let d = DataSets.Load dir.Path
                    expectSet d
                    Expect.equal d.Source (Path.GetFullPath sub) "source is the sub-folder"
                }
                test "batches.meta.txt and other files beside them are ignored" {
                    use dir = new TempDir()
                    writeSet dir.Path
                    File.WriteAllText(dir.File "batches.meta.txt", "airplane\nautomobile\n")
                    File.WriteAllText(dir.File "readme.html", "<html/>")
                    expectSet (DataSets.Load dir.Path)
                } ]

          testList
              "by name"
              [ testSequenced
                <| test "cifar-10 from TARGETPROP_DATA/cifar-10/" {
                    use dir = new TempDir()
                    writeSet (dir.File "cifar-10")
                    let d = withVariable "TARGETPROP_DATA" dir.Path (fun () -> DataSets.Load "cifar-10")
                    expectSet d
                    Expect.equal (d.Name, d.Source) ("cifar-10", Path.Combine(dir.Path, "cifar-10")) "name and source"
                }
                testSequenced
                <| test "CIFAR-10 from TARGETPROP_DATA/cifar-10/cifar-10-batches-bin/, the name in any case" {
                    use dir = new TempDir()
                    let sub = Path.Combine(dir.Path, "cifar-10", "cifar-10-batches-bin")
                    writeSet sub
                    let d = withVariable "TARGETPROP_DATA" dir.Path (fun () -> DataSets.Load "CIFAR-10")
                    expectSet d
                    Expect.equal (d.Name, d.Source) ("cifar-10", sub) "name and source"
                }
                testSequenced
                <| test "a missing cifar-10 lists the places, what each lacks and where to get and unpack the tarball" {
                    use dir = new TempDir()
                    let sub = Path.Combine(dir.Path, "cifar-10", "cifar-10-batches-bin")
                    writeSet sub
                    File.Delete(Path.Combine(sub, "data_batch_3.bin"))

                    withVariable "TARGETPROP_DATA" dir.Path (fun () ->
                        // The cache folders might hold a real copy on some machine; only check the message when nothing is found.
                        try
                            DataSets.Load "cifar-10" |> ignore

                            skiptest
                                "a copy of CIFAR-10 was found in ./data or a cache folder, so the missing-set message cannot be seen here"
                        with :? DataNotFoundException as e ->
                            Expect.equal e.Searched[0] (Path.Combine(dir.Path, "cifar-10")) "TARGETPROP_DATA first"
                            Expect.isGreaterThanOrEqual e.Searched.Count 3 "TARGETPROP_DATA, ./data and a cache folder"

                            for place in e.Searched do
                                Expect.stringContains e.Message place "each place is in the message"

                            Expect.stringContains
                                e.Message
                                $"""(lacks {Path.Combine("cifar-10-batches-bin", "data_batch_3.bin")})"""
                                "what the first place lacks"

                            Expect.stringContains
                                e.Message
                                "https://www.cs.toronto.edu/~kriz/cifar.html"
                                "the home page"

                            Expect.stringContains
                                e.Message
                                "CIFAR-10 binary version (suitable for C programs)"
                                "which version"

                            Expect.stringContains
                                e.Message
                                "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"
                                "the tarball"

                            Expect.stringContains
                                e.Message
                                $"tar -xzf cifar-10-binary.tar.gz -C \"{e.Searched[e.Searched.Count - 1]}\""
                                "where to unpack it")
                }
                // The real set, where TARGETPROP_DATA holds it: 5,000 training and 1,000 test images of each class.
                testSequenced
                <| test "cifar-10 from TARGETPROP_DATA: 50000/10000, 3072 features, 5000/1000 per class" {
                    let root = Environment.GetEnvironmentVariable "TARGETPROP_DATA"

                    if
                        String.IsNullOrEmpty root
                        || not (Directory.Exists(Path.Combine(root, "cifar-10")))
                    then
                        skiptest "TARGETPROP_DATA is not set or has no cifar-10/ folder"

                    let d = DataSets.Load "cifar-10"
                    Expect.equal (d.TrainCount, d.TestCount, d.Features, d.Classes) (50000, 10000, 3072, 10) "shape"

                    Expect.sequenceEqual
                        (Array.countBy id d.TrainY |> Array.sort)
                        [| for k in 0..9 -> k, 5000 |]
                        "train label counts"

                    Expect.sequenceEqual
                        (Array.countBy id d.TestY |> Array.sort)
                        [| for k in 0..9 -> k, 1000 |]
                        "test label counts"

                    Expect.isTrue (d.TrainX |> Array.forall (fun v -> v >= 0.0f && v <= 1.0f)) "pixels in [0,1]"
                } ]

          testList
              "corrupt sets"
              [ test "a truncated record names the file" {
                    use dir = new TempDir()
                    writeSet dir.Path
                    let path = dir.File "data_batch_2.bin"
                    File.WriteAllBytes(path, (batch 1)[.. 2 * 3073 - 101])
                    expectFormatError path "not a whole number of" (fun () -> DataSets.Load dir.Path)
                }
                test "a label of 10 names the file and the record" {
                    use dir = new TempDir()
                    writeSet dir.Path
                    let path = dir.File testFile
                    let bytes = batch 5
                    bytes[3073] <- 10uy
                    File.WriteAllBytes(path, bytes)

                    expectFormatError path "expected labels 0 to 9, found 10 in record 1" (fun () ->
                        DataSets.Load dir.Path)
                }
                test "a label of 255 in the last training batch names it" {
                    use dir = new TempDir()
                    writeSet dir.Path
                    let path = dir.File "data_batch_5.bin"
                    let bytes = batch 4
                    bytes[2 * 3073] <- 255uy
                    File.WriteAllBytes(path, bytes)
                    expectFormatError path "found 255 in record 2" (fun () -> DataSets.Load dir.Path)
                }
                test "an empty file names the file" {
                    use dir = new TempDir()
                    writeSet dir.Path
                    let path = dir.File "data_batch_4.bin"
                    File.WriteAllBytes(path, [||])
                    expectFormatError path "the file is empty" (fun () -> DataSets.Load dir.Path)
                }
                test "an empty test batch names the file" {
                    use dir = new TempDir()
                    writeSet dir.Path
                    let path = dir.File testFile
                    File.WriteAllBytes(path, [||])
                    expectFormatError path "the file is empty" (fun () -> DataSets.Load dir.Path)
                }
                for missing in [ "data_batch_3.bin"; testFile ] do
                    test $"a missing {missing} is named" {
                        use dir = new TempDir()
                        writeSet dir.Path
                        File.Delete(dir.File missing)

                        try
                            DataSets.Load dir.Path |> ignore
                            failtest "expected DataNotFoundException"
                        with :? DataNotFoundException as e ->
                            Expect.sequenceEqual e.Searched [ Path.GetFullPath dir.Path ] "the folder looked in"
                            Expect.stringContains e.Message $"lacks {missing}." "the missing file, and only it"
                            Expect.stringContains e.Message "data_batch_1.bin" "the files a CIFAR-10 folder holds"
                    }
                test "a sixth training batch names it" {
                    use dir = new TempDir()
                    writeSet dir.Path
                    let path = dir.File "data_batch_6.bin"
                    File.WriteAllBytes(path, batch 0)
                    expectFormatError path "a training batch too many" (fun () -> DataSets.Load dir.Path)
                } ] ]
