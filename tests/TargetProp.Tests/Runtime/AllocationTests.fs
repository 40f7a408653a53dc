/// Steady-state training steps allocate nothing, on the calling thread or on any worker.
module TargetProp.Tests.Runtime.AllocationTests

open System
open Expecto
open TargetProp.Runtime
open TargetProp.Dsl

/// Runs `steps` alternating feedback and forward updates of Lee et al.'s dtp network over the bundled digits.
/// Plain while loops: an F# `for` inside a test's computation expression allocates an enumerator.
let private train (ex: Executor) (plan: Plan) (x: float32[]) (y: int[]) (order: int[]) (steps: int) =
    let mutable i = 0

    while i < steps do
        ex.LoadBatch(x, y, ReadOnlySpan order, (i % 60) * 100, 100)
        ex.Run plan.FeedbackUpdate
        ex.Run plan.ForwardUpdate
        i <- i + 1

/// Bytes allocated by 100 steady-state steps on the calling thread and on the pool's worker threads: every thread that
/// works (a process-wide count would also see the runtime's and the test runner's own threads).
let private measure (rule: Rule) (threads: int) =
    // A smaller forward rate than Lee et al.'s: this harness alternates the updates batch by batch, where dtp at
    // lr 0.0149 diverges (W1 goes to NaN at its 138th update, which the runtime's check then stops).
    let m =
        Model.create (input 784 |> repeat 7 (dense 240 Tanh) |> dense 10 Softmax) rule
        |> Model.forwardOptimiser (CentredRmsProp 1e-3)

    let c = Train.compile 100 m
    c.Load(Parameters.init 1 m)
    let d = Data.digits ()
    let order = Array.init d.TrainCount id
    use ex = new Executor(c.Plan, 1UL, threads)
    train ex c.Plan d.TrainX d.TrainY order 200
    let here = GC.GetAllocatedBytesForCurrentThread()
    let workers = ex.WorkerAllocatedBytes
    train ex c.Plan d.TrainX d.TrainY order 100
    GC.GetAllocatedBytesForCurrentThread() - here, ex.WorkerAllocatedBytes - workers

/// Bytes Train.epoch allocates on the calling thread over the first `count` examples of the bundled digits, for each
/// count, after three whole epochs have compiled every path to its final tier.
let private epochBytes (threads: int) (counts: int list) =
    let d = Data.digits ()
    let m = Model.create (Nets.mlp d.Features 2 64 Tanh d.Classes) Rules.dtp
    let c = Train.compile 100 m
    c.Load(Parameters.init 1 m)
    use ex = new Executor(c.Plan, 1UL, threads)
    let order = Array.init d.TrainCount id

    for _ in 1..3 do
        Train.epoch m ex d order d.TrainCount

    [ for count in counts ->
          let before = GC.GetAllocatedBytesForCurrentThread()
          Train.epoch m ex d order count
          GC.GetAllocatedBytesForCurrentThread() - before ]

[<Tests>]
let tests =
    testSequenced
    <| testList
        "Runtime.Allocation"
        [ for threads in [ 1; 2 ] do
              test (sprintf "Train.epoch allocates only per epoch, not per batch, at %d thread(s)" threads) {
                  match epochBytes threads [ 100; 6000 ] with
                  | [ one; sixty ] ->
                      Expect.equal sixty one (sprintf "60 batches allocate %d bytes, 1 batch %d" sixty one)
                  | other -> failtestf "expected two counts, got %A" other
              }
          for rule in [ Rules.bp; Rules.dtp ] do
              for threads in [ 1; 2 ] do
                  test (sprintf "100 steady-state %s steps at %d thread(s) allocate 0 bytes" rule.Name threads) {
                      let here, workers = measure rule threads
                      Expect.equal here 0L "bytes allocated on the calling thread"
                      Expect.equal workers 0L "bytes allocated on the worker threads"
                  } ]
