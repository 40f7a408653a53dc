/// Shared helpers for the tests: seeded random arrays and float comparisons with stated tolerances.
module TargetProp.Tests.TestData

open Expecto

/// The edge lengths every kernel is swept over: empty, below, at and just past vector widths.
let edgeSizes = [ 1; 7; 17; 63; 64; 65; 257 ]

/// n values uniform in [lo, hi) from a seed.
let uniform (seed: int) (n: int) (lo: float32) (hi: float32) =
    let rng = System.Random(seed)
    Array.init n (fun _ -> lo + (hi - lo) * float32 (rng.NextDouble()))

/// Asserts |actual − expected| ≤ abs + rel·|expected| element by element, naming the first index that differs.
let close (abs: float) (rel: float) (what: string) (expected: float32[]) (actual: float32[]) =
    Expect.equal actual.Length expected.Length (what + ": length")

    for i in 0 .. expected.Length - 1 do
        let e, a = float expected.[i], float actual.[i]

        if not (System.Math.Abs(e - a) <= abs + rel * System.Math.Abs e) then
            failtestf "%s: element %d is %g, expected %g (tolerance %g + %g·|expected|)" what i a e abs rel

/// A fresh temporary folder, removed when disposed.
type TempDir() =
    let path =
        System.IO.Path.Combine(System.IO.Path.GetTempPath(), "targetprop-tests-" + System.Guid.NewGuid().ToString("N"))

    do System.IO.Directory.CreateDirectory path |> ignore
    member _.Path = path
    member _.File name = System.IO.Path.Combine(path, name)

    interface System.IDisposable with
        member _.Dispose() =
            try
                System.IO.Directory.Delete(path, true)
            with _ ->
                ()

/// Runs f with an environment variable set. The variable is process-wide: tests that use it are testSequenced.
let withVariable (name: string) (value: string) f =
    let old = System.Environment.GetEnvironmentVariable name
    System.Environment.SetEnvironmentVariable(name, value)

    try
        f ()
    finally
        System.Environment.SetEnvironmentVariable(name, old)

/// Asserts that `read` raises a DataFormatException about `path` whose message names the file and says `fragment`.
let expectFormatError (path: string) (fragment: string) (read: unit -> 'a) =
    try
        read () |> ignore
        failtest $"expected a DataFormatException about {fragment}"
    with :? TargetProp.Runtime.Data.DataFormatException as e ->
        Expect.equal e.Path path "the exception's Path is the file"
        Expect.stringContains e.Message path "the message names the file"
        Expect.stringContains e.Message fragment "the message says what is wrong"

/// The bytes of an unsigned-byte IDX file with these dimensions and data.
let idxBytes (dims: int list) (data: byte[]) =
    [| yield 0uy
       yield 0uy
       yield 0x08uy
       yield byte dims.Length
       for d in dims do
           yield! [| byte (d >>> 24); byte (d >>> 16); byte (d >>> 8); byte d |]
       yield! data |]

let gzip (bytes: byte[]) =
    use ms = new System.IO.MemoryStream()

    (use z =
        new System.IO.Compression.GZipStream(ms, System.IO.Compression.CompressionLevel.Optimal, true) in

     z.Write(bytes, 0, bytes.Length))

    ms.ToArray()

/// Writes a four-file IDX set (28×28 images) with the given counts and labels into folder.
let writeIdxSet (folder: string) (trainLabels: byte[]) (testLabels: byte[]) (compress: bool) =
    let write name bytes =
        let bytes = if compress then gzip bytes else bytes
        System.IO.File.WriteAllBytes(System.IO.Path.Combine(folder, name + (if compress then ".gz" else "")), bytes)

    let images (n: int) =
        idxBytes [ n; 28; 28 ] (Array.init (n * 784) (fun i -> byte (i % 256)))

    write "train-images-idx3-ubyte" (images trainLabels.Length)
    write "train-labels-idx1-ubyte" (idxBytes [ trainLabels.Length ] trainLabels)
    write "t10k-images-idx3-ubyte" (images testLabels.Length)
    write "t10k-labels-idx1-ubyte" (idxBytes [ testLabels.Length ] testLabels)
