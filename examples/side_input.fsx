#r "nuget: TargetProp.Dsl" // from artifacts/ in a clone (examples/NuGet.config), or any feed that has it
// A side input read by a forward map: every example also carries a second, coarse view of its image — the mean and the
// maximum of each of its 4×4 blocks of 7×7 pixels, 32 values — which the first layer reads beside the pixels,
// h1 = tanh(W1 x + U1 s_view + b1).
// Run after `dotnet pack -c Release -o artifacts`:  dotnet fsi examples/side_input.fsx
open TargetProp.Dsl

let digits = Data.digits ()

// The coarse view of n images [n × 784]: for each 7×7 block of the 4×4 grid, its mean (16 values), then its maximum (16).
let coarse (images: float32[]) =
    let n = images.Length / 784

    Array.init (n * 32) (fun k ->
        let i, block = k / 32, k % 16
        let r0, c0 = 7 * (block / 4), 7 * (block % 4)

        let pixels =
            [| for r in r0 .. r0 + 6 do
                   for c in c0 .. c0 + 6 -> images.[i * 784 + r * 28 + c] |]

        if k % 32 < 16 then
            Array.average pixels
        else
            Array.max pixels)

let data =
    digits |> Data.withSide "view" 32 (coarse digits.TrainX) (coarse digits.TestX)

let net =
    input 784
    |> sideInput "view" 32
    |> dense 240 Tanh
    |> reads "view"
    |> repeat 2 (dense 240 Tanh)
    |> dense 10 Softmax

let model = Model.create net Rules.dtp
printfn "%O" model
printfn "%s" (Stack.equation net)

let config =
    { Train.defaults with
        Epochs = 2
        Seed = 1 }

let run =
    Train.runWith (Report.epochLine config.Epochs >> printfn "%s") config model data

printfn
    "test error after %d epochs, the first layer reading the coarse view: %.2f %%"
    config.Epochs
    (100.0 * (List.last run.Epochs).TestError)
