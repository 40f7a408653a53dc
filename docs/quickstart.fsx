(**
---
title: A first model
category: Examples
index: 1
---

# A first model

This page is a script: `tools/docs.sh` runs it when it builds these pages, so every output below is what this
version of the library printed. It references the package as any script does (README, "A script").
*)
#r "nuget: TargetProp.Dsl"
open TargetProp.Dsl

(**
## The rules

Every preset, with the equations it compiles to: the top target ĥ_L, how a target ĥ_{l-1} is propagated down, the
local loss each layer descends, and how the feedback maps g_l learn.
*)
for r in Rules.all do
    printfn "%-10s %s" r.Name r.Equation
(*** include-output ***)

(**
## A model

A stack of layers and a rule. The model prints as the F# that builds it, with its equations as comments; the check
runs whole before any float exists, and `Model.create` refuses a model it finds wrong, listing every mistake.
*)
let net = input 784 |> dense 64 Tanh |> dense 10 Softmax
let model = Model.create net Rules.dtp
printfn "%O" model
(*** include-output ***)

(**
## Training

Two epochs on the bundled digits (6,000 MNIST training images, 1,000 test images, in the package), one line per epoch.
The same seed and thread count give the same numbers.
*)
let config =
    { Train.defaults with
        Epochs = 2
        Seed = 1 }

let run =
    Train.runWith (Report.epochLine config.Epochs >> printfn "%s") config model (Data.digits ())
(*** include-output ***)

(** The test error after the last epoch, as a fraction: *)
(List.last run.Epochs).TestError
(*** include-it ***)

(**
## A rule of your own

A propagation is an expression over `below` (h_{l-1}), `here` (h_l) and `target` (ĥ_l), with g, f, `+`, `-` and
scalar `*`. Here DTP's correction is damped by half, and the shipped laws are checked on it as booleans.
*)
let damped =
    Rules.dtp
    |> Rule.withName "damped"
    |> Rule.withPropagation (below + 0.5 * (g target - g here))

printfn "%s" damped.Equation

printfn
    "the fixed-point law holds on %.0f %% of 20 generated networks"
    (100.0 * Laws.fraction 20 Laws.fixedPoint damped)
(*** include-output ***)
