using System.Runtime.InteropServices;

namespace TargetProp.Runtime;

/// <summary>
/// The GEMM's cache blocking, chosen once per process from the data-cache sizes it sees (Linux sysfs, macOS sysctl;
/// 32 KiB and 1 MiB where neither answers), so no CPU model is named anywhere:
/// <code>
///   KC = the largest multiple of 8 ≤ 384 with a 6 × KC panel of A in at most 2/7 of L1d
///   NC = the largest multiple of 48 ≤ 384 with the KC × NC block of B in at most 3/5 of L2 (at least 48)
/// </code>
/// On the machines measured so far (L1d 32 or 48 KiB, L2 1 or 2 MiB) both are 384, the values tuned there; a 256 KiB
/// L2 gets NC = 96, a 16 KiB L1d KC = 192. The caps are where measurements stopped, not a known optimum.
/// </summary>
public sealed record GemmBlocking(int KC, int NC, long L1DataBytes, long L2Bytes, string Source)
{
    /// <summary>The blocking this process uses.</summary>
    public static GemmBlocking Current { get; } = From(CacheSizes.Detect());

    /// <summary>The blocking for the given L1d and L2 sizes (bytes).</summary>
    public static GemmBlocking From((long L1Data, long L2, string Source) caches)
    {
        const int Cap = 384, Mr = GemmMicroKernel.MR, Nr = GemmMicroKernel.NR;
        int kc = (int)Math.Clamp(caches.L1Data * 2 / 7 / (4 * Mr) / 8 * 8, 8, Cap);
        int nc = (int)Math.Clamp(caches.L2 * 3 / 5 / (4L * kc) / Nr * Nr, Nr, Cap);
        return new GemmBlocking(kc, nc, caches.L1Data, caches.L2, caches.Source);
    }

    /// <summary>One line for benchmark rows, such as "kc 384, nc 384 (L1d 48 KiB, L2 2048 KiB, from sysfs)".</summary>
    public override string ToString() => $"kc {KC}, nc {NC} (L1d {L1DataBytes / 1024} KiB, L2 {L2Bytes / 1024} KiB, from {Source})";
}

/// <summary>The per-core data-cache sizes the operating system reports.</summary>
internal static class CacheSizes
{
    private const long DefaultL1 = 32 * 1024, DefaultL2 = 1024 * 1024;

    /// (L1d, L2) in bytes, and where they came from.
    public static (long L1Data, long L2, string Source) Detect()
    {
        try
        {
            if (OperatingSystem.IsLinux() && Sysfs() is { } linux) return (linux.L1, linux.L2, "sysfs");
            if (OperatingSystem.IsMacOS() && Sysctl() is { } mac) return (mac.L1, mac.L2, "sysctl");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or DllNotFoundException or EntryPointNotFoundException)
        {
            // A machine that hides its caches gets the defaults below, like one that does not say.
        }
        return (DefaultL1, DefaultL2, "defaults");
    }

    /// /sys/devices/system/cpu/cpu0/cache/index*/{level,type,size}: size is "48K" or "2048K" (or "1M").
    private static (long L1, long L2)? Sysfs()
    {
        const string root = "/sys/devices/system/cpu/cpu0/cache";
        if (!Directory.Exists(root)) return null;
        long l1 = 0, l2 = 0;
        foreach (var index in Directory.GetDirectories(root, "index*"))
        {
            string level = File.ReadAllText(Path.Combine(index, "level")).Trim(), type = File.ReadAllText(Path.Combine(index, "type")).Trim();
            long size = Bytes(File.ReadAllText(Path.Combine(index, "size")).Trim());
            if (level == "1" && type == "Data") l1 = size;
            else if (level == "2" && type is "Unified" or "Data") l2 = size;
        }
        return l1 > 0 && l2 > 0 ? (l1, l2) : null;
    }

    private static long Bytes(string size) => size[^1] switch
    {
        'K' => long.Parse(size[..^1]) * 1024,
        'M' => long.Parse(size[..^1]) * 1024 * 1024,
        _ => long.Parse(size),
    };

    /// hw.perflevel0.l1dcachesize / l2cachesize (the performance cores of Apple silicon), else hw.l1dcachesize / hw.l2cachesize.
    private static (long L1, long L2)? Sysctl()
    {
        long l1 = Query("hw.perflevel0.l1dcachesize") ?? Query("hw.l1dcachesize") ?? 0;
        long l2 = Query("hw.perflevel0.l2cachesize") ?? Query("hw.l2cachesize") ?? 0;
        return l1 > 0 && l2 > 0 ? (l1, l2) : null;
    }

    private static unsafe long? Query(string name)
    {
        long value = 0;
        nint length = sizeof(long);
        return sysctlbyname(name, &value, &length, null, 0) == 0 ? value : null;
    }

    [DllImport("libc", EntryPoint = "sysctlbyname")]
    private static extern unsafe int sysctlbyname([MarshalAs(UnmanagedType.LPUTF8Str)] string name, void* value, nint* length, void* newValue, nint newLength);
}
