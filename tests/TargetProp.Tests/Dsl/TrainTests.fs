/// Train's own logic, apart from whole runs: the settings it refuses (validate) and the data order (orders).
module TargetProp.Tests.Dsl.TrainTests

open Expecto
open TargetProp.Dsl
open TargetProp.Runtime.Data

let private model =
    Model.create (input 4 |> dense 5 Tanh |> dense 3 Softmax) Rules.dtp

/// 10 training and 2 test examples of 4 features in 3 classes.
let private data =
    DataSet(
        "tiny",
        "test",
        4,
        3,
        Array.init 40 (fun i -> float32 (i % 7) / 7.0f),
        Array.init 10 (fun i -> i % 3),
        Array.zeroCreate 8,
        [| 0; 1 |]
    )

/// The message of the TrainingException that validate raises.
let private refusal (c: TrainConfig) (m: Model) (d: DataSet) =
    try
        Train.validate c (Train.check m) d
        failtestf "validate accepted %A" c
    with TrainingException message ->
        message

[<Tests>]
let tests =
    testList
        "Dsl.Train"
        [ test "validate accepts sound settings and refuses each bad one with what to change" {
              let ok =
                  { Train.defaults with
                      Epochs = 1
                      Batch = 4
                      LimitTrain = Some 10 }

              Train.validate ok (Train.check model) data

              for c, expected in
                  [ { ok with Epochs = 0 }, "epochs = 0: train for at least 1 epoch"
                    { ok with Batch = 0 }, "batch = 0: use a batch of at least 1 example"
                    { ok with Threads = 0 }, "threads = 0: use at least 1 thread"
                    { ok with Seed = -1 }, "seed = -1: use a seed ≥ 0"
                    { ok with LimitTrain = Some 0 }, "limit-train = 0, but tiny has 10 training examples: use 1..10"
                    { ok with LimitTrain = Some 11 }, "limit-train = 11, but tiny has 10 training examples: use 1..10"
                    { ok with Validation = -1 },
                    "validation = -1, but the run has 10 training examples: hold out 0..9 of them"
                    { ok with Batch = 9; Validation = 2 },
                    "batch = 9, but the run trains on 8 examples: use a batch of at most 8"
                    { ok with
                        LimitTrain = Some 6
                        Validation = 6 },
                    "validation = 6, but the run has 6 training examples: hold out 0..5 of them" ] do
                  Expect.stringContains (refusal c model data) expected (sprintf "%A" c)

              Expect.stringContains
                  (refusal ok (Model.create (input 5 |> dense 3 Softmax) Rules.bp) data)
                  "tiny has 4 features per example but the model's input has 5: use input 4"
                  "features"

              Expect.stringContains
                  (refusal ok (Model.create (input 4 |> dense 2 Softmax) Rules.bp) data)
                  "tiny has 3 classes but the output layer has 2 units: end the stack with dense 3 Softmax"
                  "classes"
          }
          test "validate refuses a declared side input the data do not supply, or supply at another width, naming both" {
              let reading =
                  Model.create
                      (input 4
                       |> sideInput "context" 2
                       |> dense 5 Tanh
                       |> reads "context"
                       |> dense 3 Softmax)
                      Rules.dtp

              let ok =
                  { Train.defaults with
                      Epochs = 1
                      Batch = 4 }

              let missing = refusal ok reading data

              for text in
                  [ "sideInput \"context\" 2"
                    "tiny supplies no side input of that name"
                    "Data.withSide \"context\" 2" ] do
                  Expect.stringContains missing text "missing"

              let wide = data.WithSide("context", 3, Array.zeroCreate 30, Array.zeroCreate 6)
              let message = refusal ok reading wide

              Expect.stringContains
                  message
                  "declares sideInput \"context\" 2, but tiny supplies 3 values per example"
                  "width"

              Train.validate
                  ok
                  (Train.check reading)
                  (data.WithSide("context", 2, Array.zeroCreate 20, Array.zeroCreate 4))
          }
          test "a side input of the wrong count, or named label, is refused where it is attached" {
              Expect.throwsT<System.ArgumentException>
                  (fun () -> data.WithSide("context", 2, Array.zeroCreate 19, Array.zeroCreate 4) |> ignore)
                  "train count"

              Expect.throwsT<System.ArgumentException>
                  (fun () -> data.WithSide("context", 2, Array.zeroCreate 20, Array.zeroCreate 5) |> ignore)
                  "test count"

              Expect.throwsT<System.ArgumentException>
                  (fun () -> data.WithSide("label", 3, Array.zeroCreate 30, Array.zeroCreate 6) |> ignore)
                  "label is built in"

              let sliced =
                  (data.WithSide("context", 2, Array.init 20 float32, Array.init 4 float32)).Take(3, 1)

              Expect.equal
                  sliced.Sides.["context"].Train
                  [| 0.0f .. 5.0f |]
                  "Take slices the side input with the examples"
          }
          test
              "a validation split is the last training examples: the run trains on the others, and its validation error is the test error of those rows" {
              let rng = System.Random 3
              let n, held = 90, 30
              let x = Array.init (4 * n) (fun _ -> float32 (rng.NextDouble()))
              let y = Array.init n (fun i -> i % 3)
              let d = DataSet("small", "test", 4, 3, x, y, Array.sub x 0 40, Array.sub y 0 10)
              // The same training rows, with the held-out ones as the test split.
              let asTest =
                  DataSet(
                      "small",
                      "test",
                      4,
                      3,
                      Array.sub x 0 (4 * (n - held)),
                      Array.sub y 0 (n - held),
                      Array.sub x (4 * (n - held)) (4 * held),
                      Array.sub y (n - held) held
                  )

              let c =
                  { Train.defaults with
                      Epochs = 3
                      Batch = 8 }

              let validated = Train.run { c with Validation = held } model d
              let plain = Train.run c model asTest

              Expect.equal
                  (validated.Epochs |> List.map _.ValidationError)
                  (plain.Epochs |> List.map (_.TestError >> Some))
                  "validation error per epoch"

              Expect.equal
                  (validated.Epochs |> List.map _.TrainLoss)
                  (plain.Epochs |> List.map _.TrainLoss)
                  "the same training"

              Expect.isTrue
                  (plain.Epochs |> List.forall (fun e -> e.ValidationError.IsNone))
                  "no validation error without a split"
          }
          test
              "Standardise scales every input by the training split's mean and deviation, the test split by the same; UnitRange keeps them" {
              let x = [| 0.0f; 0.5f; 1.0f; 0.5f; 0.25f; 0.75f; 0.0f; 1.0f |]

              let d =
                  DataSet("small", "test", 4, 2, x, [| 0; 1 |], [| 0.5f; 1.0f; 0.0f; 0.25f |], [| 1 |])

              let s = Data.normalise Standardise d
              let mu = Array.averageBy float x
              let sd = sqrt (x |> Array.averageBy (fun v -> (float v - mu) ** 2.0))
              Expect.floatClose Accuracy.high (Array.averageBy float s.TrainX) 0.0 "training mean 0"

              Expect.floatClose
                  Accuracy.high
                  (sqrt (s.TrainX |> Array.averageBy (fun v -> float v ** 2.0)))
                  1.0
                  "training deviation 1"

              for v, t in Array.zip [| 0.5f; 1.0f; 0.0f; 0.25f |] s.TestX do
                  Expect.floatClose
                      Accuracy.medium
                      (float t)
                      ((float v - mu) / sd)
                      "the test split by the training split's μ and s"

              Expect.equal (s.TrainY, s.TestY) (d.TrainY, d.TestY) "labels kept"
              Expect.isTrue (obj.ReferenceEquals(Data.normalise UnitRange d, d)) "UnitRange: as read"
          }
          test
              "orders: one permutation of the examples per epoch, each reshuffled from the last, the same for the same seed" {
              let a = Train.orders 5 10 3
              Expect.equal a.Length 3 "one order per epoch"

              for o in a do
                  Expect.equal (Array.sort o) [| 0..9 |] "a permutation"

              Expect.notEqual a.[0] a.[1] "each epoch its own order"
              Expect.equal (Train.orders 5 10 3) a "the same seed gives the same orders"
              Expect.notEqual (Train.orders 6 10 3) a "another seed gives other orders"
              Expect.equal (Train.orders 5 10 2) a.[..1] "a longer run starts with the same orders"
          } ]
