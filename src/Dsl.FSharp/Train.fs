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

    let private fail fmt = Printf.kprintf (fun s -> raise (TrainingException s)) fmt

    let validate (c: TrainConfig) (checkedModel: CheckedModel) (d: DataSet) =
        let m = checkedModel.Model
        if c.Epochs < 1 then fail "epochs = %d: train for at least 1 epoch" c.Epochs
        if c.Batch < 1 then fail "batch = %d: use a batch of at least 1 example" c.Batch
        if c.Threads < 1 then fail "threads = %d: use at least 1 thread" c.Threads
        if c.Seed < 0 then fail "seed = %d: use a seed ≥ 0" c.Seed
        match c.LimitTrain with
        | Some n when n < 1 || n > d.TrainCount ->
            fail "limit-train = %d, but %s has %d training examples: use 1..%d" n d.Name d.TrainCount d.TrainCount
        | _ -> ()
        let examples = defaultArg c.LimitTrain d.TrainCount
        if c.Validation < 0 || c.Validation >= examples then
            fail "validation = %d, but the run has %d training examples: hold out 0..%d of them" c.Validation examples (examples - 1)
        if c.Batch > examples - c.Validation then
            fail "batch = %d, but the run trains on %d examples: use a batch of at most %d" c.Batch (examples - c.Validation) (examples - c.Validation)
        if d.Features <> m.Stack.Input then
            fail "%s has %d features per example but the model's input has %d: use input %d" d.Name d.Features m.Stack.Input d.Features
        for name, width in m.Stack.Sides do
            if name <> "label" then
                match d.Sides.TryGetValue name with
                | true, side when side.Width <> width ->
                    fail "the stack declares sideInput \"%s\" %d, but %s supplies %d values per example for it: declare sideInput \"%s\" %d, or attach values of width %d" name width d.Name side.Width name side.Width width
                | true, _ -> ()
                | _ ->
                    fail "the stack declares sideInput \"%s\" %d, but %s supplies no side input of that name%s: attach it with Data.withSide \"%s\" %d (training and test values), or drop the declaration"
                        name width d.Name (if d.Sides.Count = 0 then "" else sprintf " (it supplies %s)" (d.Sides.Keys |> String.concat ", ")) name width
        let outputs = Stack.width m.Stack (Model.depth m)
        if d.Classes > outputs then
            fail "%s has %d classes but the output layer has %d units: end the stack with dense %d Softmax" d.Name d.Classes outputs d.Classes

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

    /// Runs `phases`, in turn, on every batch of `count` examples in `order` (and the same rows of the side inputs),
    /// reporting the examples done after each batch.
    let private passReporting (ex: Executor) (x: float32[]) (y: int[]) (side: System.Collections.Generic.IReadOnlyDictionary<string, float32[]>) (order: int[]) (count: int) (phases: Op[] list) (report: int -> unit) =
        let batch = ex.Plan.Batch
        let mutable start = 0
        while start < count do
            let rows = min batch (count - start)
            ex.LoadBatch(x, y, System.ReadOnlySpan(order), start, rows, side)
            for phase in phases do ex.Run phase
            start <- start + rows
            report start

    let private pass ex x y side order count phases = passReporting ex x y side order count phases ignore

    let passes (m: Model) (plan: Plan) : Op[] list list =
        let k = m.FeedbackIterations
        if not (Model.trainsFeedback m) then [ [ plan.ForwardUpdate ] ]
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
        parameter.StartsWith "V" || parameter.StartsWith "c" || parameter.StartsWith "E" || parameter.StartsWith "D"

    let private diverged (m: Model) (ex: Executor) (e: NonFiniteException) =
        let ctx = ex.Context
        let feedbackParameter = isFeedback e.Parameter
        let phase = if feedbackParameter then "a feedback update" else "a forward update"
        let layer = e.Parameter |> String.filter System.Char.IsDigit
        let lower =
            if feedbackParameter then sprintf "lower the feedback learning rate (%O) or the feedback noise σ (%s)" m.FeedbackOptimiser m.Rule.Feedback.Equation
            else sprintf "lower the forward learning rate (%O) or the first target's step (%s)" m.ForwardOptimiser m.Rule.Top.Equation
        DivergedException(
            sprintf "training diverged in epoch %d, in %s of layer %s: %s; %s. The epoch is not logged or saved: the last checkpoint stays the newest."
                ctx.Epoch phase (if layer = "" then "?" else layer) e.Message lower)

    /// An epoch, reporting the examples done after each batch of its last pass (the forward updates).
    let private epochReporting (m: Model) (ex: Executor) (d: DataSet) (order: int[]) (count: int) (report: int -> unit) =
        let all = passes m ex.Plan
        for i, phases in List.indexed all do
            let last = i = all.Length - 1
            if last then ex.Context.ResetTally()
            try passReporting ex d.TrainX d.TrainY (sides d false) order count phases (if last then report else ignore)
            with :? NonFiniteException as e -> raise (diverged m ex e)

    let epoch (m: Model) (ex: Executor) (d: DataSet) (order: int[]) (count: int) = epochReporting m ex d order count ignore

    let feedbackEpoch (m: Model) (ex: Executor) (d: DataSet) (order: int[]) (count: int) =
        for _ in 1 .. m.FeedbackIterations do
            let phases = [ ex.Plan.FeedbackUpdate ]
            try pass ex d.TrainX d.TrainY (sides d false) order count phases
            with :? NonFiniteException as e -> raise (diverged m ex e)

    let epochFlops (m: Model) (plan: Plan) (count: int) =
        let batches = count / plan.Batch
        let rest = count % plan.Batch
        passes m plan
        |> List.concat
        |> List.sumBy (fun ph -> int64 batches * Plan.GemmFlops(ph, plan.Batch) + (if rest > 0 then Plan.GemmFlops(ph, rest) else 0L))

    let compile (batch: int) (m: Model) : Compiled = Lower.compile batch (check m)

    // A run of a model already checked, from parameters p0 (p0 may be drawn from the checked model first), or from a
    // checkpoint; saving checkpoints as it goes.
    let private trainChecked (checkedModel: CheckedModel) (p0: Parameters) (h: Hooks) (ck: Checkpointing option) (resume: string option) (c: TrainConfig) (d: DataSet) : Run =
        validate c checkedModel d
        match ck with
        | Some ck when ck.Every < 1 || ck.Keep < 1 ->
            fail "checkpoint every %d epochs, keeping %d: use 1 or more for both" ck.Every ck.Keep
        | _ -> ()
        let compiled = Lower.compile c.Batch checkedModel
        let m = checkedModel.Model
        compiled.Load p0
        let trainCount = defaultArg c.LimitTrain d.TrainCount - c.Validation
        let validationOrder = Array.init c.Validation (fun i -> trainCount + i)
        let pretraining, extra = if Model.trainsFeedback m then m.FeedbackPretraining, m.ExtraFeedbackEpochs else 0, 0
        let pretrainingOrders, rest = List.splitAt pretraining (orders c.Seed trainCount (pretraining + c.Epochs * (1 + extra)))
        // Each epoch's order, then the orders of its extra feedback epochs.
        let epochOrders = rest |> List.chunkBySize (1 + extra)
        let testOrder = Array.init d.TestCount id
        use ex = new Executor(compiled.Plan, uint64 c.Seed, c.Threads)
        let plan = compiled.Plan
        let ctx = ex.Context
        let headerAt epoch = Checkpoint.header compiled ex d.Name trainCount d.TestCount c.Seed c.Threads epoch
        // Epochs already trained, by the checkpoint resumed from.
        let done' =
            match resume with
            | None -> 0
            | Some path ->
                let saved = Checkpoint.restore path (headerAt 0) compiled ex
                if saved.Epoch >= c.Epochs then
                    fail "%s holds %d trained epochs; the run asks for %d: ask for more epochs to go on" path saved.Epoch c.Epochs
                saved.Epoch
        // The diagnostics' probe batch: the first training examples, the same every epoch.
        let probe () =
            let sides, x, y = Diagnostics.probeBatch d trainCount
            Diagnostics.measure m compiled.Parameters sides x y
        if done' = 0 then
            ctx.Epoch <- 0
            for order in pretrainingOrders do
                feedbackEpoch m ex d order trainCount
        let epochs = ResizeArray<EpochMetrics>()
        let mutable orders = List.indexed epochOrders |> List.skip done'
        while not orders.IsEmpty && not (epochs.Count > 0 && h.Stop (List.ofSeq epochs)) do
            let n, epochOrders = orders.Head
            orders <- orders.Tail
            let n = n + 1
            let clock = Stopwatch.StartNew()
            ctx.Epoch <- n
            let report =
                match h.OnBatch with
                | Some onBatch -> fun done' -> onBatch n done' trainCount (ctx.LossSum / float (max 1 ctx.Examples))
                | None -> ignore
            epochReporting m ex d epochOrders.Head trainCount report
            let loss = ctx.LossSum / float ctx.Examples
            let trainError = float ctx.Errors / float ctx.Examples
            for order in epochOrders.Tail do
                feedbackEpoch m ex d order trainCount
            // The updates since each parameter's last check (every 8th step), before anything of the epoch is kept; the
            // feedback parameters first, whose damage reaches the forward ones through the targets.
            try for o in plan.Optimisers |> Seq.sortBy (fun o -> not (isFeedback o.Parameter.Name)) do o.CheckFinite()
            with :? NonFiniteException as e -> raise (diverged m ex e)
            let seconds = clock.Elapsed.TotalSeconds
            if not (System.Double.IsFinite loss) then
                raise (DivergedException(sprintf "training diverged in epoch %d: the training loss is %g. Lower the learning rates (forward %O, feedback %O) or the top target (%s)." n loss m.ForwardOptimiser m.FeedbackOptimiser m.Rule.Top.Equation))
            // The error of the plan's predictions over `count` examples of a split, in `order`.
            let error x y test order count =
                ctx.ResetTally()
                pass ex x y (sides d test) order count [ plan.Predict ]
                float ctx.Errors / float ctx.Examples
            let e =
                { Epoch = n
                  TrainLoss = loss
                  TrainError = trainError
                  TestError = error d.TestX d.TestY true testOrder d.TestCount
                  ValidationError =
                      if c.Validation = 0 then None
                      else Some(error d.TrainX d.TrainY false validationOrder c.Validation)
                  Seconds = seconds
                  Diagnostics =
                      (if c.Diagnostics then probe () else [])
                      @ (match h.Measure with Some measure -> measure n compiled.Parameters | None -> []) }
            h.OnEpoch e
            epochs.Add e
            // Logged first, then saved: a run killed between the two resumes from the epoch before and logs this one again,
            // which the log's owner drops (RunLog.truncate).
            match ck with
            | Some ck when n % ck.Every = 0 || n = c.Epochs ->
                Directory.CreateDirectory ck.Folder |> ignore
                Checkpoint.write (Path.Combine(ck.Folder, Checkpoint.fileName n)) (headerAt n) compiled ex
                Checkpoint.prune ck.Folder ck.Keep
            | _ -> ()
        { Model = m
          Config = c
          Data = d.Name
          Epochs = List.ofSeq epochs
          Parameters = compiled.Parameters }

    let hooks (onEpoch: EpochMetrics -> unit) = { Measure = None; OnEpoch = onEpoch; Stop = (fun _ -> false); OnBatch = None }

    let runFrom (p0: Parameters) (onEpoch: EpochMetrics -> unit) (c: TrainConfig) (m: Model) (d: DataSet) : Run =
        trainChecked (check m) p0 (hooks onEpoch) None None c d

    let runCheckpointed (h: Hooks) (ck: Checkpointing) (resume: string option) (c: TrainConfig) (m: Model) (d: DataSet) : Run =
        let checkedModel = check m
        trainChecked checkedModel (Parameters.init c.Seed checkedModel.Model) h (Some ck) resume c d

    let runHooked (h: Hooks) (c: TrainConfig) (m: Model) (d: DataSet) : Run =
        let checkedModel = check m
        trainChecked checkedModel (Parameters.init c.Seed checkedModel.Model) h None None c d

    let runWith (onEpoch: EpochMetrics -> unit) (c: TrainConfig) (m: Model) (d: DataSet) : Run = runHooked (hooks onEpoch) c m d

    let run (c: TrainConfig) (m: Model) (d: DataSet) : Run = runWith ignore c m d
