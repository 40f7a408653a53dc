namespace TargetProp.Dsl

/// A mistake in a model as written: where (layer position and name, or the rule part), what is wrong, and the fix.
/// Compiling a model reports every ModelError at once.
type ModelError =
    { Where: string
      Problem: string
      Fix: string }

    override e.ToString() =
        sprintf "%s: %s\n    fix: %s" e.Where e.Problem e.Fix

/// Raised when a model fails its check; the message lists every error.
exception ModelException of ModelError list with
    override e.Message =
        let lines = e.Data0 |> List.map (fun x -> "  - " + string x)
        sprintf "the model has %d problem(s):\n%s" e.Data0.Length (String.concat "\n" lines)

/// A run that cannot go on for a reason in the numbers or the data, not in the model: a diverging loss, an
/// invalid setting, a data set that does not fit the model.
exception TrainingException of string with
    override e.Message = e.Data0

/// A run whose loss stopped being finite: in which epoch, and what to change. A sweep records it and goes on.
exception DivergedException of string with
    override e.Message = e.Data0
