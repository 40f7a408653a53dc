using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace TargetProp.Runtime;

/// Counter-based Gaussian noise: element i of the draw keyed by (seed, step, layer) is a pure function of (seed, step, layer, i),
/// so it does not depend on thread count, chunking or call order.
///
/// Construction: Philox4x32-10 (Salmon, Moraes, Dror & Shaw 2011, "Parallel random numbers: as easy as 1, 2, 3"; the
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
/// All in double; the fills round sigma·N(i) to float once. The fills and StandardNormalAt share one code path
/// (Block), so a fill gives exactly the bits of the scalar definition at every position.
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
        Fill(seed, step, layer, offset, sigma, destination, destination, add: false);
    }

    /// destination[i] = x[i] + (float)(sigma · N(seed, step, layer, i)); x may be destination itself (not a partial overlap).
    public static void AddGaussian(ulong seed, long step, int layer, float sigma, ReadOnlySpan<float> x, Span<float> destination)
    {
        Check(0, destination.Length, sigma);
        if (x.Length != destination.Length)
            NoiseErrors.Lengths(x.Length, destination.Length);
        if (x.Overlaps(destination, out int shift) && shift != 0)
            NoiseErrors.PartialOverlap();
        Fill(seed, step, layer, 0, sigma, x, destination, add: true);
    }

    /// N(seed, step, layer, index): the scalar definition, and the tests' oracle (0 ≤ index &lt; 2³³).
    public static double StandardNormalAt(ulong seed, long step, int layer, long index)
    {
        if ((ulong)index >= IndexLimit)
            NoiseErrors.Index(index);
        var (even, odd) = Block(seed, step, layer, (uint)(index >> 1));
        return (index & 1) == 0 ? even : odd;
    }

    private static void Check(long offset, int length, float sigma)
    {
        if (offset < 0 || offset + length > IndexLimit)
            NoiseErrors.Range(offset, length);
        if (!(sigma >= 0) || !float.IsFinite(sigma))
            NoiseErrors.Sigma(sigma);
    }

    // The loop walks element pairs (one Philox block each); a piece that starts or ends on an odd index uses one half of its
    // first or last block. Scalar: Philox's 32×32→64 multiplies and the double Log/SinCos do not vectorise simply, and the
    // fills must match StandardNormalAt bit for bit.
    private static void Fill(ulong seed, long step, int layer, long offset, float sigma, ReadOnlySpan<float> x, Span<float> destination, bool add)
    {
        for (int i = 0; i < destination.Length;)
        {
            long index = offset + i;
            var (even, odd) = Block(seed, step, layer, (uint)(index >> 1));
            if ((index & 1) == 0)
            {
                destination[i] = Sample(sigma, even, x, i, add);
                if (++i == destination.Length)
                    break;
            }
            destination[i] = Sample(sigma, odd, x, i, add);
            i++;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Sample(float sigma, double z, ReadOnlySpan<float> x, int i, bool add)
    {
        float noise = (float)(sigma * z);
        return add ? x[i] + noise : noise;
    }

    /// The two standard normals of one counter block.
    private static (double Even, double Odd) Block(ulong seed, long step, int layer, uint block)
    {
        var (w0, w1, w2, w3) = Philox4x32_10(block, (uint)layer, (uint)step, (uint)((ulong)step >> 32), (uint)seed, (uint)(seed >> 32));
        double u1 = Uniform(w0, w1), u2 = Uniform(w2, w3);
        double r = Math.Sqrt(-2 * Math.Log(u1));
        var (sin, cos) = Math.SinCos(2 * Math.PI * u2);
        return (r * cos, r * sin);
    }

    /// (⌊w / 2¹¹⌋ + ½)·2⁻⁵³ ∈ (0, 1), never 0 (so the log is finite) and never 1.
    private static double Uniform(uint lo, uint hi) => (((((ulong)hi << 32) | lo) >> 11) + 0.5) * (1.0 / (1UL << 53));

    /// Philox4x32 with 10 rounds (Random123's philox4x32_R(10, ...)): counter (c0..c3), key (k0, k1).
    /// A round: (hi₀, lo₀) = M₀·c₀, (hi₁, lo₁) = M₁·c₂;  c ← (hi₁ ⊕ c₁ ⊕ k₀, lo₁, hi₀ ⊕ c₃ ⊕ k₁, lo₀);  then the key is bumped by the Weyl constants.
    internal static (uint, uint, uint, uint) Philox4x32_10(uint c0, uint c1, uint c2, uint c3, uint k0, uint k1)
    {
        const uint M0 = 0xD2511F53, M1 = 0xCD9E8D57, W0 = 0x9E3779B9, W1 = 0xBB67AE85;
        for (int round = 0; round < 10; round++)
        {
            ulong p0 = (ulong)M0 * c0, p1 = (ulong)M1 * c2;
            (c0, c1, c2, c3) = ((uint)(p1 >> 32) ^ c1 ^ k0, (uint)p1, (uint)(p0 >> 32) ^ c3 ^ k1, (uint)p0);
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
