/// FsCheck generators for small models and batches: shape first, then bounded values drawn from a seed.
module TargetProp.Tests.Dsl.Cases

open FsCheck
open FsCheck.FSharp
open TargetProp.Runtime
open TargetProp.Dsl

/// A small model and one batch for it.
type Case =
    { Seed: int
      Input: int
      Widths: int list
      Hidden: Activation
      Output: Activation
      Rows: int
      /// Spare rows in the plan beyond this batch (a partial last batch).
      Spare: int
      Rule: string
      TopAtOutput: bool
      Optimiser: Optimiser }
    override c.ToString() = sprintf "%A" c

let private gen rules (minRows, maxRows) =
    gen {
        let! seed = Gen.choose (0, 1_000_000)
        let! input = Gen.choose (1, 9)
        let! depth = Gen.choose (2, 4)
        let! widths = Gen.listOfLength depth (Gen.choose (1, 9))
        let! rule = Gen.elements rules
        // DRL and L-DRL differentiate through g_l at clean activations: with ReLU layers a dead row gives h = tanh(0),
        // which float32 evaluates to −6e-8, and g_l's ReLU then sits on its kink in the plan but not in the reference.
        let kinkFree = rule = "drl" || rule = "ldrl"
        let! hidden =
            Gen.elements (
                [ Activation.Tanh; Activation.Sigmoid; Activation.Linear ] @ (if kinkFree then [] else [ Activation.Relu ]))
        let! output = Gen.elements [ Activation.Softmax; Activation.Softmax; Activation.Tanh; Activation.Linear ]
        let! rows = Gen.choose (minRows, maxRows)
        let! spare = Gen.elements [ 0; 0; 3 ]
        let! atOutput = Gen.elements [ true; false ]
        let! opt = Gen.elements [ Sgd(0.1, 0.0); CentredRmsProp 0.01 ]
        return
            { Seed = seed; Input = input; Widths = widths; Hidden = hidden; Output = output; Rows = rows; Spare = spare
              Rule = rule; TopAtOutput = atOutput; Optimiser = opt }
    }

/// Cases for the given preset names, batches of 1 to 7 rows.
let arb rules = Arb.fromGen (gen rules (1, 7))

/// Cases with batches of 12 to 60 rows, large enough for ops to split rows over workers.
let arbLarge rules = Arb.fromGen (gen rules (12, 60))

let stack (c: Case) =
    let hidden = c.Widths |> List.take (c.Widths.Length - 1)
    let outputs = List.last c.Widths |> max 2
    hidden |> List.fold (fun s w -> dense w c.Hidden s) (input c.Input) |> dense outputs c.Output

let model (c: Case) =
    let rule =
        match Rules.tryFind c.Rule with
        | Ok r -> r
        | Error e -> failwith e
    // Gradient-step tops go at the output or the last hidden layer; auxiliary features shrink to the small nets here.
    let rule =
        match rule.Top.Target with
        | GradientStep _ -> { rule with Top = { rule.Top with At = (if c.TopAtOutput then Output else rule.Top.At) } }
        | Label | Blend _ -> rule
    let rule = if rule.Top.Auxiliary > 0 then { rule with Top = { rule.Top with Auxiliary = 3 } } else rule
    Model.create (stack c) rule
    |> Model.forwardOptimiser c.Optimiser
    |> Model.feedbackOptimiser c.Optimiser
    |> Model.schedule Parallel

/// The batch: inputs in [0, 1) and labels below the output width.
let batch (c: Case) =
    let m = model c
    let rng = System.Random(c.Seed + 1)
    let x = Array.init (c.Rows * c.Input) (fun _ -> float32 (rng.NextDouble()))
    let classes = Stack.width m.Stack (Model.depth m)
    let y = Array.init c.Rows (fun _ -> rng.Next classes)
    x, y

/// The noise keys of the first step: what a plan's first forward and feedback updates use.
let draws (c: Case) : Reference.Draws = { Seed = uint64 c.Seed; ForwardStep = 1L; FeedbackStep = 1L }

/// Cases whose targets reach down at least one layer below the top (T ≥ 2), where propagation laws have something to say.
let arbDeep rules = gen rules (1, 7) |> Gen.filter (fun c -> Model.topLayer (model c) >= 2) |> Arb.fromGen
