#r "nuget: TargetProp.Dsl" // from artifacts/ in a clone (examples/NuGet.config), or any feed that has it
// Difference target propagation as Lee, Zhang, Fischer and Bengio (2015) ran it on MNIST, written in the language:
// 784-240×7-10 tanh network, softmax output, batch 100; top target at the last hidden layer with η̂ = 0.327736;
// difference targets below; g_l trained by denoising reconstruction with σ = 0.35983; centred RMSprop (forward lr
// 0.0148893, feedback lr 0.00501149); alternating schedule. Needs MNIST (see README). Run after `dotnet pack -c Release -o artifacts`:
//   dotnet fsi examples/dtp_mnist.fsx            (10 epochs; TPROP_EPOCHS=1 for a quick look)
open TargetProp.Dsl

let net = input 784 |> repeat 7 (dense 240 Tanh) |> dense 10 Softmax

// The rule spelled out; it is the same value as Rules.dtp.
let dtp =
    Rule.create
        "dtp"
        (Top.gradientStep 0.327736332653 |> Top.atLastHidden) // ĥ_{L-1} = h_{L-1} − η̂ ∂ℓ/∂h_{L-1}
        (Propagate.by (below + g target - g here)) // ĥ_{l-1} = h_{l-1} + g_l(ĥ_l) − g_l(h_l)
        (Feedback.reconstruct 0.359829566008) // ‖g_l(f_l(h_{l-1}+ε)) − (h_{l-1}+ε)‖², ε ~ N(0, σ²)

let model =
    Model.create net dtp
    |> Model.forwardOptimiser (CentredRmsProp 0.0148893490317)
    |> Model.feedbackOptimiser (CentredRmsProp 0.00501149118237)
    |> Model.schedule Alternating

printfn "%O" model

let epochs =
    System.Environment.GetEnvironmentVariable "TPROP_EPOCHS"
    |> Option.ofObj
    |> Option.map int
    |> Option.defaultValue 10

let config =
    { Train.defaults with
        Epochs = epochs
        Batch = 100
        Seed = 1 }

let run =
    Train.runWith (Report.epochLine epochs >> printfn "%s") config model (Data.mnist ())

printfn
    "test error after %d epochs: %.2f %% (Lee et al. 2015 report 1.94 %% after training to convergence)"
    epochs
    (100.0 * (List.last run.Epochs).TestError)
