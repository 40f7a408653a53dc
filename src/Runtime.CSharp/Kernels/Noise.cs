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
///     counter = (block, layer, step low 32 bits, step high 32 bits),   block = i / 2  (so i &lt; 2³³)
///
/// Each block's four 32-bit words make two 53-bit uniforms in (0,1): u₁ from words 0–1, u₂ from words 2–3,
/// u = (⌊w / 2¹¹⌋ + ½)·2⁻⁵³ with w the 64-bit word pair (low word first). Box–Muller then gives
///
///     N(i) = √(−2 ln u₁) · cos(2π u₂)   for even i,      √(−2 ln u₁) · sin(2π u₂)   for odd i.
///
/// All in double; the fills round sigma·N(i) to float once. ln, sin and cos are our own polynomials (below), built from
/// + − × ÷ √ only, so every result is exactly rounded step by step and has the same bits on every machine and path.
/// One code path computes four blocks at a time in Vector256&lt;double&gt; lanes, and StandardNormalAt is that same path
/// read at one lane: a fill gives exactly the bits of the scalar definition at every position.
public static class Noise
{
    /// Largest index + 1: the block number must fit the 32-bit counter word.
    private const long IndexLimit = 1L << 33;

    /// destination[i] = sigma · N(seed, step, layer, i)
    public static void Gaussian(ulong seed, long step, int layer, float sigma, Span<float> destination) =>
        Gaussian(seed, step, layer, 0, sigma, destination);

    /// destination[i] = sigma · N(seed, step, layer, offset + i): one piece of a longer draw (for filling a buffer in chunks).
    public static void Gaussian(ulong seed, long step, int layer, long offset, float sigma, Span<float> destination)
    {
        Check(offset, destination.Length, sigma);
        Fill(new Key(seed, step, layer), offset, sigma, destination, destination, add: false);
    }

    /// destination[i] = x[i] + (float)(sigma · N(seed, step, layer, i)); x may be destination itself (not a partial overlap).
    public static void AddGaussian(ulong seed, long step, int layer, float sigma, ReadOnlySpan<float> x, Span<float> destination)
    {
        Check(0, destination.Length, sigma);
        if (x.Length != destination.Length)
            NoiseErrors.Lengths(x.Length, destination.Length);
        if (x.Overlaps(destination, out int shift) && shift != 0)
            NoiseErrors.PartialOverlap();
        Fill(new Key(seed, step, layer), 0, sigma, x, destination, add: true);
    }

    /// N(seed, step, layer, index): the scalar definition, and the tests' oracle (0 ≤ index &lt; 2³³).
    public static double StandardNormalAt(ulong seed, long step, int layer, long index)
    {
        if ((ulong)index >= IndexLimit)
            NoiseErrors.Index(index);
        var (even, odd) = Blocks(new Key(seed, step, layer), (ulong)index >> 1);
        return ((index & 1) == 0 ? even : odd).GetElement(0);
    }

    private static void Check(long offset, int length, float sigma)
    {
        if (offset < 0 || offset + length > IndexLimit)
            NoiseErrors.Range(offset, length);
        if (!(sigma >= 0) || !float.IsFinite(sigma))
            NoiseErrors.Sigma(sigma);
    }

    /// destination[i] = [x[i] +] (float)(sigma · N(offset + i)), four blocks (eight elements) per pass; the first and last
    /// pass may cover elements outside the piece, which are computed and dropped.
    private static void Fill(in Key key, long offset, float sigma, ReadOnlySpan<float> x, Span<float> destination, bool add)
    {
        long end = offset + destination.Length;
        for (long first = offset & ~1L; first < end; first += 8)
        {
            var (even, odd) = Blocks(key, (ulong)first >> 1);
            even *= sigma;
            odd *= sigma;
            if (first >= offset && first + 8 <= end)
            {
                // A whole pass inside the piece: round both halves to float ([e₀ e₁ e₂ e₃ o₀ o₁ o₂ o₃]), interleave to
                // element order [e₀ o₀ e₁ o₁ …] and store eight at once.
                var noise = Vector256.Shuffle(Vector256.Narrow(even, odd), Vector256.Create(0, 4, 1, 5, 2, 6, 3, 7));
                int at = (int)(first - offset);
                if (add)
                    noise += Vector256.Create(x.Slice(at, 8));
                noise.CopyTo(destination.Slice(at, 8));
                continue;
            }
            for (int k = 0; k < 8; k++)
            {
                long index = first + k;
                if (index < offset || index >= end)
                    continue;
                int i = (int)(index - offset);
                float noise = (float)((k & 1) == 0 ? even : odd).GetElement(k >> 1);
                destination[i] = add ? x[i] + noise : noise;
            }
        }
    }

