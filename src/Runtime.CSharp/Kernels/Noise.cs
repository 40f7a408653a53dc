using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace TargetProp.Runtime;

/// Counter-based Gaussian noise: element i of the draw keyed by (seed, step, layer) is a pure function of (seed, step, layer, i),
/// so it does not depend on thread count, chunking or call order.
///
/// Construction: Philox4x32-10 (Salmon, Moraes, Dror &amp; Shaw 2011, "Parallel random numbers: as easy as 1, 2, 3"; the
/// Random123 reference constants) with
///
///     key     = (seed low 32 bits, seed high 32 bits)
///     counter = (block, layer, step low 32 bits, step high 32 bits)
///
/// Each 32-bit word w gives a float uniform u(w) = (⌊w / 2⁹⌋ + ½)·2⁻²³ in (0, 1), exact in float32 and never 0 or 1.
/// Box–Muller pairs word 0 with word 2 and word 1 with word 3 of a block: r = √(−2 ln u(w₀|₁)), θ = 2π u(w₂|₃).
/// Elements are laid out as one pass computes them, 16 per group of four blocks (g = i / 16, blocks 4g .. 4g+3):
///
///     i mod 16:   0  1  2  3 | 4  5  6  7 | 8  9 10 11 | 12 13 14 15
///     value:      r·cos θ from words (0, 2) | (1, 3)    | r·sin θ from words (0, 2) | (1, 3)
///     block:      4g+0 .. 4g+3 in each run of four
///
/// All in float32; ln, sin and cos are our own polynomials (below), built from + − × ÷ √ only and written once over the
/// vector lanes (<see cref="ILanes{TSelf}"/>), so every result has the same bits on every machine and at every width: a
/// pass computes two groups in 512-bit lanes, one group in 256-bit lanes, or one group as two halves in 128-bit lanes, and
/// StandardNormalAt reads one element of that pass. (An earlier version did Box–Muller in double, two normals per block:
/// five times slower. One after it wrote the math on Vector512 alone, which without AVX-512 ran 5 to 7 times slower.)
public static class Noise
{
    /// Largest index + 1: the block number must fit the 32-bit counter word.
    private const long IndexLimit = 1L << 34;
    private const int Group = 16;

    /// Elements per pass: two groups on 512-bit vectors, one otherwise.
    private static int Pass => Vector512.IsHardwareAccelerated ? 2 * Group : Group;

    /// destination[i] = sigma · N(seed, step, layer, i)
    public static void Gaussian(ulong seed, long step, int layer, float sigma, Span<float> destination) =>
        Gaussian(seed, step, layer, 0, sigma, destination);

    /// destination[i] = sigma · N(seed, step, layer, offset + i): one piece of a longer draw (for filling a buffer in chunks).
    public static void Gaussian(ulong seed, long step, int layer, long offset, float sigma, Span<float> destination)
    {
        using var profiled = Profile.Time(ProfileKind.Noise);
        Check(offset, destination.Length, sigma);
        Fill(new Key(seed, step, layer), offset, sigma, destination, destination, add: false);
    }

    /// destination[i] = x[i] + sigma · N(seed, step, layer, i); x may be destination itself (not a partial overlap).
    public static void AddGaussian(ulong seed, long step, int layer, float sigma, ReadOnlySpan<float> x, Span<float> destination)
    {
        using var profiled = Profile.Time(ProfileKind.Noise);
        Check(0, destination.Length, sigma);
        if (x.Length != destination.Length)
            NoiseErrors.Lengths(x.Length, destination.Length);
        if (x.Overlaps(destination, out int shift) && shift != 0)
            NoiseErrors.PartialOverlap();
        Fill(new Key(seed, step, layer), 0, sigma, x, destination, add: true);
    }

