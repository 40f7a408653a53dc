/// Train's own logic, apart from whole runs: the settings it refuses (validate) and the data order (orders).
module TargetProp.Tests.Dsl.TrainTests

open Expecto
open TargetProp.Dsl
open TargetProp.Runtime.Data

let private model = Model.create (input 4 |> dense 5 Tanh |> dense 3 Softmax) Rules.dtp

/// 10 training and 2 test examples of 4 features in 3 classes.
let private data =
    DataSet("tiny", "test", 4, 3, Array.init 40 (fun i -> float32 (i % 7) / 7.0f), Array.init 10 (fun i -> i % 3), Array.zeroCreate 8, [| 0; 1 |])

/// The message of the TrainingException that validate raises.
let private refusal (c: TrainConfig) (m: Model) (d: DataSet) =
    try
        Train.validate c (Train.check m) d
        failtestf "validate accepted %A" c
    with TrainingException message -> message

[<Tests>]
let tests =
    testList "Dsl.Train" [
        test "validate accepts sound settings and refuses each bad one with what to change" {
            let ok = { Train.defaults with Epochs = 1; Batch = 4; LimitTrain = Some 10 }
            Train.validate ok (Train.check model) data
            for c, expected in
                [ { ok with Epochs = 0 }, "epochs = 0: train for at least 1 epoch"
                  { ok with Batch = 0 }, "batch = 0: use a batch of at least 1 example"
                  { ok with Threads = 0 }, "threads = 0: use at least 1 thread"
                  { ok with Seed = -1 }, "seed = -1: use a seed ≥ 0"
                  { ok with LimitTrain = Some 0 }, "limit-train = 0, but tiny has 10 training examples: use 1..10"
                  { ok with LimitTrain = Some 11 }, "limit-train = 11, but tiny has 10 training examples: use 1..10" ] do
                Expect.stringContains (refusal c model data) expected (sprintf "%A" c)
            Expect.stringContains (refusal ok (Model.create (input 5 |> dense 3 Softmax) Rules.bp) data)
                "tiny has 4 features per example but the model's input has 5: use input 4" "features"
            Expect.stringContains (refusal ok (Model.create (input 4 |> dense 2 Softmax) Rules.bp) data)
                "tiny has 3 classes but the output layer has 2 units: end the stack with dense 3 Softmax" "classes"
        }
        test "orders: one permutation of the examples per epoch, each reshuffled from the last, the same for the same seed" {
            let a = Train.orders 5 10 3
            Expect.equal a.Length 3 "one order per epoch"
            for o in a do
                Expect.equal (Array.sort o) [| 0..9 |] "a permutation"
            Expect.notEqual a.[0] a.[1] "each epoch its own order"
            Expect.equal (Train.orders 5 10 3) a "the same seed gives the same orders"
            Expect.notEqual (Train.orders 6 10 3) a "another seed gives other orders"
            Expect.equal (Train.orders 5 10 2) a.[..1] "a longer run starts with the same orders"
        }
    ]
