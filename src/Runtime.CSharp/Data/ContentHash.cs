using System.IO.Compression;
using System.Security.Cryptography;

namespace TargetProp.Runtime.Data;

/// The checksums of a file's content as the readers see it: decompressed when it starts with gzip's magic, as is otherwise.
internal readonly record struct ContentHash(string Sha256, string Md5, bool Gzip)
{
    /// Hashes a file's content in one pass (SHA-256 and MD5 side by side); null with the reason when its gzip stream
    /// does not decompress.
    public static ContentHash? Of(string path, out string? problem)
    {
        using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        using FileStream file = File.OpenRead(path);
        Span<byte> magic = stackalloc byte[2];
        bool gzip = file.Read(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
        file.Position = 0;
        try
        {
            using Stream content = gzip ? new GZipStream(file, CompressionMode.Decompress) : file;
            var buffer = new byte[1 << 16];
            int n;
            while ((n = content.Read(buffer)) > 0)
            {
                sha256.AppendData(buffer, 0, n);
                md5.AppendData(buffer, 0, n);
            }
        }
        catch (InvalidDataException e)
        {
            problem = $"its gzip stream does not decompress ({e.Message})";
            return null;
        }
        problem = null;
        return new ContentHash(Convert.ToHexStringLower(sha256.GetHashAndReset()), Convert.ToHexStringLower(md5.GetHashAndReset()), gzip);
    }
}
