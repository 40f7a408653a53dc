/// The discrete and stochastic units' kernels: sign, step and Bernoulli against their naive twins, the uniforms
/// against Random123's known answers, and the Bernoulli draws' mean against r by a statistical test.
module TargetProp.Tests.Runtime.EmissionTests

open System
open Expecto
open TargetProp.Runtime
open TargetProp.Tests.TestData

let private emissions = [ Emission.Sign; Emission.Step; Emission.Bernoulli ]

/// u(w) = (⌊w / 2⁹⌋ + ½)·2⁻²³, as Noise documents it.
let private u (w: uint32) =
    float32 ((double (w >>> 9) + 0.5) / 8388608.0)

[<Tests>]
let tests =
    testList
        "Runtime.Emission"
        [ test "sign, step and Bernoulli equal their definitions, at every length, offset and at the thresholds" {
              for e in emissions do
                  for n in edgeSizes do
                      for offset in [ 0L; 5L; 1000003L ] do
                          // Values in (−0.5, 1.5) with the thresholds 0 and ½ themselves and NaN among them.
                          let r = uniform n n -0.5f 1.5f

                          if n > 3 then
                              r.[0] <- 0.0f
                              r.[1] <- 0.5f
                              r.[2] <- nanf

                          let expected = Array.zeroCreate n
                          Naive.Emit(e, ReadOnlySpan r, Span expected, 42UL, 7L, 3, offset)
                          let actual = Array.zeroCreate n
                          Emissions.Emit(e, ReadOnlySpan r, Span actual, 42UL, 7L, 3, offset)
                          Expect.equal actual expected (sprintf "%A, n = %d, offset %d" e n offset)
          }
          test "sign and step work in place" {
              for e in [ Emission.Sign; Emission.Step ] do
                  let r = uniform 65 65 -1.0f 1.0f
                  let expected = Array.zeroCreate 65
                  Naive.Emit(e, ReadOnlySpan r, Span expected, 0UL, 0L, 0, 0L)
                  Emissions.Emit(e, ReadOnlySpan r, Span r, 0UL, 0L, 0, 0L)
                  Expect.equal r expected (sprintf "%A in place" e)
          }
          test "Bernoulli refuses to draw into its own input" {
              let r = Array.create 8 0.5f

              Expect.throwsT<ArgumentException>
                  (fun () -> Emissions.Emit(Emission.Bernoulli, ReadOnlySpan r, Span r, 0UL, 0L, 0, 0L))
                  "aliased"
          }
          test "an emission outside the enum is refused, not passed through" {
              let r = Array.create 8 0.5f

              Expect.throwsT<ArgumentOutOfRangeException>
                  (fun () ->
                      Emissions.Emit(enum<Emission> 99, ReadOnlySpan r, Span(Array.zeroCreate 8), 0UL, 0L, 0, 0L))
                  "unknown"
          }
          test "the uniforms are Philox4x32-10's words (Random123 kat_vectors), word i mod 4 of block i / 4" {
              let check seed step stream (block: int64) (words: uint32 list) =
                  for k, w in List.indexed words do
                      let i = 4L * block + int64 k
                      Expect.equal (Noise.UniformAt(seed, step, stream, i)) (u w) (sprintf "element %d" i)
                      let piece = Array.zeroCreate 1
                      Noise.Uniform(seed, step, stream, i, Span piece)
                      Expect.equal piece.[0] (u w) (sprintf "a fill from element %d" i)
              // counter 0, key 0 → 6627e8d5 e169c58d bc57ac4c 9b00dbd8
              check 0UL 0L 0 0L [ 0x6627e8d5u; 0xe169c58du; 0xbc57ac4cu; 0x9b00dbd8u ]
              // counter ffffffff ×4, key ffffffff ×2 → 408f276d 41c83b0e a20bc7c6 6d5451fd
              check
                  UInt64.MaxValue
                  -1L
                  -1
                  (int64 UInt32.MaxValue)
                  [ 0x408f276du; 0x41c83b0eu; 0xa20bc7c6u; 0x6d5451fdu ]
              // counter 243f6a88 85a308d3 13198a2e 03707344, key a4093822 299f31d0 → d16cfe09 94fdcceb 5001e420 24126ea1
              check
                  0x299f31d0a4093822UL
                  0x0370734413198a2eL
                  (int 0x85a308d3u)
                  0x243f6a88L
                  [ 0xd16cfe09u; 0x94fdccebu; 0x5001e420u; 0x24126ea1u ]
          }
          test "a fill of any piece equals the scalar definition element by element" {
              for offset in [ 0L; 3L; 31L; 32L; 33L; 12345L ] do
                  for n in edgeSizes do
                      let d = Array.zeroCreate n
                      Noise.Uniform(9UL, 4L, 2, offset, Span d)
                      let expected = Array.init n (fun i -> Noise.UniformAt(9UL, 4L, 2, offset + int64 i))
                      Expect.equal d expected (sprintf "offset %d, n = %d" offset n)
          }
          test
              "Bernoulli(r) has mean r: over 200,000 draws each mean within 5.33 standard errors (false alarm rate 1e-7 per r)" {
              let n = 200_000

              for p in [ 0.01f; 0.2f; 0.5f; 0.77f; 0.999f ] do
                  let r = Array.create n p
                  let h = Array.zeroCreate n
                  Emissions.Emit(Emission.Bernoulli, ReadOnlySpan r, Span h, 2026UL, 11L, 16396, 0L)
                  let mean = Array.averageBy float h
                  let se = sqrt (float p * (1.0 - float p) / float n)
                  Expect.isLessThanOrEqual (abs (mean - float p) / se) 5.33 (sprintf "mean %g for r = %g" mean p)
                  Expect.isTrue (h |> Array.forall (fun v -> v = 0.0f || v = 1.0f)) "every draw is 0 or 1"
          }
          test "Bernoulli at r ≤ 0 never fires and at r ≥ 1 always does" {
              let r = [| -1.0f; 0.0f; 1.0f; 2.0f |] |> Array.replicate 16 |> Array.concat
              let h = Array.zeroCreate r.Length
              Emissions.Emit(Emission.Bernoulli, ReadOnlySpan r, Span h, 1UL, 1L, 1, 0L)
              Expect.equal h (r |> Array.map (fun v -> if v >= 1.0f then 1.0f else 0.0f)) "u ∈ (0, 1)"
          } ]
