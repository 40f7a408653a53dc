namespace TargetProp.Dsl

/// One layer l of the stack: h_l = σ_l(W_l h_{l-1} + U_l s + b_l) with Units = dim h_l, s the side inputs it
/// reads (Reads, by name, side by side in that order; none for a plain dense layer).
type Layer =
    { Units: int
      Activation: Nonlinearity
      Reads: string list }

/// A feed-forward stack: the input width, the side inputs it declares (name, width), and the layers in order, bottom
/// (layer 1) to top (layer L). Prints as the F# that builds it: input 784 |> repeat 7 (dense 240 Tanh) |> dense 10 Softmax.
type Stack =
    { Input: int
      Sides: (string * int) list
      Layers: Layer list }

    override ToString: unit -> string

/// Building stacks: every layer is a function Stack -> Stack, so blocks compose with >> and |>.
[<AutoOpen>]
module StackBuilders =
    /// The input layer h_0 = x with n features.
    val input: n: int -> Stack

    /// Declares a side input s of `width` values per example, which forward maps (reads) and g's (side) may read:
    /// the data supply it (Data.withSide), except "label", the one-hot label, which is built in. (Named sideInput
    /// because `side "name"` is the expression that reads one.)
    val sideInput: name: string -> width: int -> s: Stack -> Stack

    /// Adds a fully connected layer h = σ(W h_below + b) with n units on top of the stack.
    val dense: n: int -> activation: Nonlinearity -> s: Stack -> Stack

    /// The top layer also reads a declared side input: h = σ(W h_below + U s + b) (dense 240 Tanh |> reads "context").
    val reads: name: string -> s: Stack -> Stack

    /// Applies a block n times: repeat 7 (dense 240 Tanh) adds seven tanh layers.
    val repeat: n: int -> block: (Stack -> Stack) -> s: Stack -> Stack

/// What a stack's layers are.
module Stack =
    /// Number of layers L (the input is layer 0, not counted).
    val depth: s: Stack -> int

    /// Width of layer l, with l = 0 the input.
    val width: s: Stack -> l: int -> int

    /// The activation of layer l ≥ 1.
    val activation: s: Stack -> l: int -> Nonlinearity

    /// A layer's display name: "layer l (dense n act)".
    val layerName: s: Stack -> l: int -> string

    /// The forward maps as equations, a discrete unit's layer holding its relaxation and passing up its emission:
    /// "h1 = tanh(W1 x + b1); h2 = tanh(W2 sign(h1) + b2); p = softmax(W3 h2 + b3)".
    val equation: s: Stack -> string
