namespace TargetProp.Dsl

type Net =
    { Name: string
      Source: string
      Stack: Stack
      Configure: Rule -> ThroughDiscrete -> Model }

module Nets =
    // Lee et al.'s optimiser is their RMSprop with momentum (centred RMSprop here) for both sides.
    let private rates (forward: float) (feedback: float) (m: Model) =
        m
        |> Model.forwardOptimiser (CentredRmsProp forward)
        |> Model.feedbackOptimiser (CentredRmsProp feedback)

    let private withEta (eta: float) (m: Model) =
        { m with
            Rule = m.Rule |> Rule.withTop (Top.withStep eta m.Rule.Top) }

    let private plain (stack: Stack) (rule: Rule) (through: ThroughDiscrete) =
        Model.create stack rule |> Model.throughDiscrete through

    let mlp (features: int) (count: int) (width: int) (unit: Nonlinearity) (classes: int) =
        input features |> repeat count (dense width unit) |> dense classes Softmax

    let lee2015 =
        let stack = mlp 784 7 240 Tanh 10

        { Name = "lee2015"
          Source = "Lee, Zhang, Fischer & Bengio 2015, Difference Target Propagation, §3.1 (conti_dtp.py)"
          Stack = stack
          Configure = plain stack }

    let lee2015Discrete =
        let stack = input 784 |> dense 500 Sign |> dense 500 Tanh |> dense 10 Softmax

        { Name = "lee2015-discrete"
          Source = "Lee et al. 2015, §3.2 (disc_dtp.py, disc_bp1.py, disc_bp2.py)"
          Stack = stack
          Configure =
            fun rule through ->
                let m = plain stack rule through

                match rule.Name, through with
                | "dtp", _ ->
                    { m with
                        Rule =
                            m.Rule
                            |> Rule.withFeedback (Feedback.reconstruct 0.5)
                            |> Rule.withFeedbackInput Sign }
                    |> withEta 27.965482616
                    |> rates 0.000660055346131 0.000432831736994
                    |> Model.feedbackNoiseDecay 50.0
                | "bp", ContinuousTraining -> rates 0.00324964515659 0.00324964515659 m
                | "bp", _ -> rates 0.00254964515659 0.00254964515659 m
                | _ -> m }

    let lee2015Stochastic =
        let stack =
            input 784 |> dense 200 Bernoulli |> dense 200 Bernoulli |> dense 10 Softmax

        { Name = "lee2015-stochastic"
          Source = "Lee et al. 2015, §3.3 (sto_dtp.py, sto_bp_ge.py)"
          Stack = stack
          Configure =
            fun rule through ->
                let m = plain stack rule through |> Model.inputNoise 0.3 |> Model.samples 100

                match rule.Name with
                | "dtp" ->
                    { m with
                        Rule =
                            m.Rule
                            |> Rule.withFeedback (Feedback.reconstruct 0.5)
                            |> Rule.withFeedbackActivation Tanh
                        ThroughDiscrete = (if through = Refuse then StraightThrough else through) }
                    |> withEta 58.4385169576
                    |> rates 0.00308740019447 0.00000271629261947
                    |> Model.feedbackNoiseDecay 100.0
                | "bp" -> rates 0.00458495466364 0.00458495466364 m
                | _ -> m }

    let private plainNet (name: string) (source: string) (stack: Stack) =
        { Name = name
          Source = source
          Stack = stack
          Configure = plain stack }

    let bartunov2018Fc =
        plainNet
            "bartunov2018-fc"
            "Bartunov et al. 2018, Assessing the Scalability of Biologically-Motivated Deep Learning Algorithms, MNIST fully connected"
            (mlp 784 5 256 Tanh 10)

    let meulemans2020 =
        plainNet
            "meulemans2020"
            "Meulemans et al. 2020, A Theoretical Framework for Target Propagation, MNIST and Fashion-MNIST"
            (mlp 784 5 256 Tanh 10)

    let bartunov2018Cifar =
        plainNet
            "bartunov2018-cifar"
            "Bartunov et al. 2018, CIFAR-10 fully connected (Table 3: FC 1024 ×3, softmax 10)"
            (mlp 3072 3 1024 Tanh 10)

    let kao2024 =
        plainNet
            "kao2024"
            "Kao & Hariharan 2024, Counter-Current Learning, the TP baselines' MNIST and Fashion-MNIST network (their \"6 layers\" are 6 weight layers, as in their code and Shibuya et al.'s)"
            (mlp 784 5 256 Tanh 10)

    let kao2024Cifar =
        plainNet
            "kao2024-cifar"
            "Kao & Hariharan 2024, the TP baselines' CIFAR network (their \"4 layers\": 3 hidden of 1024 and the output, as in their code)"
            (mlp 3072 3 1024 Tanh 10)

    let all =
        [ lee2015
          lee2015Discrete
          lee2015Stochastic
          bartunov2018Fc
          bartunov2018Cifar
          meulemans2020
          kao2024
          kao2024Cifar ]

    let tryFind (name: string) =
        match all |> List.tryFind (fun n -> n.Name = name) with
        | Some n -> Ok n
        | None ->
            let names = all |> List.map _.Name

            Error(
                sprintf
                    "no network named '%s'%s; the named networks are: %s (tprop nets prints them)"
                    name
                    (TargetProp.Runtime.Nearest.Suggestion(name, names))
                    (String.concat ", " names)
            )
