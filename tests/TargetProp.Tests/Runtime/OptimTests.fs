module TargetProp.Tests.Runtime.OptimTests

open System
open Expecto
open TargetProp.Runtime
open TargetProp.Runtime.Optim

/// The optimisers under test, each with its naive double-precision twin (p, g, state, step).
let private cases: (Optimiser * (double[] -> double[] -> double[] -> int64 -> unit)) list =
    let crms = CentredRmsProp(0.01f)
    let rms = RmsProp(0.001f)
    let adam = Adam(0.01f)
    let sgdm = SgdMomentum(0.05f)
    let sgd = SgdMomentum(0.05f, 0.0f)
    // Weight decay λ: each naive twin steps on g + λp, computed in double.
    let adamDecayed = Adam(0.01f, 0.8f, 0.99f, 1e-6f, weightDecay = 0.05f)
    let sgdDecayed = SgdMomentum(0.05f, 0.0f, weightDecay = 0.1f)
    let sgdmDecayed = SgdMomentum(0.05f, 0.9f, weightDecay = 0.1f)
    let crmsDecayed = CentredRmsProp(0.01f, weightDecay = 0.02f)
    let d (x: float32) = double x

    let decayed (o: Optimiser) (p: double[]) (g: double[]) =
        Array.map2 (fun gi pi -> gi + d o.WeightDecay * pi) g p

    [ crms :> Optimiser,
      (fun p g s _ ->
          Naive.CentredRmsPropStep(d crms.LearningRate, d crms.Decay, d crms.Momentum, d crms.Epsilon, p, g, s))
      rms, (fun p g s _ -> Naive.RmsPropStep(d rms.LearningRate, d rms.Decay, d rms.Epsilon, p, g, s))
      adam, (fun p g s t -> Naive.AdamStep(d adam.LearningRate, d adam.Beta1, d adam.Beta2, d adam.Epsilon, p, g, s, t))
      sgdm, (fun p g s _ -> Naive.SgdMomentumStep(d sgdm.LearningRate, d sgdm.Momentum, p, g, s))
      sgd, (fun p g s _ -> Naive.SgdMomentumStep(d sgd.LearningRate, d sgd.Momentum, p, g, s))
      adamDecayed,
      (fun p g s t ->
          Naive.AdamStep(
              d adamDecayed.LearningRate,
              d adamDecayed.Beta1,
              d adamDecayed.Beta2,
              d adamDecayed.Epsilon,
              p,
              decayed adamDecayed p g,
              s,
              t
          ))
      sgdDecayed, (fun p g s _ -> Naive.SgdMomentumStep(d sgdDecayed.LearningRate, 0.0, p, decayed sgdDecayed p g, s))
      sgdmDecayed,
      (fun p g s _ ->
          Naive.SgdMomentumStep(d sgdmDecayed.LearningRate, d sgdmDecayed.Momentum, p, decayed sgdmDecayed p g, s))
      crmsDecayed,
      (fun p g s _ ->
          Naive.CentredRmsPropStep(
              d crmsDecayed.LearningRate,
              d crmsDecayed.Decay,
              d crmsDecayed.Momentum,
              d crmsDecayed.Epsilon,
              p,
              decayed crmsDecayed p g,
              s
          )) ]

let private lengths = [ 0; 1; 7; 17; 63; 64; 65; 257 ]

let private randomVector (rng: Random) n =
    Array.init n (fun _ -> float32 (rng.NextDouble() * 2.0 - 1.0))

let private step (o: Optimiser) (p: float32[]) (g: float32[]) (state: float32[]) (t: int64) =
    o.Step(Span p, ReadOnlySpan g, Span state, t)

/// Bytes allocated on this thread by 100 Steps. A plain function, not inside the test { } expression, whose
/// `while` would become closures over a ref cell and allocate by itself.
let private allocatedBy100Steps (o: Optimiser) (p: float32[]) (g: float32[]) (state: float32[]) =
    let before = GC.GetAllocatedBytesForCurrentThread()
    let mutable t = 201L

    while t <= 300L do
        o.Step(Span p, ReadOnlySpan g, Span state, t)
        t <- t + 1L

    GC.GetAllocatedBytesForCurrentThread() - before

