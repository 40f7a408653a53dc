namespace TargetProp.Dsl

open TargetProp.Runtime

/// Evaluation (the plan's Predict phase, after the batch is gathered): the forward pass with every unit in place (a
/// discrete unit emits even when the net trains continuously) and the arg-max error count. A stack with stochastic
/// units averages the class probabilities of Model.Samples draws, sample k keyed by k (Lee et al. 2015: 100).
module Evaluate =
    /// The Predict phase's ops after the gather.
    let ops (m: Model) (layout: Layout) : Op list =
        let L = Model.depth m
        let s = m.Stack
        let buffer = Layout.activation layout.Batch
        let unit l = Stack.activation s l
        let emits l = l > 0 && l < L && (unit l).Discrete
        // What layer l passes up: its emission where its unit emits (a buffer of its own when training does not emit).
        let up =
            [| for l in 0..L ->
                   if emits l && not (Model.emitsInTraining m l) then buffer (sprintf "%s(h%d)" ((unit l).ToString().ToLowerInvariant()) l) (Stack.width s l)
                   else layout.H.[l] |]
        let forward sample =
            [ for l in 1..L do
                  let r = Layout.relaxed layout l
                  yield DenseOp(up.[l - 1], layout.W.[l - 1], layout.B.[l - 1], ExprLowering.kernel (unit l), r) :> Op
                  if emits l then yield ExprLowering.emit m l Evaluation sample r up.[l] ]
        if not (Model.stochastic m) then forward 0 @ [ ErrorCountOp(layout.H.[L]) ]
        else
            // Σ_k p_k over the samples (its arg-max is the mean's): p_k = softmax(a_L) for a softmax output, h_L otherwise.
            let width = Stack.width s L
            let sum = buffer "Σp" width
            let p, probabilities =
                if Model.usesCrossEntropy m then
                    let p = buffer "p" width
                    p, [ SoftmaxOp(layout.H.[L], p) :> Op ]
                else layout.H.[L], []
            [ for k in 0 .. m.Samples - 1 do
                  yield! forward k
                  yield! probabilities
                  yield
                      if k = 0 then CombineOp([| 1.0f |], [| p |], sum) :> Op
                      else CombineOp([| 1.0f; 1.0f |], [| sum; p |], sum) ]
            @ [ ErrorCountOp(sum) ]
