/// The laws of DESIGN.md §4 on the float64 reference, each with a rule built to break it that the law catches.
module TargetProp.Tests.Dsl.LawTests

open Expecto
open FsCheck.FSharp
open MathNet.Numerics.LinearAlgebra
open TargetProp.Dsl
open TargetProp.Tests.Dsl.Cases

let private setup (c: Case) (rule: Rule) =
    let m = { model c with Rule = { rule with Top = (model c).Rule.Top } }
    let p = Parameters.init c.Seed m
    let s = Reference.ofParameters m p
    let x, y = batch c
    let X = Matrix<float>.Build.Dense(c.Rows, c.Input, fun i j -> float x.[i * c.Input + j])
    m, s, X, y

let private maxAbs (a: Matrix<float>) = if a.RowCount = 0 then 0.0 else a.Enumerate() |> Seq.map abs |> Seq.max

/// Fixed point: a top target equal to the top activation gives every target equal to its activation.
let fixedPoint (rule: Rule) (c: Case) =
    let m, s, X, _ = setup c rule
    let h = Reference.forward m s X
    let hv = Reference.targetValues m s h
    let T = Model.topLayer m
    let t = Reference.propagateFrom m s (draws c) h hv hv.[T] 1
    [ 1..T ] |> List.forall (fun l -> maxAbs (t.[l] - hv.[l]) <= 1e-12)

/// Difference correction: at any layer, ĥ_l = h_l gives ĥ_{l-1} = h_{l-1}, whatever g_l is (its V_l is random here).
let differenceCorrection (rule: Rule) (c: Case) =
    let m, s, X, _ = setup c rule
    let h = Reference.forward m s X
    let hv = Reference.targetValues m s h
    let T = Model.topLayer m
    [ 2..T ] |> List.forall (fun l -> maxAbs (Reference.propagateOne m s (draws c) h hv (Array.copy hv) l - h.[l - 1]) <= 1e-12)

/// bp equivalence: the rule's local weight gradients equal ∂ℓ/∂W_l by central finite differences.
let bpEquivalence (rule: Rule) (c: Case) =
    let m, s, X, y = setup c rule
    let gW, gB, _ = Reference.forwardGradients m s (draws c) X y
    let lossAt (s': Reference.State) =
        let h = Reference.forward m s' X
        let l, _, _ = Reference.loss m h.[Model.depth m] y
        l
    let eps = 1e-6
    // Central differences, or at a ReLU kink (a pre-activation exactly 0, where ℓ has no derivative) either one-sided one.
    let agrees (bump: float -> Reference.State) (analytic: float) =
        let l0, lp, lm = lossAt (bump 0.0), lossAt (bump eps), lossAt (bump -eps)
        let close (numeric: float) tol = abs (numeric - analytic) <= tol + 100.0 * tol * abs numeric
        close ((lp - lm) / (2.0 * eps)) 1e-6 || close ((lp - l0) / eps) 1e-5 || close ((l0 - lm) / eps) 1e-5
    let weights =
        s.W
        |> Array.mapi (fun k w ->
            [ for i in 0 .. w.RowCount - 1 do
                  for j in 0 .. w.ColumnCount - 1 do
                      let bump d = { s with W = s.W |> Array.mapi (fun k' w' -> if k' = k then w'.MapIndexed(fun a b v -> if a = i && b = j then v + d else v) else w') }
                      yield agrees bump gW.[k].[i, j] ])
    let biases =
        s.B
        |> Array.mapi (fun k b ->
            [ for i in 0 .. b.Count - 1 do
                  let bump d = { s with B = s.B |> Array.mapi (fun k' b' -> if k' = k then b'.MapIndexed(fun a v -> if a = i then v + d else v) else b') }
                  yield agrees bump gB.[k].[i] ])
    Seq.concat weights |> Seq.forall id && Seq.concat biases |> Seq.forall id

let private config = { FsCheckConfig.defaultConfig with maxTest = 40 }

let private holds name law rule rules =
    testPropertyWithConfig config name (Prop.forAll (arb rules) (law rule))

/// A law must fail somewhere on a rule built to break it: search cases until one breaks it.
let private caught name law rule =
    test name {
        let gen = Cases.arb [ "dtp" ] |> Arb.toGen
        let samples = FsCheck.FSharp.Gen.sampleWithSeed (FsCheck.Rnd(7UL, 11UL)) 10 50 gen
        Expect.isTrue (samples |> Array.exists (fun c -> c.Widths.Length > 2 && not (law rule c))) "the law caught the broken rule"
    }

/// ĥ_{l-1} = h_{l-1} + ½g_l(ĥ_l) − g_l(h_l): a damped difference that forgets to damp one side.
let private lopsided = Rules.dtp |> Rule.withPropagation (below + 0.5 * g target - g here)

[<Tests>]
let tests =
    testList "Dsl.Laws" [
        testPropertyWithConfig config "fixed point holds for dtp" (Prop.forAll (arbDeep [ "dtp" ]) (fixedPoint Rules.dtp))
        testPropertyWithConfig config "fixed point holds for bp" (Prop.forAll (arbDeep [ "bp" ]) (fixedPoint Rules.bp))
        testPropertyWithConfig config "difference correction holds for dtp" (Prop.forAll (arbDeep [ "dtp" ]) (differenceCorrection Rules.dtp))
        holds "bp equivalence holds for bp" bpEquivalence Rules.bp [ "bp" ]
        caught "fixed point catches tp (g_l(h_l) is not h_{l-1})" fixedPoint Rules.tp
        caught "difference correction catches a lopsided difference" differenceCorrection lopsided
        caught "bp equivalence catches dtp (its updates are not gradients)" bpEquivalence Rules.dtp
    ]
