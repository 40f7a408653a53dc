using System.Diagnostics.CodeAnalysis;

namespace TargetProp.Runtime.Data;

/// A data file that is not what it should be: the message names the file, what was expected and what was found.
public sealed class DataFormatException : Exception
{
    /// The file (or, for the bundled set, "bundled:&lt;file&gt;") that is malformed.
    public string Path { get; }

    /// <summary>The file <paramref name="path"/> is malformed; the message is "path: problem", the problem saying what
    /// was expected and what was found.</summary>
    public DataFormatException(string path, string problem) : base($"{path}: {problem}") => Path = path;

    /// <summary>The file <paramref name="path"/> is malformed, as <paramref name="innerException"/> (from a corrupt
    /// gzip stream, say) shows; the message is "path: problem".</summary>
    public DataFormatException(string path, string problem, Exception innerException)
        : base($"{path}: {problem}", innerException) => Path = path;
}

/// A named data set that could not be found: the message lists the places looked in and how to get the files.
public sealed class DataNotFoundException : Exception
{
    /// The name or folder that was asked for.
    public string Name { get; }

    /// Every folder looked in, in the order they were tried.
    public IReadOnlyList<string> Searched { get; }

    /// <summary>Nothing was found for <paramref name="name"/> (a set's name, a folder or a file) in the
    /// <paramref name="searched"/> places; the message lists them and says how to get the files.</summary>
    public DataNotFoundException(string name, IReadOnlyList<string> searched, string message) : base(message)
    {
        Name = name;
        Searched = searched;
    }
}

/// A data set that could not be downloaded: the message names the file, each URL tried and what went wrong there (for a
/// corrupt file, the expected and the received checksum), and where to put the files by hand. Nothing unverified is
/// left in the destination folder.
public sealed class DataDownloadException : Exception
{
    /// The data set's name.
    public string Name { get; }

    /// The file that could not be fetched, as named on the server.
    public string File { get; }

    /// <summary>The <paramref name="file"/> of the set <paramref name="name"/> could not be downloaded; the message
    /// gives each URL tried, what went wrong there and where to put the files by hand.</summary>
    public DataDownloadException(string name, string file, string message) : base(message)
    {
        Name = name;
        File = file;
    }
}

/// Cold throw helpers for the data readers, so the callers' loops stay small.
internal static class DataErrors
{
    [DoesNotReturn]
    public static void Format(string path, string problem) => throw new DataFormatException(path, problem);

    [DoesNotReturn]
    public static void Format(string path, string problem, Exception inner) => throw new DataFormatException(path, problem, inner);

    [DoesNotReturn]
    public static void Truncated(string path, string part, long expected, long found) =>
        throw new DataFormatException(path, $"the file is truncated: expected {expected:N0} bytes of {part}, found {found:N0}.");
}
