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

              for section in [ "header"; "param W1"; "param b3"; "param V2"; "optim 0"; "optim 3" ] do
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
                          b.[8] <- 3uy
                          b))
                      model
                      config

              Expect.stringContains message "format 3 by a newer TargetProp; this one reads format 2" "newer"
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
          } ]
