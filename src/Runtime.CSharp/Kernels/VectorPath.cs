using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace TargetProp.Runtime;

/// <summary>Which vector code the kernels run in this process: the widest vectors .NET accelerates here (512, 256 or
/// 128 bits), and whether multiply-adds are fused. The DOTNET_EnableAVX512=0 and DOTNET_EnableAVX2=0 switches select
/// the narrower paths on an x86 machine that has the wider ones (.NET 10 reads DOTNET_EnableAVX512, not
/// DOTNET_EnableAVX512F).</summary>
/// <remarks>Machines with fused multiply-add (x86 with AVX2, every ARM64) give the same bits on every path; x86
/// limited to SSE rounds each multiply-add twice (see <see cref="MultiplyAdd"/>).</remarks>
public static class VectorPath
{
    /// <summary>Bits per vector of the kernels' main loops: 512, 256 or 128 (32 where .NET accelerates no vectors).</summary>
    public static int Bits =>
        Vector512.IsHardwareAccelerated ? 512 : Vector256.IsHardwareAccelerated ? 256 : Vector128.IsHardwareAccelerated ? 128 : 32;

    /// <summary>Whether x·y + z is rounded once (a fused multiply-add instruction) or twice.</summary>
    public static bool FusedMultiplyAdd => MultiplyAdd.IsFused;

    /// <summary>One line for logs and benchmark rows, such as "x64, 256-bit vectors, fused multiply-add".</summary>
    public static string Describe() =>
        $"{RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant()}, {Bits}-bit vectors, " +
        (FusedMultiplyAdd ? "fused multiply-add" : "multiply then add");
}
