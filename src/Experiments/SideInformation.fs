namespace TargetProp.Experiments

open TargetProp.Dsl
open TargetProp.Runtime.Data

/// Conditional auto-encoder targets (Bengio 2014): each layer below the top also gets the target r_k(h_k, s) of a
/// denoising auto-encoder given the side input s, mixed with dtp's difference target, ĥ = β·r_k(h_k, s) + (1 − β)·dtp.
/// With s the label, against dtp and bp; and with s a noisy label (20 % of the training labels replaced by another
/// class, drawn from a fixed seed), where the conjecture predicts a smaller gain: the targets move towards what is
/// likely given a wrong class.
///
/// A small β and r's own optimiser (Adam 10⁻³, one epoch of pre-training) are what make the mix train at all: r's
/// reconstruction error ‖r_k(h_k, s) − h_k‖ stays near 0.8 after six epochs (h_k's norm is about 4.5) while dtp's
/// moves are near 0.003, so at β = 0.5 the targets are r's error and the net stays at chance, and trained with g's
/// RMSprop (5·10⁻³) r saturates. At β = 0.005 the two terms are of one size at the start; β = 0.001 is the arm
/// below that.
module SideInformation =
    /// The one-hot of each example's label, with `fraction` of them replaced by another class (drawn from `seed`).
    let noisyLabels (seed: int) (fraction: float) (classes: int) (labels: int[]) : float32[] =
        let rng = System.Random(seed)

        let y =
            labels
            |> Array.map (fun c ->
                if rng.NextDouble() < fraction then
                    (c + 1 + rng.Next(classes - 1)) % classes
                else
                    c)

        Array.init (y.Length * classes) (fun i -> if y.[i / classes] = i % classes then 1.0f else 0.0f)

    /// The test split's side input is the true label's one-hot: only training sees the noise (r is not used at test time).
    let private withNoisyLabel (d: DataSet) =
        let test =
            Array.init (d.TestCount * d.Classes) (fun i ->
                if d.TestY.[i / d.Classes] = i % d.Classes then
                    1.0f
                else
                    0.0f)

        d.WithSide("noisy", d.Classes, noisyLabels 2014 0.2 d.Classes d.TrainY, test)

    let experiment (epochs: int) : Experiment =
        let net side =
            let start =
                match side with
                | Some(name, width) -> input 784 |> sideInput name width
                | None -> input 784

            start |> repeat 3 (dense 240 Tanh) |> dense 10 Softmax

        let conditional (side: string) (beta: float) =
            // One epoch of feedback training first, so the r_k reconstruct before their targets count.
            { Rules.dtp with
                Name = sprintf "dtp+r(%s) β %g" side beta
                Propagation = Target.mix beta (Target.conditional side) Propagate.difference
                Defaults =
                    { Rules.dtp.Defaults with
                        FeedbackPretraining = 1 } }
            |> Rule.withConditionalOptimiser (Adam 1e-3)

        let arms data =
            let arm label (rule: Rule) (side: (string * int) option) prepare =
                { Experiment.arm (sprintf "%s %s" label data) "784-240x3-10" (Model.create (net side) rule) epochs with
                    Data = data
                    Prepare = prepare }

            [ arm "dtp" Rules.dtp None id
              arm "bp" Rules.bp None id
              arm "dtp+r(label) β 0.005" (conditional "label" 0.005) None id
              arm "dtp+r(label) β 0.001" (conditional "label" 0.001) None id
              arm "dtp+r(noisy label) β 0.001" (conditional "noisy" 0.001) (Some("noisy", 10)) withNoisyLabel ]

        { Name = "side-information"
          Conjecture =
            "an auto-encoder that \"takes both a representation of input and target (or any side information) in input\" gives \"a target towards a representation that is more likely, conditioned on all the side information\" (Bengio 2014)"
          Protocol =
            sprintf
                "784-240×3-10 tanh, %d epochs, on MNIST and Fashion-MNIST: dtp, bp, and dtp mixed with r_k(h_k, s) (β 0.005 and 0.001) for s the label, and (β 0.001) s a label with 20 %% of the training labels flipped"
                epochs
          Arms = arms "mnist" @ arms "fashion-mnist"
          QuickArms = arms "mnist"
          Columns = [ Experiment.finalError ]
          Figures = [ "", Experiment.curves ] }
