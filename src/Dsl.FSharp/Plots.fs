namespace TargetProp.Dsl

open System.IO

/// One line of a figure: its panel, what its x axis is (with the unit), its legend text and its points; Low and High
/// bound a band (mean ± one standard deviation over seeds) and are empty for a single run.
type Series =
    { Panel: string
      XAxis: string
      Label: string
      X: float[]
      Y: float[]
      Low: float[]
      High: float[] }

/// Figures of runs (ScottPlot): error and loss per epoch, and the per-layer diagnostics when logged. The series are
/// computed apart from the drawing, so they can be checked as numbers.
module Plots =
    /// Panels against the epoch, in order: title (with the unit) and value.
    let private curves =
        [ "test error (%)", (fun (e: EpochMetrics) -> 100.0 * e.TestError)
          "train error (%)", (fun e -> 100.0 * e.TrainError)
          "train loss", (fun e -> e.TrainLoss) ]

    /// Panels against the layer: a metric name's prefix (angle_bp_3 → angle_bp) and the panel's title.
    let private diagnosticPanels =
        [ "angle_bp", "angle to bp (degrees)"
          "angle_gn", "angle to Gauss–Newton (degrees)"
          "recon", "g_l reconstruction error"
          "target_move", "target move ‖ĥ_l − h_l‖"
          "probe_error", "linear probe test error (fraction)" ]

    /// The marker in a panel's title that it is drawn against the layer, at an epoch.
    let private atEpoch = ", epoch "

    /// mean and standard deviation (n − 1 in the denominator; 0 for one value) of each column.
    let meanStd (rows: float[] list) =
        let n = float rows.Length
        let columns = Array.transpose (Array.ofList rows)
        let mean = columns |> Array.map Array.average

        let std =
            Array.map2
                (fun (c: float[]) m ->
                    if c.Length < 2 then
                        0.0
                    else
                        sqrt ((c |> Array.sumBy (fun v -> (v - m) ** 2.0)) / (n - 1.0)))
                columns
                mean

        mean, std

    /// A line of a panel from one row of values per run: the row itself for one run, mean ± std for several.
    let band (panel: string) (axis: string) (label: string) (x: float[]) (rows: float[] list) : Series =
        match rows with
        | [ only ] ->
            { Panel = panel
              XAxis = axis
              Label = label
              X = x
              Y = only
              Low = [||]
              High = [||] }
        | _ ->
            let mean, std = meanStd rows

            { Panel = panel
              XAxis = axis
              Label = label
              X = x
              Y = mean
              Low = Array.map2 (-) mean std
              High = Array.map2 (+) mean std }

    /// Every metric a run logged under a prefix (angle_bp_1, angle_bp_2, ...), with its layer, in layer order.
    let layers (prefix: string) (e: EpochMetrics) =
        e.Diagnostics
        |> List.choose (fun (name, _) ->
            if name.StartsWith(prefix + "_") then
                match System.Int32.TryParse(name.Substring(prefix.Length + 1)) with
                | true, l -> Some(l, name)
                | _ -> None
            else
                None)
        |> List.sortBy fst

    /// The series of runs: runs that differ only by seed (same rule, network and data) become one mean ± std line
    /// labelled with their seed count, over the epochs all of them reached; any other run is its own line labelled
    /// with rule and seed (and network and data, where the runs differ in them). Error and loss are drawn against the epoch; each per-layer diagnostic against the
    /// layer, at the last epoch (X is then the layer number).
    let series (runs: RunLog list) : Series list =
        let groups = runs |> List.groupBy (fun r -> r.Rule, r.Net, r.Data)
        // A label names the network and the data only when the runs differ in them.
        let data = runs |> List.map _.Data |> List.distinct |> List.length > 1
        let nets = runs |> List.map _.Net |> List.distinct |> List.length > 1

        [ for (rule, net, d), rs in groups do
              let epochs = rs |> List.map (fun r -> r.Epochs.Length) |> List.min
              // (A rule label that already names them, as an experiment's arm label may, is left as it is.)
              let name =
                  rule
                  + (if nets && not (rule.Contains net) then ", " + net else "")
                  + (if data && not (rule.Contains d) then ", " + d else "")

              let label =
                  match rs with
                  | [ r ] -> sprintf "%s, seed %d" name r.Seed
                  | _ -> sprintf "%s, %d seeds (mean ± std)" name rs.Length

              let line panel axis (x: float[]) (rows: float[] list) = band panel axis label x rows

              for panel, value in curves do
                  yield
                      line
                          panel
                          "epoch"
                          (Array.init epochs (fun i -> float (i + 1)))
                          (rs
                           |> List.map (fun r -> r.Epochs |> List.take epochs |> List.map value |> Array.ofList))

              let last (r: RunLog) = r.Epochs.[epochs - 1]

              for prefix, panel in diagnosticPanels do
                  match layers prefix (last (List.head rs)) with
                  | [] -> ()
                  | named ->
                      let x = named |> List.map (fst >> float) |> Array.ofList

                      let rows =
                          rs
                          |> List.map (fun r ->
                              named |> List.map (fun (_, n) -> RunLog.metric n (last r)) |> Array.ofList)

                      yield line (sprintf "%s%s%d" panel atEpoch epochs) "layer" x rows ]

    /// Draws the series to a PNG `width` pixels wide, 360 pixels a row, written through a temporary file and a rename:
    /// two panels a row with the legend inside, or, when a panel has more than four lines, one a row with the legend
    /// beside the plot, where it hides no line.
    let render (path: string) (width: int) (series: Series list) =
        let panels = series |> List.map _.Panel |> List.distinct
        let crowded = series |> List.countBy _.Panel |> List.exists (fun (_, n) -> n > 4)
        let columns = if crowded then 1 else min 2 panels.Length
        let rows = (panels.Length + columns - 1) / columns
        let figure = ScottPlot.Multiplot()
        figure.Layout <- ScottPlot.MultiplotLayouts.Grid(rows, columns)

        for i, panel in List.indexed panels do
            let plot =
                if i = 0 then
                    ScottPlot.IMultiplotExtensions.GetPlot(figure, 0)
                else
                    ScottPlot.IMultiplotExtensions.AddPlot figure

            plot.Title(panel, 13.0f)
            // Twenty colours, so that the lines of a crowded panel do not share one.
            plot.Add.Palette <- ScottPlot.Palettes.Category20()
            plot.XLabel((series |> List.find (fun s -> s.Panel = panel)).XAxis, 12.0f)
            plot.YLabel(panel.Split(atEpoch).[0], 12.0f)
            plot.Axes.Bottom.TickGenerator <- ScottPlot.TickGenerators.NumericAutomatic(IntegerTicksOnly = true)

            for s in series |> List.filter (fun s -> s.Panel = panel) do
                let line = plot.Add.Scatter(s.X, s.Y)
                line.LegendText <- s.Label

                if s.Low.Length > 0 then
                    let band = plot.Add.FillY(s.X, s.Low, s.High)
                    band.FillColor <- line.Color.WithAlpha(0.25)
                    band.LineWidth <- 0.0f

            if crowded then
                plot.ShowLegend(ScottPlot.Edge.Right) |> ignore
            else
                plot.ShowLegend(ScottPlot.Alignment.UpperRight) |> ignore

        let height = 360 * rows
        let tmp = path + ".tmp.png"
        ScottPlot.IMultiplotExtensions.SavePng(figure, tmp, width, height) |> ignore
        File.Move(tmp, path, true)
