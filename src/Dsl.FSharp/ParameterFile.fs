namespace TargetProp.Dsl

open System
open System.IO
open System.Text
open TargetProp.Runtime
open TargetProp.Runtime.Persist

exception ParameterFileException of string with
    override e.Message = e.Data0

module ParameterFile =
    let version = 1

    let private magic = "TPPARAM\000"B

    let private fail fmt =
        Printf.kprintf (fun s -> raise (ParameterFileException s)) fmt

    /// The parameters by name, in a fixed order (the names a checkpoint gives the same buffers).
    let private named (p: Parameters) : (string * float32[]) list =
        Parameters.named
            p.W
            p.B
            p.V
            p.C
            (if p.A.Length > 0 then Some p.A else None)
            p.U
            (p.Coders |> Map.map (fun _ q -> q.E, q.Eb, q.D, q.Db))

    let save (path: string) (m: Model) (p: Parameters) =
        let shapes = named (Parameters.init 0 m)
        let arrays = named p

        let describe (named: (string * float32[]) list) =
            named
            |> List.map (fun (n, a) -> sprintf "%s[%d]" n a.Length)
            |> String.concat ", "

        if
            List.map (fun (n, a: float32[]) -> n, a.Length) arrays
            <> List.map (fun (n, a: float32[]) -> n, a.Length) shapes
        then
            invalidArg
                "p"
                (sprintf "the parameters (%s) are not those of the model (%s)" (describe arrays) (describe shapes))

        let floats (values: float32[]) =
            Runtime.InteropServices.MemoryMarshal.AsBytes(ReadOnlySpan values).ToArray()

        DurableFile.Write(
            path,
            fun stream -> Sections.write stream magic version [ for name, values in arrays -> name, floats values ]
        )

    let load (path: string) (m: Model) : Parameters =
        if not (File.Exists path) then
            fail "%s does not exist" path

        use r = new BinaryReader(File.OpenRead path)
        let damaged (message: string) = ParameterFileException message

        let count =
            Sections.open' path r magic version "a TargetProp parameter file" damaged
        // Every array of the model, with the length its shape gives; the fresh parameters give both.
        let fresh = Parameters.init 0 m

        let lengths =
            named fresh
            |> List.map (fun (name, a) -> name, 4L * int64 a.Length)
            |> Map.ofList

        let arrays =
            [ for _ in 1..count ->
                  let name, payload = Sections.read path r lengths.TryFind damaged
                  let values = Array.zeroCreate<float32>(payload.Length / 4)
                  Buffer.BlockCopy(payload, 0, values, 0, payload.Length)
                  name, values ]
            |> Map.ofList

        if r.BaseStream.Position <> r.BaseStream.Length then
            fail "%s is damaged: %d bytes follow its last section" path (r.BaseStream.Length - r.BaseStream.Position)

        let take (name: string) (_: float32[]) =
            match arrays.TryFind name with
            | Some values -> values
            | None ->
                fail
                    "%s holds no %s (it has %s): it was saved for a model of other shapes"
                    path
                    name
                    (arrays.Keys |> String.concat ", ")

        { W = fresh.W |> Array.mapi (fun i w -> take (sprintf "W%d" (i + 1)) w)
          B = fresh.B |> Array.mapi (fun i b -> take (sprintf "b%d" (i + 1)) b)
          V = fresh.V |> Map.map (fun l v -> take (sprintf "V%d" l) v)
          C = fresh.C |> Map.map (fun l c -> take (sprintf "c%d" l) c)
          A = if fresh.A.Length > 0 then take "A" fresh.A else [||]
          U = fresh.U |> Map.map (fun l u -> take (sprintf "U%d" l) u)
          Coders =
            fresh.Coders
            |> Map.map (fun k q ->
                { E = take (sprintf "E%d" k) q.E
                  Eb = take (sprintf "e%d" k) q.Eb
                  D = take (sprintf "D%d" k) q.D
                  Db = take (sprintf "d%d" k) q.Db }) }

    let fromCheckpoint (path: string) (m: Model) : Parameters =
        if not (File.Exists path) then
            raise (CheckpointException(sprintf "%s does not exist" path))

        let h = Checkpoint.readHeader path
        let compiled = Train.compile h.Batch m
        use ex = new Executor(compiled.Plan, uint64 h.Seed, 1)
        // The file's own header, but for the model: the check then refuses only a checkpoint of another model.
        let model = string m

        Checkpoint.restore
            path
            { h with
                Model = model
                ModelHash = Checkpoint.hash model }
            compiled
            ex
        |> ignore

        compiled.Parameters
