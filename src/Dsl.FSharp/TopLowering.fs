namespace TargetProp.Dsl

open TargetProp.Runtime

/// Steps 1 and 2 lowered: the output's value in target space, the loss ℓ at the output with its gradient, and the top
/// target ĥ_T.
type LoweredTop =
    {
        /// The output's value in target space from h_L and h_{L-1}: the probabilities, the auxiliary features beside them.
        ValueOps: Op list
        /// ℓ (tallied) and δ_L = ∂ℓ/∂a_L.
        LossOps: Op list
        /// ĥ_T.
        TopOps: Op list
        /// ∂ℓ/∂W_L, ∂ℓ/∂b_L: the output layer's own gradient, for when it learns by ℓ (above the local layers).
        OutputGradOps: Op list
        /// δ_L.
        DeltaL: MatrixBuffer
    }

module TopLowering =
    /// What reaches layer l of a derivative taken at what it passes up: all of it (a smooth unit, or the straight-through
    /// estimator through a discrete one), or nothing (NoGradient). The check refuses what would need one otherwise.
    let through (m: Model) (l: int) =
        if Model.emitsInTraining m l && m.ThroughDiscrete = NoGradient then
            0.0f
        else
            1.0f

    /// Steps 1 and 2 over the layout's buffers.
    let lower (m: Model) (layout: Layout) : LoweredTop =
        let L = Model.depth m
        let width = Stack.width m.Stack
        let act l = Stack.activation m.Stack l
        let buf = Layout.activation layout.Batch
        let h, value, targets = layout.H, layout.Value, layout.Target
        let k = m.Rule.Top.Auxiliary
        let probabilities = Model.usesProbabilities m
        // The output's value in target space from h_L and h_{L-1}, and the buffer with its main (non-auxiliary) part.
        let mainValue =
            if probabilities && k > 0 then buf "p" (width L)
            elif probabilities then value.[L]
            else h.[L]

        let z = buf "z" (max k 1)

        let valueOps =
            if not (Layout.ownOutputValue layout) then
                []
            else
                (if probabilities then
                     [ SoftmaxOp(h.[L], mainValue) :> Op ]
                 else
                     [])
                @ (match layout.A with
                   | Some aT ->
                       [ DenseOp(h.[L - 1], aT, layout.NoBias, Activation.Tanh, z) :> Op
                         ConcatOp(mainValue, z, value.[L]) ]
                   | None -> [])

        // The loss at the output, ∂ℓ/∂h_L, and δ_L = ∂ℓ/∂a_L (ℓ the batch mean). For a softmax output h_L is the logits.
        let deltaL = buf "δL" (width L)

        let lossOps, dldh =
            if Model.usesCrossEntropy m then
                [ SoftmaxCrossEntropyOp(h.[L], buf "softmax" (width L), deltaL) :> Op ], deltaL
            else
                let dh = buf "∂ℓ/∂hL" (width L)

                [ SquaredErrorOp(h.[L], dh) :> Op
                  UnitKernels.throughDerivative (act L) h.[L] dh deltaL 1.0f 0 ],
                dh

        // Step 2: the top target. Above the local layers, the output layer learns by its own gradient.
        let outputGradOps =
            [ WeightGradOp(deltaL, h.[L - 1], layout.GradW.[L - 1], layout.GradB.[L - 1]) :> Op ]

        let topOps =
            let mainT = if k > 0 then buf "ĥmain" (width L) else targets.[L]

            let withAux ops =
                ops
                @ (if k > 0 then
                       [ ConcatOp(mainT, z, targets.[L]) :> Op ]
                   else
                       [])

            match m.Rule.Top.Target, m.Rule.Top.At with
            | GradientStep eta, Output -> withAux [ AddScaledOp(h.[L], -float32 eta, dldh, mainT) :> Op ]
            | GradientStep eta, LastHidden ->
                let dh = buf (sprintf "∂ℓ/∂h%d" (L - 1)) (width (L - 1))

                [ BackwardOp(deltaL, layout.W.[L - 1], dh) :> Op
                  AddScaledOp(value.[L - 1], -float32 eta * through m (L - 1), dh, targets.[L - 1]) ]
            | Label, _ -> withAux [ OneHotOp(mainT) :> Op ]
            | Blend beta, _ ->
                let y = buf "y" (width L)

                withAux
                    [ OneHotOp(y) :> Op
                      CombineOp([| float32 (1.0 - beta); float32 beta |], [| mainValue; y |], mainT) ]

        { ValueOps = valueOps
          LossOps = lossOps
          TopOps = topOps
          OutputGradOps = outputGradOps
          DeltaL = deltaL }
