module TargetProp.Tests.Runtime.NoiseTests

open System
open System.Runtime.Intrinsics
open Expecto
open TargetProp.Runtime

let private fill seed step layer sigma n =
    let d = Array.zeroCreate n
    Noise.Gaussian(seed, step, layer, sigma, Span d)
    d

/// Box–Muller in double of one Philox block's four words, as Noise documents it (the independent re-derivation):
/// (r₀ cos θ₂, r₁ cos θ₃, r₀ sin θ₂, r₁ sin θ₃) with r = √(−2 ln u(w)), θ = 2π u(w), u(w) = (⌊w / 2⁹⌋ + ½)·2⁻²³.
let private boxMuller (w0: uint32) (w1: uint32) (w2: uint32) (w3: uint32) =
    let u (w: uint32) = (double (w >>> 9) + 0.5) / 8388608.0
    let r w = sqrt (-2.0 * log (u w))
    let t w = 2.0 * Math.PI * u w
    r w0 * cos (t w2), r w1 * cos (t w3), r w0 * sin (t w2), r w1 * sin (t w3)

/// Float32 polynomials against double Math: a few ulps of the largest values (|N| ≤ 5.8).
let private near (expected: float) (actual: float) =
    abs (expected - actual) <= 2e-6 * (1.0 + abs expected)

/// The element indices of block b's four normals (see Noise's layout table).
let private indices (b: int64) =
    let g, lane = b / 4L, b % 4L
    16L * g + lane, 16L * g + 4L + lane, 16L * g + 8L + lane, 16L * g + 12L + lane

