using System.Buffers;

namespace TargetProp.Runtime.Data;

/// Reader for CIFAR-10's binary version (https://www.cs.toronto.edu/~kriz/cifar.html, "CIFAR-10 binary version (suitable
/// for C programs)"): six batch files, data_batch_1.bin … data_batch_5.bin (training) and test_batch.bin, 10,000 records
/// each in the official set, usually in a folder cifar-10-batches-bin. A batch file is records and nothing else:
///
///     offset 0       label      1 byte, 0..9
///            1       red        1024 bytes, 32 × 32 row-major
///            1025    green      1024 bytes, likewise
///            2049    blue       1024 bytes, likewise
///            3073    the next record
///
/// A record's features are its 3072 pixel bytes in that order (channel × 1024 + row × 32 + col), each divided by 255.
public static class Cifar
{
    /// <summary>Pixel bytes per record, 3 channels × 32 × 32 = 3072: the features of an example.</summary>
    public const int PixelBytes = 3 * 32 * 32;
    /// <summary>Bytes per record: the label byte, then the <see cref="PixelBytes"/> pixel bytes (3073).</summary>
    public const int RecordBytes = 1 + PixelBytes;
    /// <summary>The number of CIFAR-10's classes: labels are 0 .. 9.</summary>
    public const int Classes = 10;

    /// The folder the official tarball unpacks to.
    public const string SubFolder = "cifar-10-batches-bin";

    internal const string Home = "https://www.cs.toronto.edu/~kriz/cifar.html";
    internal const string Tarball = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz";

    /// The five training batches, then the test batch.
    internal static readonly string[] Files =
        ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"];

    /// Records read and scaled per chunk (about 3 MB of buffer per file being read).
    private const int ChunkRecords = 1024;

    /// The number of records in a batch file, from its length, which must be a whole number (1 or more) of 3073-byte records.
    /// A missing file is a DataNotFoundException.
    public static int Count(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        long length;
        try
        {
            length = new FileInfo(path).Length;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new DataNotFoundException(path, [path], $"{path}: no such file.");
        }
        if (length == 0)
            DataErrors.Format(path, $"the file is empty; expected records of {RecordBytes:N0} bytes (a label byte, then {PixelBytes:N0} pixel bytes).");
        if (length % RecordBytes != 0)
            DataErrors.Format(path, $"the length {length:N0} is not a whole number of {RecordBytes:N0}-byte records "
                + $"({length / RecordBytes:N0} records and {length % RecordBytes:N0} bytes over): truncated, or not a CIFAR-10 binary batch.");
        long records = length / RecordBytes;
        if (records > Array.MaxLength / PixelBytes)
            DataErrors.Format(path, $"{records:N0} records hold more than {Array.MaxLength:N0} pixels.");
        return (int)records;
    }

