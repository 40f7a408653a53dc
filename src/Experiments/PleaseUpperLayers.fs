namespace TargetProp.Experiments

open TargetProp.Dsl

/// "Learns to please the upper layers" (Bengio 2014): on Lee et al.'s 784-240×7-10 tanh network, after every epoch, a
/// linear probe's test error on each frozen h_l (Probes) and the reconstruction error of h_{l-1} by the auto-encoder
/// of the layer above, g_l(f_l(h_{l-1})) (Diagnostics' recon_l), for dtp, tp and bp. bp has no decoder of its own:
/// its g_l are trained beside it on dtp's reconstruction loss (σ 0.36) and used by nothing else, so its
/// representations are measured the same way; they learn with bp's optimiser and schedule (centred RMSprop 8·10⁻⁴,
/// parallel), not dtp's (5·10⁻³, alternating), which the reconstruction errors compared across rules carry.
module PleaseUpperLayers =
    let private net = Nets.lee2015

    /// The rules: dtp, tp, and bp with decoders trained beside it (dtp's σ).
    let private rules =
        [ Rules.dtp
          Rules.tp
          Rules.bp
          |> Rule.withName "bp (g beside)"
          |> Rule.withFeedback (Feedback.reconstruct 0.359829566008) ]

    /// A metric logged per epoch under `name`, for each run: one row of values per seed.
    let private perEpoch (name: string) (logs: RunLog list) =
        logs
        |> List.map (fun r -> r.Epochs |> List.map (RunLog.metric name) |> Array.ofList)

    /// A metric's last-epoch value per layer (prefix_l), for each run, and the layers.
    let private perLayer (prefix: string) (logs: RunLog list) =
        let last (r: RunLog) = List.last r.Epochs
        let named = Plots.layers prefix (last logs.Head)

        named |> List.map (fst >> float) |> Array.ofList,
        logs
        |> List.map (fun r -> named |> List.map (fun (_, n) -> RunLog.metric n (last r)) |> Array.ofList)

    let private last (name: string) (scale: float) (r: RunLog) =
        scale * RunLog.metric name (List.last r.Epochs)

    let private figures (runs: (Arm * RunLog list) list) =
        let epochs =
            runs |> List.collect snd |> List.map (fun r -> r.Epochs.Length) |> List.min

        let epochAxis = Array.init epochs (fun i -> float (i + 1))

        let upTo (rows: float[] list) =
            rows |> List.map (fun r -> Array.truncate epochs r)

        [ for arm, logs in runs do
              let x, rows = perLayer "probe_error" logs

              yield
                  Plots.band
                      (sprintf "linear probe test error on h_l (%%), epoch %d" epochs)
                      "layer l (0: the input)"
                      arm.Label
                      x
                      (rows |> List.map (Array.map ((*) 100.0)))
          for arm, logs in runs do
              let x, rows = perLayer "recon" logs

              yield
                  Plots.band
                      (sprintf "reconstruction error of h_{l-1} by g_l, epoch %d" epochs)
                      "layer l"
                      arm.Label
                      x
                      rows
          for arm, logs in runs do
              for l in [ 1; 4; 7 ] ->
                  Plots.band
                      "linear probe test error on h_1, h_4, h_7 (%)"
                      "epoch"
                      (sprintf "%s, h_%d" arm.Label l)
                      epochAxis
                      (perEpoch (sprintf "probe_error_%d" l) logs
                       |> upTo
                       |> List.map (Array.map ((*) 100.0)))
          for arm, logs in runs do
              for l in [ 2; 7 ] ->
                  Plots.band
                      "reconstruction error of h_1 by g_2 and h_6 by g_7"
                      "epoch"
                      (sprintf "%s, g_%d" arm.Label l)
                      epochAxis
                      (perEpoch (sprintf "recon_%d" l) logs |> upTo) ]

    let experiment (epochs: int) : Experiment =
        let arms =
            [ for rule in rules ->
                  { Experiment.onNet net epochs rule.Name rule Refuse with
                      Diagnostics = true
                      Measure =
                          Some(fun c -> Probes.measure (net.Configure rule Refuse) c.Data c.Seed c.Threads c.Parameters) } ]

        { Name = "please-upper-layers"
          Conjecture =
            "each layer's encoder \"learns to please the upper layers by transforming the data into a space where it is easier to model by them, flattening manifolds\" (Bengio 2014)"
          Protocol =
            sprintf
                "lee2015 (784-240×7-10 tanh) on MNIST, %d epochs, dtp, tp and bp with their settings (bp with g_l trained beside it, unused); after every epoch a linear probe (softmax regression, Adam 10⁻³, at least 3,000 steps of 100) fitted on each frozen h_l of the 60,000 training images and scored on the test images, and g_l's reconstruction error on 100 training images"
                epochs
          Arms = arms
          QuickArms = arms
          Columns =
            [ Experiment.finalError
              { Key = "probe_error_1"
                Heading = "probe error, h_1 (%)"
                Read = last "probe_error_1" 100.0 }
              { Key = "probe_error_7"
                Heading = "probe error, h_7 (%)"
                Read = last "probe_error_7" 100.0 }
              { Key = "recon_2"
                Heading = "recon. error, g_2"
                Read = last "recon_2" 1.0 }
              { Key = "recon_7"
                Heading = "recon. error, g_7"
                Read = last "recon_7" 1.0 } ]
          Figures = [ "", figures ] }