    /// N(seed, step, layer, index): the scalar definition, and the tests' oracle (0 ≤ index &lt; 2³⁴).
    public static double StandardNormalAt(ulong seed, long step, int layer, long index)
    {
        if ((ulong)index >= IndexLimit)
            NoiseErrors.Index(index);
        Span<float> pass = stackalloc float[2 * Group];
        Normals(new Key(seed, step, layer), (ulong)index / (ulong)Pass, 1f, pass, default);
        return pass[(int)(index % Pass)];
    }

    /// destination[i] = U(seed, step, stream, offset + i): uniforms in (0, 1), word i mod 4 of Philox block ⌊i / 4⌋ read
    /// as u(w) (see above). The Bernoulli units' draws; a piece of a longer draw starts at offset.
    public static void Uniform(ulong seed, long step, int stream, long offset, Span<float> destination)
    {
        using var profiled = Profile.Time(ProfileKind.Noise);
        Check(offset, destination.Length, 0f);
        var key = new Key(seed, step, stream);
        long end = offset + destination.Length;
        Span<float> pass = stackalloc float[UniformPass];
        for (long first = offset - offset % UniformPass; first < end; first += UniformPass)
        {
            UniformsOf(key, (ulong)first / UniformPass, pass);
            long from = Math.Max(first, offset), to = Math.Min(first + UniformPass, end);
            pass[(int)(from - first)..(int)(to - first)].CopyTo(destination[(int)(from - offset)..]);
        }
    }

    /// U(seed, step, stream, index): the scalar definition of <see cref="Uniform(ulong, long, int, long, Span{float})"/>, and the tests' oracle.
    public static float UniformAt(ulong seed, long step, int stream, long index)
    {
        if ((ulong)index >= IndexLimit)
            NoiseErrors.Index(index);
        Span<float> pass = stackalloc float[UniformPass];
        UniformsOf(new Key(seed, step, stream), (ulong)index / UniformPass, pass);
        return pass[(int)(index % UniformPass)];
    }

    /// Uniforms per Philox call: four words from each of eight blocks.
    private const int UniformPass = 32;

    /// The 32 uniforms of blocks 8p .. 8p+7, element 4j + w being word w of block 8p + j (two blocks per Philox call,
    /// on every machine: only discrete units draw these).
    private static void UniformsOf(in Key key, ulong p, Span<float> destination)
    {
        var (layer, low, high) = Counters<Words2>(key);
        for (int pair = 0; pair < 4; pair++)
        {
            ulong b = 8 * p + 2 * (ulong)pair;
            var (w0, w1, w2, w3) = Philox.Rounds10(new Words2(Vector128.Create(b, b + 1)), layer, low, high, (uint)key.Seed, (uint)(key.Seed >> 32));
            for (int j = 0; j < 2; j++)
            {
                int at = 4 * (2 * pair + j);
                destination[at] = UniformOf(w0.Value.GetElement(j));
                destination[at + 1] = UniformOf(w1.Value.GetElement(j));
                destination[at + 2] = UniformOf(w2.Value.GetElement(j));
                destination[at + 3] = UniformOf(w3.Value.GetElement(j));
            }
        }
    }

    /// u(w) = (⌊w / 2⁹⌋ + ½)·2⁻²³ for one 32-bit word, the same bits as the vector Uniform below.
    private static float UniformOf(ulong w) => (((uint)w >> 9) + 0.5f) * (1f / (1 << 23));

    private static void Check(long offset, int length, float sigma)
    {
        if (offset < 0 || offset + length > IndexLimit)
            NoiseErrors.Range(offset, length);
        if (!(sigma >= 0) || !float.IsFinite(sigma))
            NoiseErrors.Sigma(sigma);
    }

