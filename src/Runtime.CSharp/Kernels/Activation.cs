namespace TargetProp.Runtime;

/// <summary>Element-wise non-linearities σ of a layer. Softmax is only valid on the output layer, where the plan
/// keeps the logits a_L as the layer's value and applies the softmax inside the cross-entropy loss. HardTanh is
/// clamp(a, −1, 1). The discrete and stochastic units are not here: a layer with one computes its smooth relaxation with
/// these kernels and then its <see cref="Emission"/>.</summary>
public enum Activation
{
    /// <summary>σ(a) = a; σ' = 1.</summary>
    Linear,
    /// <summary>σ(a) = tanh(a); σ' = 1 − h².</summary>
    Tanh,
    /// <summary>σ(a) = 1 / (1 + e^−a); σ' = h(1 − h).</summary>
    Sigmoid,
    /// <summary>σ(a) = max(a, 0); σ' = [h &gt; 0].</summary>
    Relu,
    /// <summary>Output layer only: h is the logits a_L (linear in the kernels), the loss applies softmax.</summary>
    Softmax,
    /// <summary>σ(a) = clamp(a, −1, 1); σ' = [|h| &lt; 1].</summary>
    HardTanh,
}
