namespace TargetProp.Dsl

open System.Diagnostics
open System.IO
open TargetProp.Runtime
open TargetProp.Runtime.Data

type TrainConfig =
    { Epochs: int
      Batch: int
      Seed: int
      Threads: int
      LimitTrain: int option
      Validation: int
      Diagnostics: bool }

type EpochMetrics =
    { Epoch: int
      TrainLoss: float
      TrainError: float
      TestError: float
      ValidationError: float option
      Seconds: float
      Diagnostics: (string * float) list }

type Run =
    { Model: Model
      Config: TrainConfig
      Data: string
      Epochs: EpochMetrics list
      Parameters: Parameters }

type Hooks =
    { Measure: (int -> Parameters -> (string * float) list) option
      OnEpoch: EpochMetrics -> unit
      Stop: EpochMetrics list -> bool
      OnBatch: (int -> int -> int -> float -> unit) option }

type Checkpointing =
    { Folder: string
      Every: int
      EverySteps: int option
      Keep: int }

module Train =
    let defaults =
        { Epochs = 10
          Batch = 100
          Seed = 1
          Threads = 1
          LimitTrain = None
          Validation = 0
          Diagnostics = false }

    let private fail fmt =
        Printf.kprintf (fun s -> raise (TrainingException s)) fmt

    let validate (c: TrainConfig) (checkedModel: CheckedModel) (d: DataSet) =
        let m = checkedModel.Model

        if c.Epochs < 1 then
            fail "epochs = %d: train for at least 1 epoch" c.Epochs

        if c.Batch < 1 then
            fail "batch = %d: use a batch of at least 1 example" c.Batch

        if c.Threads < 1 then
            fail "threads = %d: use at least 1 thread" c.Threads

        if c.Seed < 0 then
            fail "seed = %d: use a seed ≥ 0" c.Seed

        match c.LimitTrain with
        | Some n when n < 1 || n > d.TrainCount ->
            fail "limit-train = %d, but %s has %d training examples: use 1..%d" n d.Name d.TrainCount d.TrainCount
        | _ -> ()

        let examples = defaultArg c.LimitTrain d.TrainCount

        if c.Validation < 0 || c.Validation >= examples then
            fail
                "validation = %d, but the run has %d training examples: hold out 0..%d of them"
                c.Validation
                examples
                (examples - 1)

        if c.Batch > examples - c.Validation then
            fail
                "batch = %d, but the run trains on %d examples: use a batch of at most %d"
                c.Batch
                (examples - c.Validation)
                (examples - c.Validation)

        if d.Features <> m.Stack.Input then
            fail
                "%s has %d features per example but the model's input has %d: use input %d"
                d.Name
                d.Features
                m.Stack.Input
                d.Features

        for name, width in m.Stack.Sides do
            if name <> "label" then
                match d.Sides.TryGetValue name with
                | true, side when side.Width <> width ->
                    fail
                        "the stack declares sideInput \"%s\" %d, but %s supplies %d values per example for it: declare sideInput \"%s\" %d, or attach values of width %d"
                        name
                        width
                        d.Name
                        side.Width
                        name
                        side.Width
                        width
                | true, _ -> ()
                | _ ->
                    fail
                        "the stack declares sideInput \"%s\" %d, but %s supplies no side input of that name%s: attach it with Data.withSide \"%s\" %d (training and test values), or drop the declaration"
                        name
                        width
                        d.Name
                        (if d.Sides.Count = 0 then
                             ""
                         else
                             sprintf " (it supplies %s)" (d.Sides.Keys |> String.concat ", "))
                        name
                        width

        let outputs = Stack.width m.Stack (Model.depth m)

        if d.Classes > outputs then
            fail
                "%s has %d classes but the output layer has %d units: end the stack with dense %d Softmax"
                d.Name
                d.Classes
                outputs
                d.Classes

    let orders (seed: int) (count: int) (epochs: int) : int[] list =
        let rng = System.Random(seed ^^^ 0x2545F491)
        let order = Array.init count id

        [ for _ in 1..epochs do
              for i in order.Length - 1 .. -1 .. 1 do
                  let j = rng.Next(i + 1)
                  let v = order.[i]
                  order.[i] <- order.[j]
                  order.[j] <- v

              yield Array.copy order ]

    /// The declared side inputs' values of one split, by name.
    let private sides (d: DataSet) (test: bool) = d.SideValues test

    /// Runs `phases`, in turn, on every batch of `count` examples in `order` from example `start` on (and the same rows
    /// of the side inputs), reporting the examples done after each batch.
    let private passFrom
        (ex: Executor)
        (x: float32[])
        (y: int[])
        (side: System.Collections.Generic.IReadOnlyDictionary<string, float32[]>)
        (order: int[])
        (start: int)
        (count: int)
        (phases: Op[] list)
        (report: int -> unit)
        =
        let batch = ex.Plan.Batch
        let mutable start = start

        while start < count do
            let rows = min batch (count - start)
            ex.LoadBatch(x, y, System.ReadOnlySpan(order), start, rows, side)

            for phase in phases do
                ex.Run phase

            start <- start + rows
            report start

    let private pass ex x y side order count phases =
        passFrom ex x y side order 0 count phases ignore

    let passes (m: Model) (plan: Plan) : Op[] list list =
        let k = m.FeedbackIterations

        if not (Model.trainsFeedback m) then
            [ [ plan.ForwardUpdate ] ]
        else
            match m.Schedule with
            | Alternating -> List.replicate k [ plan.FeedbackUpdate ] @ [ [ plan.ForwardUpdate ] ]
            | Parallel -> [ plan.BothUpdate :: List.replicate (k - 1) plan.FeedbackUpdate ]
            | Interleaved -> [ List.replicate k plan.FeedbackUpdate @ [ plan.ForwardUpdate ] ]

    let check (m: Model) : CheckedModel =
        match Check.run m with
        | Ok m -> m
        | Error errors -> raise (ModelException errors)

    /// A DivergedException saying where an update left NaN or ∞ (the epoch, the update count, the phase, the parameter
    /// and its layer) and what to lower, from the runtime's NonFiniteException.
    let private isFeedback (parameter: string) =
        parameter.StartsWith "V"
        || parameter.StartsWith "c"
        || parameter.StartsWith "E"
        || parameter.StartsWith "D"

    let private diverged (m: Model) (ex: Executor) (e: NonFiniteException) =
        let ctx = ex.Context
        let feedbackParameter = isFeedback e.Parameter

        let phase =
            if feedbackParameter then
                "a feedback update"
            else
                "a forward update"

        let layer = e.Parameter |> String.filter System.Char.IsDigit

        let lower =
            if feedbackParameter then
                sprintf
                    "lower the feedback learning rate (%O) or the feedback noise σ (%s)"
                    m.FeedbackOptimiser
                    m.Rule.Feedback.Equation
            else
                sprintf
                    "lower the forward learning rate (%O) or the first target's step (%s)"
                    m.ForwardOptimiser
                    m.Rule.Top.Equation

        DivergedException(
            sprintf
                "training diverged in epoch %d, in %s of layer %s: %s; %s. The epoch is not logged or saved: the last checkpoint stays the newest."
                ctx.Epoch
                phase
                (if layer = "" then "?" else layer)
                e.Message
                lower
        )

    /// One pass over the training examples: its order, the phases each batch runs, and whether it is tallied (its loss
    /// and errors are the epoch's training figures).
    type private Pass =
        { Order: int[]
          Phases: Op[] list
          Tallied: bool }

    /// A feedback epoch's passes: FeedbackIterations passes of feedback updates in `order`.
    let private feedbackPasses (m: Model) (plan: Plan) (order: int[]) =
        List.replicate
            m.FeedbackIterations
            { Order = order
              Phases = [ plan.FeedbackUpdate ]
              Tallied = false }

    /// An epoch's passes: the schedule's in `orders.Head`, its last tallied, then those of the extra feedback epochs
    /// in `orders.Tail`.
    let private epochPasses (m: Model) (plan: Plan) (orders: int[] list) =
        let main = passes m plan

        [ for i, phases in List.indexed main ->
              { Order = orders.Head
                Phases = phases
                Tallied = (i = main.Length - 1) }
          for order in orders.Tail do
              yield! feedbackPasses m plan order ]

    /// Runs `passes` from pass `first`, example `start` of it, over `count` training examples; after each batch,
    /// `after pass examples` (the pass's index and the examples done of it). A tallied pass started from its
    /// beginning resets the tally; one resumed within keeps it.
    let private runPasses
        (m: Model)
        (ex: Executor)
        (d: DataSet)
        (count: int)
        (passes: Pass list)
        (first: int)
        (start: int)
        (after: int -> int -> unit)
        =
        for i, p in List.indexed passes |> List.skip first do
            let start = if i = first then start else 0

            if p.Tallied && start = 0 then
                ex.Context.ResetTally()

            try
                passFrom ex d.TrainX d.TrainY (sides d false) p.Order start count p.Phases (after i)
            with :? NonFiniteException as e ->
                raise (diverged m ex e)

    let epoch (m: Model) (ex: Executor) (d: DataSet) (order: int[]) (count: int) =
        runPasses m ex d count (epochPasses m ex.Plan [ order ]) 0 0 (fun _ _ -> ())

    let feedbackEpoch (m: Model) (ex: Executor) (d: DataSet) (order: int[]) (count: int) =
        runPasses m ex d count (feedbackPasses m ex.Plan order) 0 0 (fun _ _ -> ())

    let epochFlops (m: Model) (plan: Plan) (count: int) =
        let batches = count / plan.Batch
        let rest = count % plan.Batch

        passes m plan
        |> List.concat
        |> List.sumBy (fun ph ->
            int64 batches * Plan.GemmFlops(ph, plan.Batch)
            + (if rest > 0 then Plan.GemmFlops(ph, rest) else 0L))

    let compile (batch: int) (m: Model) : Compiled = Lower.compile batch (check m)

    let errorOn (ex: Executor) (d: DataSet) (test: bool) (order: int[]) (count: int) =
        ex.Context.ResetTally()
        let x, y = if test then d.TestX, d.TestY else d.TrainX, d.TrainY
        pass ex x y (sides d test) order count [ ex.Plan.Predict ]
        float ex.Context.Errors / float ex.Context.Examples

    /// Where a resumed run starts: the part (0: the feedback pre-training, n: epoch n), the passes of it done and the
    /// examples of the next; a new run at the pre-training's start.
    let private resumePoint (h: CheckpointHeader) =
        if h.Pretraining then
            0, h.Pass, h.PassExamples
        else
            h.Epoch + 1, h.Pass, h.PassExamples

    // A run of a model already checked, from parameters p0 (p0 may be drawn from the checked model first), or from a
    // checkpoint; saving checkpoints as it goes: after every ck.Every epochs and the last, and every ck.EverySteps
    // batches within a part of the run.
    let private trainChecked
        (checkedModel: CheckedModel)
        (p0: Parameters)
        (h: Hooks)
        (ck: Checkpointing option)
        (resume: string option)
        (c: TrainConfig)
        (d: DataSet)
        : Run =
        validate c checkedModel d

        match ck with
        | Some ck when ck.Every < 1 || ck.Keep < 1 ->
            fail "checkpoint every %d epochs, keeping %d: use 1 or more for both" ck.Every ck.Keep
        | Some { EverySteps = Some k } when k < 1 -> fail "checkpoint every %d steps: use 1 or more" k
        | _ -> ()

        let compiled = Lower.compile c.Batch checkedModel
        let m = checkedModel.Model
        compiled.Load p0
        let trainCount = defaultArg c.LimitTrain d.TrainCount - c.Validation
        let validationOrder = Array.init c.Validation (fun i -> trainCount + i)

        let pretraining, extra =
            if Model.trainsFeedback m then
                m.FeedbackPretraining, m.ExtraFeedbackEpochs
            else
                0, 0

        let pretrainingOrders, rest =
            List.splitAt pretraining (orders c.Seed trainCount (pretraining + c.Epochs * (1 + extra)))

        use ex = new Executor(compiled.Plan, uint64 c.Seed, c.Threads)
        let plan = compiled.Plan
        let ctx = ex.Context
        // The run's parts: the feedback pre-training, then each epoch with its extra feedback epochs.
        let parts =
            List.collect (feedbackPasses m plan) pretrainingOrders
            :: (rest |> List.chunkBySize (1 + extra) |> List.map (epochPasses m plan))

        let headerAt epoch =
            Checkpoint.header compiled ex d.Name trainCount d.TestCount c.Seed c.Threads epoch

        let save (ck: Checkpointing) (name: string) header =
            Directory.CreateDirectory ck.Folder |> ignore
            Checkpoint.write (Path.Combine(ck.Folder, name)) header compiled ex
            Checkpoint.prune ck.Folder ck.Keep
        // The updates since each parameter's last check (every 8th step), before anything is kept; the feedback
        // parameters first, whose damage reaches the forward ones through the targets.
        let checkFinite () =
            try
                for o in plan.Optimisers |> Seq.sortBy (fun o -> not (isFeedback o.Parameter.Name)) do
                    o.CheckFinite()
            with :? NonFiniteException as e ->
                raise (diverged m ex e)

        let startPart, startPass, startExamples =
            match resume with
            | None -> 0, 0, 0
            | Some path ->
                let saved = Checkpoint.restore path (headerAt 0) compiled ex

                if saved.Epoch >= c.Epochs then
                    fail
                        "%s holds %d trained epochs; the run asks for %d: ask for more epochs to go on"
                        path
                        saved.Epoch
                        c.Epochs

                resumePoint saved

        let batches = (trainCount + c.Batch - 1) / c.Batch
        // After each batch of part n's pass i: the progress of its tallied pass, and a checkpoint every k batches of
        // the part (but its last, which the epoch's own checkpoint covers).
        let afterBatch (n: int) (passes: Pass list) (i: int) (examples: int) =
            match h.OnBatch with
            | Some onBatch when passes.[i].Tallied ->
                onBatch n examples trainCount (ctx.LossSum / float (max 1 ctx.Examples))
            | _ -> ()

            match ck with
            | Some({ EverySteps = Some k } as ck) ->
                let step = i * batches + (examples + c.Batch - 1) / c.Batch

                if step % k = 0 && step < passes.Length * batches then
                    checkFinite ()
                    let passDone = examples = trainCount

                    { headerAt (max 0 (n - 1)) with
                        Pretraining = (n = 0)
                        Pass = if passDone then i + 1 else i
                        PassExamples = if passDone then 0 else examples }
                    |> save ck (Checkpoint.stepFileName n step)
            | _ -> ()
        // Runs part n of the run from where it stands.
        let runPart (n: int) =
            ctx.Epoch <- n
            let first, start = if n = startPart then startPass, startExamples else 0, 0
            runPasses m ex d trainCount parts.[n] first start (afterBatch n parts.[n])

        if startPart = 0 then
            runPart 0

        let epochs = ResizeArray<EpochMetrics>()
        let mutable n = max 1 startPart

        while n <= c.Epochs && not (epochs.Count > 0 && h.Stop(List.ofSeq epochs)) do
            let clock = Stopwatch.StartNew()
            runPart n
            let loss = ctx.LossSum / float ctx.Examples
            let trainError = float ctx.Errors / float ctx.Examples
            checkFinite ()
            let seconds = clock.Elapsed.TotalSeconds

            if not (System.Double.IsFinite loss) then
                raise (
                    DivergedException(
                        sprintf
                            "training diverged in epoch %d: the training loss is %g. Lower the learning rates (forward %O, feedback %O) or the top target (%s)."
                            n
                            loss
                            m.ForwardOptimiser
                            m.FeedbackOptimiser
                            m.Rule.Top.Equation
                    )
                )

            let e =
                { Epoch = n
                  TrainLoss = loss
                  TrainError = trainError
                  TestError = errorOn ex d true (Array.init d.TestCount id) d.TestCount
                  ValidationError =
                    if c.Validation = 0 then
                        None
                    else
                        Some(errorOn ex d false validationOrder c.Validation)
                  Seconds = seconds
                  Diagnostics =
                    (if c.Diagnostics then
                         let sides, x, y = Diagnostics.probeBatch d trainCount
                         Diagnostics.measure m compiled.Parameters sides x y
                     else
                         [])
                    @ (match h.Measure with
                       | Some measure -> measure n compiled.Parameters
                       | None -> []) }

            h.OnEpoch e
            epochs.Add e
            // Logged first, then saved: a run killed between the two resumes from the epoch before and logs this one again,
            // which the log's owner drops (RunLog.truncate).
            match ck with
            | Some ck when n % ck.Every = 0 || n = c.Epochs -> save ck (Checkpoint.fileName n) (headerAt n)
            | _ -> ()

            n <- n + 1

        { Model = m
          Config = c
          Data = d.Name
          Epochs = List.ofSeq epochs
          Parameters = compiled.Parameters }

    let hooks (onEpoch: EpochMetrics -> unit) =
        { Measure = None
          OnEpoch = onEpoch
          Stop = (fun _ -> false)
          OnBatch = None }

    let runFrom (p0: Parameters) (onEpoch: EpochMetrics -> unit) (c: TrainConfig) (m: Model) (d: DataSet) : Run =
        trainChecked (check m) p0 (hooks onEpoch) None None c d

    let runCheckpointed
        (h: Hooks)
        (ck: Checkpointing)
        (resume: string option)
        (c: TrainConfig)
        (m: Model)
        (d: DataSet)
        : Run =
        let checkedModel = check m
        trainChecked checkedModel (Parameters.init c.Seed checkedModel.Model) h (Some ck) resume c d

    let runHooked (h: Hooks) (c: TrainConfig) (m: Model) (d: DataSet) : Run =
        let checkedModel = check m
        trainChecked checkedModel (Parameters.init c.Seed checkedModel.Model) h None None c d

    let runWith (onEpoch: EpochMetrics -> unit) (c: TrainConfig) (m: Model) (d: DataSet) : Run =
        runHooked (hooks onEpoch) c m d

    let run (c: TrainConfig) (m: Model) (d: DataSet) : Run = runWith ignore c m d
