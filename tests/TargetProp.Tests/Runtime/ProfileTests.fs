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
          } ]
