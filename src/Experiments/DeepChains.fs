namespace TargetProp.Experiments

open TargetProp.Dsl

/// Credit assignment through long chains (Bengio 2014): 784-240×d-10 for d = 2 … 64 hidden layers, each tanh or the
/// steep tanh(4a), trained by bp, dtp and drl with their papers' settings; test error after a fixed number of epochs
/// and at a fixed wall time, and each layer's angle to bp.
module DeepChains =
    let depths = [ 2; 4; 8; 16; 32; 64 ]

    /// Training images (the first of MNIST's; all 10,000 test images are scored).
    let trainImages = 5000

    /// The fixed epochs, the fixed wall time of training in seconds, and the most epochs a run takes to reach it.
    let epochs, wallTime, maxEpochs = 3, 10.0, 30

    let private units = [ Tanh, "tanh"; SteepTanh 4.0, "tanh(4a)" ]
    let private rules = [ Rules.bp; Rules.dtp; Rules.drl ]

    let private label (rule: Rule) (unit: string) (depth: int) =
        sprintf "%s %s depth %d" rule.Name unit depth

    /// The epoch `e` of a run (its last if it stopped before).
    let private at (e: int) (r: RunLog) = r.Epochs.[min e r.Epochs.Length - 1]

    /// The test error (%) after the last epoch whose training ended within the wall time (NaN if none did).
    let errorAtWallTime (r: RunLog) =
        let within =
            r.Epochs
            |> List.scan (fun t e -> t + e.Seconds) 0.0
            |> List.tail
            |> List.filter (fun t -> t <= wallTime)
            |> List.length

        if within = 0 then
            nan
        else
            100.0 * r.Epochs.[within - 1].TestError

    /// The hidden layers of a run's network, read from its name (784-240x<d>-10 <unit>).
    let private depthOf (r: RunLog) = int (r.Net.Split('x', '-').[2])

    /// angle_bp_l at the fixed epoch for the hidden layers l = 1 .. d (index l - 1): NaN where the log has none (an
    /// angle to a zero update is undefined and logged as NaN).
    let private hiddenAngles (r: RunLog) =
        let e = at epochs r
        Array.init (depthOf r) (fun i -> RunLog.metric (sprintf "angle_bp_%d" (i + 1)) e)

    /// The mean of the finite values (NaN if none).
    let private finiteMean (xs: float seq) =
        match xs |> Seq.filter System.Double.IsFinite |> List.ofSeq with
        | [] -> nan
        | v -> List.average v

    let private columns =
        [ { Key = "test_error_at_epochs"
            Heading = sprintf "test error, %d epochs (%%)" epochs
            Read = fun r -> 100.0 * (at epochs r).TestError }
          { Key = "test_error_at_wall_time"
            Heading = sprintf "test error at %g s (%%)" wallTime
            Read = errorAtWallTime }
          { Key = "angle_bp_1"
            Heading = "angle to bp, layer 1 (°)"
            Read = fun r -> (hiddenAngles r).[0] }
          { Key = "angle_bp_mean"
            Heading = "angle to bp, mean (°)"
            Read = fun r -> finiteMean (hiddenAngles r) } ]

    let private armsOf () =
        [ for unit, unitName in units do
              for rule in rules do
                  for depth in depths ->
                      let net = input 784 |> repeat depth (dense 240 unit) |> dense 10 Softmax

                      (rule, unitName, depth),
                      { Experiment.arm
                            (label rule unitName depth)
                            (sprintf "784-240x%d-10 %s" depth unitName)
                            (Model.create net rule)
                            maxEpochs with
                          Prepare = (fun d -> d.Take(min trainImages d.TrainCount, d.TestCount))
                          Until =
                              (fun es ->
                                  es.Length >= epochs
                                  && List.sumBy (fun (e: EpochMetrics) -> e.Seconds) es >= wallTime)
                          // The angles at the fixed epoch only (or a shorter run's last): at depth 64 they cost seconds.
                          Measure =
                              Some(fun c ->
                                  if c.Epoch <> min epochs c.Epochs then
                                      []
                                  else
                                      let model = Model.create net rule
                                      let sides, x, y = Diagnostics.probeBatch c.Data c.Data.TrainCount
                                      Diagnostics.anglesToBp model c.Parameters sides x y) } ]

    /// Per (rule, unit): a column's mean ± std over seeds against the depth.
    let private againstDepth
        (keyOf: Map<string, Rule * string * int>)
        (panel: string)
        (read: RunLog -> float)
        (skipBp: bool)
        (runs: (Arm * RunLog list) list)
        =
        runs
        |> List.groupBy (fun (arm, _) -> let rule, unit, _ = keyOf.[arm.Label] in rule.Name, unit)
        |> List.filter (fun ((rule, _), _) -> not (skipBp && rule = Rules.bp.Name))
        |> List.map (fun ((rule, unit), arms) ->
            let points =
                arms
                |> List.map (fun (arm, logs) ->
                    let _, _, depth = keyOf.[arm.Label] in
                    float depth, logs |> List.map read |> List.filter System.Double.IsFinite)
                |> List.filter (fun (_, ys) -> not ys.IsEmpty)

            let mean, std =
                points |> List.map (snd >> Experiment.meanStd) |> Array.ofList |> Array.unzip

            let several = arms |> List.exists (fun (_, logs) -> logs.Length > 1)

            { Panel = panel
              XAxis = "hidden layers"
              Label = sprintf "%s, %s" rule unit
              X = points |> List.map fst |> Array.ofList
              Y = mean
              Low = (if several then Array.map2 (-) mean std else [||])
              High = (if several then Array.map2 (+) mean std else [||]) })

    let experiment: Experiment =
        let arms = armsOf ()
        let keyOf = arms |> List.map (fun (k, a) -> a.Label, k) |> Map.ofList

        let byDepth (runs: (Arm * RunLog list) list) =
            [ yield! againstDepth keyOf (sprintf "test error after %d epochs (%%)" epochs) columns.[0].Read false runs
              yield!
                  againstDepth keyOf (sprintf "test error at %g s of training (%%)" wallTime) errorAtWallTime false runs
              yield! againstDepth keyOf "angle to bp at layer 1 (degrees)" columns.[2].Read true runs
              yield! againstDepth keyOf "mean angle to bp, hidden layers (degrees)" columns.[3].Read true runs ]
        // Per rule and unit (bp's own angle is 0): angle_bp_l against l, a line per depth, mean over seeds.
        let byLayer (runs: (Arm * RunLog list) list) =
            [ for arm, logs in runs do
                  let rule, unit, depth = keyOf.[arm.Label]

                  if rule.Name <> Rules.bp.Name then
                      let angles = logs |> List.map hiddenAngles
                      // The mean over the seeds that have the layer's angle; a layer none has is left out.
                      let points =
                          [ for l in 1..depth do
                                let m = finiteMean (angles |> List.map (fun a -> a.[l - 1]))

                                if System.Double.IsFinite m then
                                    yield float l, m ]

                      yield
                          { Panel = sprintf "%s, %s: angle to bp (degrees), epoch %d" rule.Name unit epochs
                            XAxis = "layer"
                            Label = sprintf "depth %d" depth
                            X = points |> List.map fst |> Array.ofList
                            Y = points |> List.map snd |> Array.ofList
                            Low = [||]
                            High = [||] } ]

        { Name = "deep-chains"
          Conjecture =
            "target propagation can assign credit \"through a long chain of strong non-linear operations\", where back-propagated gradients vanish or explode (Bengio 2014)"
          Protocol =
            sprintf
                "784-240×d-10, d = %s tanh or tanh(4a) hidden layers, bp, dtp and drl with their papers' settings, the first %d MNIST training images, test error after %d epochs and after the last epoch within %g s of training (at most %d epochs), angles to bp on 100 training images"
                (depths |> List.map string |> String.concat ", ")
                trainImages
                epochs
                wallTime
                maxEpochs
          Arms = arms |> List.map snd
          // A quick run takes depths 2 and 8 (initialising a 64-layer stack alone takes 10–18 s: MathNet's SVD per matrix).
          QuickArms =
            arms
            |> List.filter (fun ((_, _, depth), _) -> depth = 2 || depth = 8)
            |> List.map snd
          Columns = columns
          Figures = [ "", byDepth; "-layers", byLayer ] }
