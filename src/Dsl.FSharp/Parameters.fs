namespace TargetProp.Dsl

open MathNet.Numerics.LinearAlgebra

/// A model's parameters as plain float32 arrays, row-major: W_l [n_l × n_{l-1}] and b_l [n_l] for l = 1..L
/// (index l-1); for each feedback layer l, V_l [n_{l-1} × m] and c_l [n_{l-1}] (m the width of g_l's input); and
/// the fixed auxiliary output weights A [k × n_{L-1}] (empty without auxiliary features); for each layer l that reads
/// side inputs s, U_l [n_l × dim s]; for each layer k with a conditional auto-encoder, its Coder.
type Parameters =
    { W: float32[][]
      B: float32[][]
      V: Map<int, float32[]>
      C: Map<int, float32[]>
      A: float32[]
      U: Map<int, float32[]>
      Coders: Map<int, Coder> }

/// A conditional auto-encoder's weights r_k(x) = ρ_k(D tanh(E x + eb) + db): E [m × in], eb [m], D [n_k × m], db [n_k].
and Coder =
    { E: float32[]
      Eb: float32[]
      D: float32[]
      Db: float32[] }

module Parameters =
    /// Every array of a set of parameters, or of the buffers holding them, with its stable name, in a fixed order:
    /// W1.., b1.., V2.., c2.., A, U1.., then E, e, D, d of each conditional auto-encoder (a coder as E, e, D, d).
    let named
        (w: 'a[])
        (b: 'a[])
        (v: Map<int, 'a>)
        (c: Map<int, 'a>)
        (a: 'a option)
        (u: Map<int, 'a>)
        (coders: Map<int, 'a * 'a * 'a * 'a>)
        : (string * 'a) list =
        [ for i, x in Array.indexed w -> sprintf "W%d" (i + 1), x
          for i, x in Array.indexed b -> sprintf "b%d" (i + 1), x
          for KeyValue(l, x) in v -> sprintf "V%d" l, x
          for KeyValue(l, x) in c -> sprintf "c%d" l, x
          match a with
          | Some x -> yield "A", x
          | None -> ()
          for KeyValue(l, x) in u -> sprintf "U%d" l, x
          for KeyValue(k, (e, eb, d, db)) in coders do
              yield sprintf "E%d" k, e
              yield sprintf "e%d" k, eb
              yield sprintf "D%d" k, d
              yield sprintf "d%d" k, db ]

    /// A deep copy.
    let copy (p: Parameters) =
        { W = p.W |> Array.map Array.copy
          B = p.B |> Array.map Array.copy
          V = p.V |> Map.map (fun _ a -> Array.copy a)
          C = p.C |> Map.map (fun _ a -> Array.copy a)
          A = Array.copy p.A
          U = p.U |> Map.map (fun _ a -> Array.copy a)
          Coders =
            p.Coders
            |> Map.map (fun _ c ->
                { E = Array.copy c.E
                  Eb = Array.copy c.Eb
                  D = Array.copy c.D
                  Db = Array.copy c.Db }) }

    /// A [rows × cols] weight matrix (fan_out = rows, fan_in = cols) drawn by the scheme, row by row from rng:
    ///   Orthogonal g     uniform ±√(6/(fan_in+fan_out)) (Glorot), replaced by the nearest orthogonal matrix U·Vᵀ of its
    ///                    SVD (Lee et al. 2015: the singular values become g, the uniform draws only seed the directions);
    ///   GlorotUniform g  uniform ±g·√(6/(fan_in+fan_out));
    ///   GlorotNormal g   N(0, g²·2/(fan_in+fan_out)), by Box–Muller from pairs of uniforms;
    ///   Uniform a        uniform ±a.
    let private draw (init: Init) (rng: System.Random) (rows: int) (cols: int) : float32[] =
        let glorot = sqrt (6.0 / float (rows + cols))

        let uniform limit =
            Array.init (rows * cols) (fun _ -> float32 ((2.0 * rng.NextDouble() - 1.0) * limit))

        match init with
        | Orthogonal gain ->
            let a =
                Matrix<float>.Build.Dense(rows, cols, fun _ _ -> (2.0 * rng.NextDouble() - 1.0) * glorot)

            let svd = a.Svd(true)
            let k = min rows cols
            let q = svd.U.SubMatrix(0, rows, 0, k) * svd.VT.SubMatrix(0, k, 0, cols)
            Array.init (rows * cols) (fun i -> float32 (gain * q.[i / cols, i % cols]))
        | GlorotUniform gain -> uniform (gain * glorot)
        | GlorotNormal gain ->
            let std = gain * sqrt (2.0 / float (rows + cols))

            Array.init (rows * cols) (fun _ ->
                float32 (
                    std
                    * sqrt (-2.0 * log (1.0 - rng.NextDouble()))
                    * cos (2.0 * System.Math.PI * rng.NextDouble())
                ))
        | Uniform a -> uniform a

    /// Fresh parameters for a model: weights drawn by its Init (orthogonal by default), zero biases, drawn from the
    /// seed alone (so the same seed gives the same network). Forward weights come first, layer by layer, then feedback weights, then the auxiliary ones,
    /// then the side inputs' U_l, then the conditional auto-encoders' E_k and D_k (drawn last, so a model without them
    /// draws what it always drew).
    let init (seed: int) (m: Model) : Parameters =
        let rng = System.Random(seed)
        let s = m.Stack
        let L = Stack.depth s

        let w =
            [| for l in 1..L -> draw m.Init rng (Stack.width s l) (Stack.width s (l - 1)) |]

        let fb = Model.feedbackLayers m

        let v =
            fb
            |> List.map (fun l -> l, draw m.Init rng (Stack.width s (l - 1)) (Model.feedbackInputWidth m l))
            |> Map.ofList

        let k = m.Rule.Top.Auxiliary

        { W = w
          B = [| for l in 1..L -> Array.zeroCreate (Stack.width s l) |]
          V = v
          C =
            fb
            |> List.map (fun l -> l, Array.zeroCreate (Stack.width s (l - 1)))
            |> Map.ofList
          A =
            if k > 0 && L >= 2 then
                draw m.Init rng k (Stack.width s (L - 1))
            else
                [||]
          U =
            [ for l in 1..L do
                  let width = Model.layerSideWidth m l

                  if width > 0 then
                      yield l, draw m.Init rng (Stack.width s l) width ]
            |> Map.ofList
          Coders =
            [ for k in Model.conditionalLayers m do
                  let code, inputs, n =
                      Model.conditionalWidth m k, Model.conditionalInputWidth m k, Stack.width s k

                  let e = draw m.Init rng code inputs
                  let d = draw m.Init rng n code

                  yield
                      k,
                      { E = e
                        Eb = Array.zeroCreate code
                        D = d
                        Db = Array.zeroCreate n } ]
            |> Map.ofList }
