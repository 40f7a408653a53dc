namespace TargetProp.CSharp;

/// <summary>
/// A C# face over one F# value of the language (DESIGN.md §8: a thin layer of C#-shaped types over the same values,
/// never a second implementation). <see cref="Value"/> is the value itself, for code that mixes the two APIs; equality
/// is the F# value's (structural), and the text is the F# value's (for a language value, the F# that builds it).
/// </summary>
/// <typeparam name="T">The F# type.</typeparam>
public abstract class FSharpValue<T> : IEquatable<FSharpValue<T>> where T : class
{
    /// <summary>Wraps an F# value.</summary>
    /// <param name="value">The F# value.</param>
    protected FSharpValue(T value) => Value = value ?? throw new ArgumentNullException(nameof(value));

    /// <summary>The F# value: the same one the F# API builds, returns or hands on.</summary>
    public T Value { get; }

    /// <summary>Whether both wrap equal F# values (F# structural equality).</summary>
    /// <param name="other">The other value.</param>
    public bool Equals(FSharpValue<T>? other) => other is not null && GetType() == other.GetType() && Value.Equals(other.Value);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as FSharpValue<T>);

    /// <inheritdoc/>
    public override int GetHashCode() => Value.GetHashCode();

    /// <summary>The F# value's text: for a stack, rule, expression or model, the F# that builds it.</summary>
    public override string ToString() => Value.ToString() ?? "";
}
