using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace TargetProp.Runtime;

/// Cold throw sites, kept out of the callers so that their hot paths stay small and inlinable.
/// Partial: each kernel family adds its own members in its own file.
internal static partial class ThrowHelper
{
    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    internal static void Argument(string paramName, string message) => throw new ArgumentException(message, paramName);

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    internal static void ArgumentOutOfRange(string paramName, object? actual, string message) =>
        throw new ArgumentOutOfRangeException(paramName, actual, message);

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    internal static void ObjectDisposed(string name) => throw new ObjectDisposedException(name);
}
