/// Checkpoints: a run resumed from one ends bit for bit where the run that never stopped ends; a damaged checkpoint,
/// or one of another model, seed or format, is refused naming what is wrong, and loads nothing.
module TargetProp.Tests.Dsl.CheckpointTests

open System.IO
open Expecto
open TargetProp.Dsl
open TargetProp.Runtime.Data
open TargetProp.Tests.TestData

/// Adam's state and step counts, feedback noise keyed by the update counts, pre-training and extra feedback epochs:
/// everything a resume has to carry.
let private model =
    Model.create (input 6 |> dense 7 Tanh |> dense 5 Tanh |> dense 3 Softmax) Rules.dtp
    |> Model.forwardOptimiser (AdamWith(0.01, 0.9, 0.99, 1e-6))
    |> Model.feedbackOptimiser (WeightDecay(1e-3, Adam 0.005))
    |> Model.feedbackPretraining 1
    |> Model.extraFeedbackEpochs 1

let private data =
    let rng = System.Random 5
    let x = Array.init (6 * 70) (fun _ -> float32 (rng.NextDouble()))
    DataSet("small", "test", 6, 3, x, Array.init 70 (fun i -> i % 3), Array.sub x 0 60, Array.init 10 (fun i -> i % 3))

let private config =
    { Train.defaults with
        Epochs = 5
        Batch = 8
        Seed = 3
        Validation = 10 }

let private ignoreSeconds (es: EpochMetrics list) =
    es |> List.map (fun e -> { e with Seconds = 0.0 })

let private run (dir: string) (resume: string option) (c: TrainConfig) =
    Train.runCheckpointed
        (Train.hooks ignore)
        { Folder = dir
          Every = 1
          EverySteps = None
          Keep = 10 }
        resume
        c
        model
        data

/// The message of the CheckpointException restoring `path` into `m`'s plan, for a run on the data set named with its
/// training and test counts, raises, and whether the plan's parameters stayed as they were.
let private refusalOn (dataName: string, trainCount: int, testCount: int) (path: string) (m: Model) (c: TrainConfig) =
    let compiled = Train.compile c.Batch m
    compiled.Load(Parameters.init c.Seed m)
    let before = compiled.Parameters
    use ex = new TargetProp.Runtime.Executor(compiled.Plan, uint64 c.Seed, 1)

    let expected =
        Checkpoint.header compiled ex dataName trainCount testCount c.Seed 1 0

    try
        Checkpoint.restore path expected compiled ex |> ignore
        failtestf "restored %s" path
    with CheckpointException message ->
        message, compiled.Parameters = before

/// As refusalOn, for a run on this file's data set.
let private refusal (path: string) (m: Model) (c: TrainConfig) =
    refusalOn (data.Name, data.TrainCount - c.Validation, data.TestCount) path m c

/// A checkpoint's sections, read as the container is documented (Sections), without the library's reader.
let private sectionsOf (path: string) =
    use r = new BinaryReader(File.OpenRead path)
    r.ReadBytes 12 |> ignore

    [ for _ in 1 .. int (r.ReadUInt32()) ->
          let name = System.Text.Encoding.UTF8.GetString(r.ReadBytes(int (r.ReadUInt16())))
          let payload = r.ReadBytes(int (r.ReadUInt64()))
          r.ReadUInt32() |> ignore
          name, payload ]

/// Writes a container of format `version` with these sections, each with its CRC-32 of name and payload.
let private writeSections (path: string) (version: int) (sections: (string * byte[]) list) =
    use w = new BinaryWriter(File.Create path)
    w.Write "TPCKPT\000\000"B
    w.Write(uint32 version)
    w.Write(uint32 sections.Length)

    for name, payload in sections do
        let nameBytes = System.Text.Encoding.UTF8.GetBytes name
        w.Write(uint16 nameBytes.Length)
        w.Write nameBytes
        w.Write(uint64 payload.Length)
        w.Write payload
        w.Write(System.IO.Hashing.Crc32.HashToUInt32(System.ReadOnlySpan(Array.append nameBytes payload)))

let private floatsIn (bytes: byte[]) (first: int) =
    Array.init ((bytes.Length - first) / 4) (fun i -> System.BitConverter.ToSingle(bytes, first + 4 * i))

