/// Profile: kernels charge their own time, exclusive of the kernels they call, to their kind, only when enabled.
module TargetProp.Tests.Runtime.ProfileTests

open System
open System.Diagnostics
open Expecto
open TargetProp.Runtime

let private gemm form =
    let m, n, k = 120, 96, 200
    let a = Array.create (m * k) 0.5f
    let b = Array.create (k * n) 0.25f
    let c = Array.zeroCreate<float32>(m * n)
    let lda = if form = GemmForm.TN then m else k
    let ldb = if form = GemmForm.NT then k else n
    Gemm.Multiply(form, m, n, k, ReadOnlySpan a, lda, ReadOnlySpan b, ldb, Span c, n, false)

let private charged (kind: ProfileKind) (before: float[]) =
    (Profile.ThisThread()).[int kind] - before.[int kind]

[<Tests>]
let tests =
    // Profile.Enabled is process-wide: these run one at a time, and read only their own thread's tally.
    testSequenced
    <| testList
        "Runtime.Profile"
        [ test "off, a kernel charges nothing" {
              Profile.Enabled <- false
              let before = Profile.ThisThread()
              gemm GemmForm.NN
              Expect.sequenceEqual (Profile.ThisThread()) before "no kind charged"
          }

          test "on, a GEMM is charged to its form, and an enclosing kind only for its own time" {
              Profile.Enabled <- true

              try
                  for form, kind in
                      [ GemmForm.NN, ProfileKind.GemmNN
                        GemmForm.NT, ProfileKind.GemmNT
                        GemmForm.TN, ProfileKind.GemmTN ] do
                      let before = Profile.ThisThread()
                      gemm form
                      Expect.isGreaterThan (charged kind before) 0.0 $"{form} charged to {kind}"

                      for other in Enum.GetValues<ProfileKind>() do
                          if other <> kind then
                              Expect.equal (charged other before) 0.0 $"{form} charges nothing to {other}"

                  // A 30 ms wait inside a Target scope, around a GEMM: Target gets the wait, GemmNN the GEMM, and the two
                  // add up to the wall clock (nothing counted twice).
                  let before = Profile.ThisThread()
                  let clock = Stopwatch.StartNew()

                  let scope = Profile.Time ProfileKind.Target
                  Threading.Thread.Sleep 30
                  gemm GemmForm.NN
                  scope.Dispose()

                  let wall = clock.Elapsed.TotalSeconds

                  let target, nn =
                      charged ProfileKind.Target before, charged ProfileKind.GemmNN before

                  Expect.isGreaterThanOrEqual target 0.029 "Target has the wait"
                  Expect.isGreaterThan nn 0.0 "GemmNN has the GEMM"
                  Expect.isLessThanOrEqual (target + nn) (wall + 1e-6) "exclusive: no time counted twice"
              finally
                  Profile.Enabled <- false
          }

          test "each GEMM call is counted under its shape while on, and not while off" {
              let calls form =
                  Profile.ThisThreadGemmShapes()
                  |> Seq.tryFind (fun s -> s.Form = form && (s.M, s.N, s.K) = (120, 96, 200))
                  |> Option.map (fun s -> s.Calls, s.Seconds)
                  |> Option.defaultValue (0L, 0.0)

              Profile.Enabled <- false
              let offBefore = calls GemmForm.NN
              gemm GemmForm.NN
              Expect.equal (calls GemmForm.NN) offBefore "off: not counted"
              Profile.Enabled <- true

              try
                  let nn, tn = calls GemmForm.NN, calls GemmForm.TN
                  gemm GemmForm.NN
                  gemm GemmForm.NN
                  gemm GemmForm.TN
                  let nn', tn' = calls GemmForm.NN, calls GemmForm.TN
                  Expect.equal (fst nn' - fst nn) 2L "two NN calls"
                  Expect.equal (fst tn' - fst tn) 1L "one TN call"
                  Expect.isGreaterThan (snd nn') (snd nn) "NN's time grew"
                  Expect.isGreaterThan (snd tn') (snd tn) "TN's time grew"
              finally
                  Profile.Enabled <- false
          }

          test "a thread's shape table keeps each shape apart, drops shapes past its capacity and huge ones" {
              let table = GemmShapeTally()

              let sums () =
                  let d =
                      Collections.Generic.Dictionary<struct (GemmForm * int * int * int), struct (int64 * int64)>()

                  table.SumInto d
                  d

              table.Add(GemmForm.TN, 784, 240, 100, 7L)
              table.Add(GemmForm.TN, 784, 240, 100, 5L)
              table.Add(GemmForm.NN, 100, 240, 784, 3L)
              table.Add(GemmForm.NN, 1 <<< 20, 1, 1, 1L)
              let d = sums ()
              Expect.equal d.Count 2 "two shapes; a dimension of 2^20 is not recorded"

              Expect.equal
                  d.[struct (GemmForm.TN, 784, 240, 100)]
                  (struct (2L, 12L))
                  "TN (784×100)·(100×240): 2 calls, 12 ticks"

              Expect.equal d.[struct (GemmForm.NN, 100, 240, 784)] (struct (1L, 3L)) "NN (100×784)·(784×240): 1 call"

              for i in 1 .. GemmShapeTally.Capacity + 10 do
                  table.Add(GemmForm.NT, i, 1, 1, 1L)

              Expect.equal (sums ()).Count GemmShapeTally.Capacity "full: later shapes dropped"
              table.Clear()
              Expect.equal (sums ()).Count 0 "cleared"
          }

          test "an epoch's floor: GEMM at peak plus the other kernels over the threads, waits left out" {
              let totals =
                  dict
                      [ ProfileKind.GemmNN, 0.03
                        ProfileKind.GemmNT, 0.01
                        ProfileKind.GemmTN, 0.01
                        ProfileKind.Optimiser, 0.02
                        ProfileKind.Activation, 0.01
                        ProfileKind.Wait, 0.5 ]
                  |> Collections.Generic.Dictionary
              // 4 GFLOP on 2 threads of 100 GFLOP/s: 0.02 s at peak; 0.03 thread-s of other kernels over 2 threads; the
              // GEMM ran 4 GFLOP in 0.05 thread-s, 80 GFLOP/s a thread.
              let floor = EpochFloor.Of(4_000_000_000L, 100.0, 2, totals)
              let close = Accuracy.veryHigh
              Expect.floatClose close floor.GemmAtPeak 0.02 "F / (threads · P)"
              Expect.floatClose close floor.OtherKernels 0.03 "every kind but GEMM and Wait"
              Expect.floatClose close floor.Seconds 0.035 "GEMM at peak + other / threads"
              Expect.floatClose close floor.GemmShareOfPeak 0.8 "80 of 100 GFLOP/s"

              let noGemm =
                  EpochFloor.Of(0L, 100.0, 1, Collections.Generic.Dictionary(dict [ ProfileKind.Noise, 0.5 ]))

              Expect.equal noGemm (EpochFloor(0.0, 0.5, 0.5, 0.0)) "no GEMM: the other kernels alone, share 0"

              for flops, peak, threads in [ -1L, 100.0, 1; 1L, 0.0, 1; 1L, nan, 1; 1L, infinity, 1; 1L, 100.0, 0 ] do
                  Expect.throwsT<ArgumentOutOfRangeException>
                      (fun () -> EpochFloor.Of(flops, peak, threads, totals) |> ignore)
                      $"F = {flops}, P = {peak}, threads = {threads} refused"
          } ]
