namespace TargetProp.Experiments

open TargetProp.Dsl

/// The experiments by name, with the epochs of their full runs.
module Catalog =
    let all: Experiment list =
        [ Discrete.experiment 20
          Stochastic.experiment 20
          SideInformation.experiment 10
          DeepChains.experiment
          PleaseUpperLayers.experiment 10 ]

    /// The experiment of that name, or a TrainingException listing the names.
    let find (name: string) =
        match all |> List.tryFind (fun e -> e.Name = name) with
        | Some e -> e
        | None ->
            raise (
                TrainingException(
                    sprintf
                        "no experiment named '%s'; the experiments are: %s"
                        name
                        (all |> List.map _.Name |> String.concat ", ")
                )
            )
