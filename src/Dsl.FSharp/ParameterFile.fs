namespace TargetProp.Dsl

open System
open System.IO
open System.IO.Hashing
open System.Text
open TargetProp.Runtime
open TargetProp.Runtime.Persist

exception ParameterFileException of string
    with
        override e.Message = e.Data0

module ParameterFile =
    let version = 1

    let private magic = "TPPARAM\000"B

    let private fail fmt = Printf.kprintf (fun s -> raise (ParameterFileException s)) fmt

    /// The parameters by name, in a fixed order (the names a checkpoint gives the same buffers).
    let private named (p: Parameters) : (string * float32[]) list =
        [ for i, w in Array.indexed p.W -> sprintf "W%d" (i + 1), w
          for i, b in Array.indexed p.B -> sprintf "b%d" (i + 1), b
          for KeyValue(l, v) in p.V -> sprintf "V%d" l, v
          for KeyValue(l, c) in p.C -> sprintf "c%d" l, c
          if p.A.Length > 0 then yield "A", p.A
          for KeyValue(l, u) in p.U -> sprintf "U%d" l, u
          for KeyValue(k, q) in p.Coders do
              yield sprintf "E%d" k, q.E
              yield sprintf "e%d" k, q.Eb
              yield sprintf "D%d" k, q.D
              yield sprintf "d%d" k, q.Db ]

    let save (path: string) (m: Model) (p: Parameters) =
        let shapes = named (Parameters.init 0 m)
        let arrays = named p
        let describe (named: (string * float32[]) list) = named |> List.map (fun (n, a) -> sprintf "%s[%d]" n a.Length) |> String.concat ", "
        if List.map (fun (n, a: float32[]) -> n, a.Length) arrays <> List.map (fun (n, a: float32[]) -> n, a.Length) shapes then
            invalidArg "p" (sprintf "the parameters (%s) are not those of the model (%s)" (describe arrays) (describe shapes))
        use bytes = new MemoryStream()
        do
            use w = new BinaryWriter(bytes, Encoding.UTF8, true)
            w.Write magic
            w.Write(uint32 version)
            w.Write(uint32 arrays.Length)
            for name, values in arrays do
                let nameBytes = Encoding.UTF8.GetBytes name
                w.Write(uint16 nameBytes.Length)
                w.Write nameBytes
                w.Write(uint32 values.Length)
                w.Write(Runtime.InteropServices.MemoryMarshal.AsBytes(ReadOnlySpan values))
        let body = bytes.ToArray()
        DurableFile.Write(path, fun stream ->
            stream.Write(body, 0, body.Length)
            stream.Write(BitConverter.GetBytes(Crc32.HashToUInt32(ReadOnlySpan body)), 0, 4))

    let load (path: string) (m: Model) : Parameters =
        if not (File.Exists path) then fail "%s does not exist" path
        let bytes = File.ReadAllBytes path
        if bytes.Length < 20 || not (ReadOnlySpan(bytes, 0, 8).SequenceEqual(ReadOnlySpan magic)) then
            fail "%s is not a TargetProp parameter file (its first bytes are not TPPARAM)" path
        let body = ReadOnlySpan(bytes, 0, bytes.Length - 4)
        if Crc32.HashToUInt32 body <> BitConverter.ToUInt32(bytes, bytes.Length - 4) then
            fail "%s is damaged: its checksum (CRC-32) does not match" path
        use r = new BinaryReader(new MemoryStream(bytes, magic.Length, bytes.Length - magic.Length - 4), Encoding.UTF8)
        let v = int (r.ReadUInt32())
        if v <> version then fail "%s is in parameter format %d; this library reads format %d" path v version
        let count = int (r.ReadUInt32())
        let read () =
            let name = Encoding.UTF8.GetString(r.ReadBytes(int (r.ReadUInt16())))
            let values = Array.zeroCreate<float32> (int (r.ReadUInt32()))
            Buffer.BlockCopy(r.ReadBytes(4 * values.Length), 0, values, 0, 4 * values.Length)
            name, values
        let arrays = (try List.init count (fun _ -> read ()) with :? EndOfStreamException | :? ArgumentException -> fail "%s is damaged: it ends inside its arrays" path) |> Map.ofList
        // Every array of the model, with the length its shape gives; the fresh parameters give both.
        let fresh = Parameters.init 0 m
        let take (name: string) (shape: float32[]) =
            match arrays.TryFind name with
            | Some values when values.Length = shape.Length -> values
            | Some values -> fail "%s holds %d values for %s, but the model needs %d: it was saved for a model of other shapes" path values.Length name shape.Length
            | None -> fail "%s holds no %s (it has %s): it was saved for a model of other shapes" path name (arrays.Keys |> String.concat ", ")
        let extra = Set.difference (set arrays.Keys) (named fresh |> List.map fst |> set)
        if not extra.IsEmpty then fail "%s holds %s, which the model does not have: it was saved for a model of other shapes" path (String.concat ", " extra)
        { W = fresh.W |> Array.mapi (fun i w -> take (sprintf "W%d" (i + 1)) w)
          B = fresh.B |> Array.mapi (fun i b -> take (sprintf "b%d" (i + 1)) b)
          V = fresh.V |> Map.map (fun l v -> take (sprintf "V%d" l) v)
          C = fresh.C |> Map.map (fun l c -> take (sprintf "c%d" l) c)
          A = if fresh.A.Length > 0 then take "A" fresh.A else [||]
          U = fresh.U |> Map.map (fun l u -> take (sprintf "U%d" l) u)
          Coders =
            fresh.Coders
            |> Map.map (fun k q ->
                { E = take (sprintf "E%d" k) q.E; Eb = take (sprintf "e%d" k) q.Eb
                  D = take (sprintf "D%d" k) q.D; Db = take (sprintf "d%d" k) q.Db }) }

    let fromCheckpoint (path: string) (m: Model) : Parameters =
        if not (File.Exists path) then raise (CheckpointException(sprintf "%s does not exist" path))
        let h = Checkpoint.readHeader path
        let compiled = Train.compile h.Batch m
        use ex = new Executor(compiled.Plan, uint64 h.Seed, 1)
        // The file's own header, but for the model: the check then refuses only a checkpoint of another model.
        let model = string m
        Checkpoint.restore path { h with Model = model; ModelHash = Checkpoint.hash model } compiled ex |> ignore
        compiled.Parameters
