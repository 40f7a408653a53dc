/// tprop bench: speed of one GEMM shape, of one training epoch, or the cores' multiply-add peak, measured the same way every time so that runs
/// can be compared (and put side by side with the PyTorch and OpenBLAS baselines by the scripts in bench/).
module TargetProp.Cli.BenchCommand

open System
open System.Diagnostics
open Argu
open TargetProp.Dsl
open TargetProp.Runtime
open TargetProp.Runtime.Data
open TargetProp.Cli.Args

let private median (xs: float list) =
    List.sort xs |> fun s -> s.[s.Length / 2]

/// Times `f` over enough calls to last ~0.25 s, 7 times; returns seconds per call of each repetition.
let private time (f: unit -> unit) =
    for _ in 1..3 do
        f ()

    let mutable calls = 1
    let mutable elapsed = 0.0

    while elapsed < 0.05 do
        calls <- calls * 2
        let c = Stopwatch.StartNew()

        for _ in 1..calls do
            f ()

        elapsed <- c.Elapsed.TotalSeconds

    let calls = max 1 (int (float calls * 0.25 / elapsed))

    [ for _ in 1..7 ->
          let c = Stopwatch.StartNew()

          for _ in 1..calls do
              f ()

          c.Elapsed.TotalSeconds / float calls ]

let gemm (args: ParseResults<GemmArgs>) =
    let m, k, n =
        args.GetResult GemmArgs.M, args.GetResult GemmArgs.K, args.GetResult GemmArgs.N

    if m < 1 || k < 1 || n < 1 then
        raise (TrainingException(sprintf "m, k, n = %d, %d, %d: sizes must be at least 1" m k n))

    let threads = args.GetResult(GemmArgs.Threads, 1)

    if threads < 1 then
        raise (TrainingException(sprintf "threads = %d: use at least 1" threads))

    let form =
        match args.GetResult(GemmArgs.Trans, NN) with
        | NN -> GemmForm.NN
        | NT -> GemmForm.NT
        | TN -> GemmForm.TN

    let rng = Random 1

    let fill count =
        Array.init count (fun _ -> float32 (rng.NextDouble() * 2.0 - 1.0))
    // Stored shapes: A is m×k (k×m for TN), B is k×n (n×k for NT).
    let a, lda = fill (m * k), (if form = GemmForm.TN then m else k)
    let ldb = if form = GemmForm.NT then k else n
    // --cold: copies of B filling 64 MiB, more than these machines' caches, read in turn.
    let copies =
        if args.Contains GemmArgs.Cold then
            int (min 4096L ((64L <<< 20) / (4L * int64 k * int64 n) + 1L))
        else
            1

    let bs = Array.init copies (fun _ -> fill (k * n))
    let c = Array.zeroCreate<float32>(m * n)
    use pool = new WorkerPool(threads)
    let mutable call = 0

    let run () =
        call <- (call + 1) % copies
        Gemm.Multiply(form, m, n, k, ReadOnlySpan a, lda, ReadOnlySpan bs.[call], ldb, Span c, n, false, pool)

    let times = time run

    let gflops =
        times |> List.map (fun t -> 2.0 * float m * float k * float n / t / 1e9)

    printfn
        "gemm %A (%d×%d)·(%d×%d) threads %d%s: median %.1f GFLOP/s, best %.1f, %.1f µs per call"
        form
        m
        k
        k
        n
        threads
        (if copies > 1 then
             sprintf ", B out of cache (%d copies)" copies
         else
             "")
        (median gflops)
        (List.max gflops)
        (1e6 * median times)

    printfn "vector path: %s; blocking: %O" (VectorPath.Describe()) GemmBlocking.Current
    printfn "gflops=%.2f" (median gflops)
    0

/// `runs` measurements of ~0.2 s each of the multiply-add peak of `threads` cores at once, in GFLOP/s.
let private peaks (threads: int) (runs: int) =
    use pool = new WorkerPool(threads)
    [ for _ in 1..runs -> MultiplyAddPeak.Measure(pool, 0.2) ]

/// The multiply-add peak of `--threads` cores at once: 7 measurements of ~0.2 s each; the median is the figure.
let peak (args: ParseResults<PeakArgs>) =
    let threads = args.GetResult(PeakArgs.Threads, 1)

    if threads < 1 then
        raise (TrainingException(sprintf "threads = %d: use at least 1" threads))

    let gflops = peaks threads 7

    printfn
        "float32 multiply-add peak, %d thread(s): median %.1f GFLOP/s (%.1f per thread), best %.1f"
        threads
        (median gflops)
        (median gflops / float threads)
        (List.max gflops)

    printfn "vector path: %s" (VectorPath.Describe())
    printfn "gflops=%.2f" (median gflops)
    0

