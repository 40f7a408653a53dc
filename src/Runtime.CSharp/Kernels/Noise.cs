using System.Diagnostics.CodeAnalysis;
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
/// All in float32; ln, sin and cos are our own polynomials (below), built from + − × ÷ √ only, so every result has the
/// same bits on every machine. One code path computes two groups at once in Vector512 lanes, and StandardNormalAt is that
/// path read at one lane: a fill gives exactly the bits of the scalar definition at every position. (An earlier version
/// did Box–Muller in double, two normals per block: five times slower, and noise needs no more than float precision.)
public static class Noise
{
    /// Largest index + 1: the block number must fit the 32-bit counter word.
    private const long IndexLimit = 1L << 34;
    private const int Group = 16;
    private const int Pair = 2 * Group;

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
        var (cos0, sin0, cos1, sin1) = PairOf(new Key(seed, step, layer), (ulong)index / Pair);
        int q = (int)(index % Pair);
        var (cos, sin) = q < Group ? (cos0, sin0) : (cos1, sin1);
        q %= Group;
        return (q < 8 ? cos : sin).GetElement(q & 7);
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

    /// The 32 uniforms of blocks 8p .. 8p+7, element 4j + w being word w of block 8p + j.
    private static void UniformsOf(in Key key, ulong p, Span<float> destination)
    {
        ulong b = 8 * p;
        var (w0, w1, w2, w3) = Philox4x32_10(Vector512.Create(b, b + 1, b + 2, b + 3, b + 4, b + 5, b + 6, b + 7),
            Vector512.Create((ulong)(uint)key.Layer), Vector512.Create((ulong)key.Step & 0xFFFF_FFFF), Vector512.Create((ulong)key.Step >> 32),
            (uint)key.Seed, (uint)(key.Seed >> 32));
        for (int j = 0; j < 8; j++)
        {
            destination[4 * j] = UniformOf(w0.GetElement(j));
            destination[4 * j + 1] = UniformOf(w1.GetElement(j));
            destination[4 * j + 2] = UniformOf(w2.GetElement(j));
            destination[4 * j + 3] = UniformOf(w3.GetElement(j));
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

    /// destination[i] = [x[i] +] sigma · N(offset + i), two groups of 16 per pass; the first and last pass may cover
    /// elements outside the piece, which are computed and dropped.
    private static void Fill(in Key key, long offset, float sigma, ReadOnlySpan<float> x, Span<float> destination, bool add)
    {
        long end = offset + destination.Length;
        var s = Vector256.Create(sigma);
        for (long first = offset - offset % Pair; first < end; first += Pair)
        {
            var (cos0, sin0, cos1, sin1) = PairOf(key, (ulong)first / Pair);
            Store(first, cos0 * s, sin0 * s, offset, end, x, destination, add);
            Store(first + Group, cos1 * s, sin1 * s, offset, end, x, destination, add);
        }
    }

    /// Group elements first .. first + 15 (cos lanes, then sin lanes) into the piece offset .. end − 1 of the draw.
    private static void Store(long first, Vector256<float> cos, Vector256<float> sin, long offset, long end,
        ReadOnlySpan<float> x, Span<float> destination, bool add)
    {
        if (first >= offset && first + Group <= end)
        {
            int at = (int)(first - offset);
            if (add)
            {
                cos += Vector256.Create(x.Slice(at, 8));
                sin += Vector256.Create(x.Slice(at + 8, 8));
            }
            cos.CopyTo(destination.Slice(at, 8));
            sin.CopyTo(destination.Slice(at + 8, 8));
            return;
        }
        for (int q = 0; q < Group; q++)
        {
            long index = first + q;
            if (index < offset || index >= end)
                continue;
            int i = (int)(index - offset);
            float noise = (q < 8 ? cos : sin).GetElement(q & 7);
            destination[i] = add ? x[i] + noise : noise;
        }
    }

    private readonly record struct Key(ulong Seed, long Step, int Layer);

    /// The 32 standard normals of groups 2p and 2p+1 (blocks 8p .. 8p+7), from one Philox call on eight blocks in
    /// Vector512 lanes: for each group, lanes 0–3 of each half from words (0, 2) of its four blocks, lanes 4–7 from
    /// words (1, 3). Every operation is lane-wise, so each normal has the bits it would have computed alone.
    private static (Vector256<float> Cos0, Vector256<float> Sin0, Vector256<float> Cos1, Vector256<float> Sin1) PairOf(in Key key, ulong p)
    {
        ulong b = 8 * p;
        var (w0, w1, w2, w3) = Philox4x32_10(Vector512.Create(b, b + 1, b + 2, b + 3, b + 4, b + 5, b + 6, b + 7),
            Vector512.Create((ulong)(uint)key.Layer), Vector512.Create((ulong)key.Step & 0xFFFF_FFFF), Vector512.Create((ulong)key.Step >> 32),
            (uint)key.Seed, (uint)(key.Seed >> 32));
        // Narrow gives [w0 of blocks 0–7 | w1 of blocks 0–7]; reorder to [group 2p: w0, w1 of blocks 0–3 | group 2p+1: blocks 4–7].
        var order = Vector512.Create(0u, 1, 2, 3, 8, 9, 10, 11, 4, 5, 6, 7, 12, 13, 14, 15);
        var r = Vector512.Sqrt(Vector512.Create(-2f) * Log(Uniform(Vector512.Shuffle(Vector512.Narrow(w0, w1), order))));
        var (sin, cos) = SinCosTwoPi(Uniform(Vector512.Shuffle(Vector512.Narrow(w2, w3), order)));
        var (c, s) = (r * cos, r * sin);
        return (c.GetLower(), s.GetLower(), c.GetUpper(), s.GetUpper());
    }

    /// (⌊w / 2⁹⌋ + ½)·2⁻²³ ∈ (0, 1): 23 bits plus a half, exact in float32.
    private static Vector512<float> Uniform(Vector512<uint> w) =>
        (Vector512.ConvertToSingle((w >>> 9).AsInt32()) + Vector512.Create(0.5f)) * Vector512.Create(1f / (1 << 23));

    /// ln x for x in (0, 1): x = m·2ᵉ with m in [√½, √2), s = (m−1)/(m+1), ln m = 2s(1 + s²/3 + … + s⁸/9)
    /// (|s| ≤ 0.172, so the first dropped term is below 3e-9 of the sum), ln x = e·ln 2 + ln m.
    private static Vector512<float> Log(Vector512<float> x)
    {
        var bits = x.AsUInt32();
        var e = Vector512.ConvertToSingle((bits >>> 23).AsInt32() - Vector512.Create(127));
        var m = ((bits & Vector512.Create(0x007F_FFFFu)) | Vector512.Create(0x3F80_0000u)).AsSingle();   // [1, 2)
        var high = Vector512.GreaterThan(m, Vector512.Create(MathF.Sqrt(2)));
        m = Vector512.ConditionalSelect(high, m * 0.5f, m);
        e += Vector512.ConditionalSelect(high, Vector512<float>.One, Vector512<float>.Zero);
        var s = (m - Vector512<float>.One) / (m + Vector512<float>.One);
        var p = Horner(s * s, s_lnSeries);
        return e * Vector512.Create(MathF.Log(2)) + Vector512.Create(2f) * s * p;
    }

    /// (sin 2πu, cos 2πu) for u in (0, 1): q = ⌊4u + ½⌋, x = 2π(u − q/4) in [−π/4, π/4] (u − q/4 is exact), Taylor series
    /// of sin to x⁹ and cos to x⁸ (dropped terms below 3e-8), then turned by q quarter turns.
    private static (Vector512<float> Sin, Vector512<float> Cos) SinCosTwoPi(Vector512<float> u)
    {
        var q = Vector512.Floor(u * 4f + Vector512.Create(0.5f));
        var x = (u - q * 0.25f) * Vector512.Create(2 * MathF.PI);
        var z = x * x;
        var sin = x * Horner(z, s_sinSeries);
        var cos = Horner(z, s_cosSeries);
        // A quarter turn: (sin, cos) → (cos, −sin).  q mod 4 = 1: (c, −s); 2: (−s, −c); 3: (−c, s).
        var quarter = Vector512.ConvertToInt32(q) & Vector512.Create(3);
        var swap = Vector512.Equals(quarter & Vector512.Create(1), Vector512.Create(1)).AsSingle();
        var negSin = Vector512.GreaterThanOrEqual(quarter, Vector512.Create(2)).AsSingle();
        var negCos = Vector512.Equals((quarter + Vector512.Create(1)) & Vector512.Create(2), Vector512.Create(2)).AsSingle();
        var (s, c) = (Vector512.ConditionalSelect(swap, cos, sin), Vector512.ConditionalSelect(swap, sin, cos));
        return (Vector512.ConditionalSelect(negSin, -s, s), Vector512.ConditionalSelect(negCos, -c, c));
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
    private static Vector512<float> Horner(Vector512<float> z, float[] c)
    {
        var sum = Vector512.Create(c[0]);
        for (int k = 1; k < c.Length; k++)
            sum = sum * z + Vector512.Create(c[k]);
        return sum;
    }

    /// Philox4x32 with 10 rounds (Random123's philox4x32_R(10, ...)) on four counters at once, each 32-bit word in a 64-bit
    /// lane (so M·c is one exact 64-bit lane multiply). A round: (hi₀, lo₀) = M₀·c₀, (hi₁, lo₁) = M₁·c₂;
    /// c ← (hi₁ ⊕ c₁ ⊕ k₀, lo₁, hi₀ ⊕ c₃ ⊕ k₁, lo₀); then the key is bumped by the Weyl constants.
    internal static (Vector512<ulong>, Vector512<ulong>, Vector512<ulong>, Vector512<ulong>) Philox4x32_10(
        Vector512<ulong> c0, Vector512<ulong> c1, Vector512<ulong> c2, Vector512<ulong> c3, uint k0, uint k1)
    {
        const uint W0 = 0x9E3779B9, W1 = 0xBB67AE85;
        var m0 = Vector512.Create(0xD2511F53UL);
        var m1 = Vector512.Create(0xCD9E8D57UL);
        var low = Vector512.Create(0xFFFF_FFFFUL);
        for (int round = 0; round < 10; round++)
        {
            var p0 = m0 * c0;
            var p1 = m1 * c2;
            (c0, c1, c2, c3) = ((p1 >>> 32) ^ c1 ^ Vector512.Create((ulong)k0), p1 & low, (p0 >>> 32) ^ c3 ^ Vector512.Create((ulong)k1), p0 & low);
            k0 += W0;
            k1 += W1;
        }
        return (c0, c1, c2, c3);
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
