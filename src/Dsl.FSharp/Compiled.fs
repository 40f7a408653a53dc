namespace TargetProp.Dsl

open TargetProp.Runtime

/// A model compiled to a runtime Plan, with its parameter buffers by layer. The plan keeps weights transposed,
/// Wᵀ [n_{l-1} × n_l] and Vᵀ [m × n_{l-1}], so forward products need no packing (see DenseOp); Parameters and Load
/// translate to and from the [out × in] convention.
type Compiled =
    {
        Model: Model
        Plan: Plan
        W: MatrixBuffer[]
        B: MatrixBuffer[]
        V: Map<int, MatrixBuffer>
        C: Map<int, MatrixBuffer>
        /// Aᵀ, the fixed auxiliary output weights, if any.
        A: MatrixBuffer option
        /// U_lᵀ for each layer that reads side inputs.
        U: Map<int, MatrixBuffer>
        /// Each conditional auto-encoder's weights.
        Coders: Map<int, CoderBuffers>
        /// Each layer's value in target space, h_0 .. h_L, as the last phase run left it (its first rows: that batch's).
        Values: MatrixBuffer[]
    }

    /// Copies the current parameters out of the plan, weights as [out × in].
    member c.Parameters: Parameters =
        let transposed (m: MatrixBuffer) =
            Array.init m.Data.Length (fun k -> m.Data.[(k % m.Rows) * m.Cols + k / m.Rows])

        { W = c.W |> Array.map transposed
          B = c.B |> Array.map (fun m -> Array.copy m.Data)
          V = c.V |> Map.map (fun _ m -> transposed m)
          C = c.C |> Map.map (fun _ m -> Array.copy m.Data)
          A = c.A |> Option.map transposed |> Option.defaultValue [||]
          U = c.U |> Map.map (fun _ m -> transposed m)
          Coders =
            c.Coders
            |> Map.map (fun _ b ->
                { E = transposed b.E
                  Eb = Array.copy b.Eb.Data
                  D = transposed b.D
                  Db = Array.copy b.Db.Data }) }

    /// Copies parameters (weights as [out × in]) into the plan and resets the optimisers' state, so training starts
    /// afresh from them; shapes must match the model's.
    member c.Load(p: Parameters) =
        let check (dst: MatrixBuffer) (src: float32[]) =
            if src.Length <> dst.Data.Length then
                raise (
                    TrainingException(
                        sprintf
                            "parameter %s has %d values but the model needs %d (%d×%d)"
                            dst.Name
                            src.Length
                            dst.Data.Length
                            dst.Cols
                            dst.Rows
                    )
                )

        let put (dst: MatrixBuffer) (src: float32[]) =
            check dst src
            Array.blit src 0 dst.Data 0 src.Length
        // dst is Wᵀ [in × out]; src is W [out × in].
        let putTransposed (dst: MatrixBuffer) (src: float32[]) =
            check dst src

            for i in 0 .. dst.Rows - 1 do
                for j in 0 .. dst.Cols - 1 do
                    dst.Data.[i * dst.Cols + j] <- src.[j * dst.Rows + i]

        Array.iter2 putTransposed c.W p.W
        Array.iter2 put c.B p.B
        c.V |> Map.iter (fun l m -> putTransposed m p.V.[l])
        c.C |> Map.iter (fun l m -> put m p.C.[l])
        c.A |> Option.iter (fun a -> putTransposed a p.A)
        c.U |> Map.iter (fun l m -> putTransposed m p.U.[l])

        c.Coders
        |> Map.iter (fun k b ->
            let q = p.Coders.[k]
            putTransposed b.E q.E
            put b.Eb q.Eb
            putTransposed b.D q.D
            put b.Db q.Db)

        c.Plan.Reset()
