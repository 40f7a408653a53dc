namespace TargetProp.Dsl

open TargetProp.Runtime

/// A conditional auto-encoder's weights in the plan, transposed like the others (Eᵀ [in × m], Dᵀ [m × n_k]), with
/// their gradients.
type CoderBuffers =
    { E: MatrixBuffer
      Eb: MatrixBuffer
      D: MatrixBuffer
      Db: MatrixBuffer
      GradE: MatrixBuffer
      GradEb: MatrixBuffer
      GradD: MatrixBuffer
      GradDb: MatrixBuffer }

/// Where a compiled model keeps its values: the buffers that a step's ops read and write, named as the equations name
/// them (h1, ĥ2, W3ᵀ, ∂V2ᵀ, ...). Activations are [batch × units]; weights are kept transposed, Wᵀ [n_{l-1} × n_l] and
/// Vᵀ [m × n_{l-1}], so forward products need no packing (see DenseOp). Buffers that only one part of a step needs
/// (a DRL chain's targets, a loss's deltas) are made where that part is lowered.
type Layout =
    {
        /// Rows of every activation buffer: the largest batch the plan takes.
        Batch: int
        /// h_0 .. h_L: what each layer passes up, the input of the layer above (for a softmax output, its logits). For a
        /// layer whose discrete or stochastic unit emits in training, its emission σ(a_l), a buffer of its own
        /// ("sign(h1)"); otherwise the layer's value.
        H: MatrixBuffer[]
        /// Each layer's value in target space: its relaxed value r_l = ρ(a_l) (h_l itself for a smooth unit), except the
        /// output's when a label or blend top target reads the probabilities or auxiliary output features extend it
        /// (then a buffer of its own, h̃_L).
        Value: MatrixBuffer[]
        /// ĥ_0 .. ĥ_L, in target space (entries below the top's chain unused).
        Target: MatrixBuffer[]
        /// W_lᵀ and b_l for l = 1..L (index l-1), and their gradients.
        W: MatrixBuffer[]
        B: MatrixBuffer[]
        GradW: MatrixBuffer[]
        GradB: MatrixBuffer[]
        /// V_lᵀ and c_l for each feedback layer l, and their gradients.
        V: Map<int, MatrixBuffer>
        C: Map<int, MatrixBuffer>
        GradV: Map<int, MatrixBuffer>
        GradC: Map<int, MatrixBuffer>
        /// Aᵀ, the fixed auxiliary output weights, with auxiliary features.
        A: MatrixBuffer option
        /// A zero bias row, for the auxiliary features' tanh(x Aᵀ).
        NoBias: MatrixBuffer
        /// The side inputs something reads, by name ("label": the one-hot label).
        Sides: Map<string, MatrixBuffer>
        /// U_lᵀ [dim s × n_l] for each layer l that reads side inputs s, and its gradient.
        U: Map<int, MatrixBuffer>
        GradU: Map<int, MatrixBuffer>
        /// s for each layer that reads side inputs: the one it reads, or those it reads side by side.
        LayerSide: Map<int, MatrixBuffer>
        /// The ops that put a layer's side inputs side by side (after the side inputs are filled in).
        SideConcats: Op list
        /// The conditional auto-encoder r_k of each layer k that has one.
        Coders: Map<int, CoderBuffers>
    }

