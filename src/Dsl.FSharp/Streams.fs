namespace TargetProp.Dsl

/// The noise draws of a training step. Every draw comes from the counter-based generator keyed by (seed, step,
/// stream), element i of a draw being the i-th standard normal of its stream, row-major over [batch × units]; the
/// compiled plan and the reference read the same numbers.
module Streams =
    /// ε on h_{l-1} for training g_l (keyed by the feedback step).
    let reconstruction (l: int) = l

    /// η on g_l's input, for DRL's and L-DRL's second draw (keyed by the feedback step).
    let feedbackInput (l: int) = 4096 + l

    /// A `noise σ` term of a propagation at layer l, in one of its three spaces (keyed by the forward step).
    let propagation (l: int) (space: Space) =
        8192 + 4 * l + (match space with BelowSpace -> 0 | HereSpace -> 1 | OutSpace -> 2 | SideSpace _ -> 3)
