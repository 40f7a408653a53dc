/// MultiplyAddPeak: the probe does the work it counts, on every vector path.
module TargetProp.Tests.Runtime.MultiplyAddPeakTests

open System
open Expecto
open TargetProp.Runtime

/// The chain a ← a·x + y after `steps` steps, one float at a time, rounded as the vector path rounds it.
let private chain (steps: int64) =
    let mutable a = MultiplyAddPeak.Start

    for _ in 1L .. steps do
        a <-
            if VectorPath.FusedMultiplyAdd then
                MathF.FusedMultiplyAdd(a, MultiplyAddPeak.X, MultiplyAddPeak.Y)
            else
                a * MultiplyAddPeak.X + MultiplyAddPeak.Y

    a

[<Tests>]
let tests =
    testList
        "Runtime.MultiplyAddPeak"
        [ test "the probe ends where the scalar chain does, so every step it counts was run" {
              for steps in [ 0L; 1L; 7L; 1000L; 123457L ] do
                  Expect.equal (MultiplyAddPeak.Run steps) (chain steps) (sprintf "%d steps" steps)
              // Near 1 every step moves the chain by about 1e-6 (hundreds of ulps), so a dropped step would show.
              Expect.notEqual (chain 1000L) (chain 999L) "one step changes the value"
          }
          test "a pool of 2 measures a finite, positive figure, and a bad duration is refused by name" {
              use pool = new WorkerPool(2)
              let gflops = MultiplyAddPeak.Measure(pool, 0.01)
              Expect.isTrue (Double.IsFinite gflops && gflops > 0.0) (sprintf "%f GFLOP/s" gflops)

              match Expect.throwsC (fun () -> MultiplyAddPeak.Measure(pool, 0.0) |> ignore) id with
              | :? ArgumentOutOfRangeException as e ->
                  Expect.stringContains e.Message "seconds must be > 0" "the message names the setting"
              | e -> failtest $"expected ArgumentOutOfRangeException, got {e.GetType().Name}: {e.Message}"
          } ]