module Layout =
    /// Whether the output's value in target space is a buffer of its own (probabilities or auxiliary features), not h_L.
    let ownOutputValue (layout: Layout) =
        not (obj.ReferenceEquals(layout.Value.[layout.Value.Length - 1], layout.H.[layout.H.Length - 1]))

    /// The buffer a layer's forward map writes its relaxed value into: Value, except at the output (H, the logits).
    let relaxed (layout: Layout) (l: int) =
        if l = layout.H.Length - 1 then
            layout.H.[l]
        else
            layout.Value.[l]

    /// f_l(x) = σ(x W_lᵀ + s U_lᵀ + b_l) into y as one op, with the side inputs layer l reads, if any.
    let dense (layout: Layout) (l: int) (x: MatrixBuffer) (u: Nonlinearity) (y: MatrixBuffer) : Op =
        UnitKernels.dense
            x
            layout.W.[l - 1]
            layout.B.[l - 1]
            u
            y
            (layout.U.TryFind l |> Option.map (fun ut -> layout.LayerSide.[l], ut))

    /// A buffer of `batch` rows.
    let activation (batch: int) (name: string) (cols: int) = MatrixBuffer(name, batch, cols)

    /// The buffers side by side, [a, b, ...], and the ops that put them there (none for one buffer).
    let sideBySide (batch: int) (parts: MatrixBuffer list) : MatrixBuffer * Op list =
        match parts with
        | first :: rest ->
            rest
            |> List.fold
                (fun (a: MatrixBuffer, ops) b ->
                    let y = activation batch (sprintf "[%s,%s]" a.Name b.Name) (a.Cols + b.Cols)
                    y, ops @ [ ConcatOp(a, b, y) :> Op ])
                (first, [])
        | [] -> invalidArg "parts" "nothing to put side by side"

    /// The buffers of a model for batches of up to `batch` rows.
    let create (batch: int) (m: Model) : Layout =
        let L = Model.depth m
        let width l = Stack.width m.Stack l
        let buffer = activation batch
        let r = [| for l in 0..L -> buffer (sprintf "h%d" l) (width l) |]

        let emission l =
            (Stack.activation m.Stack l).ToString().ToLowerInvariant()

        let h =
            [| for l in 0..L ->
                   if Model.emitsInTraining m l then
                       buffer (sprintf "%s(h%d)" (emission l) l) (width l)
                   else
                       r.[l] |]

        let k = m.Rule.Top.Auxiliary
        let ownOutputValue = Model.usesProbabilities m || k > 0

        let W =
            [| for l in 1..L -> MatrixBuffer(sprintf "W%dᵀ" l, width (l - 1), width l) |]

        let B = [| for l in 1..L -> MatrixBuffer(sprintf "b%d" l, 1, width l) |]
        let fb = Model.feedbackLayers m

        let V =
            fb
            |> List.map (fun l -> l, MatrixBuffer(sprintf "V%dᵀ" l, Model.feedbackInputWidth m l, width (l - 1)))
            |> Map.ofList

        let C =
            fb
            |> List.map (fun l -> l, MatrixBuffer(sprintf "c%d" l, 1, width (l - 1)))
            |> Map.ofList

        let gradient (p: MatrixBuffer) =
            MatrixBuffer("∂" + p.Name, p.Rows, p.Cols)

        let sides =
            Model.usedSides m
            |> List.map (fun n -> n, buffer (sprintf "s_%s" n) (Model.sideWidth m n))
            |> Map.ofList

        let readers =
            [ 1..L ] |> List.filter (fun l -> not (List.isEmpty (Model.layerSides m l)))

        let U =
            readers
            |> List.map (fun l -> l, MatrixBuffer(sprintf "U%dᵀ" l, Model.layerSideWidth m l, width l))
            |> Map.ofList
        // Each reading layer's s: its one side input, or its side inputs concatenated left to right.
        let layerSide =
            readers
            |> List.map (fun l -> l, sideBySide batch (Model.layerSides m l |> List.map (fun n -> sides.[n])))

        { Batch = batch
          H = h
          Value =
            [| for l in 0..L ->
                   if l = L && ownOutputValue then
                       buffer (sprintf "h̃%d" L) (Model.targetWidth m L)
                   else
                       r.[l] |]
          Target = [| for l in 0..L -> buffer (sprintf "ĥ%d" l) (Model.targetWidth m l) |]
          W = W
          B = B
          GradW = Array.map gradient W
          GradB = Array.map gradient B
          V = V
          C = C
          GradV = Map.map (fun _ v -> gradient v) V
          GradC = Map.map (fun _ c -> gradient c) C
          A =
            if k > 0 then
                Some(MatrixBuffer("Aᵀ", width (L - 1), k))
            else
                None
          NoBias = MatrixBuffer("0", 1, max k 1)
          Sides = sides
          U = U
          GradU = Map.map (fun _ u -> gradient u) U
          LayerSide = layerSide |> List.map (fun (l, (s, _)) -> l, s) |> Map.ofList
          SideConcats = layerSide |> List.collect (fun (_, (_, ops)) -> ops)
          Coders =
            [ for k in Model.conditionalLayers m ->
                  let code = Model.conditionalWidth m k
                  let e = MatrixBuffer(sprintf "E%dᵀ" k, Model.conditionalInputWidth m k, code)
                  let eb = MatrixBuffer(sprintf "e%d" k, 1, code)
                  let d = MatrixBuffer(sprintf "D%dᵀ" k, code, width k)
                  let db = MatrixBuffer(sprintf "d%d" k, 1, width k)

                  k,
                  { E = e
                    Eb = eb
                    D = d
                    Db = db
                    GradE = gradient e
                    GradEb = gradient eb
                    GradD = gradient d
                    GradDb = gradient db } ]
            |> Map.ofList }
