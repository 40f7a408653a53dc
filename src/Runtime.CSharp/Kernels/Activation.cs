namespace TargetProp.Runtime;

/// <summary>Element-wise non-linearities σ of a layer. Softmax is only valid on the output layer, where the plan
/// keeps the logits a_L as the layer's value and applies the softmax inside the cross-entropy loss. HardTanh is
/// clamp(a, −1, 1). The discrete and stochastic units are not here: a layer with one computes its smooth relaxation with
/// these kernels and then its <see cref="Emission"/>.</summary>
public enum Activation { Linear, Tanh, Sigmoid, Relu, Softmax, HardTanh }