    private readonly record struct Key(ulong Seed, long Step, int Layer);

    /// The standard normals of blocks b, b+1, b+2, b+3: lane k of Even is N(2(b+k)), of Odd N(2(b+k)+1).
    private static (Vector256<double> Even, Vector256<double> Odd) Blocks(in Key key, ulong b)
    {
        var mask = Vector256.Create(0xFFFF_FFFFUL);
        var counter = Vector256.Create(b, b + 1, b + 2, b + 3) & mask;
        var (w0, w1, w2, w3) = Philox4x32_10(counter, Vector256.Create((ulong)(uint)key.Layer),
            Vector256.Create((ulong)key.Step & 0xFFFF_FFFF), Vector256.Create((ulong)key.Step >> 32), (uint)key.Seed, (uint)(key.Seed >> 32));
        var u1 = Uniform(w0, w1);
        var u2 = Uniform(w2, w3);
        var r = Vector256.Sqrt(Vector256.Create(-2.0) * Log(u1));
        var (sin, cos) = SinCosTwoPi(u2);
        return (r * cos, r * sin);
    }

    /// (⌊w / 2¹¹⌋ + ½)·2⁻⁵³ ∈ (0, 1), never 0 (so the log is finite) and never 1; w = hi·2³² + lo.
    private static Vector256<double> Uniform(Vector256<ulong> lo, Vector256<ulong> hi) =>
        (Vector256.ConvertToDouble(((hi << 32) | lo) >>> 11) + Vector256.Create(0.5)) * Vector256.Create(1.0 / (1UL << 53));

    /// ln x for x in [2⁻⁵⁴, 1): x = m·2ᵉ with m in [√½, √2), s = (m−1)/(m+1), ln m = 2s(1 + s²/3 + s⁴/5 + … + s¹⁸/19)
    /// (|s| ≤ 0.172, so the first dropped term is below 1e-17 of the sum), ln x = e·ln 2 + ln m.
    private static Vector256<double> Log(Vector256<double> x)
    {
        var bits = x.AsUInt64();
        var e = Vector256.ConvertToDouble(((bits >>> 52).AsInt64()) - Vector256.Create(1023L));
        var m = ((bits & Vector256.Create(0x000F_FFFF_FFFF_FFFFUL)) | Vector256.Create(0x3FF0_0000_0000_0000UL)).AsDouble();   // [1, 2)
        var high = Vector256.GreaterThan(m, Vector256.Create(Math.Sqrt(2)));
        m = Vector256.ConditionalSelect(high, m * 0.5, m);
        e += Vector256.ConditionalSelect(high, Vector256.Create(1.0), Vector256<double>.Zero);
        var s = (m - Vector256<double>.One) / (m + Vector256<double>.One);
        var p = Horner(s * s, s_lnSeries);
        return e * Vector256.Create(Math.Log(2)) + Vector256.Create(2.0) * s * p;
    }

    /// (sin 2πu, cos 2πu) for u in [0, 1): q = ⌊4u + ½⌋, x = 2π(u − q/4) in [−π/4, π/4] (u − q/4 is exact), Taylor series
    /// of sin to x¹⁵ and cos to x¹⁶ (dropped terms below 5e-17), then turned by q quarter turns.
    private static (Vector256<double> Sin, Vector256<double> Cos) SinCosTwoPi(Vector256<double> u)
    {
        var q = Vector256.Floor(u * 4.0 + Vector256.Create(0.5));
        var x = (u - q * 0.25) * Vector256.Create(2 * Math.PI);
        var z = x * x;
        var sin = x * Horner(z, s_sinSeries);
        var cos = Horner(z, s_cosSeries);
        // A quarter turn: (sin, cos) → (cos, −sin).  q mod 4 = 1: (c, −s); 2: (−s, −c); 3: (−c, s).
        var quarter = Vector256.ConvertToInt64(q) & Vector256.Create(3L);
        var swap = Vector256.Equals(quarter & Vector256.Create(1L), Vector256.Create(1L)).AsDouble();
        var negSin = Vector256.GreaterThanOrEqual(quarter, Vector256.Create(2L)).AsDouble();
        var negCos = Vector256.Equals((quarter + Vector256.Create(1L)) & Vector256.Create(2L), Vector256.Create(2L)).AsDouble();
        var (s, c) = (Vector256.ConditionalSelect(swap, cos, sin), Vector256.ConditionalSelect(swap, sin, cos));
        return (Vector256.ConditionalSelect(negSin, -s, s), Vector256.ConditionalSelect(negCos, -c, c));
    }