[<Tests>]
let tests =
    testSequenced
    <| testList
        "Dsl.Checkpoint"
        [ test "a run resumed after epoch 3 ends with the same weights and metrics as the run that never stopped" {
              use whole = new TempDir()
              let uninterrupted = run whole.Path None config

              Expect.equal
                  (Checkpoint.list whole.Path |> List.map Path.GetFileName)
                  [ for e in 5..-1..1 -> Checkpoint.fileName e ]
                  "one per epoch, newest first"

              use part = new TempDir()
              run part.Path None { config with Epochs = 3 } |> ignore

              let resumed =
                  run part.Path (Some(Path.Combine(part.Path, Checkpoint.fileName 3))) config

              Expect.equal resumed.Parameters uninterrupted.Parameters "the same weights, bit for bit"

              Expect.equal
                  (ignoreSeconds resumed.Epochs)
                  (ignoreSeconds (List.skip 3 uninterrupted.Epochs))
                  "epochs 4 and 5, the same metrics"

              for threads in [ 2 ] do
                  let other =
                      Train.runCheckpointed
                          (Train.hooks ignore)
                          { Folder = part.Path
                            Every = 5
                            EverySteps = None
                            Keep = 1 }
                          (Some(Path.Combine(whole.Path, Checkpoint.fileName 3)))
                          { config with Threads = threads }
                          model
                          data

                  Expect.equal other.Parameters uninterrupted.Parameters (sprintf "resumed on %d threads" threads)
          }
          test
              "a run resumed from a checkpoint within an epoch, in any pass and in the pre-training, ends as the run that never stopped" {
              // Alternating with 2 feedback iterations and an extra feedback epoch: 5 passes of 8 batches (7 of 8
              // examples, one of 4) per epoch, the third tallied; 2 passes in the pre-training; a checkpoint every 4 batches.
              let m = model |> Model.feedbackIterations 2

              let every (dir: string) resume c =
                  Train.runCheckpointed
                      (Train.hooks ignore)
                      { Folder = dir
                        Every = 1
                        EverySteps = Some 4
                        Keep = 1000 }
                      resume
                      c
                      m
                      data

              use plain = new TempDir()

              let reference =
                  Train.runCheckpointed
                      (Train.hooks ignore)
                      { Folder = plain.Path
                        Every = 1
                        EverySteps = None
                        Keep = 1 }
                      None
                      config
                      m
                      data

              use whole = new TempDir()
              let uninterrupted = every whole.Path None config
              Expect.equal uninterrupted.Parameters reference.Parameters "saving within epochs changes nothing"
              let names = Checkpoint.list whole.Path |> List.map Path.GetFileName

              Expect.equal
                  names.Length
                  (5 + 3 + 5 * 9)
                  "5 epochs' ends, 3 in the pre-training's 16 batches, 9 in each epoch's 40"
              // At a pass's end, within the first, at the tallied pass's start and within it, in an extra feedback epoch.
              for part, step, epochsLogged in [ 0, 8, 0; 2, 4, 1; 2, 16, 1; 2, 20, 1; 4, 36, 3 ] do
                  let name = Checkpoint.stepFileName part step
                  Expect.contains names name "written"
                  use dir = new TempDir()
                  let resumed = every dir.Path (Some(Path.Combine(whole.Path, name))) config
                  Expect.equal resumed.Parameters uninterrupted.Parameters (name + ": the same weights, bit for bit")

                  Expect.equal
                      (ignoreSeconds resumed.Epochs)
                      (ignoreSeconds (List.skip epochsLogged uninterrupted.Epochs))
                      (name + ": the same metrics, the epoch it was in included")
          }
          test "only the newest checkpoints are kept, and a run asked for no more epochs than it holds is refused" {
              use dir = new TempDir()

              Train.runCheckpointed
                  (Train.hooks ignore)
                  { Folder = dir.Path
                    Every = 2
                    EverySteps = None
                    Keep = 2 }
                  None
                  config
                  model
                  data
              |> ignore

              Expect.equal
                  (Checkpoint.list dir.Path |> List.map Path.GetFileName)
                  [ Checkpoint.fileName 5; Checkpoint.fileName 4 ]
                  "every 2nd epoch and the last, the newest 2"

              Expect.throwsC
                  (fun () ->
                      run dir.Path (Some(Path.Combine(dir.Path, Checkpoint.fileName 5))) config
                      |> ignore)
                  (fun e -> Expect.stringContains e.Message "holds 5 trained epochs; the run asks for 5" "why")
          }
          test
              "a damaged checkpoint is refused naming the section, and nothing is loaded; so are other models, data sets, seeds and versions" {
              use dir = new TempDir()
              run dir.Path None { config with Epochs = 1 } |> ignore
              let good = Path.Combine(dir.Path, Checkpoint.fileName 1)
              let bytes = File.ReadAllBytes good

              let damaged (name: string) (change: byte[] -> byte[]) =
                  let path = Path.Combine(dir.Path, name)
                  File.WriteAllBytes(path, change (Array.copy bytes))
                  path

              let flipAt (i: int) (b: byte[]) =
                  b.[i] <- b.[i] ^^^ 0x10uy
                  b
              // A flip inside each section's payload (found by its name) is caught by that section's checksum.
              let text = System.Text.Encoding.Latin1.GetString bytes

              for section in [ "header"; "param W1"; "param b3"; "param V2"; "optim W1"; "optim c2" ] do
                  Expect.isGreaterThanOrEqual
                      (text.IndexOf section)
                      0
                      (section + " is a section of this model's checkpoints")

                  let at = text.IndexOf(section) + section.Length + 8 + 5
                  let message, unchanged = refusal (damaged "flip.ckpt" (flipAt at)) model config
                  Expect.stringContains message (sprintf "damaged in section \"%s\"" section) section
                  Expect.isTrue unchanged (section + ": nothing loaded")

              for cut in [ 10; 200; bytes.Length - 3 ] do
                  let message, unchanged =
                      refusal (damaged "cut.ckpt" (fun b -> b.[.. cut - 1])) model config

                  Expect.stringContains message "cut.ckpt" (sprintf "cut at %d: %s" cut message)
                  Expect.isTrue unchanged "nothing loaded"

              let message, _ =
                  refusal
                      (damaged "newer.ckpt" (fun b ->
                          b.[8] <- 4uy
                          b))
                      model
                      config

              Expect.stringContains message "format 4 by a newer TargetProp; this one reads format 3" "newer"
              let message, _ = refusal (damaged "magic.ckpt" (flipAt 0)) model config
              Expect.stringContains message "is not a TargetProp checkpoint" "magic"
              let message, _ = refusal good (model |> Model.forwardOptimiser (Adam 0.02)) config

              Expect.stringContains
                  message
                  "was written for another model: its line 3 is \"|> Model.forwardOptimiser (AdamWith(0.01, 0.9, 0.99, 1E-06))\" where this model has \"|> Model.forwardOptimiser (Adam 0.02)\""
                  "another model"

              let message, _ = refusal good model { config with Seed = 4 }
              Expect.stringContains message "seed 3, not 4: resume with --seed 3" "another seed"

              for name, train, test in [ "other", 60, 10; "small", 59, 10; "small", 60, 9 ] do
                  let message, unchanged = refusalOn (name, train, test) good model config

                  Expect.stringContains
                      message
                      (sprintf
                          "1.ckpt was written for data set small (60 training, 10 test examples), not %s (%d, %d): resume on the same data"
                          name
                          train
                          test)
                      "another data set"

                  Expect.isTrue unchanged (sprintf "%s (%d, %d): nothing loaded" name train test)
          }
          test
              "a parameter's optimiser state is saved in the parameter's own layout, however many pieces its update is cut into" {
              // W1 has 400 × 250 weights, so its update runs in pieces. After Adam's first step from zero state
              // (β₁ = 0.9, β₂ = 0.999): m = (1 − β₁) g and v = (1 − β₂) g², and the weight moved by
              // Δ = −lr·g / (|g| + ε): both slots of every weight, in the parameter's order, checked in closed form.
              let m =
                  Model.create (input 400 |> dense 250 Tanh |> dense 3 Softmax) Rules.dtp
                  |> Model.forwardOptimiser (AdamWith(0.01, 0.9, 0.999, 1e-8))

              let compiled = Train.compile config.Batch m
              compiled.Load(Parameters.init config.Seed m)
              let w0 = Array.copy compiled.W.[0].Data

              let pieces =
                  compiled.Plan.Optimisers
                  |> Seq.filter (fun o -> obj.ReferenceEquals(o.Parameter, compiled.W.[0]))
                  |> Seq.length

              Expect.isGreaterThan pieces 1 "W1's update is cut into pieces"
              let rng = System.Random 9
              let x = Array.init (400 * 40) (fun _ -> float32 (rng.NextDouble()))

              let wide =
                  DataSet(
                      "wide",
                      "test",
                      400,
                      3,
                      x,
                      Array.init 40 (fun i -> i % 3),
                      Array.sub x 0 4000,
                      Array.init 10 (fun i -> i % 3)
                  )

              use dir = new TempDir()

              Train.runCheckpointed
                  (Train.hooks ignore)
                  { Folder = dir.Path
                    Every = 1
                    EverySteps = Some 1
                    Keep = 100 }
                  None
                  { config with
                      Epochs = 1
                      Validation = 0 }
                  m
                  wide
              |> ignore

              let first =
                  sectionsOf (Path.Combine(dir.Path, Checkpoint.stepFileName 1 1)) |> Map.ofList

              let w1, optim = floatsIn first.["param W1"] 0, first.["optim W1"]
              let n = w1.Length
              let state = floatsIn optim 8
              Expect.equal (System.BitConverter.ToInt64(optim, 0)) 1L "one update so far"
              Expect.equal state.Length (2 * n) "two slots (m, v) per weight"
              Expect.isGreaterThan (Array.max (Array.map abs state.[.. n - 1])) 1e-4f "the gradient is not zero"

              // 1 − β as the float32 kernels hold them (1 − 0.999f is 0.00099998713…).
              let a1, a2 = 1.0 - float 0.9f, 1.0 - float 0.999f

              for e in 0 .. n - 1 do
                  let mE, vE = float state.[e], float state.[n + e]
                  let g = mE / a1

                  if abs (vE - a2 * g * g) > 1e-6 * vE + 1e-30 then
                      failtestf "weight %d: m = %g, v = %g, not (1 − β₂)(m / (1 − β₁))²" e mE vE

                  if abs (float (w1.[e] - w0.[e]) + 0.01 * g / (abs g + 1e-8)) > 1e-6 then
                      failtestf "weight %d: m = %g, but it moved by %g" e mE (w1.[e] - w0.[e])
          }
          test
              "every preset, a conditional g and Bengio's conditional auto-encoder: resumed after epoch 1 of 2, the run ends bit for bit as the one that never stopped" {
              let conditional =
                  Rules.dtp
                  |> Rule.withFeedback (Feedback.drl 0.2 0.05)
                  |> Rule.conditionedOn "label"

              let conditionalAe =
                  Rule.create
                      "conditionalAe"
                      Top.label
                      (Propagate.by (g (f below ++ side "label")))
                      (Feedback.denoise 0.2)

              for r in Rules.all @ [ conditional; conditionalAe ] do
                  let m =
                      Model.create (input 6 |> dense 7 Tanh |> dense 5 Tanh |> dense 3 Softmax) r
                      |> Model.forwardOptimiser (Adam 0.01)

                  let go (dir: string) resume epochs =
                      (Train.runCheckpointed
                          (Train.hooks ignore)
                          { Folder = dir
                            Every = 1
                            EverySteps = None
                            Keep = 2 }
                          resume
                          { config with Epochs = epochs }
                          m
                          data)
                          .Parameters

                  use whole = new TempDir()
                  use part = new TempDir()
                  let uninterrupted = go whole.Path None 2
                  go part.Path None 1 |> ignore

                  Expect.equal
                      (go part.Path (Some(Path.Combine(part.Path, Checkpoint.fileName 1))) 2)
                      uninterrupted
                      r.Name
          }
          test
              "a checkpoint of format 2 (optimiser state by op position) is read where this plan's ops are the same, refused clearly where not" {
              use dir = new TempDir()
              run dir.Path None { config with Epochs = 1 } |> ignore
              let good = Path.Combine(dir.Path, Checkpoint.fileName 1)
              let compiled = Train.compile config.Batch model
              use ex = new TargetProp.Runtime.Executor(compiled.Plan, uint64 config.Seed, 1)

              let expected =
                  Checkpoint.header
                      compiled
                      ex
                      data.Name
                      (data.TrainCount - config.Validation)
                      data.TestCount
                      config.Seed
                      1
                      0

              Checkpoint.restore good expected compiled ex |> ignore
              let sections = sectionsOf good

              let header =
                  System.Text.Encoding.UTF8.GetString(snd sections.Head).Replace("\"Version\":3", "\"Version\":2")

              let params' = sections |> List.filter (fun (n, _) -> n.StartsWith "param ")

              let byPosition =
                  [ for i, o in Seq.indexed compiled.Plan.Optimisers ->
                        sprintf "optim %d" i,
                        Array.append
                            (System.BitConverter.GetBytes o.Steps)
                            (o.State.ToArray()
                             |> Array.collect (fun (x: float32) -> System.BitConverter.GetBytes x)) ]

              let old = Path.Combine(dir.Path, "format2.ckpt")
              writeSections old 2 ((("header", System.Text.Encoding.UTF8.GetBytes header) :: params') @ byPosition)
              let again = Train.compile config.Batch model
              use ex2 = new TargetProp.Runtime.Executor(again.Plan, uint64 config.Seed, 1)
              Checkpoint.restore old expected again ex2 |> ignore
              Expect.equal again.Parameters compiled.Parameters "the weights"

              for o, o2 in Seq.zip compiled.Plan.Optimisers again.Plan.Optimisers do
                  Expect.equal o2.Steps o.Steps (string o)
                  Expect.equal (o2.State.ToArray()) (o.State.ToArray()) (string o)

              let short = Path.Combine(dir.Path, "format2-short.ckpt")

              writeSections
                  short
                  2
                  ((("header", System.Text.Encoding.UTF8.GetBytes header) :: params')
                   @ List.take 3 byPosition)

              let message, unchanged = refusal short model config
              Expect.stringContains message "format2-short.ckpt" "names the file"

              Expect.stringContains
                  message
                  "was written in format 2, which keeps the optimiser state op by op (3 sections)"
                  message

              Expect.isTrue unchanged "nothing loaded"
          } ]
