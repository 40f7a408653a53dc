namespace TargetProp.Dsl

/// The values a unit's output can take.
type Range =
    /// Any real number.
    | Reals
    /// [0, ∞).
    | NonNegative
    /// The open interval (low, high).
    | Between of low: float * high: float
    /// Probabilities over the units, summing to 1.
    | Simplex

/// A layer's unit: the non-linearity σ in h_l = σ(W_l h_{l-1} + b_l), as the language knows it, with the properties the
/// model check and the rules read. The runtime's kernels are chosen from it in one place (ExprLowering.kernel).
type Nonlinearity =
    /// σ(a) = a
    | Linear
    /// σ(a) = tanh a
    | Tanh
    /// σ(a) = 1 / (1 + e^−a)
    | Sigmoid
    /// σ(a) = max(a, 0)
    | Relu
    /// p = softmax(a), output layer only: the layer keeps its logits a and the softmax lives in the cross-entropy loss.
    | Softmax

    /// Whether σ has a derivative a rule may use.
    member u.Differentiable =
        match u with
        | Linear | Tanh | Sigmoid | Relu | Softmax -> true

    /// Whether σ takes finitely many values.
    member u.Discrete =
        match u with
        | Linear | Tanh | Sigmoid | Relu | Softmax -> false

    /// Whether σ draws a random value.
    member u.Stochastic =
        match u with
        | Linear | Tanh | Sigmoid | Relu | Softmax -> false

    /// The values σ takes.
    member u.Range =
        match u with
        | Linear -> Reals
        | Tanh -> Between(-1.0, 1.0)
        | Sigmoid -> Between(0.0, 1.0)
        | Relu -> NonNegative
        | Softmax -> Simplex

    /// The case's name, as the code that builds a layer writes it (dense 240 Tanh).
    override u.ToString() =
        match u with
        | Linear -> "Linear"
        | Tanh -> "Tanh"
        | Sigmoid -> "Sigmoid"
        | Relu -> "Relu"
        | Softmax -> "Softmax"
