using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace TargetProp.Runtime;

/// <summary>
/// Float arithmetic for one float or a 128-, 256- or 512-bit vector of them, so an element-wise kernel (an optimiser's
/// update, an activation) is written once and runs at the machine's widest vector with a scalar tail.
/// Every operation is one correctly rounded IEEE operation per lane, and a multiply-add is fused exactly where the
/// kernel asks for one (<see cref="MultiplyAdd"/>), the same at every width; so an element gets the same bits at every
/// width, in the body or in the tail.
/// </summary>
internal interface ILanes<TSelf> where TSelf : struct, ILanes<TSelf>
{
    static abstract TSelf Load(ref float at, nuint i);
    void Store(ref float at, nuint i);
    static abstract TSelf operator +(TSelf x, TSelf y);
    static abstract TSelf operator +(TSelf x, float y);
    static abstract TSelf operator -(TSelf x, TSelf y);
    static abstract TSelf operator -(TSelf x);
    static abstract TSelf operator *(TSelf x, TSelf y);
    static abstract TSelf operator *(float x, TSelf y);
    static abstract TSelf operator *(TSelf x, float y);
    static abstract TSelf operator /(TSelf x, TSelf y);
    static abstract TSelf Sqrt(TSelf x);
    /// x·y + z with one rounding where the machine has FMA, else two (<see cref="MultiplyAdd.IsFused"/>).
    static abstract TSelf FusedMultiplyAdd(TSelf x, TSelf y, TSelf z);
    /// IEEE 754 minimum and maximum (NaN propagates).
    static abstract TSelf Min(TSelf x, TSelf y);
    static abstract TSelf Max(TSelf x, TSelf y);
    /// min(max(x, lo), hi) for finite lo ≤ hi: x where lo ≤ x ≤ hi (−0 and +0 kept), NaN where x is NaN. On the
    /// machine's own min and max instructions, operands ordered so that a NaN x comes through: the IEEE Min and Max
    /// above take eight instructions each on x86.
    static abstract TSelf Clamp(TSelf x, float lo, float hi);
    /// x in every lane.
    static abstract TSelf Of(float x);
    /// 1 where x &gt; 0, else 0 (NaN: 0).
    static abstract TSelf Positive(TSelf x);
    /// The largest integer ≤ x.
    static abstract TSelf Floor(TSelf x);
    /// All bits set where x &gt; y (x == y), else none: a mask for <see cref="Select"/>.
    static abstract TSelf GreaterThan(TSelf x, TSelf y);
    static abstract TSelf Equal(TSelf x, TSelf y);
    /// The bits of ifTrue where mask's are set, else ifFalse's.
    static abstract TSelf Select(TSelf mask, TSelf ifTrue, TSelf ifFalse);
    /// For x = m·2ᵉ, m in [1, 2) (x positive and normal): e as a float, and m.
    static abstract TSelf Exponent(TSelf x);
    static abstract TSelf Significand(TSelf x);
}

/// <summary>An element-wise kernel: Apply computes elements i, i + 1, … (one per lane of T) of its outputs from the same
/// elements of its inputs (a ref struct holding references to its spans).</summary>
internal interface ILaneKernel
{
    void Apply<T>(nuint i) where T : struct, ILanes<T>;
}

/// <summary>The loop every element-wise kernel shares.</summary>
internal static class LaneLoop
{
    /// Elements 0 .. n − 1: on the machine's widest vectors (512, 256 or 128 bits), then one at a time.
    /// The loops run on a local copy of the kernel: a kernel reached through a reference may alias the floats it
    /// stores, so the JIT reloaded every span and setting from it on each iteration (8 pointer and 5 setting loads per
    /// vector in centred RMSprop, beside the update's 5 loads and 4 stores); a copy's fields live in registers.
    /// Never inlined: PGO devirtualised the optimiser's Step into OptimOp.Run and inlined this loop there, and that copy,
    /// the same instructions, ran centred RMSprop at 1.7 ns an element (AVX2) or 2.9 (128-bit) in about half of the
    /// processes, against 0.75 and 1.0 here, in every process measured (BENCHMARKS.md, stop 29).
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Run<TKernel>(scoped ref TKernel kernel, int n) where TKernel : ILaneKernel, allows ref struct
    {
        var k = kernel;
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; i <= n - Lanes16.Count; i += Lanes16.Count) k.Apply<Lanes16>((nuint)i);
        else if (Vector256.IsHardwareAccelerated)
            for (; i <= n - Lanes8.Count; i += Lanes8.Count) k.Apply<Lanes8>((nuint)i);
        else if (Vector128.IsHardwareAccelerated)
            for (; i <= n - Lanes4.Count; i += Lanes4.Count) k.Apply<Lanes4>((nuint)i);
        for (; i < n; i++) k.Apply<Lane1>((nuint)i);
        kernel = k;
    }
}

