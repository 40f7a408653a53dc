using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace TargetProp.Runtime;

/// <summary>Philox4x32 with 10 rounds (Salmon, Moraes, Dror &amp; Shaw 2011; Random123's philox4x32_R(10, ...)) on as
/// many counters as a vector of 64-bit lanes holds, each 32-bit word in its own lane so that M·c is one exact widening
/// multiply. A round: (hi₀, lo₀) = M₀·c₀, (hi₁, lo₁) = M₁·c₂; c ← (hi₁ ⊕ c₁ ⊕ k₀, lo₁, hi₀ ⊕ c₃ ⊕ k₁, lo₀); then the
/// key is bumped by the Weyl constants.</summary>
internal static class Philox
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (T, T, T, T) Rounds10<T>(T c0, T c1, T c2, T c3, uint k0, uint k1) where T : struct, IWords<T>
    {
        const uint W0 = 0x9E3779B9, W1 = 0xBB67AE85;
        var m0 = T.Of(0xD2511F53UL);
        var m1 = T.Of(0xCD9E8D57UL);
        var low = T.Of(0xFFFF_FFFFUL);
        for (int round = 0; round < 10; round++)
        {
            var p0 = T.MultiplyWide(m0, c0);
            var p1 = T.MultiplyWide(m1, c2);
            (c0, c1, c2, c3) = (T.High(p1) ^ c1 ^ T.Of(k0), p1 & low, T.High(p0) ^ c3 ^ T.Of(k1), p0 & low);
            k0 += W0;
            k1 += W1;
        }
        return (c0, c1, c2, c3);
    }
}

/// <summary>32-bit words in 64-bit lanes, at one vector width: what a Philox round needs.</summary>
internal interface IWords<TSelf> where TSelf : struct, IWords<TSelf>
{
    /// x in every lane.
    static abstract TSelf Of(ulong x);
    static abstract TSelf operator ^(TSelf x, TSelf y);
    static abstract TSelf operator &(TSelf x, TSelf y);
    /// The upper 32 bits of each lane, shifted down.
    static abstract TSelf High(TSelf x);
    /// x·y for lanes that hold 32-bit values: one 32 × 32 → 64-bit multiply per lane (vpmuludq, pmuludq, umull); a
    /// general 64-bit lane multiply is a long sequence without AVX-512DQ.
    static abstract TSelf MultiplyWide(TSelf x, TSelf y);
}

/// Two blocks' words: every machine (SSE2, AdvSimd).
internal readonly struct Words2(Vector128<ulong> v) : IWords<Words2>
{
    public Vector128<ulong> Value => v;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Words2 Of(ulong x) => new(Vector128.Create(x));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Words2 operator ^(Words2 x, Words2 y) => new(x.Value ^ y.Value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Words2 operator &(Words2 x, Words2 y) => new(x.Value & y.Value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Words2 High(Words2 x) => new(x.Value >>> 32);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Words2 MultiplyWide(Words2 x, Words2 y)
    {
        if (Sse2.IsSupported) return new(Sse2.Multiply(x.Value.AsUInt32(), y.Value.AsUInt32()));
        if (AdvSimd.IsSupported)
            return new(AdvSimd.MultiplyWideningLower(AdvSimd.ExtractNarrowingLower(x.Value).AsUInt32(), AdvSimd.ExtractNarrowingLower(y.Value).AsUInt32()));
        return new(x.Value * y.Value);
    }
}

/// Four blocks' words: AVX2 machines.
internal readonly struct Words4(Vector256<ulong> v) : IWords<Words4>
{
    public Vector256<ulong> Value => v;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Words4 Of(ulong x) => new(Vector256.Create(x));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Words4 operator ^(Words4 x, Words4 y) => new(x.Value ^ y.Value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Words4 operator &(Words4 x, Words4 y) => new(x.Value & y.Value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Words4 High(Words4 x) => new(x.Value >>> 32);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Words4 MultiplyWide(Words4 x, Words4 y) =>
        Avx2.IsSupported ? new(Avx2.Multiply(x.Value.AsUInt32(), y.Value.AsUInt32())) : new(x.Value * y.Value);
}

/// Eight blocks' words: AVX-512 machines.
internal readonly struct Words8(Vector512<ulong> v) : IWords<Words8>
{
    public Vector512<ulong> Value => v;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Words8 Of(ulong x) => new(Vector512.Create(x));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Words8 operator ^(Words8 x, Words8 y) => new(x.Value ^ y.Value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Words8 operator &(Words8 x, Words8 y) => new(x.Value & y.Value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Words8 High(Words8 x) => new(x.Value >>> 32);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Words8 MultiplyWide(Words8 x, Words8 y) =>
        Avx512F.IsSupported ? new(Avx512F.Multiply(x.Value.AsUInt32(), y.Value.AsUInt32())) : new(x.Value * y.Value);
}
