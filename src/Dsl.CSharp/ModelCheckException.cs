using Microsoft.FSharp.Collections;
using FS = TargetProp.Dsl;

namespace TargetProp.CSharp;

/// <summary>
/// A model that failed its check, with every mistake: <see cref="Errors"/> one message per mistake. The C# face of
/// the F# ModelException, which the surface translates wherever the F# code raises it.
/// </summary>
public sealed class ModelCheckException : Exception
{
    /// <summary>An exception listing these mistakes.</summary>
    /// <param name="problems">The mistakes.</param>
    public ModelCheckException(IReadOnlyList<ModelProblem> problems)
        : base($"the model has {problems.Count} problem(s):\n" + string.Join("\n", problems.Select(p => "  - " + p)))
    {
        Problems = problems;
        Errors = problems.Select(p => p.ToString()).ToArray();
    }

    /// <summary>Every mistake.</summary>
    public IReadOnlyList<ModelProblem> Problems { get; }

    /// <summary>Every mistake as a message, one per mistake.</summary>
    public IReadOnlyList<string> Errors { get; }

    internal static ModelProblem[] ProblemsOf(FSharpList<FS.ModelError> errors) =>
        errors.Select(e => new ModelProblem(e.Where, e.Problem, e.Fix)).ToArray();

    /// <summary>Runs F# code, raising its ModelException as a ModelCheckException.</summary>
    internal static T Translate<T>(Func<T> run)
    {
        try { return run(); }
        catch (FS.ModelException e) { throw new ModelCheckException(ProblemsOf(e.Data0)); }
    }
}
