/// The worker pool (Parallel/WorkerPool.cs): every share runs once per Run, and a failing share is rethrown without
/// breaking the pool.
module TargetProp.Tests.Runtime.WorkerPoolTests

open System
open Expecto
open TargetProp.Runtime

[<Tests>]
let tests =
    testList
        "Runtime.WorkerPool"
        [ test "Run calls every worker index exactly once, 2000 times over" {
              use pool = new WorkerPool(2)
              let counts = Array.zeroCreate<int> 2

              let work =
                  { new IParallelWork with
                      member _.Run(w, n) =
                          (if n = 2 then
                               Threading.Interlocked.Increment(&counts.[w]) |> ignore) }

              for _ in 1..2000 do
                  pool.Run work

              Expect.equal counts [| 2000; 2000 |] "each index once per Run"
          }
          test "an exception in a worker's share is rethrown by Run, and the pool still works" {
              use pool = new WorkerPool(2)

              let failing =
                  { new IParallelWork with
                      member _.Run(w, _) =
                          if w = 1 then
                              invalidOp "share 1 failed" }

              Expect.throwsT<InvalidOperationException> (fun () -> pool.Run failing) "rethrown"
              let mutable ran = 0

              pool.Run
                  { new IParallelWork with
                      member _.Run(_, _) =
                          Threading.Interlocked.Increment(&ran) |> ignore }

              Expect.equal ran 2 "both shares ran after the failure"
          } ]