    // Series coefficients, highest power first (so Horner's rule reads them in order):
    // ln: 1/19, 1/17, …, 1/3, 1 (in s²);  sin: (−1)ʲ/(2j+1)! for j = 7..0;  cos: (−1)ʲ/(2j)! for j = 8..0 (in x²).
    private static readonly double[] s_lnSeries = Series(9, j => 1.0 / (2 * j + 1));
    private static readonly double[] s_sinSeries = Series(7, j => Sign(j) / Factorial(2 * j + 1));
    private static readonly double[] s_cosSeries = Series(8, j => Sign(j) / Factorial(2 * j));

    private static double[] Series(int top, Func<int, double> coefficient) =>
        Enumerable.Range(0, top + 1).Reverse().Select(coefficient).ToArray();

    private static double Sign(int j) => j % 2 == 0 ? 1 : -1;

    private static double Factorial(int n)
    {
        double f = 1;
        for (int k = 2; k <= n; k++)
            f *= k;
        return f;
    }

    /// c[0]·zⁿ + c[1]·zⁿ⁻¹ + … + c[n], by Horner's rule.
    private static Vector256<double> Horner(Vector256<double> z, double[] c)
    {
        var sum = Vector256.Create(c[0]);
        for (int k = 1; k < c.Length; k++)
            sum = sum * z + Vector256.Create(c[k]);
        return sum;
    }

    /// Philox4x32 with 10 rounds (Random123's philox4x32_R(10, ...)) on four counters at once, each 32-bit word in a 64-bit
    /// lane (so M·c is one exact 64-bit lane multiply). A round: (hi₀, lo₀) = M₀·c₀, (hi₁, lo₁) = M₁·c₂;
    /// c ← (hi₁ ⊕ c₁ ⊕ k₀, lo₁, hi₀ ⊕ c₃ ⊕ k₁, lo₀); then the key is bumped by the Weyl constants.
    internal static (Vector256<ulong>, Vector256<ulong>, Vector256<ulong>, Vector256<ulong>) Philox4x32_10(
        Vector256<ulong> c0, Vector256<ulong> c1, Vector256<ulong> c2, Vector256<ulong> c3, uint k0, uint k1)
    {
        const uint W0 = 0x9E3779B9, W1 = 0xBB67AE85;
        var m0 = Vector256.Create(0xD2511F53UL);
        var m1 = Vector256.Create(0xCD9E8D57UL);
        var low = Vector256.Create(0xFFFF_FFFFUL);
        for (int round = 0; round < 10; round++)
        {
            var p0 = m0 * c0;
            var p1 = m1 * c2;
            (c0, c1, c2, c3) = ((p1 >>> 32) ^ c1 ^ Vector256.Create((ulong)k0), p1 & low, (p0 >>> 32) ^ c3 ^ Vector256.Create((ulong)k1), p0 & low);
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
        throw new ArgumentOutOfRangeException(nameof(index), index, $"Noise: index must be 0 to 2^33 − 1; got {index}.");

    [DoesNotReturn]
    public static void Range(long offset, int length) =>
        throw new ArgumentOutOfRangeException(nameof(offset), offset, $"Noise: the elements offset..offset+length ({offset}..{offset + length}) must lie in 0..2^33.");

    [DoesNotReturn]
    public static void Sigma(float sigma) =>
        throw new ArgumentOutOfRangeException(nameof(sigma), sigma, $"Noise: sigma must be finite and ≥ 0; got {sigma}.");
}
