namespace TargetProp.Experiments

open System.IO
open TargetProp.Dsl

/// What a protocol reports of each run, as its paper does.
type Reported =
    /// The test error after the last epoch.
    | FinalEpoch
    /// The test error at the epoch of the lowest validation error (the first such epoch).
    | AtBestValidation
    /// The lowest test error over the epochs (Bartunov et al. 2018: "best errors achieved in 500 epochs").
    | BestTest

/// A row of a paper's table: our label, the model that stands for it, and the paper's test error in % (None where the
/// paper gives none for this row).
type Row =
    { Label: string
      Model: Model
      Paper: float option }

/// A paper's protocol as a value: the network, the rules with their settings (each row's model), the data and its
/// normalisation, the validation split held out of the training examples, batch, epochs, and what is reported.
type Protocol =
    {
        Name: string
        /// The paper and the code its settings come from.
        Source: string
        /// Where each setting comes from, which are not published and how they were chosen, where we depart.
        Description: string
        Net: string
        Data: string
        Normalisation: Normalisation
        /// The last n training examples, held out (0: none; the run trains on all of them).
        Validation: int
        Batch: int
        Epochs: int
        Reported: Reported
        Rows: Row list
        /// false for data these machines cannot fetch (CIFAR-10): its rows are marked "run on your machine".
        RunsHere: bool
    }

module Protocol =
    /// The reported test error of a run in % and the epoch it comes from.
    let reported (r: Reported) (log: RunLog) : float * int =
        let pick (e: EpochMetrics) = 100.0 * e.TestError, e.Epoch

        match r with
        | FinalEpoch -> pick (List.last log.Epochs)
        | BestTest -> pick (log.Epochs |> List.minBy _.TestError)
        | AtBestValidation ->
            match log.Epochs |> List.filter (fun e -> e.ValidationError.IsSome) with
            | [] ->
                raise (
                    TrainingException(
                        sprintf
                            "%s logged no validation error: this protocol reports the test error at the best validation epoch, so its runs need a validation split"
                            log.Folder
                    )
                )
            | validated -> pick (validated |> List.minBy (fun e -> e.ValidationError.Value))

    let private describe (r: Reported) =
        match r with
        | FinalEpoch -> "test error after the last epoch"
        | AtBestValidation -> "test error at the epoch of the lowest validation error"
        | BestTest -> "lowest test error over the epochs"

    /// The protocol as an experiment of `epochs` epochs: one arm per row, its columns the reported error, the epoch
    /// it comes from, the final test error and the wall time.
    let experiment (p: Protocol) (epochs: int) : Experiment =
        let arms =
            [ for row in p.Rows ->
                  { Experiment.arm row.Label p.Net row.Model epochs with
                      Data = p.Data
                      Prepare = Data.normalise p.Normalisation
                      Batch = p.Batch
                      Validation = p.Validation } ]

        { Name = p.Name
          Conjecture = p.Source
          Protocol = p.Description
          Arms = arms
          QuickArms = arms
          Columns =
            [ { Key = "reported_error"
                Heading = "reported error (%)"
                Read = fun log -> fst (reported p.Reported log) }
              { Key = "reported_epoch"
                Heading = "at epoch"
                Read = fun log -> float (snd (reported p.Reported log)) }
              Experiment.finalError
              { Key = "minutes"
                Heading = "training (min)"
                Read = fun log -> (log.Epochs |> List.sumBy _.Seconds) / 60.0 } ]
          Figures = [ "", Experiment.curves ] }

    /// The comparison with the paper as a Markdown table: per row, our reported error (mean ± std over the seeds that
    /// trained, with their count), the paper's, the difference, and the mean training time.
    let comparison (p: Protocol) (epochs: int) (results: ArmResult list) : string =
        let number (x: float) =
            x.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)

        let lines =
            [ yield
                  sprintf
                      "%s — %s, %d epochs, batch %d; reported: %s."
                      p.Name
                      p.Net
                      epochs
                      p.Batch
                      (describe p.Reported)
              yield ""
              yield "| rule | ours: test error (%) | seeds | paper (%) | ours − paper | at epoch | minutes per run |"
              yield "|---|---|---|---|---|---|---|"
              for row, r in List.zip p.Rows results do
                  let finite key =
                      r.Values.[key] |> List.filter System.Double.IsFinite

                  let errors = finite "reported_error"

                  let cell xs =
                      match xs with
                      | [] -> "—"
                      | [ x ] -> number x
                      | xs -> let m, s = Experiment.meanStd xs in sprintf "%s ± %s" (number m) (number s)

                  let mean xs =
                      match xs with
                      | [] -> "—"
                      | xs -> number (List.average xs)

                  let paper = row.Paper |> Option.map number |> Option.defaultValue "—"

                  let gap =
                      match row.Paper, errors with
                      | Some paper, (_ :: _ as xs) -> sprintf "%+.2f" (List.average xs - paper)
                      | _ -> "—"

                  let diverged =
                      if r.Diverged.IsEmpty then
                          ""
                      else
                          sprintf " (%d diverged)" r.Diverged.Count

                  yield
                      sprintf
                          "| %s | %s | %d%s | %s | %s | %s | %s |"
                          row.Label
                          (cell errors)
                          errors.Length
                          diverged
                          paper
                          gap
                          (mean (finite "reported_epoch"))
                          (mean (finite "minutes")) ]

        String.concat "\n" lines

    /// Writes the comparison to Out/summary.md and prints it.
    let report (p: Protocol) (epochs: int) (out: string) (results: ArmResult list) =
        let text = comparison p epochs results
        Report.writeAtomic (Path.Combine(out, "summary.md")) (text + "\n")
        printfn ""
        printfn "%s" text
