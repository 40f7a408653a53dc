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
                   if emits l && not (Model.emitsInTraining m l) then
                       buffer (sprintf "%s(h%d)" ((unit l).ToString().ToLowerInvariant()) l) (Stack.width s l)
                   else
                       layout.H.[l] |]

        let dense l =
            Layout.dense layout l up.[l - 1] (unit l) (Layout.relaxed layout l)

        let emit sample l =
            ExprLowering.emit m l Evaluation sample (Layout.relaxed layout l) up.[l]
        // Layers first .. L of a pass, layer `first`'s value already computed.
        let from first sample =
            [ for l in first..L do
                  if l > first then
                      yield dense l

                  if emits l then
                      yield emit sample l ]

        if not (Model.stochastic m) then
            dense 1 :: from 1 0 @ [ ErrorCountOp(layout.H.[L]) ]
        else
            // Σ_k p_k over the samples (its arg-max is the mean's): p_k = softmax(a_L) for a softmax output, h_L otherwise.
            let width = Stack.width s L
            let sum = buffer "Σp" width

            let p, probabilities =
                if Model.usesCrossEntropy m then
                    let p = buffer "p" width
                    p, [ SoftmaxOp(layout.H.[L], p) :> Op ]
                else
                    layout.H.[L], []
            // Below the first stochastic layer every sample is the same: computed once.
            let first = [ 1..L ] |> List.find (fun l -> (unit l).Stochastic)

            [ for l in 1..first do
                  yield dense l

                  if l < first && emits l then
                      yield emit 0 l ]
            @ [ for k in 0 .. m.Samples - 1 do
                    yield! from first k
                    yield! probabilities

                    yield
                        if k = 0 then
                            CombineOp([| 1.0f |], [| p |], sum) :> Op
                        else
                            CombineOp([| 1.0f; 1.0f |], [| sum; p |], sum) ]
            @ [ ErrorCountOp(sum) ]
