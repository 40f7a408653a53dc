namespace TargetProp.Dsl

open TargetProp.Runtime

/// How lowered ops are grouped to run fast without changing a bit: independent groups side by side, large updates cut
/// into pieces, and runs of row-wise ops fused into one hand-off to the workers. Each buffer is still written by
/// exactly one op, so results do not depend on the thread count (DESIGN.md §7).
module Fusion =
    /// Independent op groups run side by side, one ParallelOp (nothing when every group is empty).
    let inParallel (groups: Op list list) : Op list =
        match groups |> List.filter (not << List.isEmpty) with
        | [] -> []
        | gs -> [ ParallelOp(gs |> List.map Array.ofList |> Array.ofList) :> Op ]

    /// Pieces a layer's update of inputs × outputs weights is cut into: about 64k weights each (rows of Wᵀ, i.e. input
    /// units), so the groups balance over workers: Lee's 784×240 first layer is 3 pieces, each 240×240 layer one.
    let pieces (inputs: int) (outputs: int) =
        max 1 ((inputs * outputs + 32767) / 65536)

    /// Runs of consecutive row-wise ops become one chain: one hand-off to the workers per run instead of per op.
    let chained (ops: Op list) : Op[] =
        let flush (run: RowwiseOp list) =
            match run with
            | [] -> []
            | [ op ] -> [ op :> Op ]
            | _ -> [ RowwiseChainOp(List.rev run |> Array.ofList) :> Op ]

        let rec go (run: RowwiseOp list) (acc: Op list) (rest: Op list) =
            match rest with
            | (:? RowwiseOp as r) :: tail -> go (r :: run) acc tail
            | op :: tail -> go [] (op :: List.rev (flush run) @ acc) tail
            | [] -> List.rev (List.rev (flush run) @ acc)

        go [] [] ops |> Array.ofList
