namespace TargetProp.Experiments

open TargetProp.Dsl

/// The papers' protocols (tprop reproduce --list), each with its settings and where they come from.
module Protocols =
    let private row label paper model : Row =
        { Label = label
          Model = model
          Paper = paper }

    let private configure (net: Net) (rule: Rule) = net.Configure rule Refuse

    /// A rule's model on a net with a top gradient step η at the output layer (on the logits of a softmax output).
    let private withTopStep (eta: float) (m: Model) =
        { m with
            Rule = m.Rule |> Rule.withTop (Top.gradientStep eta) }

    let private withSigma (sigma: float) (m: Model) =
        { m with
            Rule = m.Rule |> Rule.withFeedback (Feedback.withSigma sigma m.Rule.Feedback) }

    let private optimisers (forward: Optimiser) (feedback: Optimiser) (m: Model) =
        m |> Model.forwardOptimiser forward |> Model.feedbackOptimiser feedback

    // ---- Lee et al. 2015 ----

    let lee2015Mnist =
        { Name = "lee2015-mnist"
          Source =
            "Lee, Zhang, Fischer & Bengio 2015, Difference Target Propagation, Table 1; code: donghyunlee/dtp conti_dtp.py, conti_bp.py"
          Description =
            "784-240×7-10 tanh, batch 100, 100 epochs on the first 50,000 training images (the last 10,000 held out for "
            + "validation, as mnist.pkl splits them), test error after the last epoch (their script keeps no best model). "
            + "DTP: η̂ 0.327736 at h_7, σ 0.35983 noise-preserving reconstruction, their RMSprop with momentum (centred "
            + "RMSprop here) at forward lr 0.0148893 and inverse lr 0.00501149, alternating epochs. BP: lr 0.000804437. "
            + "Departures: we shuffle the batches every epoch (their batches are fixed slices) and update every layer "
            + "(their script never updates W6 and b5); they ran 10 unseeded repeats."
          Net = "lee2015"
          Data = "mnist"
          Normalisation = UnitRange
          Validation = 10_000
          Batch = 100
          Epochs = 100
          Reported = FinalEpoch
          Rows =
            [ row "dtp" (Some 1.94) (configure Nets.lee2015 Rules.dtp)
              row "bp" None (configure Nets.lee2015 Rules.bp) ]
          RunsHere = true }

    // ---- Bartunov et al. 2018 ----

    /// Bartunov et al.'s MNIST settings (their Table 5, best of 60 random configurations): Adam for the forward model
    /// and, for the target rules, for the inverses; DTP's α is η̂ at h_{L-1}; σ the inverses' training noise.
    let private bartunov (rule: Rule) (schedule: Schedule) (forward: Optimiser) (inverse: Optimiser) (sigma: float) =
        configure Nets.bartunov2018Fc rule
        |> Model.init (GlorotUniform 1.0)
        |> Model.schedule schedule
        |> optimisers forward inverse
        |> withSigma sigma

    let private dtpAt (alpha: float) (m: Model) =
        { m with
            Rule = m.Rule |> Rule.withTop (Top.withStep alpha m.Rule.Top) }

    let private aoSdtp =
        Rules.aoSdtp |> Rule.withTop (Top.label |> Top.withAuxiliary 256)

    let bartunov2018Mnist =
        let sdtpAlt =
            bartunov
                Rules.sdtp
                Alternating
                (AdamWith(0.000301, 0.9, 0.95, 1e-4))
                (AdamWith(1e-5, 0.9, 0.95, 1e-3))
                0.118267

        let sdtpPar =
            bartunov
                Rules.sdtp
                Parallel
                (AdamWith(0.000402, 0.99, 0.999, 1e-8))
                (AdamWith(0.001101, 0.99, 0.95, 1e-6))
                0.213995

        { Name = "bartunov2018-mnist"
          Source =
            "Bartunov, Santoro, Richards, Marris, Hinton & Lillicrap 2018, Assessing the Scalability of Biologically-Motivated Deep Learning Algorithms and Architectures, Table 1 (MNIST, fully connected) and Table 5"
          Description =
            "784-256×5-10 tanh, Glorot (uniform) initialisation, Adam for the forward model and the inverses with the "
            + "settings of their Table 5 (read from a text extraction of the PDF: several lie outside their own search "
            + "ranges, so check them against the paper), the lowest test error within 500 epochs as they report it. "
            + "Not published, chosen here: batch 100 (Lee et al.'s, whose DTP they follow), no validation split (they "
            + "report test errors), and AO-SDTP's settings, which Table 5 omits: SDTP's for the same schedule with 256 "
            + "auxiliary outputs (as wide as h_5). Departure: SDTP alternating's inverse lr, 0.009572 in Table 5 as read, "
            + "diverges here from epoch 3 (the training error climbs past 80 %); 1e-5 was chosen instead by a grid "
            + "search on a 10,000-image validation split (examples/sweeps/bartunov2018-mnist-sdtp*.json, RESULTS.md)."
          Net = "bartunov2018-fc"
          Data = "mnist"
          Normalisation = UnitRange
          Validation = 0
          Batch = 100
          Epochs = 500
          Reported = BestTest
          Rows =
            [ row "bp" (Some 1.48) (bartunov Rules.bp Parallel (AdamWith(0.000152, 0.9, 0.999, 1e-8)) (Adam 1e-3) 0.1)
              row
                  "dtp alternating"
                  (Some 1.83)
                  (bartunov
                      Rules.dtp
                      Alternating
                      (AdamWith(0.000308, 0.99, 0.99, 1e-4))
                      (AdamWith(0.004593, 0.99, 0.999, 1e-4))
                      0.220444
                   |> dtpAt 0.231758)
              row
                  "dtp parallel"
                  (Some 2.86)
                  (bartunov
                      Rules.dtp
                      Parallel
                      (AdamWith(0.000757, 0.99, 0.95, 1e-3))
                      (AdamWith(0.000768, 0.99, 0.999, 1e-4))
                      0.36133
                   |> dtpAt 0.15008)
              row "sdtp alternating" (Some 2.28) sdtpAlt
              row "sdtp parallel" (Some 3.52) sdtpPar
              row "aoSdtp alternating" (Some 1.86) { sdtpAlt with Rule = aoSdtp }
              row "aoSdtp parallel" (Some 2.93) { sdtpPar with Rule = aoSdtp } ]
          RunsHere = true }

    // ---- Meulemans et al. 2020 ----

    /// Their feedback losses are (1/σ²)·the mean over the batch and the n = 256 units of h_{l-1}; ours sum over the units
    /// and average over the batch, so ours is c = nσ² times theirs. Adam on a loss c times larger is Adam with ε and the
    /// weight decay c times larger: their feedback Adam (lr, β₁, β₂, ε, weight decay) is ours with cε and c·wd.
    let private theirFeedbackAdam (sigma: float) (lr: float) (b1: float) (b2: float) (eps: float) (wd: float) =
        let c = 256.0 * sigma * sigma
        let adam = AdamWith(lr, b1, b2, c * eps)
        if wd > 0.0 then WeightDecay(c * wd, adam) else adam

    /// A rule on their 784-256×5-10 tanh net: the target step at the output's logits, their Xavier-normal
    /// initialisation, one feedback update per batch from the same forward pass, and their forward Adam, whose lr they
    /// divide by the target step (normalize_lr).
    let private meulemans
        (rule: Rule)
        (step: float)
        (sigma: float)
        (forward: float * float * float * float)
        (feedback: Optimiser)
        (pretraining: int)
        =
        let lr, b1, b2, eps = forward

        configure Nets.meulemans2020 rule
        |> withTopStep step
        |> withSigma sigma
        |> Model.init (GlorotNormal 1.0)
        |> Model.schedule Parallel
        |> Model.feedbackIterations 1
        |> Model.feedbackPretraining pretraining
        |> Model.extraFeedbackEpochs (if pretraining > 0 then 1 else 0)
        |> optimisers (AdamWith(lr / step, b1, b2, eps)) feedback

    /// DRL and DDTP-linear without the λ term: their code regularises the feedback weights by Adam's weight decay only.
    let private ddtpLinear =
        Rules.ddtpLinear |> Rule.withFeedback (Feedback.drl 0.1 0.0)

    let private drl = Rules.drl |> Rule.withFeedback (Feedback.drl 0.1 0.0)

    let private meulemansProtocol (name: string) (data: string) (normalisation: Normalisation) (rows: Row list) =
        { Name = name
          Source =
            "Meulemans, Carzaniga, Suykens, Sacramento & Grewe 2020, A Theoretical Framework for Target Propagation; code and final configs: meulemansalex/theoretical_framework_for_target_propagation (commit b6ee350)"
          Description =
            "784-256×5-10 tanh, Xavier-normal initialisation, batch 128, 100 epochs, 55,000 training and 5,000 validation "
            + "images, the test error at the epoch of the best validation error; every layer learns from targets, the "
            + "first at the output's logits; Adam for forward and feedback weights with their final configs' settings "
            + "(the forward lr divided by the target step, as their normalize_lr does; the feedback ε and weight decay "
            + "scaled to our loss's reduction); DDTP-linear and DRL pre-train the feedback weights for 6 epochs and train "
            + "them one more epoch after each epoch. Departures: their validation images are a random 5,000 (a different "
            + "draw per seed), ours the last 5,000; they train in float64, we in float32; their DDTP-linear has no bias "
            + "in the last hidden layer. Their paper's Table 1 could not be read here: the paper column is empty."
          Net = "meulemans2020"
          Data = data
          Normalisation = normalisation
          Validation = 5_000
          Batch = 128
          Epochs = 100
          Reported = AtBestValidation
          Rows = rows
          RunsHere = true }

    let private bp (lr: float) (b1: float) (b2: float) (eps: float) =
        configure Nets.meulemans2020 Rules.bp
        |> Model.init (GlorotNormal 1.0)
        |> Model.forwardOptimiser (AdamWith(lr, b1, b2, eps))

    let meulemans2020Mnist =
        meulemansProtocol
            "meulemans2020-mnist"
            "mnist"
            Standardise
            [ row
                  "ddtpLinear"
                  None
                  (meulemans
                      ddtpLinear
                      0.06096940412767466
                      0.0907524824699504
                      (2.0354415171962153e-05, 0.9, 0.999, 1.255238177132068e-08)
                      (theirFeedbackAdam
                          0.0907524824699504
                          0.00016378232822128718
                          0.999
                          0.999
                          0.0002838378678760835
                          5.836204840235672e-07)
                      6)
              row
                  "drl"
                  None
                  (meulemans
                      drl
                      0.06858850589618244
                      0.056879454462500055
                      (2.968902530985572e-05, 0.9, 0.99, 1.001084429920261e-08)
                      (theirFeedbackAdam
                          0.056879454462500055
                          2.0123315498373473e-05
                          0.99
                          0.999
                          5.0844503288987736e-08
                          5.384963778780523e-06)
                      6)
              row
                  "dtp"
                  None
                  (meulemans
                      Rules.dtp
                      0.21951187497378802
                      0.08372453893037193
                      (6.185037324617764e-05, 0.9, 0.999, 1.0170111936290766e-08)
                      (theirFeedbackAdam 0.08372453893037193 0.0019584756448113774 0.9 0.999 7.541132645747324e-06 0.0)
                      0)
              row "bp" None (bp 0.0002970474733093798 0.99 0.999 6.927830087224072e-08) ]

    let meulemans2020Fmnist =
        meulemansProtocol
            "meulemans2020-fmnist"
            "fashion-mnist"
            UnitRange
            [ row
                  "ddtpLinear"
                  None
                  (meulemans
                      ddtpLinear
                      0.017250397502053975
                      0.09857259200102354
                      (8.703567590317672e-06, 0.99, 0.99, 1.727973356862063e-08)
                      (theirFeedbackAdam
                          0.09857259200102354
                          0.0007959054461775743
                          0.99
                          0.9
                          3.1081662356907766e-08
                          5.782689838884453e-06)
                      6)
              row
                  "drl"
                  None
                  (meulemans
                      drl
                      0.08656715666379391
                      0.08433329930575183
                      (7.101735983180753e-05, 0.99, 0.999, 1.6407278251505892e-08)
                      (theirFeedbackAdam
                          0.08433329930575183
                          9.698300934344597e-05
                          0.99
                          0.9
                          2.267582036430733e-05
                          2.138772519002704e-05)
                      6)
              row
                  "dtp"
                  None
                  (meulemans
                      Rules.dtp
                      0.24133669284943418
                      0.26748740970595125
                      (6.264712908427562e-05, 0.9, 0.99, 3.175105564611512e-08)
                      (theirFeedbackAdam
                          0.26748740970595125
                          0.00036600402073155754
                          0.99
                          0.999
                          1.3606678094184999e-06
                          0.0)
                      0)
              row "bp" None (bp 0.000287604813302375 0.9 0.99 4.7253263377092954e-08) ]

    // ---- Kao & Hariharan 2024 ----

    /// The TP baselines as Shibuya et al.'s code trains them (Kao & Hariharan follow it): no momentum, batch 256, the
    /// output target h_L − s·∂(Σ_b CE)/∂h_L on the logits, which is our batch-mean gradient step with η = 256·s, five
    /// feedback updates per batch before each forward update, noise σ 0.01, and five feedback-only passes first.
    let private kao (net: Net) (rule: Rule) (lr: float) (step: float) (feedbackLr: float) =
        configure net rule
        |> withTopStep (256.0 * step)
        |> withSigma 0.01
        |> Model.schedule Interleaved
        |> Model.feedbackIterations 5
        |> Model.feedbackPretraining 1
        |> optimisers (Sgd(lr, 0.0)) (Sgd(feedbackLr, 0.0))

    /// A TP row's settings: forward lr, the step s of the output target (η = 256·s) and the feedback lr.
    type private KaoRow =
        { Lr: float
          Step: float
          FeedbackLr: float }

    /// The settings of one data set's rows, and where they come from.
    type private KaoSettings =
        { Bp: float
          Drl: KaoRow
          Ldrl: KaoRow
          FwDtp: KaoRow
          Chosen: string }

    let private kaoDescription (net: Net) (chosen: string) =
        sprintf "%O (%s), " net.Stack net.Source
        + "orthogonal initialisation, SGD without momentum, batch 256, 100 epochs, inputs standardised by the data "
        + "set's own mean and deviation, 10 % of the training images held out (the last 6,000; 5,000 of CIFAR-10's; "
        + "theirs a random 10 %), the test error at the epoch of the best validation error (theirs: of "
        + "the lowest validation loss). The TP rules as Shibuya et al.'s code trains them: η = 256·s on the logits, 5 "
        + "feedback updates per batch, σ 0.01. Not published: the settings they chose from their grid (forward lr {0.3, 1, "
        + "3}, step s {0.001 … 0.1}, feedback lr {1e-4 … 1e-2}; BP lr {0.01 … 0.4} with gradient clipping, which we lack). "
        + chosen
        + " Departures: our layers have biases (theirs none); one initialisation for forward and feedback weights (theirs "
        + "U(±0.01) for trained and U(±0.001) for fixed feedback weights)."

    let private kaoProtocol
        (name: string)
        (net: Net)
        (data: string)
        (validation: int)
        (runsHere: bool)
        (settings: KaoSettings)
        (paper: float list)
        =
        let tp rule (r: KaoRow) = kao net rule r.Lr r.Step r.FeedbackLr

        let rules =
            [ "bp", configure net Rules.bp |> Model.forwardOptimiser (Sgd(settings.Bp, 0.0))
              "drl", tp (Rules.drl |> Rule.withFeedback (Feedback.drl 0.01 0.0)) settings.Drl
              "ldrl", tp Rules.ldrl settings.Ldrl
              "fwDtp", tp Rules.fwDtp settings.FwDtp ]

        { Name = name
          Source =
            "Kao & Hariharan 2024, Counter-Current Learning, Table 1 (their rerun of the TP baselines, 5 seeds); code: IandRover/CCL-NeurIPS24, TatsukichiShibuya/Fixed-Weight-Difference-Target-Propagation"
          Description = kaoDescription net settings.Chosen
          Net = net.Name
          Data = data
          Normalisation = Standardise
          Validation = validation
          Batch = 256
          Epochs = 100
          Reported = AtBestValidation
          Rows = List.map2 (fun (label, model) accuracy -> row label (Some(100.0 - accuracy)) model) rules paper
          RunsHere = runsHere }

    /// The grid's middle for drl and ldrl, and BP's lr 0.1: where no search has been run.
    let private provisional (fwDtp: KaoRow) =
        { Bp = 0.1
          Drl =
            { Lr = 1.0
              Step = 0.01
              FeedbackLr = 1e-3 }
          Ldrl =
            { Lr = 1.0
              Step = 0.01
              FeedbackLr = 1e-3 }
          FwDtp = fwDtp
          Chosen =
            "The values here are provisional (FW-DTP: Shibuya et al.'s published ones; the others the grid's middle) "
            + "until a search on the validation split replaces them, as it did for Fashion-MNIST." }

    let kao2024Mnist =
        kaoProtocol
            "kao2024-mnist"
            Nets.kao2024
            "mnist"
            6_000
            true
            (provisional
                { Lr = 0.1
                  Step = 0.04
                  FeedbackLr = 1e-3 })
            [ 98.19; 93.05; 93.29; 97.20 ]

    /// Chosen by 10-epoch random searches over their grid on the validation split (RESULTS.md, examples/sweeps/kao2024-fmnist-*.json).
    let kao2024Fmnist =
        kaoProtocol
            "kao2024-fmnist"
            Nets.kao2024
            "fashion-mnist"
            6_000
            true
            { Bp = 0.2
              Drl =
                { Lr = 1.0
                  Step = 0.1
                  FeedbackLr = 1e-4 }
              Ldrl =
                { Lr = 1.0
                  Step = 0.1
                  FeedbackLr = 1e-4 }
              FwDtp =
                { Lr = 0.3
                  Step = 0.1
                  FeedbackLr = 1e-3 }
              Chosen =
                "The values here were chosen by a random search of 8 trials × 10 epochs per row over their grid, on the "
                + "validation split, seed 1 (examples/sweeps/kao2024-fmnist-*.json; RESULTS.md has the trials); drl's "
                + "best two tied, and the one with the smaller forward lr, ldrl's best, was taken for both." }
            [ 89.58; 83.40; 83.60; 87.78 ]

    /// CIFAR-10 (3072-1024×3-10: their "4 layers", three hidden and the output, as their code builds it).
    let kao2024Cifar10 =
        kaoProtocol
            "kao2024-cifar10"
            Nets.kao2024Cifar
            "cifar-10"
            5_000
            false
            (provisional
                { Lr = 1.0
                  Step = 0.01
                  FeedbackLr = 1e-3 })
            [ 50.03; 42.09; 42.19; 45.91 ]

    let all =
        [ lee2015Mnist
          bartunov2018Mnist
          meulemans2020Mnist
          meulemans2020Fmnist
          kao2024Mnist
          kao2024Fmnist
          kao2024Cifar10 ]

    /// The protocol of that name, or a TrainingException listing the names.
    let find (name: string) =
        match all |> List.tryFind (fun p -> p.Name = name) with
        | Some p -> p
        | None ->
            let names = all |> List.map _.Name

            raise (
                TrainingException(
                    sprintf
                        "no protocol named '%s'%s; the protocols are: %s (tprop reproduce --list)"
                        name
                        (TargetProp.Runtime.Nearest.Suggestion(name, names))
                        (String.concat ", " names)
                )
            )