    /// Reads a batch file of y.Length records (as Count gives) into x ([y.Length × 3072], pixel / 255) and y (the labels),
    /// checking every label is 0..9.
    public static void Read(string path, Span<float> x, Span<int> y)
    {
        ArgumentNullException.ThrowIfNull(path);
        if ((long)y.Length * PixelBytes != x.Length)
            throw new ArgumentException($"x holds {x.Length:N0} values; {y.Length:N0} records need {(long)y.Length * PixelBytes:N0}.", nameof(x));
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.SequentialScan);
        long expected = (long)y.Length * RecordBytes;
        if (file.Length != expected)
            DataErrors.Format(path, $"expected {y.Length:N0} records ({expected:N0} bytes), found {file.Length:N0} bytes.");
        byte[] buffer = ArrayPool<byte>.Shared.Rent(Math.Min(y.Length, ChunkRecords) * RecordBytes);
        try
        {
            ReadOnlySpan<float> scale = DataSets.PixelScale;
            for (int first = 0; first < y.Length; first += ChunkRecords)
            {
                int n = Math.Min(ChunkRecords, y.Length - first);
                Span<byte> chunk = buffer.AsSpan(0, n * RecordBytes);
                int got = file.ReadAtLeast(chunk, chunk.Length, throwOnEndOfStream: false);
                if (got < chunk.Length)
                    DataErrors.Truncated(path, $"records {first:N0} to {first + n - 1:N0}", chunk.Length, got);
                for (int r = 0; r < n; r++)
                {
                    ReadOnlySpan<byte> record = chunk.Slice(r * RecordBytes, RecordBytes);
                    int i = first + r;
                    if (record[0] >= Classes)
                        DataErrors.Format(path, $"expected labels 0 to {Classes - 1}, found {record[0]} in record {i:N0} (byte {(long)i * RecordBytes:N0}).");
                    y[i] = record[0];
                    ReadOnlySpan<byte> pixels = record[1..];
                    Span<float> row = x.Slice(i * PixelBytes, PixelBytes);
                    for (int k = 0; k < row.Length; k++)
                        row[k] = scale[pixels[k]];
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// The folder holding the set's files: `place` if it holds any of the six, else its cifar-10-batches-bin sub-folder if that
    /// does, else null.
    internal static string? Locate(string place)
    {
        if (Files.Any(f => File.Exists(Path.Combine(place, f))))
            return place;
        string sub = Path.Combine(place, SubFolder);
        return Files.Any(f => File.Exists(Path.Combine(sub, f))) ? sub : null;
    }

    /// The six files' paths in `folder` (Locate(place), or null), or null with the missing ones named relative to `place`.
    /// Another training batch (data_batch_6.bin, say) is a DataFormatException: the set is exactly five training batches.
    internal static string[]? FindFiles(string place, string? folder, out string missing)
    {
        if (folder is null)
        {
            missing = $"{string.Join(", ", Files)} (in it or in {SubFolder}{Path.DirectorySeparatorChar})";
            return null;
        }
        foreach (string extra in Directory.EnumerateFiles(folder, "data_batch_*.bin").Order(StringComparer.Ordinal))
            if (!Files.Contains(Path.GetFileName(extra)))
                DataErrors.Format(extra, $"a training batch too many: the set is exactly the five {string.Join(", ", Files[..5])}.");
        string[] paths = Files.Select(f => Path.Combine(folder, f)).ToArray();
        var lacking = paths.Where(p => !File.Exists(p)).Select(p => Path.GetRelativePath(place, p)).ToList();
        missing = string.Join(", ", lacking);
        return lacking.Count == 0 ? paths : null;
    }

    /// Reads the six files (paths in Files order): the batches' lengths are checked first, in order, then the files are read
    /// in parallel into one array per split, the training batches one after another.
    internal static DataSet Load(string name, string[] paths)
    {
        int[] counts = paths.Select(Count).ToArray();
        long train = 0;
        for (int k = 0; k < 5; k++)
        {
            train += counts[k];
            if (train > Array.MaxLength / PixelBytes)
                DataErrors.Format(paths[k], $"the training batches up to this one hold {train:N0} records, more than {Array.MaxLength / PixelBytes:N0} (the most one array of pixels holds).");
        }
        var trainX = GC.AllocateUninitializedArray<float>((int)train * PixelBytes);
        var trainY = new int[train];
        var testX = GC.AllocateUninitializedArray<float>(counts[5] * PixelBytes);
        var testY = new int[counts[5]];
        var reads = new Task[paths.Length];
        int start = 0;
        for (int k = 0; k < 5; k++)
        {
            (string path, int first, int count) = (paths[k], start, counts[k]);
            reads[k] = Task.Run(() => Read(path, trainX.AsSpan(first * PixelBytes, count * PixelBytes), trainY.AsSpan(first, count)));
            start += count;
        }
        reads[5] = Task.Run(() => Read(paths[5], testX, testY));
        // The first failing file in Files order is the one reported.
        Task.WhenAll(reads).GetAwaiter().GetResult();
        return new DataSet(name, Path.GetDirectoryName(paths[5])!, PixelBytes, Classes, trainX, trainY, testX, testY);
    }
}
