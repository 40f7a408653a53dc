namespace TargetProp.Dsl

/// A named network: a stack as a paper built it, with the settings the paper trained each rule with on it.
type Net =
    {
        Name: string
        /// The paper and code the network and its settings come from.
        Source: string
        Stack: Stack
        /// The model of a rule on this net, given what stands in for derivatives through its discrete units: the
        /// paper's settings for that rule where it published them, the rule's own defaults otherwise.
        Configure: Rule -> ThroughDiscrete -> Model
    }

/// The named networks (tprop nets; tprop train --net NAME).
module Nets =
    /// Lee et al. 2015's network: 784-240×7-10, tanh hidden layers, softmax output.
    val lee2015: Net

    /// Lee et al. 2015's discrete network (their disc_dtp.py): 784-500-500-10, layer 2 reading sign(h1),
    /// h1 = tanh(W1 x + b1), h2 = tanh(W2 sign(h1) + b2), p = softmax(W3 h2 + b3), and g2(h2) = tanh(V2 sign(h2) + c2).
    /// DTP: η̂ 27.97, forward lr 6.60e-4, inverse lr 4.33e-4, inverse noise σ = 0.5/(1 + e/50), 500 epochs. Their
    /// baselines: bp through sign (NoGradient; W1 learns nothing, lr 2.55e-3) and bp on the continuous net tested
    /// with sign inserted (ContinuousTraining, lr 3.25e-3).
    val lee2015Discrete: Net

    /// Lee et al. 2015's stochastic network (their sto_dtp.py): 784-200-200-10 with Bernoulli-sampled sigmoid units,
    /// input noise σ 0.3, tanh inverses. DTP: η̂ 58.44 taken at the sample (straight-through, as their code does),
    /// forward lr 3.09e-3, inverse lr 2.72e-6, inverse noise σ = 0.5/(1 + e/100), 1000 epochs; their baseline: bp
    /// with the straight-through estimator, lr 4.58e-3. Tested with class probabilities averaged over 100 samples.
    val lee2015Stochastic: Net

    /// features-(width×count)-classes: `count` hidden layers of `width` units of one kind, softmax output.
    val mlp: features: int -> count: int -> width: int -> unit: Nonlinearity -> classes: int -> Stack

    /// Bartunov et al. 2018's MNIST network: 784-256×5-10, tanh hidden layers. The rules' own settings (their
    /// searched ones come with the reproduction protocols).
    val bartunov2018Fc: Net

    /// Meulemans et al. 2020's MNIST and Fashion-MNIST network: 784-256×5-10, tanh hidden layers. The rules' own
    /// settings (their published final configs come with the reproduction protocols).
    val meulemans2020: Net

    /// Bartunov et al. 2018's CIFAR-10 network: 3072-1024×3-10, tanh hidden layers. The rules' own settings.
    val bartunov2018Cifar: Net

    /// Kao & Hariharan 2024's network for the TP baselines on MNIST and Fashion-MNIST: 784-256×5-10 tanh (six weight
    /// layers, which the paper calls "6 layers"; their code and Shibuya et al.'s build five hidden layers). The rules'
    /// own settings.
    val kao2024: Net

    /// Kao & Hariharan 2024's CIFAR network: 3072-1024×3-10 tanh (their "4 layers"). The rules' own settings.
    val kao2024Cifar: Net

    /// Every named network.
    val all: Net list

    /// The network of that name, or a message listing the names.
    val tryFind: name: string -> Result<Net, string>
