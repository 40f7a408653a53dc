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
    /// A finite set of values.
    | Values of float list

/// A layer's unit: the non-linearity σ in h_l = σ(W_l h_{l-1} + b_l), as the language knows it, with the properties the
/// model check and the rules read. The runtime's kernels are chosen from it in one place (UnitKernels).
///
/// A discrete or stochastic unit (Sign, Step, Bernoulli) has a smooth relaxation ρ, and a layer with one keeps two
/// values: its relaxed value r_l = ρ(a_l), which its targets, local loss and g's read and write (Lee et al.'s h_l), and
/// its emission h_l = σ(a_l), computed from r_l, which the layer above reads. Targets pass through the unit; a
/// derivative through it does not exist, and the check refuses a rule that needs one unless the model says how to
/// stand in for it (Model.throughDiscrete).
type Nonlinearity =
    /// σ(a) = a
    | Linear
    /// σ(a) = tanh a
    | Tanh
    /// σ(a) = tanh(k·a), k > 0 the gain: a steep unit for k > 1 (tanh(4a), a strong non-linearity), with σ' = k(1 − h²).
    | SteepTanh of gain: float
    /// σ(a) = 1 / (1 + e^−a)
    | Sigmoid
    /// σ(a) = max(a, 0)
    | Relu
    /// p = softmax(a), output layer only: the layer keeps its logits a and the softmax lives in the cross-entropy loss.
    | Softmax
    /// σ(a) = min(max(a, −1), 1): continuous, with derivative [|a| < 1].
    | HardTanh
    /// σ(a) = +1 if a > 0, else −1 (emitted as sign(r) from the relaxation r = tanh a).
    | Sign
    /// σ(a) = 1 if a > 0, else 0 (emitted as [r > ½] from the relaxation r = sigmoid a).
    | Step
    /// h ~ Bernoulli(sigmoid a): 1 with probability r = sigmoid a (the relaxation, h's mean), drawn from the
    /// counter-based generator keyed by the seed, the step and the layer.
    | Bernoulli

    /// Whether σ has a derivative a rule may use (almost everywhere: relu and hardTanh have kinks).
    member u.Differentiable =
        match u with
        | Linear
        | Tanh
        | SteepTanh _
        | Sigmoid
        | Relu
        | Softmax
        | HardTanh -> true
        | Sign
        | Step
        | Bernoulli -> false

    /// Whether σ takes finitely many values.
    member u.Discrete =
        match u with
        | Linear
        | Tanh
        | SteepTanh _
        | Sigmoid
        | Relu
        | Softmax
        | HardTanh -> false
        | Sign
        | Step
        | Bernoulli -> true

    /// Whether σ draws a random value.
    member u.Stochastic =
        match u with
        | Bernoulli -> true
        | Linear
        | Tanh
        | SteepTanh _
        | Sigmoid
        | Relu
        | Softmax
        | HardTanh
        | Sign
        | Step -> false

    /// The smooth unit ρ whose value stands for the layer in target space, and whose derivative is the straight-through
    /// estimator's stand-in for σ': tanh for sign, the sigmoid for step and Bernoulli (its mean); σ itself otherwise.
    member u.Relaxation =
        match u with
        | Sign -> Tanh
        | Step
        | Bernoulli -> Sigmoid
        | Linear
        | Tanh
        | SteepTanh _
        | Sigmoid
        | Relu
        | Softmax
        | HardTanh -> u

    /// The values σ takes.
    member u.Range =
        match u with
        | Linear -> Reals
        | Tanh
        | SteepTanh _ -> Between(-1.0, 1.0)
        | Sigmoid -> Between(0.0, 1.0)
        | Relu -> NonNegative
        | Softmax -> Simplex
        | HardTanh -> Between(-1.0, 1.0)
        | Sign -> Values [ -1.0; 1.0 ]
        | Step
        | Bernoulli -> Values [ 0.0; 1.0 ]

    /// The case, as the code that builds a layer writes it (dense 240 Tanh, dense 240 (SteepTanh 4.0)).
    override u.ToString() =
        match u with
        | Linear -> "Linear"
        | Tanh -> "Tanh"
        | SteepTanh k -> sprintf "(SteepTanh %s)" (Code.float k)
        | Sigmoid -> "Sigmoid"
        | Relu -> "Relu"
        | Softmax -> "Softmax"
        | HardTanh -> "HardTanh"
        | Sign -> "Sign"
        | Step -> "Step"
        | Bernoulli -> "Bernoulli"
