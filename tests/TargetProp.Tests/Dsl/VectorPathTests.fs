/// The vector paths (512-, 256- and 128-bit; DESIGN.md §"Kernels"): each process runs the one its CPU and the
/// DOTNET_Enable* switches allow, and a short training gives the same bits on every path with fused multiply-add.
/// CI runs these, and the kernel and compiled-plan tests, once per path (.ci/run).
module TargetProp.Tests.Dsl.VectorPathTests

open System
open Expecto
open TargetProp.Dsl
open TargetProp.Runtime

/// XxHash64 of every parameter array's bytes, in Parameters.named's order.
let private hash (p: Parameters) =
    let h = IO.Hashing.XxHash64()

    for _, (x: float32[]) in
        Parameters.named p.W p.B p.V p.C None p.U (p.Coders |> Map.map (fun _ c -> c.E, c.Eb, c.D, c.Db)) do
        h.Append(Runtime.InteropServices.MemoryMarshal.AsBytes(ReadOnlySpan x))

    h.GetCurrentHashAsUInt64()

/// Two epochs of dtp (noise, feedback and forward phases, tanh, softmax) on 300 digits: the last epoch's training loss
/// as its IEEE bits, and the hash of the weights.
let private shortRun threads =
    let d = (Data.digits ()).Take(300, 100)
    let net = input 784 |> dense 64 Tanh |> dense 48 Tanh |> dense 10 Softmax

    let r =
        Train.run
            { Train.defaults with
                Epochs = 2
                Threads = threads
                Seed = 7 }
            (Model.create net Rules.dtp)
            d

    BitConverter.DoubleToInt64Bits (List.last r.Epochs).TrainLoss, hash r.Parameters

/// What every path with fused multiply-add gives (recorded on x64 at 512, 256 and 128 bits, the last under
/// DOTNET_PreferredVectorBitWidth=128: ARM64's arithmetic), and what x86 limited to SSE gives (each multiply-add
/// rounded twice). Any change to the arithmetic of a kernel changes these, deliberately: update them with the reason.
let private fused = (4611822023521705708L, 8841256591352422065UL)
let private unfused = (4611822023658407171L, 2943325687494573890UL)

[<Tests>]
let tests =
    testList
        "Dsl.VectorPath"
        [ test "the kernels run the vector path the environment asks for (TPROP_EXPECT_VECTOR_PATH, set by CI)" {
              match Environment.GetEnvironmentVariable "TPROP_EXPECT_VECTOR_PATH" with
              | null
              | "" -> skiptest "TPROP_EXPECT_VECTOR_PATH is not set: CI sets it beside each DOTNET_* switch"
              | path -> Expect.stringContains (VectorPath.Describe()) path "the vector path"
          }

          test
              "a short dtp run gives the same loss and weights, to the bit, on 1 and 2 threads and on every path with FMA" {
              let expected = if VectorPath.FusedMultiplyAdd then fused else unfused
              let one = shortRun 1
              Expect.equal (shortRun 2) one "2 threads as 1"

              Expect.equal
                  one
                  expected
                  $"(loss bits, weights' XxHash64) on {VectorPath.Describe()}: got {fst one}L, {snd one}UL"
          } ]
