// The stochastic experiment (see its module, TargetProp.Experiments.Stochastic): its runs, results.jsonl, a figure and a table.
// Run after `dotnet build -c Release`:  dotnet fsi experiments/stochastic.fsx [--quick] [--seeds K] [--threads T] [--out DIR]
// (the same as `tprop experiment stochastic ...`).
#load "prelude.fsx"
#r "../src/Cli/bin/Release/net10.0/TargetProp.Experiments.dll"

open TargetProp.Experiments

let experiment = Catalog.find "stochastic"

Experiment.run experiment (Experiment.options experiment.Name (List.ofArray fsi.CommandLineArgs |> List.tail))
|> ignore
