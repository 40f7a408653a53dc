using System.Runtime.InteropServices;

namespace TargetProp.Runtime.Persist;

/// Writes a file so that a crash leaves either the old file or the whole new one: the bytes go to a temporary file in
/// the same folder, which is flushed to the disk (fsync) and renamed over the target; then the folder itself is
/// flushed, so the rename survives a power cut (POSIX; on Windows the rename is the last step).
public static partial class DurableFile
{
    /// TPROP_WRITE_DELAY_MS=n holds every write n ms between its bytes and its rename: the fault-injection tests set
    /// it so that a kill lands inside a write.
    private static readonly int s_delay = int.TryParse(Environment.GetEnvironmentVariable("TPROP_WRITE_DELAY_MS"), out int ms) ? ms : 0;

    /// Writes through a temporary file and an atomic rename; `write` fills the stream. A write that fails (a full disk,
    /// a read-only folder) removes the temporary file and leaves the file at `path` as it was; an IOException says so,
    /// naming `path`.
    public static void Write(string path, Action<Stream> write)
    {
        string full = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(full) ?? ".";
        string tmp = Path.Combine(folder, "." + Path.GetFileName(full) + ".tmp");
        try
        {
            using (var stream = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                write(stream);
                if (s_delay > 0)
                {
                    stream.Flush();
                    Thread.Sleep(s_delay);
                }
                stream.Flush(flushToDisk: true);
            }
            File.Move(tmp, full, overwrite: true);
        }
        catch (Exception e)
        {
            if (File.Exists(tmp))
                File.Delete(tmp);
            if (e is IOException)
                throw new IOException($"{full} could not be written ({e.Message}); it is as it was before: free space on that disk, or make the folder writable, and try again.", e);
            throw;
        }
        FlushFolder(folder);
    }

    /// fsync of a folder, so that a rename into it is on the disk.
    public static void FlushFolder(string folder)
    {
        if (!(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())) return;
        int fd = Open(folder, 0 /* O_RDONLY */);
        if (fd < 0) return;
        try { _ = Fsync(fd); }
        finally { _ = Close(fd); }
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync")]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
