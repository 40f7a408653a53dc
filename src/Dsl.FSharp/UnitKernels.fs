namespace TargetProp.Dsl

open TargetProp.Runtime

/// Where the language's units meet the runtime's kernels: the kernel and gain that compute a unit's value in target
/// space, the emission of a discrete or stochastic unit, and the ops that apply a unit or its derivative. A unit
/// σ(a) = φ(k·a) runs as the kernel φ with gain k (k = 1 but for SteepTanh); its derivative k·φ'(k·a) is φ' with k taken
/// into the op's scale.
module UnitKernels =
    /// The runtime kernel φ: a softmax output keeps its logits as the layer's value (the softmax lives in the loss), and
    /// a discrete or stochastic unit computes its relaxation ρ (then its emission, below).
    let kernel (u: Nonlinearity) : Activation =
        match u with
        | Linear
        | Softmax -> Activation.Linear
        | Tanh
        | SteepTanh _
        | Sign -> Activation.Tanh
        | Sigmoid
        | Step
        | Bernoulli -> Activation.Sigmoid
        | Relu -> Activation.Relu
        | HardTanh -> Activation.HardTanh

    /// The gain k in σ(a) = φ(k·a).
    let gain (u: Nonlinearity) : float32 =
        match u with
        | SteepTanh k -> float32 k
        | Linear
        | Softmax
        | Tanh
        | Sign
        | Sigmoid
        | Step
        | Bernoulli
        | Relu
        | HardTanh -> 1.0f

    /// The runtime kernel that computes a discrete or stochastic unit's emission from its relaxed value.
    let emission (u: Nonlinearity) : Emission option =
        match u with
        | Sign -> Some Emission.Sign
        | Step -> Some Emission.Step
        | Bernoulli -> Some Emission.Bernoulli
        | Linear
        | Tanh
        | SteepTanh _
        | Sigmoid
        | Relu
        | Softmax
        | HardTanh -> None

    /// y = σ(x·Wᵀ + s·Uᵀ + b), with the side inputs s read through U when given.
    let dense
        (x: MatrixBuffer)
        (wt: MatrixBuffer)
        (b: MatrixBuffer)
        (u: Nonlinearity)
        (y: MatrixBuffer)
        (side: (MatrixBuffer * MatrixBuffer) option)
        : Op =
        match side with
        | Some(s, ut) -> DenseOp(x, wt, b, kernel u, y, s, ut, gain u)
        | None -> DenseOp(x, wt, b, kernel u, y, null, null, gain u)

    /// δ = scale·(h − t) ⊙ σ'(a): the gradient of scale/2·‖h − t‖² with respect to the pre-activation.
    let delta
        (u: Nonlinearity)
        (scale: float32)
        (batchPower: int)
        (h: MatrixBuffer)
        (t: MatrixBuffer)
        (d: MatrixBuffer)
        : Op =
        DeltaOp(kernel u, scale * gain u, batchPower, h, t, d)

    /// δ = scale·x ⊙ σ'(a): a gradient with respect to h carried to the pre-activation.
    let throughDerivative
        (u: Nonlinearity)
        (h: MatrixBuffer)
        (x: MatrixBuffer)
        (d: MatrixBuffer)
        (scale: float32)
        (batchPower: int)
        : Op =
        MultiplyDerivativeOp(kernel u, h, x, d, scale * gain u, batchPower)
