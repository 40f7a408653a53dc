namespace TargetProp.Dsl

/// The rules a user finds ready, each with its paper's equations. Settings are the ones that train Lee et al.'s
/// 784–240×7–10 network on MNIST here (RESULTS.md records them with their accuracy); where a paper's own settings
/// differ, the comment says how.
module Rules =
    /// Back-propagation as a target rule: ĥ_L = h_L − ∂ℓ/∂h_L (η = 1) and ĥ_{l-1} = h_{l-1} − ∂ℓ/∂h_{l-1}, with the local
    /// loss ½ Σ_b ‖f_l − ĥ_l‖², so each local update equals ∂ℓ/∂W_l exactly. Lee et al. 2015's BP baseline settings:
    /// centred RMSprop, lr 0.000804437.
    let bp: Rule =
        Rule.create "bp" (Top.gradientStep 1.0) Propagate.gradient Feedback.none
        |> Rule.withLocalLoss HalfSumSquared
        |> Rule.withDefaults
            { Rule.leeDefaults with
                ForwardOptimiser = CentredRmsProp 0.000804436870084
                FeedbackOptimiser = CentredRmsProp 0.000804436870084
                Schedule = Parallel }

    /// Target propagation (Bengio 2014): the label as top target, ĥ_L = y (the output layer learns by its own
    /// gradient), ĥ_{l-1} = g_l(ĥ_l) down to layer 1, g_l trained on ‖g_l(f_l(h_{l-1}+ε)) − (h_{l-1}+ε)‖² with σ = 0.35983.
    /// Lee et al.'s settings except a forward lr of 0.001: with their gradient-step target at L-1 and lr 0.0149 tp
    /// does not learn on this 7-hidden-layer network (RESULTS.md); with the label it reaches 92 % in 5 epochs.
    let tp: Rule =
        Rule.create "tp" Top.label Propagate.invert (Feedback.reconstruct 0.359829566008)
        |> Rule.withDefaults
            { Rule.leeDefaults with
                ForwardOptimiser = CentredRmsProp 0.001 }

    /// Difference target propagation (Lee, Zhang, Fischer, Bengio 2015): ĥ_{L-1} = h_{L-1} − η̂ ∂ℓ/∂h_{L-1} with
    /// η̂ = 0.327736, ĥ_{l-1} = h_{l-1} + g_l(ĥ_l) − g_l(h_l), g_l trained on ‖g_l(f_l(h_{l-1}+ε)) − (h_{l-1}+ε)‖²
    /// with σ = 0.35983; centred RMSprop, forward lr 0.0148893, feedback lr 0.00501149, alternating schedule.
    let dtp: Rule =
        Rule.create
            "dtp"
            (Top.gradientStep 0.327736332653 |> Top.atLastHidden)
            Propagate.difference
            (Feedback.reconstruct 0.359829566008)

    /// Simplified DTP (Bartunov et al. 2018): ĥ_L = y, the label itself (no gradient; the output layer learns by its
    /// own gradient), ĥ_{l-1} = h_{l-1} + g_l(ĥ_l) − g_l(h_l) for l = L..2 (so g_L maps the class probabilities to
    /// h_{L-1}), and g_l trained as a denoising auto-encoder ‖g_l(f_l(h_{l-1}+ε)) − h_{l-1}‖². Adam as in the paper
    /// (forward lr 1e-4, feedback lr 1e-3), alternating schedule: with Lee et al.'s centred RMSprop the label's large
    /// target moves diverge.
    let sdtp: Rule =
        Rule.create "sdtp" Top.label Propagate.difference (Feedback.denoise 0.359829566008)
        |> Rule.withDefaults
            { Rule.leeDefaults with
                ForwardOptimiser = Adam 1e-4
                FeedbackOptimiser = Adam 1e-3 }

    /// SDTP with auxiliary output (Bartunov et al. 2018, AO-SDTP): the output layer's value is [p, z] with z = tanh(A h_{L-1})
    /// for a fixed random A (240 features here: as wide as h_{L-1}, so [p, z] can carry all of it; the paper used 512
    /// on CIFAR-10), target [y, z]; ĥ_{L-1} = h_{L-1} + g_L(y, z) − g_L(p, z).
    /// Settings as sdtp.
    let aoSdtp: Rule =
        Rule.create "aoSdtp" (Top.label |> Top.withAuxiliary 240) Propagate.difference (Feedback.denoise 0.359829566008)
        |> Rule.withDefaults sdtp.Defaults

    /// Direct DTP with linear feedback (Meulemans et al. 2020, DDTP-linear): ĥ_L = h_L − η ∂ℓ/∂h_L on the logits,
    /// ĥ_{l-1} = h_{l-1} + Q_l(ĥ_L − h_L) with Q_l linear (g_l(v) = Q_l v + c_l, so the biases cancel), Q_l trained by
    /// the difference reconstruction loss ‖Q_l(f_{L←l-1}(h_{l-1}+ε) − h_L) − ε‖² + λ‖Q_l η‖².
    let ddtpLinear: Rule =
        Rule.create "ddtpLinear" (Top.gradientStep 0.327736332653) Propagate.direct (Feedback.drl 0.1 0.01)
        |> Rule.withFeedbackActivation Linear

    /// DTP trained by the difference reconstruction loss (Meulemans et al. 2020, DRL): difference propagation from
    /// ĥ_L = h_L − η ∂ℓ/∂h_L, and g_l trained on ‖ĥ^ε_{l-1} − (h_{l-1}+ε)‖² + λ‖g_l(h_l+η) − g_l(h_l)‖², where
    /// ĥ^ε_{l-1} is the difference chain run down from the perturbed output f_{L←l-1}(h_{l-1}+ε).
    let drl: Rule =
        Rule.create "drl" (Top.gradientStep 0.327736332653) Propagate.difference (Feedback.drl 0.1 0.01)

    /// DTP trained by the local difference reconstruction loss (Ernoult et al. 2022, L-DRL): difference propagation
    /// from ĥ_L = h_L − η ∂ℓ/∂h_L, and g_l trained on −2εᵀ(g_l(f_l(h_{l-1}+ε)) − g_l(h_l)) + ‖g_l(h_l+η) − g_l(h_l)‖²,
    /// several feedback iterations per batch before each forward update.
    let ldrl: Rule =
        Rule.create "ldrl" (Top.gradientStep 0.327736332653) Propagate.difference (Feedback.ldrl 0.1)
        |> Rule.withDefaults
            { Rule.leeDefaults with
                Schedule = Interleaved
                FeedbackIterations = 2 }

    /// Fixed-weight DTP (Shibuya et al. 2023, FW-DTP): Lee et al.'s DTP (top target at the last hidden layer) with
    /// feedback maps g_l whose weights stay at their random (orthogonal) initial values; Shibuya et al. draw them from
    /// U(−10⁻³, 10⁻³) and set the top target at the output.
    let fwDtp: Rule =
        Rule.create
            "fwDtp"
            (Top.gradientStep 0.327736332653 |> Top.atLastHidden)
            Propagate.difference
            Feedback.fixedRandom

    /// Every preset, by name.
    let all: Rule list = [ bp; tp; dtp; sdtp; aoSdtp; ddtpLinear; drl; ldrl; fwDtp ]

    /// A preset by its name, or an error listing the names.
    let tryFind (name: string) : Result<Rule, string> =
        match all |> List.tryFind (fun r -> r.Name = name) with
        | Some r -> Ok r
        | None ->
            let names = all |> List.map _.Name

            Error(
                sprintf
                    "no rule named '%s'%s; the presets are: %s"
                    name
                    (TargetProp.Runtime.Nearest.Suggestion(name, names))
                    (String.concat ", " names)
            )