    /// destination[i] = [x[i] +] sigma · N(offset + i), a pass at a time (see <see cref="Pass"/>); the first and last pass
    /// may cover elements outside the piece, which are computed in a buffer and dropped.
    private static void Fill(in Key key, long offset, float sigma, ReadOnlySpan<float> x, Span<float> destination, bool add)
    {
        long end = offset + destination.Length;
        int size = Pass;
        Span<float> buffer = stackalloc float[2 * Group];
        for (long first = offset - offset % size; first < end; first += size)
        {
            ulong pass = (ulong)first / (ulong)size;
            if (first >= offset && first + size <= end)
            {
                int at = (int)(first - offset);
                Normals(key, pass, sigma, destination.Slice(at, size), add ? x.Slice(at, size) : default);
                continue;
            }
            Normals(key, pass, sigma, buffer, default);
            for (long index = Math.Max(first, offset); index < Math.Min(first + size, end); index++)
            {
                int i = (int)(index - offset);
                float noise = buffer[(int)(index - first)];
                destination[i] = add ? x[i] + noise : noise;
            }
        }
    }

    private readonly record struct Key(ulong Seed, long Step, int Layer);

    /// The counter words after the block number, in every lane: (layer, step low 32 bits, step high 32 bits).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (T, T, T) Counters<T>(in Key key) where T : struct, IWords<T> =>
        (T.Of((uint)key.Layer), T.Of((ulong)key.Step & 0xFFFF_FFFF), T.Of((ulong)key.Step >> 32));

    /// d = [x +] sigma · N for the elements of pass p (<see cref="Pass"/> of them: groups 2p and 2p + 1 on 512-bit
    /// vectors, group p otherwise); x is empty or as long as d. Each lane computes its element alone, in the same
    /// operations at every width.
    private static void Normals(in Key key, ulong p, float sigma, Span<float> d, ReadOnlySpan<float> x)
    {
        uint k0 = (uint)key.Seed, k1 = (uint)(key.Seed >> 32);
        if (Vector512.IsHardwareAccelerated)
        {
            ulong b = 8 * p;
            var (layer, low, high) = Counters<Words8>(key);
            var (w0, w1, w2, w3) = Philox.Rounds10(new Words8(Vector512.Create(b, b + 1, b + 2, b + 3, b + 4, b + 5, b + 6, b + 7)), layer, low, high, k0, k1);
            // Lanes [group 2p: w0, w1 of blocks 0–3 | group 2p + 1: w0, w1 of blocks 4–7].
            var (cos, sin) = BoxMuller(new Lanes16(Uniform(Interleave(w0.Value, w1.Value))), new Lanes16(Uniform(Interleave(w2.Value, w3.Value))));
            var (c, s) = ((cos * sigma).Value, (sin * sigma).Value);
            Put(d, x, 0, c.GetLower());
            Put(d, x, 8, s.GetLower());
            Put(d, x, 16, c.GetUpper());
            Put(d, x, 24, s.GetUpper());
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            ulong b = 4 * p;
            var (layer, low, high) = Counters<Words4>(key);
            var (w0, w1, w2, w3) = Philox.Rounds10(new Words4(Vector256.Create(b, b + 1, b + 2, b + 3)), layer, low, high, k0, k1);
            var (cos, sin) = BoxMuller(new Lanes8(Uniform(Vector256.Narrow(w0.Value, w1.Value))), new Lanes8(Uniform(Vector256.Narrow(w2.Value, w3.Value))));
            Put(d, x, 0, (cos * sigma).Value);
            Put(d, x, 8, (sin * sigma).Value);
        }
        else
        {
            ulong b = 4 * p;
            var (layer, low, high) = Counters<Words2>(key);
            var (a0, a1, a2, a3) = Philox.Rounds10(new Words2(Vector128.Create(b, b + 1)), layer, low, high, k0, k1);
            var (z0, z1, z2, z3) = Philox.Rounds10(new Words2(Vector128.Create(b + 2, b + 3)), layer, low, high, k0, k1);
            // Lanes 0–3 of the cos and of the sin half from words (0, 2) of the four blocks, lanes 4–7 from words (1, 3).
            var (cos0, sin0) = BoxMuller(new Lanes4(Uniform(Vector128.Narrow(a0.Value, z0.Value))), new Lanes4(Uniform(Vector128.Narrow(a2.Value, z2.Value))));
            var (cos1, sin1) = BoxMuller(new Lanes4(Uniform(Vector128.Narrow(a1.Value, z1.Value))), new Lanes4(Uniform(Vector128.Narrow(a3.Value, z3.Value))));
            Put(d, x, 0, (cos0 * sigma).Value);
            Put(d, x, 4, (cos1 * sigma).Value);
            Put(d, x, 8, (sin0 * sigma).Value);
            Put(d, x, 12, (sin1 * sigma).Value);
        }
    }

