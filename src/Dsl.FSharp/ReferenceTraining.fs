namespace TargetProp.Dsl

open System.Collections.Generic
open MathNet.Numerics.LinearAlgebra

/// The float64 oracle of whole training runs: every optimiser's update with its state, written from its paper, and the
/// schedules that order forward and feedback updates over epochs of batches, as the rules' documentation states them.
/// It reads nothing of Lower, Train or the runtime's optimisers: the data order (one array of example indices per
/// epoch) is its only input besides the model, the starting parameters and the data.
module ReferenceTraining =
    type private M = Matrix<float>

    /// One parameter's optimiser memory: the state slots of each element (zero before the first update), the number of
    /// updates so far, and which elements float32 rounding may have moved by a whole step (see Outcome.Unsteady).
    type private Memory =
        { Slots: float[][]
          mutable Updates: int
          Unsteady: bool[] }

    /// What a reference run ends with: the parameters; for each parameter (W1, b1, V2, c2, ...) the elements that Adam
    /// or RMSprop stepped at some update from a gradient (with its weight decay λp, as the optimiser sees it) below 10⁻⁴
    /// of that update's largest or below 10⁻⁶, whose step is then set by the gradient's last digits (those optimisers
    /// divide by the gradient's own size: where the exact gradient cancels to 0, say a feedback bias whose terms cancel,
    /// float32's residue of 10⁻⁹ still moves the element by lr); and a caveat when float32 cannot follow the run at all:
    /// a diverging run (a parameter beyond 100, where rounding grows with the weights), or a unit evaluated within 10⁻⁶
    /// of a kink or threshold (ReLU, hardTanh, sign, step, a Bernoulli draw).
    type Outcome =
        { Parameters: Parameters
          Unsteady: Map<string, bool[]>
          Caveat: string option }

    /// The change Δ that an optimiser adds to one element p at the parameter's t-th update (t ≥ 1), with gradient g and
    /// the element's state slots s.
    let rec private delta (o: Optimiser) (t: int) (s: float[]) (p: float) (g: float) : float =
        match o with
        | CentredRmsProp lr ->
            // Graves 2013, eq. 38–41, with Lee et al. 2015's constants: ρ = 0.95, momentum 0.9, 10⁻³ inside the root.
            //   a ← ρa + (1−ρ)g;  n ← ρn + (1−ρ)g²;  Δ ← 0.9Δ − lr·g/√(n − a² + 10⁻³)
            s.[0] <- 0.95 * s.[0] + 0.05 * g
            s.[1] <- 0.95 * s.[1] + 0.05 * g * g
            s.[2] <- 0.9 * s.[2] - lr * g / sqrt (s.[1] - s.[0] * s.[0] + 1e-3)
            s.[2]
        | RmsProp lr ->
            // Tieleman & Hinton 2012: n ← 0.9n + 0.1g²;  Δ = −lr·g/(√n + 10⁻⁸)
            s.[0] <- 0.9 * s.[0] + 0.1 * g * g
            -lr * g / (sqrt s.[0] + 1e-8)
        | Adam lr -> delta (AdamWith(lr, 0.9, 0.999, 1e-8)) t s p g
        | AdamWith(lr, b1, b2, eps) ->
            // Kingma & Ba 2015, Algorithm 1: m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  Δ = −lr·(m/(1 − β₁ᵗ)) / (√(v/(1 − β₂ᵗ)) + ε)
            s.[0] <- b1 * s.[0] + (1.0 - b1) * g
            s.[1] <- b2 * s.[1] + (1.0 - b2) * g * g

            -lr * (s.[0] / (1.0 - b1 ** float t))
            / (sqrt (s.[1] / (1.0 - b2 ** float t)) + eps)
        | Sgd(lr, mu) ->
            // Classical momentum (Polyak 1964; Sutskever et al. 2013): v ← μv − lr·g;  Δ = v
            s.[0] <- mu * s.[0] - lr * g
            s.[0]
        | WeightDecay(lambda, inner) ->
            // L2 weight decay coupled to the gradient: the inner rule steps on g + λp.
            delta inner t s p (g + lambda * p)

    /// Whether the optimiser divides by a running size of the gradient (Adam, RMSprop).
    let rec private adaptive (o: Optimiser) =
        match o with
        | Adam _
        | AdamWith _
        | RmsProp _ -> true
        | CentredRmsProp _
        | Sgd _ -> false
        | WeightDecay(_, inner) -> adaptive inner

    /// How a run departs from the exact one, to ask where float32's rounding could take it.
    type Perturbation =
        /// The exact run, in float64.
        | Exact
        /// Adam and RMSprop see every gradient (with its weight decay) below 10⁻⁴ of its update's largest or below
        /// 10⁻⁶ with this times that largest added: float32's unit roundoff (6·10⁻⁸) asks where the residue float32
        /// leaves of a cancelled gradient would steer the run.
        | Residue of float
        /// Every gradient and every updated parameter rounded to float32, as the compiled plan holds them.
        | Single

    /// A run in progress: the parameters, each parameter's optimiser memory, and the counts of forward and feedback
    /// updates that key the step's noise, departing from the exact run as `perturbation` says.
    type private Trainer(m: Model, start: Reference.State, seed: uint64, perturbation: Perturbation) =
        let memory = Dictionary<string, Memory>()
        let mutable s = start
        let mutable forwardSteps = 0L
        let mutable feedbackSteps = 0L
        let mutable epoch = 0

        // What the perturbation adds to a gradient at rounding level (times the update's largest), and how it holds
        // gradients and parameters.
        let residue =
            match perturbation with
            | Residue r -> r
            | Exact
            | Single -> 0.0

        let single (a: float[]) =
            match perturbation with
            | Single -> Array.map (float32 >> float) a
            | Exact
            | Residue _ -> a

        /// Updates the values of parameter `name` (flat, row-major) by the optimiser o from the gradient g, the largest
        /// gradient of the update being `scale`.
        let update (o: Optimiser) (scale: float) (name: string) (p: float[]) (g: float[]) : float[] =
            let mem =
                match memory.TryGetValue name with
                | true, mem -> mem
                | _ ->
                    let mem =
                        { Slots = Array.init p.Length (fun _ -> Array.zeroCreate 3)
                          Updates = 0
                          Unsteady = Array.zeroCreate p.Length }

                    memory.[name] <- mem
                    mem

            mem.Updates <- mem.Updates + 1

            // The size the adaptive rule divides by is that of the gradient it sees, g + λp under weight decay, which
            // cancels to rounding level where the decay balances the data's gradient (found by CI: a side input's
            // weight with g = 3.0258e-4 against λp = −3.0258e-4, whose float32 residue stepped it the other way).
            // Rounding level is also absolute: a gradient below 10⁻⁶ (16 ulps of a value of size 1) is a difference of
            // activations float32 holds to 6·10⁻⁸, however small the update's largest gradient (found by a sampler:
            // a feedback bias's gradient of 6.1·10⁻⁸ that float32 computed as 4.8·10⁻⁸, where the largest was 10⁻⁴).
            let lambda = Optimiser.weightDecay o

            let g =
                if not (adaptive o) then
                    single g
                else
                    single g
                    |> Array.mapi (fun i gi ->
                        if abs (gi + lambda * p.[i]) <= max (1e-4 * scale) 1e-6 then
                            mem.Unsteady.[i] <- true
                            gi + residue * scale
                        else
                            gi)

            Array.init p.Length (fun i -> p.[i] + delta o mem.Updates mem.Slots.[i] p.[i] g.[i])
            |> single

        let largest (ms: M seq) (vs: Vector<float> seq) =
            Seq.append (ms |> Seq.map (fun g -> g.InfinityNorm())) (vs |> Seq.map (fun g -> g.InfinityNorm()))
            |> Seq.fold max 0.0

        let updateMatrix o scale name (p: M) (g: M) =
            Matrix<float>
                .Build.DenseOfRowMajor(
                    p.RowCount,
                    p.ColumnCount,
                    update o scale name (p.ToRowMajorArray()) (g.ToRowMajorArray())
                )

        let updateVector o scale name (p: Vector<float>) (g: Vector<float>) =
            Vector<float>.Build.Dense(update o scale name (p.ToArray()) (g.ToArray()))

        let draws (sides: Map<string, M>) : Reference.Draws =
            { Seed = seed
              ForwardStep = forwardSteps
              FeedbackStep = feedbackSteps
              Epoch = epoch
              Sides = sides }

        let forwardGradients (x, y, sides) =
            Reference.forwardGradients m s (draws sides) x y

        let applyForward (g: Reference.Gradients) =
            let o = m.ForwardOptimiser
            let scale = largest (Seq.append g.W (Map.values g.U)) g.B

            s <-
                { s with
                    W = Array.mapi (fun i w -> updateMatrix o scale (sprintf "W%d" (i + 1)) w g.W.[i]) s.W
                    B = Array.mapi (fun i b -> updateVector o scale (sprintf "b%d" (i + 1)) b g.B.[i]) s.B
                    U = s.U |> Map.map (fun l u -> updateMatrix o scale (sprintf "U%d" l) u g.U.[l]) }

        let applyFeedback
            (gV: Map<int, M>, gC: Map<int, Vector<float>>)
            (coders: Map<int, M * Vector<float> * M * Vector<float>>)
            =
            let o = m.FeedbackOptimiser

            let matrices =
                Seq.append (Map.values gV) (coders |> Map.values |> Seq.collect (fun (e, _, d, _) -> [ e; d ]))

            let vectors =
                Seq.append (Map.values gC) (coders |> Map.values |> Seq.collect (fun (_, eb, _, db) -> [ eb; db ]))

            let scale = largest matrices vectors

            s <-
                { s with
                    // A fixed g_l (Feedback.none beside trained r_k) has no gradient and stays.
                    V =
                        s.V
                        |> Map.map (fun l v ->
                            match gV.TryFind l with
                            | Some g -> updateMatrix o scale (sprintf "V%d" l) v g
                            | None -> v)
                    C =
                        s.C
                        |> Map.map (fun l c ->
                            match gC.TryFind l with
                            | Some g -> updateVector o scale (sprintf "c%d" l) c g
                            | None -> c)
                    Coders =
                        s.Coders
                        |> Map.map (fun k (e, eb, d, db) ->
                            let ge, geb, gd, gdb = coders.[k]
                            let o = defaultArg m.Rule.Conditional.Optimiser o

                            updateMatrix o scale (sprintf "E%d" k) e ge,
                            updateVector o scale (sprintf "e%d" k) eb geb,
                            updateMatrix o scale (sprintf "D%d" k) d gd,
                            updateVector o scale (sprintf "d%d" k) db gdb) }

        /// The epoch that a decaying feedback noise follows (0 in pre-training, then 1, 2, ...).
        member _.Epoch
            with set e = epoch <- e

        member _.Outcome =
            let kink = Reference.Kink.Closest
            let p = Reference.toParameters s

            let largest =
                Seq.concat
                    [ Seq.concat p.W
                      Seq.concat p.B
                      Seq.concat (Map.values p.V)
                      Seq.concat (Map.values p.C)
                      Seq.concat (Map.values p.U)
                      p.Coders
                      |> Map.values
                      |> Seq.collect (fun c -> Seq.concat [ c.E; c.Eb; c.D; c.Db ]) ]
                |> Seq.fold
                    (fun a v ->
                        if System.Single.IsFinite v then
                            max a (abs v)
                        else
                            infinityf)
                    0.0f

            { Parameters = p
              Unsteady = memory |> Seq.map (fun kv -> kv.Key, kv.Value.Unsteady) |> Map.ofSeq
              Caveat =
                if kink <= 1e-6 then
                    Some(
                        sprintf
                            "a unit was evaluated within %g of its kink or threshold (a ReLU's or hardTanh's kink, a sign's, step's or Bernoulli draw's threshold)"
                            kink
                    )
                elif largest > 100.0f then
                    Some(sprintf "the run diverged: a parameter reached %g" largest)
                else
                    None }

        /// A forward update: targets, then every W_l, b_l by its local loss (or ℓ above the local layers).
        member _.Forward batch =
            forwardSteps <- forwardSteps + 1L
            applyForward (forwardGradients batch)

        /// A feedback update: every trained g_l by its feedback loss.
        member _.Feedback(x, y, sides) =
            feedbackSteps <- feedbackSteps + 1L

            applyFeedback
                (Reference.feedbackGradients m s (draws sides) FeedbackPass x y)
                (Reference.conditionalGradients m s (draws sides) FeedbackPass x y)

        /// Both updates from one forward pass: every gradient is taken at the same parameters, then both sides move.
        member _.Both(x, y, sides) =
            forwardSteps <- forwardSteps + 1L
            feedbackSteps <- feedbackSteps + 1L
            let forward = forwardGradients (x, y, sides)
            let feedback = Reference.feedbackGradients m s (draws sides) ForwardPass x y
            let coders = Reference.conditionalGradients m s (draws sides) ForwardPass x y
            applyForward forward
            applyFeedback feedback coders

    /// Trains the model from p0 on examples x [n × features] with labels y, `batch` examples at a time, for `epochs`
    /// epochs, each visiting the examples in the next order of `orders` (the indices of the examples; a last partial
    /// batch is kept). When the feedback maps learn, FeedbackPretraining epochs of feedback updates only come first
    /// (each its FeedbackIterations passes over the data, each taking an order); then the epochs of the schedule, each
    /// followed by ExtraFeedbackEpochs feedback-only epochs like the pre-training ones (each taking the next order):
    ///   alternating   FeedbackIterations passes of feedback updates over every batch, then one pass of forward updates;
    ///   parallel      per batch, both updates from one forward pass, then FeedbackIterations − 1 feedback updates;
    ///   interleaved   per batch, FeedbackIterations feedback updates, then the forward update.
    /// Without feedback training every epoch is one pass of forward updates. Noise is keyed by the seed and the count of
    /// forward or feedback updates so far (the first being 1). `sides` holds the declared side inputs' values [n × width]
    /// by name; a batch reads the same rows of them. `perturbation` departs from the exact run (Exact) to probe where
    /// float32's rounding could take it.
    let runWith
        (perturbation: Perturbation)
        (m: Model)
        (p0: Parameters)
        (seed: uint64)
        (batch: int)
        (x: float32[])
        (y: int[])
        (sides: Map<string, float32[]>)
        (orders: int[] list)
        (epochs: int)
        : Outcome =
        let features = m.Stack.Input
        Reference.Kink.Reset()
        let trainer = Trainer(m, Reference.ofParameters m p0, seed, perturbation)

        let batches (order: int[]) =
            [ for first in 0..batch .. order.Length - 1 ->
                  let rows = order.[first .. min (first + batch) order.Length - 1]

                  let rowsOf (a: float32[]) width =
                      Matrix<float>.Build.Dense(rows.Length, width, fun r j -> float a.[rows.[r] * width + j])

                  rowsOf x features,
                  rows |> Array.map (fun r -> y.[r]),
                  sides |> Map.map (fun _ a -> rowsOf a (a.Length / y.Length)) ]

        let k = m.FeedbackIterations
        let trains = Reference.trainsFeedback m

        let pretraining, rest =
            List.splitAt (if trains then m.FeedbackPretraining else 0) orders

        let feedbackEpoch order =
            for _ in 1..k do
                batches order |> List.iter trainer.Feedback

        pretraining |> List.iter feedbackEpoch
        let extra = if trains then m.ExtraFeedbackEpochs else 0

        for e, orders in List.indexed (rest |> List.chunkBySize (1 + extra) |> List.take epochs) do
            let order = List.head orders
            trainer.Epoch <- e + 1
            let bs = batches order

            if not trains then
                bs |> List.iter trainer.Forward
            else
                match m.Schedule with
                | Alternating ->
                    for _ in 1..k do
                        bs |> List.iter trainer.Feedback

                    bs |> List.iter trainer.Forward
                | Parallel ->
                    for b in bs do
                        trainer.Both b

                        for _ in 2..k do
                            trainer.Feedback b
                | Interleaved ->
                    for b in bs do
                        for _ in 1..k do
                            trainer.Feedback b

                        trainer.Forward b
            // The epoch's extra feedback epochs, after its updates.
            List.tail orders |> List.iter feedbackEpoch

        trainer.Outcome

    /// The exact run (runWith Exact).
    let run = runWith Exact