/// The epoch's time per kind of kernel, largest first, as seconds summed over threads and as a share of the threads'
/// time (threads × wall clock); "other" is what no kernel was charged with (the training loop, a worker's idle time).
/// Then the GEMM calls by shape, and the epoch's floor on this machine (EpochFloor), from the multiply-add peak of
/// `threads` cores measured after the epoch.
let private printProfile (seconds: float) (threads: int) (flops: int64) =
    let charged = Profile.Totals()

    let totals = charged |> Seq.map (fun kv -> string kv.Key, kv.Value) |> List.ofSeq

    let budget = seconds * float threads
    let other = "other", max 0.0 (budget - List.sumBy snd totals)

    printfn "time per kind of kernel (seconds summed over %d thread(s); share of %.2f thread-seconds):" threads budget

    for kind, s in (totals |> List.sortByDescending snd) @ [ other ] do
        printfn "  %-12s %8.3f s %6.1f %%" kind s (100.0 * s / budget)

    // Against `tprop bench gemm` at the same shape, a shape's rate here shows what the run's other work costs it
    // (operands out of cache, a second thread's traffic).
    printfn "GEMM calls by shape (wall seconds on the calling thread, workers' shares included):"

    for s in Profile.GemmShapes() |> Seq.truncate 10 do
        printfn
            "  %A %-26s %8d calls %8.3f s %7.1f GFLOP/s"
            s.Form
            (sprintf "(%d×%d)·(%d×%d)" s.M s.K s.K s.N)
            s.Calls
            s.Seconds
            s.Gflops

    // The best of 3: a ceiling, which a busy moment of the machine only lowers.
    let peak = List.max (peaks threads 3) / float threads

    let floor = EpochFloor.Of(flops, peak, threads, charged)

    printfn
        "floor on this machine: %.3f s = %.3f s of GEMM at the multiply-add peak (%.1f GFLOP/s a thread) + %.3f thread-s of other kernels over %d thread(s); this run's GEMM ran at %.0f %% of peak"
        floor.Seconds
        floor.GemmAtPeak
        peak
        floor.OtherKernels
        threads
        (100.0 * floor.GemmShareOfPeak)

let epoch (args: ParseResults<EpochArgs>) =
    let rule = TrainCommand.rule (args.GetResult(EpochArgs.Rule, "dtp"))
    let threads = args.GetResult(EpochArgs.Threads, 1)
    let seed = args.GetResult(EpochArgs.Seed, 1)
    let data = Fetch.load (args.GetResult(EpochArgs.Data, "mnist"))
    // Lee et al.'s 784-240×7-10, sized to the data.
    let model =
        Model.create (Nets.mlp data.Features 7 240 Nonlinearity.Tanh data.Classes) rule

    let config =
        { Train.defaults with
            Threads = threads
            Seed = seed }

    Train.validate config (Train.check model) data
    let compiled = Train.compile config.Batch model
    use ex = new Executor(compiled.Plan, uint64 seed, threads)
    let order = Array.init data.TrainCount id
    let profile = args.Contains EpochArgs.Profile
    // Profiled from the warm-up on: each thread makes its tally on its first profiled kernel, and a worker that first
    // did so inside the measured epoch put its bytes into allocated_bytes_per_step (1 to 41 in some 2-thread runs).
    Profile.Enabled <- profile
    // Warm-up: a tenth of an epoch compiles every kernel to its final tier; then the run starts afresh.
    compiled.Load(Parameters.init seed model)
    Train.epoch model ex data order (data.TrainCount / 10)
    // What an epoch allocates once, whatever its length (its list of passes, a closure per pass), measured on an epoch
    // of one batch, so that the figure per step counts the steps' own bytes only.
    let perEpoch =
        let before = GC.GetTotalAllocatedBytes true
        Train.epoch model ex data order config.Batch
        GC.GetTotalAllocatedBytes true - before

    compiled.Load(Parameters.init seed model)
    Profile.Reset()
    let allocated = GC.GetTotalAllocatedBytes true
    let clock = Stopwatch.StartNew()
    Train.epoch model ex data order data.TrainCount
    let seconds = clock.Elapsed.TotalSeconds
    Profile.Enabled <- false
    let bytes = GC.GetTotalAllocatedBytes true - allocated
    let batches = (data.TrainCount + config.Batch - 1) / config.Batch
    let steps = batches * (Train.passes model compiled.Plan |> List.sumBy List.length)
    let flops = Train.epochFlops model compiled.Plan data.TrainCount

    printfn
        "%s on %s, %d examples, batch %d, %O schedule, %d thread(s): %.2f s, %.1f GFLOP of GEMM, %d late shares (parallel work the caller ran because a worker had not started)"
        rule.Name
        data.Name
        data.TrainCount
        config.Batch
        model.Schedule
        threads
        seconds
        (float flops / 1e9)
        ex.LateShares

    printfn "vector path: %s" (VectorPath.Describe())

    if profile then
        printProfile seconds threads flops

    printfn
        "seconds_per_epoch=%.3f allocated_bytes_per_step=%d gflops=%.2f"
        seconds
        (max 0L (bytes - perEpoch) / int64 steps)
        (float flops / seconds / 1e9)

    0