    /// d[at .. at + 8) = [x[at ..] +] v.
    private static void Put(Span<float> d, ReadOnlySpan<float> x, int at, Vector256<float> v) =>
        (x.IsEmpty ? v : v + Vector256.Create(x.Slice(at, 8))).CopyTo(d.Slice(at, 8));

    /// d[at .. at + 4) = [x[at ..] +] v.
    private static void Put(Span<float> d, ReadOnlySpan<float> x, int at, Vector128<float> v) =>
        (x.IsEmpty ? v : v + Vector128.Create(x.Slice(at, 4))).CopyTo(d.Slice(at, 4));

    /// [x of blocks 0–3, y of blocks 0–3 | x of blocks 4–7, y of blocks 4–7] as 32-bit lanes.
    private static Vector512<uint> Interleave(Vector512<ulong> x, Vector512<ulong> y) =>
        Vector512.Create(Vector256.Narrow(x.GetLower(), y.GetLower()), Vector256.Narrow(x.GetUpper(), y.GetUpper()));

    /// u(w) = (⌊w / 2⁹⌋ + ½)·2⁻²³ ∈ (0, 1): 23 bits plus a half, exact in float32.
    private static Vector512<float> Uniform(Vector512<uint> w) =>
        (Vector512.ConvertToSingle((w >>> 9).AsInt32()) + Vector512.Create(0.5f)) * Vector512.Create(1f / (1 << 23));

    private static Vector256<float> Uniform(Vector256<uint> w) =>
        (Vector256.ConvertToSingle((w >>> 9).AsInt32()) + Vector256.Create(0.5f)) * Vector256.Create(1f / (1 << 23));

    private static Vector128<float> Uniform(Vector128<uint> w) =>
        (Vector128.ConvertToSingle((w >>> 9).AsInt32()) + Vector128.Create(0.5f)) * Vector128.Create(1f / (1 << 23));

    /// Box–Muller lane by lane: r = √(−2 ln u₁), θ = 2π u₂; returns (r cos θ, r sin θ).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (T Cos, T Sin) BoxMuller<T>(T u1, T u2) where T : struct, ILanes<T>
    {
        var r = T.Sqrt(T.Of(-2f) * Log(u1));
        var (sin, cos) = SinCosTwoPi(u2);
        return (r * cos, r * sin);
    }

    /// ln x for x in (0, 1): x = m·2ᵉ with m in [√½, √2), s = (m−1)/(m+1), ln m = 2s(1 + s²/3 + … + s⁸/9)
    /// (|s| ≤ 0.172, so the first dropped term is below 3e-9 of the sum), ln x = e·ln 2 + ln m.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T Log<T>(T x) where T : struct, ILanes<T>
    {
        var e = T.Exponent(x);
        var m = T.Significand(x);   // [1, 2)
        var high = T.GreaterThan(m, T.Of(MathF.Sqrt(2)));
        m = T.Select(high, m * 0.5f, m);
        e += T.Select(high, T.Of(1f), T.Of(0f));
        var s = (m - T.Of(1f)) / (m + T.Of(1f));
        var p = Horner(s * s, s_lnSeries);
        return e * T.Of(MathF.Log(2)) + T.Of(2f) * s * p;
    }

