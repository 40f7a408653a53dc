namespace TargetProp.Dsl

open TargetProp.Runtime

/// Where a layer's forward map runs, for the draws of its Bernoulli units and of the input noise: the forward pass of
/// a forward update (or of a parallel update), the forward pass of a feedback update, a forward map f inside a
/// propagation, f inside a feedback loss, and evaluation.
type Pass =
    | ForwardPass
    | FeedbackPass
    | PropagationMap
    | FeedbackMap
    | Evaluation

/// The random draws of a training step. Every draw comes from the counter-based generator keyed by (seed, step,
/// stream), element i of a draw being the i-th number of its stream, row-major over [batch × units]; the compiled
/// plan and the reference read the same numbers.
module Streams =
    /// ε on h_{l-1} for training g_l (keyed by the feedback step).
    let reconstruction (l: int) = l

    /// η on g_l's input, for DRL's and L-DRL's second draw (keyed by the feedback step).
    let feedbackInput (l: int) = 4096 + l

    /// A `noise σ` term of a propagation at layer l, in one of its three spaces (keyed by the forward step).
    let propagation (l: int) (space: Space) =
        8192
        + 4 * l
        + (match space with
           | BelowSpace -> 0
           | HereSpace -> 1
           | OutSpace -> 2
           | SideSpace _ -> 3)

    /// ε on h_k for training layer k's conditional auto-encoder (keyed by the feedback step).
    let conditional (k: int) = 6144 + k

    let private index (pass: Pass) =
        match pass with
        | ForwardPass -> 0
        | FeedbackPass -> 1
        | PropagationMap -> 2
        | FeedbackMap -> 3
        | Evaluation -> 4

    /// The input noise of a training pass.
    let input (pass: Pass) = 12288 + index pass

    /// The uniforms of layer l's Bernoulli units in a pass: one draw per layer, pass and step, so every f through layer
    /// l within one update reads the same uniforms (common random numbers), and a propagation's f inside a feedback
    /// update reads the forward step's.
    let emission (l: int) (pass: Pass) = 16384 + 8 * l + index pass

    /// The step counter that keys a pass's draws: the forward step in a forward update and in propagations, the
    /// feedback step in a feedback update and its losses; evaluation draws sample s with the key s.
    let key (pass: Pass) (sample: int) : DrawKey =
        match pass with
        | ForwardPass
        | PropagationMap -> DrawKey.ForwardStep
        | FeedbackPass
        | FeedbackMap -> DrawKey.FeedbackStep
        | Evaluation -> DrawKey.Sample(int64 sample)
