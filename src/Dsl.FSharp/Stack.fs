namespace TargetProp.Dsl

/// One layer l of the stack: h_l = σ_l(W_l h_{l-1} + b_l) with Units = dim h_l.
type Layer =
    { Units: int
      Activation: Nonlinearity }

/// A feed-forward stack: the input width and the layers in order, bottom (layer 1) to top (layer L).
/// Prints as the F# that builds it: input 784 |> repeat 7 (dense 240 Tanh) |> dense 10 Softmax.
type Stack =
    { Input: int
      Layers: Layer list }
    override s.ToString() =
        let dense (l: Layer) = sprintf "dense %d %O" l.Units l.Activation
        let runs =
            s.Layers
            |> List.fold (fun acc l ->
                match acc with
                | (m, k) :: rest when m = l -> (m, k + 1) :: rest
                | _ -> (l, 1) :: acc) []
            |> List.rev
            |> List.map (fun (l, k) -> if k = 1 then dense l else sprintf "repeat %d (%s)" k (dense l))
        String.concat " |> " (sprintf "input %d" s.Input :: runs)

/// Building stacks: every layer is a function Stack -> Stack, so blocks compose with >> and |>.
[<AutoOpen>]
module StackBuilders =
    /// The input layer h_0 = x with n features.
    let input (n: int) : Stack = { Input = n; Layers = [] }

    /// Adds a fully connected layer h = σ(W h_below + b) with n units on top of the stack.
    let dense (n: int) (activation: Nonlinearity) (s: Stack) : Stack =
        { s with Layers = s.Layers @ [ { Units = n; Activation = activation } ] }

    /// Applies a block n times: repeat 7 (dense 240 Tanh) adds seven tanh layers.
    let repeat (n: int) (block: Stack -> Stack) (s: Stack) : Stack =
        Seq.fold (fun acc _ -> block acc) s (seq { 1..n })


module Stack =
    /// Number of layers L (the input is layer 0, not counted).
    let depth (s: Stack) = s.Layers.Length

    /// Width of layer l, with l = 0 the input.
    let width (s: Stack) (l: int) = if l = 0 then s.Input else s.Layers.[l - 1].Units

    /// The activation of layer l ≥ 1.
    let activation (s: Stack) (l: int) = s.Layers.[l - 1].Activation

    /// A layer's display name: "layer l (dense n act)".
    let layerName (s: Stack) (l: int) =
        if l = 0 then sprintf "layer 0 (input %d)" s.Input
        else
            let x = s.Layers.[l - 1]
            sprintf "layer %d (dense %d %s)" l x.Units (x.Activation.ToString().ToLowerInvariant())
