/// The element-wise kernels (activations, losses, target updates) against their naive twins over edge sizes.
module TargetProp.Tests.Runtime.ElementwiseTests

open Expecto
open TargetProp.Runtime
open TargetProp.Tests.TestData

let private activations =
    [ Activation.Linear
      Activation.Tanh
      Activation.Sigmoid
      Activation.Relu
      Activation.HardTanh ]

let private shapes =
    [ for r in [ 1; 3 ] do
          for c in edgeSizes -> r, c ]

[<Tests>]
let tests =
    testList
        "Runtime.Elementwise"
        [ test "BiasActivate equals σ(k·(z + b)) row by row, for gains 1, 4, 0.5 and 3" {
              for a in activations do
                  for gain in [ 1.0f; 4.0f; 0.5f; 3.0f ] do
                      for rows, cols in shapes do
                          let z = uniform (rows * cols) (rows * cols) -3.0f 3.0f
                          let b = uniform cols cols -1.0f 1.0f
                          let expected = Array.copy z
                          Naive.BiasActivate(a, rows, cols, b, expected, gain)
                          Activations.BiasActivate(a, rows, cols, b, System.Span z, gain)
                          close 2e-6 2e-6 (sprintf "%A gain %g %dx%d" a gain rows cols) expected z
          }
          test "tanh is within 5 ulp of float64 tanh from 0 to 9 and at its edges, and rounds to ±1 beyond the clamp" {
              let xs =
                  [| for bits in 0..1024 .. System.BitConverter.SingleToInt32Bits 9.0f do
                         let x = System.BitConverter.Int32BitsToSingle bits
                         yield x
                         yield -x
                     yield! [| 7.9053111f; 7.9053116f; 20.0f; 1e30f; infinityf; -infinityf; 1e-40f |] |]

              let h = Array.copy xs

              Activations.BiasActivate(
                  Activation.Tanh,
                  1,
                  h.Length,
                  System.ReadOnlySpan(Array.zeroCreate<float32> h.Length),
                  System.Span h
              )

              let worst =
                  Array.map2
                      (fun (x: float32) (y: float32) ->
                          let exact = tanh (float x)

                          let ulp =
                              float (System.MathF.BitIncrement(abs (float32 exact)) - abs (float32 exact))

                          abs (float y - exact) / ulp)
                      xs
                      h
                  |> Array.max

              Expect.isLessThanOrEqual worst 5.0 "the largest error in ulp"
              Expect.isTrue (h |> Array.forall (fun y -> abs y <= 1.0f)) "|tanh| ≤ 1"
              let special = [| nanf; 0.0f; -0.0f |]

              Activations.BiasActivate(
                  Activation.Tanh,
                  1,
                  3,
                  System.ReadOnlySpan(Array.create 3 -0.0f),
                  System.Span special
              ) // −0 + −0 = −0

              Expect.isTrue (System.Single.IsNaN special.[0]) "tanh NaN = NaN"

              Expect.equal
                  (System.BitConverter.SingleToInt32Bits special.[2])
                  (System.BitConverter.SingleToInt32Bits -0.0f)
                  "tanh −0 = −0"
          }
          test "tanh and hardTanh in the vector body: NaN stays NaN, −0 and +0 keep their sign, far values reach ±1" {
              // 40 columns: lanes of 512-, 256- and 128-bit vectors (the clamp on the machine's own min and max) and a
              // scalar tail; each special value at a body position and again in the tail.
              let specials = [| nanf; -0.0f; 0.0f; 100.0f; -100.0f |]

              for a in [ Activation.Tanh; Activation.HardTanh ] do
                  let z = Array.init 40 (fun j -> specials.[j % specials.Length])
                  Activations.BiasActivate(a, 1, 40, System.ReadOnlySpan(Array.create 40 -0.0f), System.Span z)

                  for j in 0..39 do
                      let what = sprintf "%A of %g (column %d)" a specials.[j % specials.Length] j

                      match j % specials.Length with
                      | 0 -> Expect.isTrue (System.Single.IsNaN z.[j]) what
                      | 1
                      | 2 ->
                          Expect.equal
                              (System.BitConverter.SingleToInt32Bits z.[j])
                              (System.BitConverter.SingleToInt32Bits specials.[j % specials.Length])
                              what
                      // Beyond the clamp: 1 for hardTanh, within tanh's 5 ulp of 1 (below it, 2⁻²⁴ apart) for tanh.
                      | 3 -> Expect.isTrue (z.[j] <= 1.0f && 1.0f - z.[j] <= 5.0f * 5.96046448e-8f) what
                      | _ -> Expect.isTrue (z.[j] >= -1.0f && 1.0f + z.[j] <= 5.0f * 5.96046448e-8f) what
          }
          test "every activation gives an element the same bits in the vector body and in the scalar tail" {
              // 17 rows of 17 columns, row r the values rotated by r: each value falls once in the scalar tail (column 16).
              let v = uniform 17 17 -9.0f 9.0f

              for a in activations do
                  let z =
                      [| for r in 0..16 do
                             for j in 0..16 -> v.[(j + r) % 17] |]

                  let b: float32[] = Array.zeroCreate 17
                  Activations.BiasActivate(a, 17, 17, System.ReadOnlySpan b, System.Span z)

                  for r in 0..16 do
                      for j in 0..16 do
                          Expect.equal
                              (System.BitConverter.SingleToInt32Bits z.[r * 17 + j])
                              (System.BitConverter.SingleToInt32Bits z.[(j + r) % 17])
                              (sprintf "%A of v.[%d]" a ((j + r) % 17))
          }
          test "ScaledDelta and MultiplyDerivative equal their formulas, in and out of place" {
              for a in activations do
                  for n in edgeSizes do
                      let h = uniform n n -1.0f 1.0f
                      let t = uniform (n + 1) n -1.0f 1.0f
                      let expected: float32[] = Array.zeroCreate n
                      Naive.ScaledDelta(a, 0.37f, h, t, expected)
                      let d: float32[] = Array.zeroCreate n
                      Activations.ScaledDelta(a, 0.37f, h, t, System.Span d)
                      close 1e-6 1e-6 (sprintf "ScaledDelta %A %d" a n) expected d
                      let inPlace = Array.copy t
                      Activations.ScaledDelta(a, 0.37f, h, inPlace, System.Span inPlace)
                      close 1e-6 1e-6 (sprintf "ScaledDelta in place %A %d" a n) expected inPlace
                      Naive.MultiplyDerivative(a, h, t, expected)
                      Activations.MultiplyDerivative(a, h, t, System.Span d)
                      close 1e-6 1e-6 (sprintf "MultiplyDerivative %A %d" a n) expected d
          }
          test "Combine3 is the difference target h + g(ĥ) − g(h)" {
              for n in edgeSizes do
                  let x0, x1, x2 =
                      uniform 1 n -1.0f 1.0f, uniform 2 n -1.0f 1.0f, uniform 3 n -1.0f 1.0f

                  let expected: float32[] = Array.zeroCreate n
                  Naive.Combine3(1.0f, x0, 1.0f, x1, -1.0f, x2, expected)
                  let d = Array.copy x1
                  TargetUpdates.Combine3(1.0f, x0, 1.0f, d, -1.0f, x2, System.Span d)
                  close 1e-6 1e-6 (sprintf "Combine3 %d" n) expected d
          }
          test "ColumnSums adds the rows" {
              for rows, cols in shapes @ [ 100, 240 ] do
                  let x = uniform cols (rows * cols) -1.0f 1.0f
                  let expected: float32[] = Array.zeroCreate cols
                  Naive.ColumnSums(rows, cols, x, expected)
                  let d = Array.create cols nanf
                  TargetUpdates.ColumnSums(rows, cols, x, System.Span d)
                  close 1e-5 1e-5 (sprintf "ColumnSums %dx%d" rows cols) expected d
          }
          test "SoftmaxCrossEntropy: loss, gradient and error count from the definition" {
              for rows, cols in [ 1, 1; 1, 10; 7, 10; 100, 10; 3, 257 ] do
                  let logits = uniform (rows + cols) (rows * cols) -20.0f 20.0f
                  let labels = Array.init rows (fun r -> (r * 7) % cols)
                  let expected: float32[] = Array.zeroCreate (rows * cols)
                  let expectedLoss = Naive.SoftmaxCrossEntropy(rows, cols, logits, labels, expected)
                  let p: float32[] = Array.zeroCreate (rows * cols)
                  let d: float32[] = Array.zeroCreate (rows * cols)
                  let mutable errors = 0

                  let loss =
                      Losses.SoftmaxCrossEntropy(rows, cols, logits, labels, System.Span p, System.Span d, &errors)

                  close 1e-6 1e-6 (sprintf "gradient %dx%d" rows cols) expected d
                  Expect.floatClose Accuracy.medium loss expectedLoss "summed loss"

                  let wrong =
                      [ for r in 0 .. rows - 1 ->
                            Array.sub logits (r * cols) cols |> Array.indexed |> Array.maxBy snd |> fst
                            <> labels.[r] ]
                      |> List.filter id
                      |> List.length

                  Expect.equal errors wrong "errors"
          }
          test "a label outside the output's classes is refused with a message naming row and range" {
              let call () =
                  let mutable e = 0

                  Losses.SoftmaxCrossEntropy(
                      2,
                      3,
                      System.ReadOnlySpan(Array.zeroCreate<float32> 6),
                      System.ReadOnlySpan [| 0; 5 |],
                      System.Span(Array.zeroCreate<float32> 6),
                      System.Span(Array.zeroCreate<float32> 6),
                      &e
                  )
                  |> ignore

              let message =
                  try
                      call ()
                      ""
                  with :? System.ArgumentOutOfRangeException as e ->
                      e.Message

              Expect.stringContains message "label 5 in row 1 is outside 0..2" "message"
          }
          test "an activation a kernel has no body for is refused, not treated as linear" {
              let unknown = enum<Activation> 99
              let z, h = Array.zeroCreate<float32> 4, Array.zeroCreate<float32> 4

              let refused (what: string) (f: unit -> unit) =
                  let message =
                      try
                          f ()
                          ""
                      with :? System.ArgumentOutOfRangeException as e ->
                          e.Message

                  Expect.stringContains message (what + " has no body for the activation 99") what

              refused "BiasActivate" (fun () ->
                  Activations.BiasActivate(
                      unknown,
                      1,
                      4,
                      System.ReadOnlySpan(Array.zeroCreate<float32> 4),
                      System.Span z
                  ))

              refused "ScaledDelta" (fun () ->
                  Activations.ScaledDelta(unknown, 1.0f, System.ReadOnlySpan h, System.ReadOnlySpan h, System.Span z))

              refused "MultiplyDerivative" (fun () ->
                  Activations.MultiplyDerivative(unknown, System.ReadOnlySpan h, System.ReadOnlySpan h, System.Span z))
          } ]