    /// (sin 2πu, cos 2πu) for u in (0, 1): q = ⌊4u + ½⌋, x = 2π(u − q/4) in [−π/4, π/4] (u − q/4 is exact), Taylor series
    /// of sin to x⁹ and cos to x⁸ (dropped terms below 3e-8), then turned by q quarter turns.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (T Sin, T Cos) SinCosTwoPi<T>(T u) where T : struct, ILanes<T>
    {
        var q = T.Floor(u * 4f + T.Of(0.5f));
        var x = (u - q * 0.25f) * T.Of(2 * MathF.PI);
        var z = x * x;
        var sin = x * Horner(z, s_sinSeries);
        var cos = Horner(z, s_cosSeries);
        // A quarter turn: (sin, cos) → (cos, −sin).  q mod 4 = 1: (c, −s); 2: (−s, −c); 3: (−c, s); q is 0 to 4.
        var (one, two, three) = (T.Equal(q, T.Of(1f)), T.Equal(q, T.Of(2f)), T.Equal(q, T.Of(3f)));
        var (swap, negSin, negCos) = (T.Select(one, one, three), T.Select(two, two, three), T.Select(one, one, two));
        var (s, c) = (T.Select(swap, cos, sin), T.Select(swap, sin, cos));
        return (T.Select(negSin, -s, s), T.Select(negCos, -c, c));
    }

    // Series coefficients, highest power first (so Horner's rule reads them in order):
    // ln: 1/9, 1/7, 1/5, 1/3, 1 (in s²);  sin: (−1)ʲ/(2j+1)! for j = 4..0;  cos: (−1)ʲ/(2j)! for j = 4..0 (in x²).
    private static readonly float[] s_lnSeries = Series(4, j => 1.0 / (2 * j + 1));
    private static readonly float[] s_sinSeries = Series(4, j => Sign(j) / Factorial(2 * j + 1));
    private static readonly float[] s_cosSeries = Series(4, j => Sign(j) / Factorial(2 * j));

    private static float[] Series(int top, Func<int, double> coefficient) =>
        Enumerable.Range(0, top + 1).Reverse().Select(j => (float)coefficient(j)).ToArray();

    private static double Sign(int j) => j % 2 == 0 ? 1 : -1;

    private static double Factorial(int n)
    {
        double f = 1;
        for (int k = 2; k <= n; k++)
            f *= k;
        return f;
    }

    /// c[0]·zⁿ + c[1]·zⁿ⁻¹ + … + c[n], by Horner's rule.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T Horner<T>(T z, float[] c) where T : struct, ILanes<T>
    {
        var sum = T.Of(c[0]);
        for (int k = 1; k < c.Length; k++)
            sum = sum * z + T.Of(c[k]);
        return sum;
    }
}

/// Cold throw helpers for Noise.
internal static class NoiseErrors
{
    [DoesNotReturn]
    public static void Lengths(int x, int destination) =>
        throw new ArgumentException($"Noise: x has {x} elements but destination has {destination}; they must match.", nameof(x));

    [DoesNotReturn]
    public static void PartialOverlap() =>
        throw new ArgumentException("Noise: x and destination overlap partially; pass the same span for in-place, or disjoint spans.", "destination");

    [DoesNotReturn]
    public static void Index(long index) =>
        throw new ArgumentOutOfRangeException(nameof(index), index, $"Noise: index must be 0 to 2^34 − 1; got {index}.");

    [DoesNotReturn]
    public static void Range(long offset, int length) =>
        throw new ArgumentOutOfRangeException(nameof(offset), offset, $"Noise: the elements offset..offset+length ({offset}..{offset + length}) must lie in 0..2^34.");

    [DoesNotReturn]
    public static void Sigma(float sigma) =>
        throw new ArgumentOutOfRangeException(nameof(sigma), sigma, $"Noise: sigma must be finite and ≥ 0; got {sigma}.");
}
