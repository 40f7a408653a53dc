namespace TargetProp.CSharp.Tests;

/// A failed expectation: its message says what was expected and what came.
public sealed class ExpectationException(string message) : Exception(message);

/// The few expectations these tests need, each throwing an ExpectationException.
internal static class Expect
{
    internal static void True(bool condition, string what)
    {
        if (!condition) throw new ExpectationException(what);
    }

    internal static void Equal<T>(T actual, T expected, string what)
    {
        if (!EqualityComparer<T>.Default.Equals(actual, expected))
            throw new ExpectationException($"{what}: expected {expected}, got {actual}");
    }

    internal static TException Throws<TException>(Action action, string what) where TException : Exception
    {
        try { action(); }
        catch (TException e) { return e; }
        throw new ExpectationException($"{what}: expected a {typeof(TException).Name}, none was thrown");
    }
}
