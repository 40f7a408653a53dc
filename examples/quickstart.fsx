#r "nuget: TargetProp.Dsl" // from artifacts/ in a clone (examples/NuGet.config), or any feed that has it
// The smallest useful script: a three-layer tanh network trained by difference target propagation on the bundled
// digits (no download). Run after `dotnet pack -c Release -o artifacts`:  dotnet fsi examples/quickstart.fsx
open TargetProp.Dsl

let net = input 784 |> repeat 3 (dense 240 Tanh) |> dense 10 Softmax
let model = Model.create net Rules.dtp
printfn "%O" model

let config =
    { Train.defaults with
        Epochs = 3
        Seed = 1 }

let run =
    Train.runWith (Report.epochLine config.Epochs >> printfn "%s") config model (Data.digits ())

printfn "test error after %d epochs: %.2f %%" config.Epochs (100.0 * (List.last run.Epochs).TestError)