/// <summary>
/// x·y + z as every kernel computes it (the GEMM's chains, tanh's polynomial, the optimisers): fused, with one rounding,
/// on every machine that has a fused multiply-add instruction (x86 with AVX2, where .NET groups FMA with AVX2, and every
/// ARM64), and as a multiply then an add elsewhere (x86 limited to SSE, for instance under DOTNET_EnableAVX2=0).
/// </summary>
/// <remarks>Emulating one rounding without the instruction would cost more than the kernel it sits in (a software
/// fma per element: about 35 times slower in the GEMM), so results on x86 without FMA may differ from the others in the
/// last bits; on one machine they are still the same at every width and for any thread count.</remarks>
internal static class MultiplyAdd
{
    /// Whether x·y + z is fused on this machine (a JIT-time constant).
    public static bool IsFused => Fma.IsSupported || AdvSimd.IsSupported;

    /// x·y + z on four lanes, fused where <see cref="IsFused"/>. (Statements, not one conditional expression: with
    /// `IsFused ? … : …` the JIT kept the arguments in stack temporaries, which halved the 128-bit GEMM.)
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Of(Vector128<float> x, Vector128<float> y, Vector128<float> z)
    {
        if (AdvSimd.IsSupported) return AdvSimd.FusedMultiplyAdd(z, x, y);
        if (Fma.IsSupported) return Fma.MultiplyAdd(x, y, z);
        return Sse.IsSupported ? Sse.Add(Sse.Multiply(x, y), z) : x * y + z;
    }

    /// x·y + z on one float, fused where <see cref="IsFused"/>.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Of(float x, float y, float z)
    {
        if (IsFused) return MathF.FusedMultiplyAdd(x, y, z);
        return x * y + z;
    }
}

