/// Compiled plans against the float64 reference: one training step changes every parameter alike.
module TargetProp.Tests.Dsl.CompileTests

open Expecto
open TargetProp.Runtime
open TargetProp.Dsl
open TargetProp.Tests.Dsl.Cases

/// Runs one step of the parallel schedule through the compiled plan on `threads` threads.
let private compiledStepOn (threads: int) (c: Case) =
    let m = model c
    let p0 = Parameters.init c.Seed m
    let compiled = Train.compile (c.Rows + c.Spare) m
    compiled.Load p0
    let x, y = batch c
    use ex = new Executor(compiled.Plan, uint64 c.Seed, threads)
    ex.LoadBatch(x, y, System.ReadOnlySpan(Array.init c.Rows id), 0, c.Rows)
    ex.Run(if Model.trainsFeedback m then compiled.Plan.BothUpdate else compiled.Plan.ForwardUpdate)
    p0, compiled.Parameters

let private compiledStep = compiledStepOn 1

/// 1, 2 and 3 threads give bit-identical parameters after a step (rows split over workers, layer groups in parallel).
let private sameOnAnyThreads (c: Case) =
    let _, one = compiledStepOn 1 c
    for threads in [ 2; 3 ] do
        let _, p = compiledStepOn threads c
        Expect.equal p.W one.W (sprintf "W at %d threads (case %O)" threads c)
        Expect.equal p.B one.B (sprintf "b at %d threads" threads)
        Expect.equal p.V one.V (sprintf "V at %d threads" threads)
        Expect.equal p.C one.C (sprintf "c at %d threads" threads)

/// Every parameter's update agrees within float32 accuracy: |Δc − Δr| ≤ 2e-4·lr + 2e-3·|Δr|.
let private agree (c: Case) =
    let m = model c
    let p0, pc = compiledStep c
    let x, y = batch c
    let pr = Reference.step m p0 x y (draws c)
    let lr =
        match c.Optimiser with
        | Sgd(lr, _) | CentredRmsProp lr | RmsProp lr | Adam lr -> lr
    let check name (a0: float32[]) (ac: float32[]) (ar: float32[]) =
        for i in 0 .. a0.Length - 1 do
            let dc, dr = float ac.[i] - float a0.[i], float ar.[i] - float a0.[i]
            if abs (dc - dr) > 2e-4 * lr + 2e-3 * abs dr then
                failtestf "%s[%d]: compiled update %g, reference %g (case %O; model %O)" name i dc dr c m
    Array.iteri (fun l w -> check (sprintf "W%d" (l + 1)) w pc.W.[l] pr.W.[l]) p0.W
    Array.iteri (fun l b -> check (sprintf "b%d" (l + 1)) b pc.B.[l] pr.B.[l]) p0.B
    p0.V |> Map.iter (fun l v -> check (sprintf "V%d" l) v pc.V.[l] pr.V.[l])
    p0.C |> Map.iter (fun l v -> check (sprintf "c%d" l) v pc.C.[l] pr.C.[l])

let private property rule =
    testPropertyWithConfig { FsCheckConfig.defaultConfig with maxTest = 60 } (sprintf "%s: one compiled step equals the reference" rule)
    <| FsCheck.FSharp.Prop.forAll (arb [ rule ]) agree

[<Tests>]
let tests =
    testList "Dsl.Compile" [
        for r in Rules.all do
            yield property r.Name
        yield testPropertyWithConfig { FsCheckConfig.defaultConfig with maxTest = 30 } "every preset: 1, 2 and 3 threads give bit-identical steps on batches of 12–60 rows"
        <| FsCheck.FSharp.Prop.forAll (arbLarge (Rules.all |> List.map _.Name)) sameOnAnyThreads
        yield test "a layer whose update is cut into pieces (500×240 weights: 2 pieces) still equals the reference" {
            for rule in [ "bp"; "dtp" ] do
                for atOutput in [ true; false ] do
                    agree
                        { Seed = 11; Input = 500; Widths = [ 240; 12; 10 ]; Hidden = TargetProp.Runtime.Activation.Tanh
                          Output = TargetProp.Runtime.Activation.Softmax; Rows = 7; Spare = 2; Rule = rule; TopAtOutput = atOutput
                          Optimiser = CentredRmsProp 0.01 }
        }
        yield test "a compiled dtp step moves every parameter (so the comparisons above are not between two no-ops)" {
            let c =
                { Seed = 3; Input = 6; Widths = [ 5; 4; 3 ]; Hidden = TargetProp.Runtime.Activation.Tanh
                  Output = TargetProp.Runtime.Activation.Softmax; Rows = 5; Spare = 0; Rule = "dtp"; TopAtOutput = false
                  Optimiser = Sgd(0.1, 0.0) }
            let p0, pc = compiledStep c
            let moved (a: float32[]) (b: float32[]) = Array.forall2 (<>) a b
            Expect.isTrue (Array.forall2 moved p0.W pc.W) "every W_l"
            Expect.isTrue (Array.forall2 moved p0.B pc.B) "every b_l"
            Expect.isTrue (p0.V |> Map.forall (fun l v -> moved v pc.V.[l])) "every V_l"
            Expect.equal (Map.count p0.V) 1 "only g_2: the top target is at layer 2 = L−1"
        }
        yield test "the dtp plan prints the difference target as one fused combination" {
            let m = Model.create (input 4 |> repeat 3 (dense 5 Tanh) |> dense 3 Softmax) Rules.dtp
            let text = (Train.compile 2 m).Plan.ToString()
            Expect.stringContains text "ĥ1 = h1 + g2(ĥ2) − g2(h2)" "difference target"
        }
    ]
