namespace TargetProp.Dsl

open System
open System.IO
open System.Text
open System.Text.Json
open TargetProp.Runtime
open TargetProp.Runtime.Persist

/// What a checkpoint says of the run it saves, checked against the run that resumes from it.
type CheckpointHeader =
    {
        Version: int
        /// The model as printed (Model.ToString), and its XxHash64.
        Model: string
        ModelHash: uint64
        Data: string
        TrainCount: int
        TestCount: int
        Seed: int
        Threads: int
        Batch: int
        /// Epochs completed.
        Epoch: int
        /// Where the run stands in the part after them (the feedback pre-training when Pretraining, else epoch Epoch + 1):
        /// Pass passes over the training examples done, and PassExamples examples of the next; 0 and 0 at an epoch's end.
        Pretraining: bool
        Pass: int
        PassExamples: int
        /// The part's tally so far (its tallied pass's loss sum, errors and examples: the epoch's training figures).
        LossSum: float
        Errors: int
        Examples: int
        /// The context's update counts, which key the noise.
        ForwardStep: int64
        FeedbackStep: int64
    }

/// A checkpoint that cannot be used: damaged (naming the section), or of another model, data set or format version.
exception CheckpointException of string

/// Checkpoints: a run's whole state after an epoch or within one, in a versioned binary file: the container of
/// Sections with the magic "TPCKPT" 0 0.
/// Sections: "header" (JSON), "param <key>" (float32 values of one parameter buffer, in the plan's layout),
/// "optim <key>" (i64 steps, then the float32 state of that parameter's optimiser: slot k of element e at [k·n + e],
/// n the parameter's length, whatever pieces the plan cuts its update into). Every length is checked against the file
/// and against the model before anything is read into memory, and every CRC before anything is loaded.
module Checkpoint =
    /// The format this library writes; it reads this one and older (2: "optim <i>", the state of the plan's i-th
    /// optimiser op, read where this plan's ops are the same; 1: no position within an epoch, so at its end).
    let version = 3

    let private magic = "TPCKPT\000\000"B

    let private fail fmt =
        Printf.kprintf (fun s -> raise (CheckpointException s)) fmt

    /// The plan's parameter buffers with stable keys (Parameters.named).
    let private parameters (c: Compiled) : (string * MatrixBuffer) list =
        Parameters.named c.W c.B c.V c.C c.A c.U (c.Coders |> Map.map (fun _ q -> q.E, q.Eb, q.D, q.Db))

    /// The optimised parameters, each with its key (as its "param" section), its element count n, its state's slots
    /// and the plan's optimiser ops that update it, in element order. The pieces of one parameter cover it exactly once
    /// and share one optimiser: the plan's invariant (Lower, Fusion.pieces), checked here, since the saved state
    /// depends on it.
    let private optimised (c: Compiled) (plan: Plan) =
        let ops = plan.Optimisers |> List.ofSeq

        let groups =
            [ for key, buffer in parameters c do
                  match
                      ops
                      |> List.filter (fun o -> obj.ReferenceEquals(o.Parameter, buffer))
                      |> List.sortBy (fun o -> o.First)
                  with
                  | [] -> ()
                  | pieces ->
                      let n = buffer.Data.Length
                      let slots = pieces.Head.Slots
                      let ends = pieces |> List.map (fun o -> o.First + o.Count)

                      if
                          pieces |> List.map (fun o -> o.First) <> 0 :: List.take (pieces.Length - 1) ends
                          || List.last ends <> n
                          || pieces |> List.exists (fun o -> o.Slots <> slots)
                      then
                          invalidOp (sprintf "Checkpoint: the updates of %s do not cover it once: %A" key pieces)

                      key, n, slots, pieces ]

        if (groups |> List.sumBy (fun (_, _, _, pieces) -> pieces.Length)) <> ops.Length then
            invalidOp "Checkpoint: the plan updates a buffer that is not one of its parameters"

        groups

    /// XxHash64 of a model's printed description.
    let hash (model: string) =
        System.IO.Hashing.XxHash64.HashToUInt64(ReadOnlySpan(Encoding.UTF8.GetBytes model))

    /// The header of a run at the end of epoch `epoch` (`with` Pretraining, Pass and PassExamples for a point within the next).
    let header
        (c: Compiled)
        (ex: Executor)
        (data: string)
        (trainCount: int)
        (testCount: int)
        (seed: int)
        (threads: int)
        (epoch: int)
        =
        let model = string c.Model
        let ctx = ex.Context

        { Version = version
          Model = model
          ModelHash = hash model
          Data = data
          TrainCount = trainCount
          TestCount = testCount
          Seed = seed
          Threads = threads
          Batch = c.Plan.Batch
          Epoch = epoch
          Pretraining = false
          Pass = 0
          PassExamples = 0
          LossSum = ctx.LossSum
          Errors = ctx.Errors
          Examples = ctx.Examples
          ForwardStep = ctx.ForwardStep
          FeedbackStep = ctx.FeedbackStep }

    let private floats (span: ReadOnlySpan<float32>) =
        Runtime.InteropServices.MemoryMarshal.AsBytes(span).ToArray()

    /// One parameter's optimiser state as its section holds it: the step count its pieces share, then every slot over
    /// the whole parameter, each piece's slot k (at [k·count + i] in its own state) placed at [k·n + first + i].
    let private gathered (key: string) (n: int) (slots: int) (pieces: OptimOp list) =
        let steps = pieces.Head.Steps

        if pieces |> List.exists (fun o -> o.Steps <> steps) then
            invalidOp (sprintf "Checkpoint: the pieces of %s's update have taken different numbers of steps" key)

        let state = Array.zeroCreate<float32>(slots * n)

        for o in pieces do
            for k in 0 .. slots - 1 do
                o.State.Slice(k * o.Count, o.Count).CopyTo(state.AsSpan(k * n + o.First, o.Count))

        Array.append (BitConverter.GetBytes steps) (floats (ReadOnlySpan state))

    /// Writes the run's state to `path` through a temporary file, fsync and rename (DurableFile).
    let write (path: string) (h: CheckpointHeader) (c: Compiled) (ex: Executor) =
        let sections =
            [ yield "header", JsonSerializer.SerializeToUtf8Bytes h
              for key, buffer in parameters c -> "param " + key, floats (ReadOnlySpan buffer.Data)
              for key, n, slots, pieces in optimised c ex.Plan -> "optim " + key, gathered key n slots pieces ]

        DurableFile.Write(path, fun stream -> Sections.write stream magic version sections)

    let private damaged (message: string) = CheckpointException message

    /// One section's name and payload, its lengths and checksum checked (Sections.read).
    let private section (path: string) (r: BinaryReader) (expected: string -> int64 option) =
        Sections.read path r expected damaged

    /// The header of a checkpoint file (its magic, version and header section checked).
    let private open' (path: string) (r: BinaryReader) =
        let count = Sections.open' path r magic version "a TargetProp checkpoint" damaged
        // The header's length is its own (-1: any that fits the file).
        let _, payload =
            section path r (fun name -> if name = "header" then Some -1L else None)

        let h =
            try
                JsonSerializer.Deserialize<CheckpointHeader>(ReadOnlySpan payload)
            with :? JsonException as e ->
                fail "%s is damaged in section \"header\": %s" path e.Message

        h, count

    /// Reads only the header of a checkpoint file (for listing).
    let readHeader (path: string) =
        use r = new BinaryReader(File.OpenRead path)
        fst (open' path r)

    /// Reads a whole checkpoint file and checks every section's length and checksum, loading nothing: its header,
    /// or a CheckpointException naming the damaged section.
    let verify (path: string) =
        use r = new BinaryReader(File.OpenRead path)
        let h, count = open' path r

        for _ in 2..count do
            section path r (fun _ -> Some -1L) |> ignore

        if r.BaseStream.Position <> r.BaseStream.Length then
            fail "%s is damaged: %d bytes follow its last section" path (r.BaseStream.Length - r.BaseStream.Position)

        h

    /// Refuses a header that is not this run's: another model (naming the first line that differs), another data
    /// set, seed or batch.
    let check (path: string) (h: CheckpointHeader) (expected: CheckpointHeader) =
        if h.ModelHash <> expected.ModelHash || h.Model <> expected.Model then
            let a, b = h.Model.Split('\n'), expected.Model.Split('\n')

            let i =
                Seq.zip a b
                |> Seq.tryFindIndex (fun (x, y) -> x <> y)
                |> Option.defaultValue (min a.Length b.Length)

            let line (ls: string[]) =
                if i < ls.Length then ls.[i].Trim() else "(nothing)"

            fail
                "%s was written for another model: its line %d is \"%s\" where this model has \"%s\"; resume with the model that wrote it, or start a new run"
                path
                (i + 1)
                (line a)
                (line b)

        if
            (h.Data, h.TrainCount, h.TestCount)
            <> (expected.Data, expected.TrainCount, expected.TestCount)
        then
            fail
                "%s was written for data set %s (%d training, %d test examples), not %s (%d, %d): resume on the same data"
                path
                h.Data
                h.TrainCount
                h.TestCount
                expected.Data
                expected.TrainCount
                expected.TestCount

        if h.Seed <> expected.Seed then
            fail "%s was written by a run with seed %d, not %d: resume with --seed %d" path h.Seed expected.Seed h.Seed

        if h.Batch <> expected.Batch then
            fail
                "%s was written by a run with batch %d, not %d: resume with --batch %d"
                path
                h.Batch
                expected.Batch
                h.Batch

    /// Loads a checkpoint into the compiled plan and the executor, after checking its header against `expected` (the
    /// resuming run's, whose Epoch and steps are ignored) and every section's size and checksum; returns its header.
    /// Nothing is loaded unless the whole file reads well.
    let restore (path: string) (expected: CheckpointHeader) (c: Compiled) (ex: Executor) : CheckpointHeader =
        if not (File.Exists path) then
            fail "%s does not exist" path

        use r = new BinaryReader(File.OpenRead path)
        let h, count = open' path r
        check path h expected
        let buffers = parameters c |> Map.ofList
        let optimisers = ex.Plan.Optimisers
        let byKey = h.Version >= 3

        let states =
            optimised c ex.Plan
            |> List.map (fun (key, n, slots, pieces) -> key, (n, slots, pieces))
            |> Map.ofList

        // Format 2 kept each op's state in its own section, by position: any length is read, then matched below.
        let expectedLength (name: string) =
            match name.Split(' ', 2) with
            | [| "param"; key |] -> buffers.TryFind key |> Option.map (fun b -> 4L * int64 b.Data.Length)
            | [| "optim"; key |] when byKey ->
                states.TryFind key
                |> Option.map (fun (n, slots, _) -> 8L + 4L * int64 slots * int64 n)
            | [| "optim"; i |] ->
                match Int32.TryParse i with
                | true, i when i >= 0 -> Some -1L
                | _ -> None
            | _ -> None

        let sections = [ for _ in 2..count -> section path r expectedLength ] |> Map.ofList

        let need (name: string) =
            if not (sections.ContainsKey name) then
                fail "%s lacks the section \"%s\"; the file is damaged" path name

        for key in buffers.Keys do
            need ("param " + key)

        let optimSections =
            sections.Keys |> Seq.filter (fun n -> n.StartsWith "optim ") |> Seq.length

        if byKey then
            for key in states.Keys do
                need ("optim " + key)
        elif
            optimSections <> optimisers.Count
            || optimisers
               |> Seq.indexed
               |> Seq.exists (fun (i, o) ->
                   match sections.TryFind(sprintf "optim %d" i) with
                   | Some bytes -> bytes.Length <> 8 + 4 * o.State.Length
                   | None -> true)
        then
            fail
                "%s was written in format %d, which keeps the optimiser state op by op (%d sections), and this TargetProp cuts the plan's %d updates differently: that state cannot be placed. Resume it with the TargetProp that wrote it, or start a new run"
                path
                h.Version
                optimSections
                optimisers.Count

        for KeyValue(name, bytes) in sections do
            if name.StartsWith "optim " then
                let steps = BitConverter.ToInt64(bytes, 0)

                if steps < 0L then
                    fail "%s: section \"%s\" holds %d steps; the file is damaged" path name steps

        let floatsOf (bytes: byte[]) (first: int) =
            let values = Array.zeroCreate<float32>((bytes.Length - first) / 4)
            Buffer.BlockCopy(bytes, first, values, 0, bytes.Length - first)
            values

        for KeyValue(key, b) in buffers do
            Array.blit (floatsOf sections.["param " + key] 0) 0 b.Data 0 b.Data.Length

        if byKey then
            for KeyValue(key, (n, slots, pieces)) in states do
                let bytes = sections.["optim " + key]
                let steps, state = BitConverter.ToInt64(bytes, 0), floatsOf bytes 8

                for o in pieces do
                    o.Steps <- steps

                    for k in 0 .. slots - 1 do
                        state.AsSpan(k * n + o.First, o.Count).CopyTo(o.State.Slice(k * o.Count, o.Count))
        else
            for i, o in Seq.indexed optimisers do
                let bytes = sections.[sprintf "optim %d" i]
                o.Steps <- BitConverter.ToInt64(bytes, 0)
                (floatsOf bytes 8).AsSpan().CopyTo(o.State)

        let ctx = ex.Context
        ctx.ForwardStep <- h.ForwardStep
        ctx.FeedbackStep <- h.FeedbackStep
        ctx.Epoch <- h.Epoch
        ctx.LossSum <- h.LossSum
        ctx.Errors <- h.Errors
        ctx.Examples <- h.Examples
        h

    /// A checkpoint's file name in its folder: epoch-000005.ckpt at the end of epoch 5.
    let fileName (epoch: int) = sprintf "epoch-%06d.ckpt" epoch

    /// The file name of a checkpoint within a part of a run, after `step` batches of it: epoch-000006-step-0000300.ckpt
    /// within epoch 6, epoch-000000-step-… within the feedback pre-training. Names sort in the run's order.
    let stepFileName (part: int) (step: int) =
        sprintf "epoch-%06d-step-%07d.ckpt" part step

    /// The checkpoint files in a folder, newest (highest epoch) first.
    let list (folder: string) =
        if not (Directory.Exists folder) then
            []
        else
            Directory.GetFiles(folder, "epoch-*.ckpt")
            |> Array.sortDescending
            |> List.ofArray

    /// Deletes all but the newest `keep` checkpoints in the folder.
    let prune (folder: string) (keep: int) =
        for old in list folder |> List.skip (min keep (list folder).Length) do
            File.Delete old