[<Tests>]
let tests =
    testList
        "Runtime.Noise"
        [ test "Philox4x32-10 known answers (Random123 kat_vectors) through Box–Muller" {
              let check seed step layer block (w0, w1, w2, w3) =
                  let c0, c1, s0, s1 = boxMuller w0 w1 w2 w3
                  let i0, i1, i2, i3 = indices block

                  for expected, i in [ c0, i0; c1, i1; s0, i2; s1, i3 ] do
                      let actual = Noise.StandardNormalAt(seed, step, layer, i)

                      if not (near expected actual) then
                          failtest $"index {i}: {actual}, expected {expected}"
              // counter 0, key 0 → 6627e8d5 e169c58d bc57ac4c 9b00dbd8
              check 0UL 0L 0 0L (0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u)
              // counter ffffffff ×4, key ffffffff ×2 → 408f276d 41c83b0e a20bc7c6 6d5451fd
              check UInt64.MaxValue -1L -1 (int64 UInt32.MaxValue) (0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu)
          }

          test "our float ln, sin and cos polynomials match Math's Box–Muller over 8192 blocks (every quadrant)" {
              let seed, step, layer = 0x0123456789abcdefUL, 77L, 5
              let v (x: uint64) = Words2(Vector128.Create x)

              for b in 0UL .. 8191UL do
                  let struct (w0, w1, w2, w3) =
                      Philox.Rounds10(
                          v b,
                          v (uint64 (uint32 layer)),
                          v (uint64 step &&& 0xffffffffUL),
                          v (uint64 step >>> 32),
                          uint32 seed,
                          uint32 (seed >>> 32)
                      )

                  let word (w: Words2) = uint32 (w.Value.GetElement 0)
                  let c0, c1, s0, s1 = boxMuller (word w0) (word w1) (word w2) (word w3)
                  let i0, i1, i2, i3 = indices (int64 b)

                  for expected, i in [ c0, i0; c1, i1; s0, i2; s1, i3 ] do
                      let actual = Noise.StandardNormalAt(seed, step, layer, i)

                      if not (near expected actual) then
                          failtest $"block {b}, index {i}: {actual} but Math gives {expected}"
          }

          test "the same key gives the same draw" {
              Expect.sequenceEqual (fill 42UL 7L 3 0.5f 1001) (fill 42UL 7L 3 0.5f 1001) "two fills"
          }

          test "a fill equals the scalar definition at every index, and pieces equal the whole" {
              let n, sigma = 1001, 0.35983f
              let whole = fill 9UL 123456789012L 2 sigma n

              for i in 0 .. n - 1 do
                  let expected =
                      float32 (double sigma * Noise.StandardNormalAt(9UL, 123456789012L, 2, int64 i))

                  if whole[i] <> expected then
                      failtest $"index {i}: fill {whole[i]} but the scalar definition gives {expected}"
              // Pieces starting and ending on odd and even indices, through the offset overload.
              let pieces = Array.zeroCreate n

              for (start, len) in [ (0, 1); (1, 2); (3, 63); (66, 65); (131, 870) ] do
                  Noise.Gaussian(9UL, 123456789012L, 2, int64 start, sigma, Span(pieces, start, len))

              Expect.sequenceEqual pieces whole "pieces"
          }

          test "different seeds, steps and layers give different streams" {
              let n = 256

              let keys =
                  [ (1UL, 0L, 0)
                    (2UL, 0L, 0)
                    (1UL, 1L, 0)
                    (1UL, 0L, 1)
                    (1UL, 1L, 1)
                    (1UL <<< 32, 0L, 0)
                    (1UL, 1L <<< 32, 0) ]

              let draws = keys |> List.map (fun (s, t, l) -> fill s t l 1.0f n)

              for i in 0 .. keys.Length - 1 do
                  for j in i + 1 .. keys.Length - 1 do
                      let same = Array.map2 (=) draws[i] draws[j] |> Array.filter id |> Array.length
                      Expect.equal same 0 $"{keys[i]} and {keys[j]} share {same} of {n} values"
          }

          test "mean and variance of 1e6 draws within 4 standard errors of 0 and 1" {
              let n = 1_000_000
              let d = fill 2024UL 1L 0 1.0f n
              let mean = d |> Array.averageBy double
              let var = (d |> Array.sumBy (fun x -> (double x - mean) ** 2.0)) / double (n - 1)
              Expect.isLessThan (abs mean) (4.0 / sqrt (double n)) $"mean {mean}"
              Expect.isLessThan (abs (var - 1.0)) (4.0 * sqrt (2.0 / double (n - 1))) $"variance {var}"
          }

          test "AddGaussian: in place equals out of place equals x + the draw; partial overlap refused" {
              let n = 77
              let rng = Random 3
              let x = Array.init n (fun _ -> float32 (rng.NextDouble()))
              let out = Array.zeroCreate n
              Noise.AddGaussian(5UL, 2L, 1, 0.1f, ReadOnlySpan x, Span out)
              let noise = fill 5UL 2L 1 0.1f n
              Expect.sequenceEqual out (Array.map2 (+) x noise) "x + noise"
              let inPlace = Array.copy x
              Noise.AddGaussian(5UL, 2L, 1, 0.1f, ReadOnlySpan inPlace, Span inPlace)
              Expect.sequenceEqual inPlace out "in place"
              let buffer = Array.zeroCreate (n + 1)

              Expect.throwsT<ArgumentException>
                  (fun () -> Noise.AddGaussian(5UL, 2L, 1, 0.1f, ReadOnlySpan(buffer, 0, n), Span(buffer, 1, n)))
                  "partial overlap"

              Expect.throwsT<ArgumentException>
                  (fun () -> Noise.AddGaussian(5UL, 2L, 1, 0.1f, ReadOnlySpan x, Span(Array.zeroCreate (n - 1))))
                  "lengths"
          }

          test "sigma 0 gives zeros; a negative or NaN sigma is refused" {
              Expect.isTrue (fill 1UL 1L 1 0.0f 9 |> Array.forall ((=) 0.0f)) "zeros"
              Expect.throwsT<ArgumentOutOfRangeException> (fun () -> fill 1UL 1L 1 -1.0f 9 |> ignore) "negative"
              Expect.throwsT<ArgumentOutOfRangeException> (fun () -> fill 1UL 1L 1 nanf 9 |> ignore) "NaN"
          }

          test "a fill allocates nothing" {
              let d = Array.zeroCreate 1000
              Noise.Gaussian(1UL, 1L, 1, 1.0f, Span d)
              let before = GC.GetAllocatedBytesForCurrentThread()
              Noise.Gaussian(1UL, 2L, 1, 1.0f, Span d)
              Noise.AddGaussian(1UL, 3L, 1, 1.0f, ReadOnlySpan d, Span d)
              Expect.equal (GC.GetAllocatedBytesForCurrentThread() - before) 0L "bytes"
          } ]
