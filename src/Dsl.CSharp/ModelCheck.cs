using Microsoft.FSharp.Collections;
using Microsoft.FSharp.Core;
using FS = TargetProp.Dsl;

namespace TargetProp.CSharp;

/// <summary>One mistake in a model: where (the layer by position and name, or the rule's part), what, and the fix.</summary>
/// <param name="Where">Where it is: "layer 3 (dense 240 tanh)", "rule dtp: propagation".</param>
/// <param name="Problem">What is wrong.</param>
/// <param name="Fix">How to fix it.</param>
public sealed record ModelProblem(string Where, string Problem, string Fix)
{
    /// <summary>The whole message, as the F# ModelError prints it: "where: problem\n    fix: fix".</summary>
    public override string ToString() => new FS.ModelError(Where, Problem, Fix).ToString();
}

/// <summary>The result of <see cref="Model.Check"/>: valid, or every mistake at once.</summary>
public sealed class ModelCheck
{
    internal ModelCheck(FSharpResult<FS.CheckedModel, FSharpList<FS.ModelError>> result)
    {
        Problems = result.IsOk ? Array.Empty<ModelProblem>() : ModelCheckException.ProblemsOf(result.ErrorValue);
        Errors = Problems.Select(p => p.ToString()).ToArray();
    }

    /// <summary>Whether the model has no mistake.</summary>
    public bool IsValid => Problems.Count == 0;

    /// <summary>Every mistake, in the order the check finds them.</summary>
    public IReadOnlyList<ModelProblem> Problems { get; }

    /// <summary>Every mistake as a message: one per mistake, so two mistakes give two messages.</summary>
    public IReadOnlyList<string> Errors { get; }

    /// <summary>Throws a <see cref="ModelCheckException"/> listing every mistake, if there is one.</summary>
    /// <exception cref="ModelCheckException">The model has mistakes.</exception>
    public void ThrowIfInvalid()
    {
        if (!IsValid) throw new ModelCheckException(Problems);
    }
}
