using System.Buffers.Binary;
using System.IO.Compression;

namespace TargetProp.Runtime.Data;

/// An IDX array: its dimensions (outermost first) and its elements, row-major, one byte each.
/// <param name="Dimensions">The size of each dimension, outermost first: [count, rows, cols] for images.</param>
/// <param name="Data">The elements, row-major: as many as the dimensions' product.</param>
public sealed record IdxArray(int[] Dimensions, byte[] Data);

/// Reader for IDX files (the MNIST family's format; big-endian):
///
///     offset 0   0x00 0x00          two zero bytes
///            2   element type       0x08 = unsigned byte (the only type read here)
///            3   d                  number of dimensions, 1..4
///            4   d × uint32         size of each dimension, outermost first
///        4+4d    data               product(dims) bytes, row-major; nothing after it
public static class Idx
{
    private const int MaxDimensions = 4;

    /// Reads an IDX file, gzip-compressed (detected by the 1f 8b magic, not by the extension) or raw. Checks: the two zero bytes,
    /// element type 0x08 (unsigned byte), dimension count 1..4, dims > 0, and that the data length equals the product of dims
    /// exactly (truncated or trailing bytes are errors, and a corrupt gzip stream is a DataFormatException, not a raw InvalidDataException).
    /// A missing file is a DataNotFoundException.
    public static IdxArray Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new DataNotFoundException(path, [path], $"{path}: no such file.");
        }
        using (file)
            return Read(file, path);
    }

    /// Reads an IDX array from a stream (gzip-compressed or raw, as for Read(path)); `path` names the source in error messages.
    internal static IdxArray Read(Stream stream, string path)
    {
        if (!stream.CanSeek)
        {
            // The gzip check reads two bytes and rewinds; a stream that cannot seek is copied first.
            var copy = new MemoryStream();
            stream.CopyTo(copy);
            copy.Position = 0;
            stream = copy;
        }
        Span<byte> magic = stackalloc byte[2];
        int got = stream.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        bool gzip = got == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
        stream.Position = 0;
        if (!gzip)
            return ReadRaw(stream, path);
        using var unzipped = new GZipStream(stream, CompressionMode.Decompress, leaveOpen: true);
        try
        {
            return ReadRaw(unzipped, path);
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException(path, $"the gzip stream is corrupt ({e.Message}); expected a gzip-compressed IDX file.", e);
        }
    }

    private static IdxArray ReadRaw(Stream s, string path)
    {
        Span<byte> header = stackalloc byte[4 + 4 * MaxDimensions];
        int got = s.ReadAtLeast(header[..4], 4, throwOnEndOfStream: false);
        if (got < 4)
            DataErrors.Truncated(path, "IDX header", 4, got);
        if (header[0] != 0 || header[1] != 0)
            DataErrors.Format(path, $"not an IDX file: expected the magic to start with bytes 00 00, found {header[0]:x2} {header[1]:x2}.");
        if (header[2] != 0x08)
            DataErrors.Format(path, $"unsupported IDX element type: expected 0x08 (unsigned byte), found 0x{header[2]:x2}.");
        int d = header[3];
        if (d is < 1 or > MaxDimensions)
            DataErrors.Format(path, $"unsupported IDX dimension count: expected 1 to {MaxDimensions}, found {d}.");

        got = s.ReadAtLeast(header.Slice(4, 4 * d), 4 * d, throwOnEndOfStream: false);
        if (got < 4 * d)
            DataErrors.Truncated(path, "dimension sizes", 4 * d, got);
        var dims = new int[d];
        long length = 1;
        for (int k = 0; k < d; k++)
        {
            uint size = BinaryPrimitives.ReadUInt32BigEndian(header.Slice(4 + 4 * k, 4));
            if (size == 0 || size > int.MaxValue)
                DataErrors.Format(path, $"dimension {k} has size {size}; expected 1 to {int.MaxValue}.");
            dims[k] = (int)size;
            length *= size;
            if (length > Array.MaxLength)
                DataErrors.Format(path, $"the dimensions [{string.Join(", ", dims[..(k + 1)])}] hold more than {Array.MaxLength:N0} elements.");
        }

        var data = GC.AllocateUninitializedArray<byte>((int)length);
        got = s.ReadAtLeast(data, data.Length, throwOnEndOfStream: false);
        if (got < data.Length)
            DataErrors.Truncated(path, $"data for dimensions [{string.Join(", ", dims)}]", data.Length, got);
        Span<byte> probe = stackalloc byte[1];
        if (s.Read(probe) != 0)
            DataErrors.Format(path, $"trailing bytes: expected the file to end after {data.Length:N0} data bytes (dimensions [{string.Join(", ", dims)}]), found more.");
        return new IdxArray(dims, data);
    }
}
