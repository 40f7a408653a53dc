/// Gemm.Multiply against its naive twin (Naive.Gemm): edge sizes, strides, accumulate, random shapes,
/// the network's shapes at 1 and 2 threads, allocation, and argument errors.
module TargetProp.Tests.Runtime.GemmTests

open System
open Expecto
open FsCheck
open FsCheck.FSharp
open TargetProp.Runtime

/// One GEMM problem: sizes, leading dimensions (row length + pad) and operands filled with values in [-1, 1).
type Case =
    { Form: GemmForm
      M: int
      N: int
      K: int
      Lda: int
      Ldb: int
      Ldc: int
      A: float32[]
      B: float32[]
      C: float32[] }

    override x.ToString() =
        sprintf "%A m=%d n=%d k=%d lda=%d ldb=%d ldc=%d" x.Form x.M x.N x.K x.Lda x.Ldb x.Ldc

/// Stored (rows, cols) of A and of B for a form.
let private storedShapes form m n k =
    match form with
    | GemmForm.NN -> (m, k), (k, n)
    | GemmForm.NT -> (m, k), (n, k)
    | _ -> (k, m), (k, n)

let makeCase seed form m n k pad =
    let rng = Random(seed)

    let fill len =
        Array.init len (fun _ -> float32 (rng.NextDouble() * 2.0 - 1.0))

    let (ra, ca), (rb, cb) = storedShapes form m n k
    let lda, ldb, ldc = ca + pad, cb + pad, n + pad

    { Form = form
      M = m
      N = n
      K = k
      Lda = lda
      Ldb = ldb
      Ldc = ldc
      A = fill (ra * lda)
      B = fill (rb * ldb)
      C = fill (m * ldc) }

/// C after Gemm.Multiply on a copy of x.C.
let fast (pool: WorkerPool) accumulate (x: Case) =
    let c = Array.copy x.C

    Gemm.Multiply(
        x.Form,
        x.M,
        x.N,
        x.K,
        ReadOnlySpan x.A,
        x.Lda,
        ReadOnlySpan x.B,
        x.Ldb,
        Span c,
        x.Ldc,
        accumulate,
        pool
    )

    c

/// C after Naive.Gemm on a copy of x.C.
let naive accumulate (x: Case) =
    let c = Array.copy x.C
    Naive.Gemm(x.Form, x.M, x.N, x.K, ReadOnlySpan x.A, x.Lda, ReadOnlySpan x.B, x.Ldb, Span c, x.Ldc, accumulate)
    c

let private maxAbs (xs: float32[]) =
    xs |> Array.fold (fun s v -> max s (abs (float v))) 0.0

/// Accuracy class: a k-term float32 FMA chain against a float64 sum, |x − y| ≤ 1e-5·k·max|a|·max|b| (+ C's rounding) + 1e-6.
let check (what: string) accumulate (x: Case) (actual: float32[]) (expected: float32[]) =
    let tol =
        1e-5 * float x.K * maxAbs x.A * maxAbs x.B
        + (if accumulate then 1e-6 * maxAbs x.C else 0.0)
        + 1e-6

    for i in 0 .. x.M - 1 do
        for j in 0 .. x.Ldc - 1 do
            let idx = i * x.Ldc + j

            if j < x.N then
                let d = abs (float actual.[idx] - float expected.[idx])

                if not (d <= tol) then
                    failtestf
                        "%s %O accumulate=%b: C[%d,%d] = %g, naive %g, |diff| %g > tol %g"
                        what
                        x
                        accumulate
                        i
                        j
                        actual.[idx]
                        expected.[idx]
                        d
                        tol
            elif actual.[idx] <> x.C.[idx] then
                failtestf "%s %O: padding C[%d,%d] changed from %g to %g" what x i j x.C.[idx] actual.[idx]

let private agreesWithNaive what accumulate x =
    check what accumulate x (fast null accumulate x) (naive accumulate x)

let edgeSizes = [ 1; 7; 17; 63; 64; 65; 257 ]
let forms = [ GemmForm.NN; GemmForm.NT; GemmForm.TN ]

/// The network's GEMMs (784-240×7 MLP, batch 100): forward x·Wᵀ (NT), back δ·W (NN), weight gradient δᵀ·x (TN),
/// and the plain (100×784)·(784×240), (100×240)·(240×240) products.
let networkShapes =
    [ GemmForm.NN, 100, 240, 784
      GemmForm.NN, 100, 240, 240
      GemmForm.NN, 100, 784, 240
      GemmForm.NT, 100, 240, 784
      GemmForm.NT, 100, 240, 240
      GemmForm.TN, 784, 240, 100
      GemmForm.TN, 240, 240, 100 ]

let private expectArgumentError (needle: string) (f: unit -> unit) =
    let message =
        try
            f ()
            None
        with :? ArgumentException as e ->
            Some e.Message

    match message with
    | None -> failtestf "expected an ArgumentException mentioning %s" needle
    | Some msg -> Expect.stringContains msg needle "the message names the problem"