/// One float: the scalar tail.
internal readonly struct Lane1(float v) : ILanes<Lane1>
{
    private readonly float _v = v;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane1 Load(ref float at, nuint i) => new(Unsafe.Add(ref at, i));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Store(ref float at, nuint i) => Unsafe.Add(ref at, i) = _v;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane1 operator +(Lane1 x, Lane1 y) => new(x._v + y._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane1 operator +(Lane1 x, float y) => new(x._v + y);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane1 operator -(Lane1 x, Lane1 y) => new(x._v - y._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane1 operator -(Lane1 x) => new(-x._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane1 operator *(Lane1 x, Lane1 y) => new(x._v * y._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane1 operator *(float x, Lane1 y) => new(x * y._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane1 operator *(Lane1 x, float y) => new(x._v * y);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane1 operator /(Lane1 x, Lane1 y) => new(x._v / y._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane1 Sqrt(Lane1 x) => new(MathF.Sqrt(x._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane1 FusedMultiplyAdd(Lane1 x, Lane1 y, Lane1 z) => new(MultiplyAdd.Of(x._v, y._v, z._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane1 Min(Lane1 x, Lane1 y) => new(MathF.Min(x._v, y._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane1 Max(Lane1 x, Lane1 y) => new(MathF.Max(x._v, y._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane1 Clamp(Lane1 x, float lo, float hi) => new(MathF.Min(MathF.Max(x._v, lo), hi));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane1 Of(float x) => new(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane1 Positive(Lane1 x) => new(x._v > 0f ? 1f : 0f);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane1 Floor(Lane1 x) => new(MathF.Floor(x._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane1 GreaterThan(Lane1 x, Lane1 y) => Mask(x._v > y._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane1 Equal(Lane1 x, Lane1 y) => Mask(x._v == y._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lane1 Select(Lane1 mask, Lane1 ifTrue, Lane1 ifFalse) =>
        new(BitConverter.Int32BitsToSingle((Bits(mask) & Bits(ifTrue)) | (~Bits(mask) & Bits(ifFalse))));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane1 Exponent(Lane1 x) => new((int)((uint)Bits(x) >> 23) - 127);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane1 Significand(Lane1 x) => new(BitConverter.Int32BitsToSingle((Bits(x) & 0x007F_FFFF) | 0x3F80_0000));
    private static Lane1 Mask(bool set) => new(BitConverter.Int32BitsToSingle(set ? -1 : 0));
    private static int Bits(Lane1 x) => BitConverter.SingleToInt32Bits(x._v);
}

/// Four floats: ARM64 (AdvSimd) and x86 without AVX2.
internal readonly struct Lanes4(Vector128<float> v) : ILanes<Lanes4>
{
    private readonly Vector128<float> _v = v;
    public static int Count => Vector128<float>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes4 Load(ref float at, nuint i) => new(Vector128.LoadUnsafe(ref at, i));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Store(ref float at, nuint i) => _v.StoreUnsafe(ref at, i);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes4 operator +(Lanes4 x, Lanes4 y) => new(x._v + y._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes4 operator +(Lanes4 x, float y) => new(x._v + Vector128.Create(y));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes4 operator -(Lanes4 x, Lanes4 y) => new(x._v - y._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes4 operator -(Lanes4 x) => new(-x._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes4 operator *(Lanes4 x, Lanes4 y) => new(x._v * y._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes4 operator *(float x, Lanes4 y) => new(x * y._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes4 operator *(Lanes4 x, float y) => new(x._v * y);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes4 operator /(Lanes4 x, Lanes4 y) => new(x._v / y._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes4 Sqrt(Lanes4 x) => new(Vector128.Sqrt(x._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes4 FusedMultiplyAdd(Lanes4 x, Lanes4 y, Lanes4 z) => new(MultiplyAdd.Of(x._v, y._v, z._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes4 Min(Lanes4 x, Lanes4 y) => new(Vector128.Min(x._v, y._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes4 Max(Lanes4 x, Lanes4 y) => new(Vector128.Max(x._v, y._v));
    /// <summary>minps/maxps return their second operand when either is NaN; AdvSimd's fmin/fmax propagate NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes4 Clamp(Lanes4 x, float lo, float hi)
    {
        if (Sse.IsSupported) return new(Sse.Min(Vector128.Create(hi), Sse.Max(Vector128.Create(lo), x._v)));
        if (AdvSimd.IsSupported) return new(AdvSimd.Min(AdvSimd.Max(x._v, Vector128.Create(lo)), Vector128.Create(hi)));
        return new(Vector128.Min(Vector128.Max(x._v, Vector128.Create(lo)), Vector128.Create(hi)));
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes4 Of(float x) => new(Vector128.Create(x));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes4 Positive(Lanes4 x) =>
        new(Vector128.ConditionalSelect(Vector128.GreaterThan(x._v, Vector128<float>.Zero), Vector128<float>.One, Vector128<float>.Zero));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes4 Floor(Lanes4 x) => new(Vector128.Floor(x._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes4 GreaterThan(Lanes4 x, Lanes4 y) => new(Vector128.GreaterThan(x._v, y._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes4 Equal(Lanes4 x, Lanes4 y) => new(Vector128.Equals(x._v, y._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes4 Select(Lanes4 mask, Lanes4 ifTrue, Lanes4 ifFalse) => new(Vector128.ConditionalSelect(mask._v, ifTrue._v, ifFalse._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes4 Exponent(Lanes4 x) => new(Vector128.ConvertToSingle((x._v.AsUInt32() >>> 23).AsInt32() - Vector128.Create(127)));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes4 Significand(Lanes4 x) => new(((x._v.AsUInt32() & Vector128.Create(0x007F_FFFFu)) | Vector128.Create(0x3F80_0000u)).AsSingle());
    /// The lanes as a vector.
    public Vector128<float> Value => _v;
}

/// Eight floats: AVX2 machines.
internal readonly struct Lanes8(Vector256<float> v) : ILanes<Lanes8>
{
    private readonly Vector256<float> _v = v;
    public static int Count => Vector256<float>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes8 Load(ref float at, nuint i) => new(Vector256.LoadUnsafe(ref at, i));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Store(ref float at, nuint i) => _v.StoreUnsafe(ref at, i);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes8 operator +(Lanes8 x, Lanes8 y) => new(x._v + y._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes8 operator +(Lanes8 x, float y) => new(x._v + Vector256.Create(y));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes8 operator -(Lanes8 x, Lanes8 y) => new(x._v - y._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes8 operator -(Lanes8 x) => new(-x._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes8 operator *(Lanes8 x, Lanes8 y) => new(x._v * y._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes8 operator *(float x, Lanes8 y) => new(x * y._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes8 operator *(Lanes8 x, float y) => new(x._v * y);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes8 operator /(Lanes8 x, Lanes8 y) => new(x._v / y._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes8 Sqrt(Lanes8 x) => new(Vector256.Sqrt(x._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes8 FusedMultiplyAdd(Lanes8 x, Lanes8 y, Lanes8 z) => new(Vector256.FusedMultiplyAdd(x._v, y._v, z._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes8 Min(Lanes8 x, Lanes8 y) => new(Vector256.Min(x._v, y._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes8 Max(Lanes8 x, Lanes8 y) => new(Vector256.Max(x._v, y._v));
    /// <summary>LaneLoop takes 256-bit lanes only where Vector256 is accelerated: on x86 with AVX2.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes8 Clamp(Lanes8 x, float lo, float hi) => new(Avx.Min(Vector256.Create(hi), Avx.Max(Vector256.Create(lo), x._v)));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes8 Of(float x) => new(Vector256.Create(x));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes8 Positive(Lanes8 x) =>
        new(Vector256.ConditionalSelect(Vector256.GreaterThan(x._v, Vector256<float>.Zero), Vector256<float>.One, Vector256<float>.Zero));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes8 Floor(Lanes8 x) => new(Vector256.Floor(x._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes8 GreaterThan(Lanes8 x, Lanes8 y) => new(Vector256.GreaterThan(x._v, y._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes8 Equal(Lanes8 x, Lanes8 y) => new(Vector256.Equals(x._v, y._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes8 Select(Lanes8 mask, Lanes8 ifTrue, Lanes8 ifFalse) => new(Vector256.ConditionalSelect(mask._v, ifTrue._v, ifFalse._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes8 Exponent(Lanes8 x) => new(Vector256.ConvertToSingle((x._v.AsUInt32() >>> 23).AsInt32() - Vector256.Create(127)));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes8 Significand(Lanes8 x) => new(((x._v.AsUInt32() & Vector256.Create(0x007F_FFFFu)) | Vector256.Create(0x3F80_0000u)).AsSingle());
    /// The lanes as a vector.
    public Vector256<float> Value => _v;
}

/// Sixteen floats: AVX-512 machines.
internal readonly struct Lanes16(Vector512<float> v) : ILanes<Lanes16>
{
    private readonly Vector512<float> _v = v;
    public static int Count => Vector512<float>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes16 Load(ref float at, nuint i) => new(Vector512.LoadUnsafe(ref at, i));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Store(ref float at, nuint i) => _v.StoreUnsafe(ref at, i);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes16 operator +(Lanes16 x, Lanes16 y) => new(x._v + y._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes16 operator +(Lanes16 x, float y) => new(x._v + Vector512.Create(y));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes16 operator -(Lanes16 x, Lanes16 y) => new(x._v - y._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes16 operator -(Lanes16 x) => new(-x._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes16 operator *(Lanes16 x, Lanes16 y) => new(x._v * y._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes16 operator *(float x, Lanes16 y) => new(x * y._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes16 operator *(Lanes16 x, float y) => new(x._v * y);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes16 operator /(Lanes16 x, Lanes16 y) => new(x._v / y._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes16 Sqrt(Lanes16 x) => new(Vector512.Sqrt(x._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes16 FusedMultiplyAdd(Lanes16 x, Lanes16 y, Lanes16 z) => new(Vector512.FusedMultiplyAdd(x._v, y._v, z._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes16 Min(Lanes16 x, Lanes16 y) => new(Vector512.Min(x._v, y._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes16 Max(Lanes16 x, Lanes16 y) => new(Vector512.Max(x._v, y._v));
    /// <summary>LaneLoop takes 512-bit lanes only where Vector512 is accelerated: on x86 with AVX-512.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes16 Clamp(Lanes16 x, float lo, float hi) => new(Avx512F.Min(Vector512.Create(hi), Avx512F.Max(Vector512.Create(lo), x._v)));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes16 Of(float x) => new(Vector512.Create(x));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes16 Positive(Lanes16 x) =>
        new(Vector512.ConditionalSelect(Vector512.GreaterThan(x._v, Vector512<float>.Zero), Vector512<float>.One, Vector512<float>.Zero));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes16 Floor(Lanes16 x) => new(Vector512.Floor(x._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes16 GreaterThan(Lanes16 x, Lanes16 y) => new(Vector512.GreaterThan(x._v, y._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes16 Equal(Lanes16 x, Lanes16 y) => new(Vector512.Equals(x._v, y._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes16 Select(Lanes16 mask, Lanes16 ifTrue, Lanes16 ifFalse) => new(Vector512.ConditionalSelect(mask._v, ifTrue._v, ifFalse._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes16 Exponent(Lanes16 x) => new(Vector512.ConvertToSingle((x._v.AsUInt32() >>> 23).AsInt32() - Vector512.Create(127)));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes16 Significand(Lanes16 x) => new(((x._v.AsUInt32() & Vector512.Create(0x007F_FFFFu)) | Vector512.Create(0x3F80_0000u)).AsSingle());
    /// The lanes as a vector.
    public Vector512<float> Value => _v;
}
