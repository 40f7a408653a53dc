namespace TargetProp.Dsl

type Layer =
    { Units: int
      Activation: Nonlinearity
      Reads: string list }

type Stack =
    { Input: int
      Sides: (string * int) list
      Layers: Layer list }

    override s.ToString() =
        // A layer that reads side inputs is dense n σ |> reads "s"; inside repeat, a block composed with >>.
        let dense (join: string) (l: Layer) =
            sprintf "dense %d %O" l.Units l.Activation
            + (l.Reads |> List.map (sprintf " %s reads \"%s\"" join) |> String.concat "")

        let runs =
            s.Layers
            |> List.fold
                (fun acc l ->
                    match acc with
                    | (m, k) :: rest when m = l -> (m, k + 1) :: rest
                    | _ -> (l, 1) :: acc)
                []
            |> List.rev
            |> List.map (fun (l, k) ->
                if k = 1 then
                    dense "|>" l
                else
                    sprintf "repeat %d (%s)" k (dense ">>" l))

        let sides = s.Sides |> List.map (fun (n, w) -> sprintf "sideInput \"%s\" %d" n w)
        String.concat " |> " (sprintf "input %d" s.Input :: sides @ runs)

[<AutoOpen>]
module StackBuilders =
    let input (n: int) : Stack = { Input = n; Sides = []; Layers = [] }

    let sideInput (name: string) (width: int) (s: Stack) : Stack =
        { s with
            Sides = s.Sides @ [ name, width ] }

    let dense (n: int) (activation: Nonlinearity) (s: Stack) : Stack =
        { s with
            Layers =
                s.Layers
                @ [ { Units = n
                      Activation = activation
                      Reads = [] } ] }

    let reads (name: string) (s: Stack) : Stack =
        match List.rev s.Layers with
        | top :: below ->
            { s with
                Layers =
                    List.rev (
                        { top with
                            Reads = top.Reads @ [ name ] }
                        :: below
                    ) }
        | [] ->
            invalidArg
                "s"
                (sprintf
                    "reads \"%s\" follows a layer: write it after dense, e.g. dense 240 Tanh |> reads \"%s\""
                    name
                    name)

    let repeat (n: int) (block: Stack -> Stack) (s: Stack) : Stack =
        Seq.fold (fun acc _ -> block acc) s (seq { 1..n })


module Stack =
    let depth (s: Stack) = s.Layers.Length

    let width (s: Stack) (l: int) =
        if l = 0 then s.Input else s.Layers.[l - 1].Units

    let activation (s: Stack) (l: int) = s.Layers.[l - 1].Activation

    let layerName (s: Stack) (l: int) =
        if l = 0 then
            sprintf "layer 0 (input %d)" s.Input
        else
            let x = s.Layers.[l - 1]
            sprintf "layer %d (dense %d %s)" l x.Units (x.Activation.ToString().ToLowerInvariant())

    let equation (s: Stack) =
        let L = depth s
        let name (u: Nonlinearity) = u.ToString().ToLowerInvariant()

        let passed l =
            if l = 0 then
                "x"
            elif (activation s l).Discrete then
                sprintf "%s(h%d)" (name (activation s l)) l
            else
                sprintf "h%d" l

        let side l =
            match s.Layers.[l - 1].Reads with
            | [] -> ""
            | names -> sprintf " + U%d %s" l (names |> List.map (sprintf "s_%s") |> String.concat "++")

        [ for l in 1..L ->
              let u = activation s l
              let value = if l = L && u = Softmax then "p" else sprintf "h%d" l
              sprintf "%s = %s(W%d %s%s + b%d)" value (name u.Relaxation) l (passed (l - 1)) (side l) l ]
        |> String.concat "; "