/// Bytes `counter` grows by while `f` runs `times` times. A plain function, not inside `test { }`:
/// a `for` in a computation expression goes through the builder and allocates an enumerator.
let private allocatedBy (counter: unit -> int64) (times: int) (f: unit -> unit) =
    let before = counter ()

    for _ in 1..times do
        f ()

    counter () - before

/// Shape first (form, m, n, k in 1..300, pad), then bounded finite values from a seed.
let private randomCase =
    gen {
        let! form = Gen.elements forms
        let! m = Gen.choose (1, 300)
        let! n = Gen.choose (1, 300)
        let! k = Gen.choose (1, 300)
        let! pad = Gen.elements [ 0; 0; 1; 5; 16 ]
        let! accumulate = Gen.elements [ false; true ]
        let! seed = Gen.choose (0, Int32.MaxValue)
        return makeCase seed form m n k pad, accumulate
    }
    |> Arb.fromGen

[<Tests>]
let tests =
    testList
        "Runtime.Gemm"
        [ testList
              "edge sizes against Naive"
              [
                // All 7³ shapes per form; every third shape has leading dimensions 3 past the row length; both accumulate
                // modes; and a 2-thread pool gives the same bits as the calling thread alone (M and N splits both occur).
                for form in forms do
                    for m in edgeSizes do
                        test (sprintf "%A m=%d, all n, k" form m) {
                            use pool = new WorkerPool(2)
                            let mutable idx = 0

                            for n in edgeSizes do
                                for k in edgeSizes do
                                    let x = makeCase (idx + 1000 * m) form m n k (if idx % 3 = 0 then 3 else 0)
                                    agreesWithNaive "edge" false x
                                    agreesWithNaive "edge" true x

                                    if fast pool true x <> fast null true x then
                                        failtestf "%O: 2 threads differ from 1" x

                                    idx <- idx + 1
                        } ]

          test
              "A's rows 1 KiB or 2 KiB apart (packed below 512 bits, read in place at 512): agrees with Naive, 1 and 2 threads alike" {
              use pool = new WorkerPool(2)

              for form in forms do
                  for m, n, k in [ 100, 70, 300; 256, 50, 256; 20, 130, 512 ] do
                      let (_, storedColumns), _ = storedShapes form m n k

                      for lda in [ 256; 512 ] do
                          if lda >= storedColumns then
                              let x = makeCase (m + lda) form m n k (lda - storedColumns)
                              Expect.equal x.Lda lda "the stride under test"

                              for accumulate in [ false; true ] do
                                  agreesWithNaive "1 KiB stride" accumulate x

                                  if fast pool accumulate x <> fast null accumulate x then
                                      failtestf "%O: 2 threads differ from 1" x
          }
          test
              "k and n over several blocks, strides at and near a multiple of 1 KiB: agrees with Naive, 1 and 2 threads alike" {
              // k = n = 800 span at least 3 blocks of KC and of NC ≤ 384; m = 50 ends in a 2-row micro-panel. Leading
              // dimensions a multiple of 256 pack A below 512 bits (and in TN on every path) and B; 8 more (32 bytes off
              // a multiple of 1 KiB) read A in place and still pack B of NN.
              use pool = new WorkerPool(2)

              for form in forms do
                  for extra in [ 0; 8 ] do
                      let m, n, k = 50, 800, 800
                      let (_, storedColumns), _ = storedShapes form m n k

                      let x =
                          makeCase 11 form m n k ((storedColumns + 255) / 256 * 256 - storedColumns + extra)

                      for accumulate in [ false; true ] do
                          agreesWithNaive "packed A, several blocks of k and n" accumulate x

                          if fast pool accumulate x <> fast null accumulate x then
                              failtestf "%O: 2 threads differ from 1" x
          }
          test "zero sizes: m or n = 0 leaves C alone, k = 0 clears C or keeps it when accumulating" {
              for form in forms do
                  let x = makeCase 5 form 3 4 0 1
                  Expect.equal (fast null true x) x.C "k = 0, accumulate: C unchanged"
                  let cleared = fast null false x

                  for i in 0..2 do
                      for j in 0..4 do
                          Expect.equal
                              cleared.[i * 5 + j]
                              (if j < 4 then 0.0f else x.C.[i * 5 + j])
                              "k = 0: C = 0, padding kept"

                  for (m, n) in [ 0, 4; 3, 0 ] do
                      let y = makeCase 6 form m n 5 0
                      Expect.equal (fast null false y) y.C "empty C: nothing written"
          }

          testPropertyWithConfig
              { FsCheckConfig.defaultConfig with
                  maxTest = 40 }
              "random shapes 1..300 agree with Naive"
              (Prop.forAll randomCase (fun (x, accumulate) -> agreesWithNaive "random" accumulate x))

          testList
              "network shapes"
              [ for (form, m, n, k) in networkShapes do
                    test (sprintf "%A m=%d n=%d k=%d: bit-identical at 1 and 2 threads, agrees with Naive" form m n k) {
                        use one = new WorkerPool(1)
                        use two = new WorkerPool(2)

                        for accumulate in [ false; true ] do
                            let x = makeCase (m + n + k) form m n k 0
                            let serial = fast null accumulate x
                            Expect.equal (fast one accumulate x) serial "WorkerPool(1) = no pool, bit for bit"
                            Expect.equal (fast two accumulate x) serial "WorkerPool(2) = no pool, bit for bit"
                            check "network" accumulate x serial (naive accumulate x)
                    } ]

          testSequenced
          <| test "no allocation after warm-up: 100 calls per network shape, 1 thread and a 2-thread pool" {
              use pool = new WorkerPool(2)

              let cases =
                  networkShapes
                  |> List.map (fun (form, m, n, k) -> makeCase 7 form m n k 0)
                  |> Array.ofList

              let outputs = cases |> Array.map (fun x -> Array.copy x.C)

              let runAll (p: WorkerPool) =
                  for i in 0 .. cases.Length - 1 do
                      let x = cases.[i]

                      Gemm.Multiply(
                          x.Form,
                          x.M,
                          x.N,
                          x.K,
                          ReadOnlySpan x.A,
                          x.Lda,
                          ReadOnlySpan x.B,
                          x.Ldb,
                          Span outputs.[i],
                          x.Ldc,
                          false,
                          p
                      )

              runAll null
              runAll pool

              let perThread =
                  allocatedBy GC.GetAllocatedBytesForCurrentThread 100 (fun () -> runAll null)

              Expect.equal perThread 0L "bytes allocated on the calling thread by 100 single-thread calls per shape"
              // Every thread that works, the caller and the pool's workers: a process-wide count would also see the
              // runtime's background JIT and the test runner's threads, which the mutation check once caught allocating.
              let total =
                  allocatedBy
                      (fun () -> GC.GetAllocatedBytesForCurrentThread() + pool.WorkerAllocatedBytes)
                      100
                      (fun () -> runAll pool)

              Expect.equal total 0L "bytes allocated by the caller and the workers in 100 two-thread calls per shape"
          }

          testList
              "invalid arguments"
              [ let call form m n k (a: float32[]) lda (b: float32[]) ldb (c: float32[]) ldc () =
                    Gemm.Multiply(form, m, n, k, ReadOnlySpan a, lda, ReadOnlySpan b, ldb, Span c, ldc, false)

                let z = Array.zeroCreate<float32>
                test "negative size" { expectArgumentError "m = -1" (call GemmForm.NN -1 2 2 (z 4) 2 (z 4) 2 (z 4) 2) }

                test "lda shorter than A's row" {
                    expectArgumentError "lda = 2" (call GemmForm.NN 3 3 4 (z 12) 2 (z 12) 3 (z 9) 3)
                }

                test "ldb shorter than Bᵀ's row" {
                    expectArgumentError "ldb = 3" (call GemmForm.NT 3 3 4 (z 12) 4 (z 12) 3 (z 9) 3)
                }

                test "ldc shorter than C's row" {
                    expectArgumentError "ldc = 2" (call GemmForm.TN 3 3 4 (z 12) 3 (z 12) 3 (z 9) 2)
                }

                test "A too short" {
                    expectArgumentError "a has 11 elements" (call GemmForm.NN 3 3 4 (z 11) 4 (z 12) 3 (z 9) 3)
                }

                test "B too short for its stride" {
                    expectArgumentError "needs at least 21" (call GemmForm.NN 3 3 4 (z 12) 4 (z 20) 6 (z 9) 3)
                }

                test "C too short" {
                    expectArgumentError "c has 8 elements" (call GemmForm.NN 3 3 4 (z 12) 4 (z 12) 3 (z 8) 3)
                }

                test "C overlaps A" {
                    let buf = z 30

                    expectArgumentError "overlaps A" (fun () ->
                        let s = Span buf

                        Gemm.Multiply(
                            GemmForm.NN,
                            3,
                            3,
                            4,
                            ReadOnlySpan(buf, 0, 12),
                            4,
                            ReadOnlySpan(z 12),
                            3,
                            s.Slice(10, 9),
                            3,
                            false
                        ))
                }

                test "C overlaps B" {
                    let buf = z 30

                    expectArgumentError "overlaps B" (fun () ->
                        Gemm.Multiply(
                            GemmForm.NN,
                            3,
                            3,
                            4,
                            ReadOnlySpan(z 12),
                            4,
                            ReadOnlySpan(buf, 0, 12),
                            3,
                            Span(buf, 5, 9),
                            3,
                            false
                        ))
                }

                test "C beside A in one buffer is fine" {
                    let buf = z 30

                    Gemm.Multiply(
                        GemmForm.NN,
                        3,
                        3,
                        4,
                        ReadOnlySpan(buf, 0, 12),
                        4,
                        ReadOnlySpan(z 12),
                        3,
                        Span(buf, 12, 9),
                        3,
                        false
                    )
                }

                test "WorkerPool with 0 threads" {
                    Expect.throwsT<ArgumentOutOfRangeException> (fun () -> new WorkerPool(0) |> ignore) "threads = 0"
                    expectArgumentError "at least 1 thread" (fun () -> new WorkerPool(0) |> ignore)
                } ] ]
