#r "nuget: TargetProp.Dsl" // from artifacts/ in a clone (examples/NuGet.config), or any feed that has it
// A rule of your own: compose it from parts, read its equation back, check it against the shipped laws, train it on
// MNIST and see how its updates line up with back-propagation's. Run after `dotnet pack -c Release -o artifacts`:
//   dotnet fsi examples/custom_rule.fsx          (1 epoch; TPROP_EPOCHS=n for more; digits when MNIST is missing)
open TargetProp.Dsl

// A damped difference: DTP's correction taken at half strength,
//   ĥ_{l-1} = h_{l-1} + ½ (g_l(ĥ_l) − g_l(h_l)),
// with everything else (top target, reconstruction training, settings) from Lee et al.'s DTP.
let damped =
    Rules.dtp
    |> Rule.withName "dampedDtp"
    |> Rule.withPropagation (below + 0.5 * (g target - g here))

printfn "%s" damped.Equation
printfn "%O" damped
printfn "propagation: %O" damped.Propagation

// The laws, each on 100 generated networks (Laws.property gives the same as an FsCheck property for a test suite).
let laws =
    [ "fixed point", Laws.fixedPoint
      "difference correction", Laws.differenceCorrection
      "linear inverse (= tp)", Laws.linearInverse
      "reconstruction", Laws.reconstruction
      "descent", Laws.descent
      "compiled = reference", Laws.compiledEqualsReference ]

for name, law in laws do
    printfn "  %-24s holds on %5.1f %% of networks" name (100.0 * Laws.fraction 100 law damped)

// Train on Lee et al.'s network, logging the per-layer diagnostics each epoch.
let epochs =
    System.Environment.GetEnvironmentVariable "TPROP_EPOCHS"
    |> Option.ofObj
    |> Option.map int
    |> Option.defaultValue 1

let data =
    try
        Data.mnist ()
    with :? TargetProp.Runtime.Data.DataNotFoundException ->
        printfn "MNIST not found: training on the bundled digits instead"
        Data.digits ()

let model =
    Model.create (input 784 |> repeat 7 (dense 240 Tanh) |> dense 10 Softmax) damped

let config =
    { Train.defaults with
        Epochs = epochs
        Diagnostics = true }

let run = Train.runWith (Report.epochLine epochs >> printfn "%s") config model data
let last = List.last run.Epochs
printfn "test error after %d epoch(s) on %s: %.2f %%" epochs data.Name (100.0 * last.TestError)
printfn "angle between each layer's update and back-propagation's gradient (degrees):"

for name, v in last.Diagnostics do
    if name.StartsWith "angle_bp_" then
        printfn "  layer %s  %5.1f°" (name.Substring 9) v
