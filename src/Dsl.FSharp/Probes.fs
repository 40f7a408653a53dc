namespace TargetProp.Dsl

open TargetProp.Runtime
open TargetProp.Runtime.Data

/// Linear probes (Alain & Bengio 2016): how far each layer's representation makes the classes linearly separable, the
/// measure of the seed's "transforming the data into a space where it is easier to model by [the upper layers],
/// flattening manifolds". A probe is a logistic regression p = softmax(W h_l + b) fitted on the frozen h_l of the
/// training split and scored on the test split's.
module Probes =
    /// Rows per batch when computing features.
    let private batch = 500

    /// The features of one split by a compiled model with its parameters loaded, on an executor of its plan.
    let private features
        (m: Model)
        (compiled: Compiled)
        (ex: Executor)
        (x: float32[])
        (y: int[])
        (sides: System.Collections.Generic.IReadOnlyDictionary<string, float32[]>)
        : float32[][] =
        let L = Model.depth m
        let count = y.Length
        let width = Stack.width m.Stack

        let features =
            [| for l in 0 .. L - 1 -> Array.zeroCreate<float32>(count * width l) |]

        let order = Array.init count id
        let mutable start = 0

        while start < count do
            let rows = min batch (count - start)
            ex.LoadBatch(x, y, System.ReadOnlySpan(order), start, rows, sides)
            ex.Run compiled.Plan.Predict

            for l in 0 .. L - 1 do
                Array.blit compiled.Values.[l].Data 0 features.[l] (start * width l) (rows * width l)

            start <- start + rows

        features

    /// Runs f with the model compiled for feature passes, parameters p loaded, and an executor of `threads` threads.
    let private withPlan (m: Model) (p: Parameters) (threads: int) (f: Compiled -> Executor -> 'a) : 'a =
        let compiled = Train.compile batch m
        compiled.Load p
        use ex = new Executor(compiled.Plan, 1UL, threads)
        f compiled ex

    /// h_0 .. h_{L-1} of every example of one split (h_0 = x), each [count × n_l] row-major: the compiled evaluation
    /// pass with parameters p, each layer's value in target space (a discrete unit's relaxed value; for a stochastic
    /// stack, the last sample's).
    let hidden
        (m: Model)
        (p: Parameters)
        (threads: int)
        (x: float32[])
        (y: int[])
        (sides: System.Collections.Generic.IReadOnlyDictionary<string, float32[]>)
        : float32[][] =
        withPlan m p threads (fun compiled ex -> features m compiled ex x y sides)

    /// A probe's fit: Adam 10⁻³ on batches of 100 for at least 3,000 steps (5 epochs of MNIST's 60,000 images; more
    /// epochs of a smaller set), enough for the convex fit to settle.
    let private fit (examples: int) =
        { Train.defaults with
            Epochs = max 5 ((3000 * 100 + examples - 1) / examples)
            Batch = 100 }

    /// The test error of a logistic regression fitted (from zero-mean orthogonal weights drawn from `seed`) on features
    /// `train` [trainY.Length × width] and scored on `test`.
    let linear
        (seed: int)
        (threads: int)
        (width: int)
        (classes: int)
        (train: float32[], trainY: int[])
        (test: float32[], testY: int[])
        : float =
        let data = DataSet("probe", "features", width, classes, train, trainY, test, testY)

        let rule =
            Rules.bp
            |> Rule.withName "probe"
            |> Rule.withDefaults
                { Rules.bp.Defaults with
                    ForwardOptimiser = Adam 1e-3 }

        let run =
            Train.run
                { fit trainY.Length with
                    Seed = seed
                    Threads = threads }
                (Model.create (input width |> dense classes Softmax) rule)
                data

        (List.last run.Epochs).TestError

    /// ("probe_error_l", the linear probe's test error on h_l) for l = 0 (the input) .. L-1, with parameters p.
    let measure (m: Model) (d: DataSet) (seed: int) (threads: int) (p: Parameters) : (string * float) list =
        // One plan for both splits.
        let train, test =
            withPlan m p threads (fun compiled ex ->
                features m compiled ex d.TrainX d.TrainY (d.SideValues false),
                features m compiled ex d.TestX d.TestY (d.SideValues true))

        [ for l in 0 .. Model.depth m - 1 ->
              sprintf "probe_error_%d" l,
              linear seed threads (Stack.width m.Stack l) d.Classes (train.[l], d.TrainY) (test.[l], d.TestY) ]
