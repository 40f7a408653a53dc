using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace TargetProp.Runtime;

/// <summary>
/// Float arithmetic for one float or a 256- or 512-bit vector of them, so an element-wise kernel (an optimiser's update,
/// an activation) is written once and runs at the machine's widest vector with a scalar tail.
/// Every operation is one correctly rounded IEEE operation per lane (a fused multiply-add only where the kernel asks
/// for one, and then at every width), so an element gets the same bits at every width, in the body or in the tail.
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
    /// x·y + z with one rounding.
    static abstract TSelf FusedMultiplyAdd(TSelf x, TSelf y, TSelf z);
    /// IEEE 754 minimum and maximum (NaN propagates).
    static abstract TSelf Min(TSelf x, TSelf y);
    static abstract TSelf Max(TSelf x, TSelf y);
    /// x in every lane.
    static abstract TSelf Of(float x);
    /// 1 where x &gt; 0, else 0 (NaN: 0).
    static abstract TSelf Positive(TSelf x);
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
    /// Elements 0 .. n − 1: on 512-bit vectors where the machine has them (else 256-bit), then one at a time.
    public static void Run<TKernel>(scoped ref TKernel kernel, int n) where TKernel : ILaneKernel, allows ref struct
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; i <= n - Lanes16.Count; i += Lanes16.Count) kernel.Apply<Lanes16>((nuint)i);
        else if (Vector256.IsHardwareAccelerated)
            for (; i <= n - Lanes8.Count; i += Lanes8.Count) kernel.Apply<Lanes8>((nuint)i);
        for (; i < n; i++) kernel.Apply<Lane1>((nuint)i);
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
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane1 FusedMultiplyAdd(Lane1 x, Lane1 y, Lane1 z) => new(MathF.FusedMultiplyAdd(x._v, y._v, z._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane1 Min(Lane1 x, Lane1 y) => new(MathF.Min(x._v, y._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane1 Max(Lane1 x, Lane1 y) => new(MathF.Max(x._v, y._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane1 Of(float x) => new(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lane1 Positive(Lane1 x) => new(x._v > 0f ? 1f : 0f);
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
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes8 Of(float x) => new(Vector256.Create(x));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes8 Positive(Lanes8 x) =>
        new(Vector256.ConditionalSelect(Vector256.GreaterThan(x._v, Vector256<float>.Zero), Vector256<float>.One, Vector256<float>.Zero));
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
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes16 Of(float x) => new(Vector512.Create(x));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes16 Positive(Lanes16 x) =>
        new(Vector512.ConditionalSelect(Vector512.GreaterThan(x._v, Vector512<float>.Zero), Vector512<float>.One, Vector512<float>.Zero));
}