let private settingError (make: unit -> Optimiser) (fragments: string list) =
    let e = Expect.throwsC (make >> ignore) id

    match e with
    | :? ArgumentOutOfRangeException as e ->
        for f in fragments do
            Expect.stringContains e.Message f "the message names the setting, value and range"
    | e -> failtest $"expected ArgumentOutOfRangeException, got {e.GetType().Name}: {e.Message}"

[<Tests>]
let tests =
    testList
        "Runtime.Optim"
        [ testList
              "against the naive double-precision twin, 60 steps"
              [ for (o, naive) in cases do
                    for n in lengths do
                        test $"{o} n={n}" {
                            let rng = Random(1000 + n)
                            let p = randomVector rng n
                            let state = Array.zeroCreate (o.StateSlots * n)
                            let pd = Array.map double p
                            let stateD = Array.zeroCreate (o.StateSlots * n)

                            for t in 1L .. 60L do
                                // Gradients of mixed scale, some tiny, as real layers give.
                                let scale = if t % 3L = 0L then 1e-3f else 1.0f
                                let g = randomVector rng n |> Array.map ((*) scale)
                                step o p g state t
                                naive pd (Array.map double g) stateD t

                            for i in 0 .. n - 1 do
                                let err = abs (double p[i] - pd[i])

                                if err > 1e-5 + 1e-4 * abs pd[i] then
                                    failtest
                                        $"{o}: p[{i}] = {p[i]} but the naive twin gives {pd[i]} (error {err:g3}); replay: n={n}, seed {1000 + n}"
                        } ]

          test "vector body and scalar tail agree bit for bit (a step over pieces equals one step over the whole)" {
              for (o, _) in cases do
                  let n = 257
                  let rng = Random 7
                  let p0 = randomVector rng n
                  let g = randomVector rng n
                  let whole = Array.copy p0
                  let stateWhole = Array.zeroCreate (o.StateSlots * n)
                  step o whole g stateWhole 1L
                  // Pieces of 3 and 254: each element falls on the other path (tail vs vector) than in the whole.
                  let pieces = Array.copy p0

                  for (start, len) in [ (0, 3); (3, n - 3) ] do
                      let state = Array.zeroCreate (o.StateSlots * len)
                      o.Step(Span(pieces, start, len), ReadOnlySpan(g, start, len), Span state, 1L)

                  Expect.sequenceEqual pieces whole $"{o}"
          }

          test "first CentredRmsProp step in closed form (g constant)" {
              let lr, eps, g = 0.0148893f, 1e-3f, 0.3f
              let o = CentredRmsProp(lr)
              let n = 17
              let p = Array.zeroCreate n
              let state = Array.zeroCreate (3 * n)
              step o p (Array.create n g) state 1L
              let gd = double g
              // a = 0.05g, s = 0.05g², v = −lr·g/√(0.05g² − 0.0025g² + ε), p = v
              let v = -(double lr) * gd / sqrt (0.05 * gd * gd - 0.0025 * gd * gd + double eps)

              for i in 0 .. n - 1 do
                  Expect.floatClose Accuracy.medium (double state[i]) (0.05 * gd) "a"
                  Expect.floatClose Accuracy.medium (double state[n + i]) (0.05 * gd * gd) "s"
                  Expect.floatClose Accuracy.medium (double state[2 * n + i]) v "v"
                  Expect.floatClose Accuracy.medium (double p[i]) v "p"
          }

          test "ToString prints the settings" {
              Expect.equal
                  (string (CentredRmsProp(0.0148893f)))
                  "centredRmsProp 0.0148893 (decay 0.95, momentum 0.9, eps 0.001)"
                  "centredRmsProp"

              Expect.equal (string (RmsProp(0.001f))) "rmsProp 0.001 (decay 0.9, eps 1e-8)" "rmsProp"
              Expect.equal (string (Adam(0.001f))) "adam 0.001 (beta1 0.9, beta2 0.999, eps 1e-8)" "adam"
              Expect.equal (string (SgdMomentum(0.1f, 0.0f))) "sgdMomentum 0.1 (momentum 0)" "sgd"

              Expect.equal
                  (string (Adam(0.001f, 0.9f, 0.99f, 1e-4f, weightDecay = 1e-5f)))
                  "adam 0.001 (beta1 0.9, beta2 0.99, eps 0.0001, weight decay 1e-5)"
                  "decayed adam"
          }

          test "settings are validated with messages naming the setting, the value and the range" {
              settingError
                  (fun () -> CentredRmsProp(0.0f))
                  [ "centredRmsProp"; "learningRate"; "0"; "a finite number > 0" ]

              settingError (fun () -> CentredRmsProp(nanf)) [ "learningRate"; "NaN" ]
              settingError (fun () -> CentredRmsProp(infinityf)) [ "learningRate"; "Infinity" ]
              settingError (fun () -> CentredRmsProp(0.1f, decay = 1.0f)) [ "decay"; "1"; "[0, 1)" ]
              settingError (fun () -> CentredRmsProp(0.1f, momentum = -0.5f)) [ "momentum"; "-0.5"; "[0, 1)" ]
              settingError (fun () -> CentredRmsProp(0.1f, epsilon = 0.0f)) [ "epsilon"; "0"; "> 0" ]
              settingError (fun () -> RmsProp(-1.0f)) [ "rmsProp"; "learningRate"; "-1" ]
              settingError (fun () -> RmsProp(0.1f, decay = 1.5f)) [ "decay"; "1.5"; "[0, 1)" ]
              settingError (fun () -> Adam(0.1f, beta1 = 1.0f)) [ "adam"; "beta1"; "[0, 1)" ]
              settingError (fun () -> Adam(0.1f, beta2 = nanf)) [ "beta2"; "NaN" ]
              settingError (fun () -> Adam(0.1f, epsilon = -1e-8f)) [ "epsilon"; "-1E-08" ]
              settingError (fun () -> SgdMomentum(0.1f, 1.0f)) [ "sgdMomentum"; "momentum"; "[0, 1)" ]
              settingError (fun () -> Adam(0.1f, weightDecay = -1e-4f)) [ "weightDecay"; "-0.0001"; "[0, ∞)" ]
          }

          test "Step checks its spans and step" {
              let o = Adam(0.1f)
              let p = Array.zeroCreate 4

              Expect.throwsT<ArgumentException>
                  (fun () -> step o p (Array.zeroCreate 3) (Array.zeroCreate 8) 1L)
                  "g too short"

              Expect.throwsT<ArgumentException>
                  (fun () -> step o p (Array.zeroCreate 4) (Array.zeroCreate 4) 1L)
                  "state too short"

              Expect.throwsT<ArgumentOutOfRangeException>
                  (fun () -> step o p (Array.zeroCreate 4) (Array.zeroCreate 8) 0L)
                  "step 0"

              let buffer = Array.zeroCreate 12
              o.Step(Span(buffer, 0, 4), ReadOnlySpan(Array.zeroCreate 4), Span(buffer, 4, 8), 1L) // p beside its state is fine

              Expect.throwsT<ArgumentException>
                  (fun () -> o.Step(Span(buffer, 0, 4), ReadOnlySpan(Array.zeroCreate 4), Span(buffer, 2, 8), 1L))
                  "p overlaps state"

              Expect.throwsT<ArgumentException>
                  (fun () -> o.Step(Span p, ReadOnlySpan(buffer, 0, 4), Span(buffer, 3, 8), 1L))
                  "g overlaps state"
          }

          test "100 Steps allocate 0 bytes" {
              for (o, _) in cases do
                  let n = 257
                  let p = Array.zeroCreate n
                  let g = Array.create n 0.5f
                  let state = Array.zeroCreate (o.StateSlots * n)
                  // Warm up past tiered compilation (its call counting schedules recompiles from the calling thread).
                  for t in 1L .. 200L do
                      step o p g state t

                  let allocated = allocatedBy100Steps o p g state
                  Expect.equal allocated 0L $"{o}: bytes allocated by 100 Steps"
          } ]
