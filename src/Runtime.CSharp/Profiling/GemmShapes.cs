using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace TargetProp.Runtime;

/// <summary>One GEMM shape's calls while profiling: how often it ran and the wall time of its calls on the calling
/// thread (the workers' shares included).</summary>
/// <param name="Form">NN, NT or TN.</param>
/// <param name="M">Rows of C.</param>
/// <param name="N">Columns of C.</param>
/// <param name="K">The inner dimension.</param>
/// <param name="Calls">Calls of this shape.</param>
/// <param name="Seconds">Their wall time, summed.</param>
public readonly record struct GemmShape(GemmForm Form, int M, int N, int K, long Calls, double Seconds)
{
    /// <summary>2·m·n·k per call over the calls' time: what this shape achieved inside the run.</summary>
    public double Gflops => Seconds > 0 ? 2.0 * M * N * K * Calls / Seconds / 1e9 : 0;
}

/// <summary>
/// Per thread, the GEMM calls of each shape while <see cref="Profile.Enabled"/>: a run's GEMM time split by shape, so
/// that a shape running below its rate alone (`tprop bench gemm`) can be found (`tprop bench epoch --profile`).
/// </summary>
/// <remarks>An open-addressed table of <see cref="Capacity"/> shapes, made with the thread's tally (no allocation
/// after it): a training step has a few shapes (Lee et al.'s network, eight). Shapes past the capacity, or with a
/// dimension of 2²⁰ or more, are not recorded.</remarks>
internal sealed class GemmShapeTally
{
    public const int Capacity = 64;
    private const int DimensionBits = 20;
    private readonly long[] _keys = new long[Capacity];   // 0: empty (m ≥ 1, so no shape packs to 0)
    private readonly long[] _calls = new long[Capacity];
    private readonly long[] _ticks = new long[Capacity];

    /// One call of (form, m, n, k) that took `ticks` Stopwatch ticks.
    public void Add(GemmForm form, int m, int n, int k, long ticks)
    {
        if ((m | n | k) >> DimensionBits != 0) return;
        long key = (long)form << (3 * DimensionBits) | (long)m << (2 * DimensionBits) | (long)n << DimensionBits | (long)k;
        int slot = (int)((ulong)(key * -7046029254386353131L) >> 58);   // Fibonacci hashing to 6 bits
        for (int probe = 0; probe < Capacity; probe++, slot = (slot + 1) & (Capacity - 1))
        {
            if (_keys[slot] == 0) _keys[slot] = key;
            else if (_keys[slot] != key) continue;
            _calls[slot]++;
            _ticks[slot] += ticks;
            return;
        }
    }

    /// Adds this thread's shapes into `into`, keyed by (form, m, n, k).
    public void SumInto(Dictionary<(GemmForm, int, int, int), (long Calls, long Ticks)> into)
    {
        const long Mask = (1L << DimensionBits) - 1;
        for (int slot = 0; slot < Capacity; slot++)
        {
            long key = Volatile.Read(ref _keys[slot]);
            if (key == 0) continue;
            var shape = ((GemmForm)(key >> (3 * DimensionBits)), (int)(key >> (2 * DimensionBits) & Mask), (int)(key >> DimensionBits & Mask), (int)(key & Mask));
            into.TryGetValue(shape, out var sum);
            into[shape] = (sum.Calls + Volatile.Read(ref _calls[slot]), sum.Ticks + Volatile.Read(ref _ticks[slot]));
        }
    }

    public void Clear()
    {
        Array.Clear(_keys);
        Array.Clear(_calls);
        Array.Clear(_ticks);
    }

    /// The shapes of `tallies` summed, most time first.
    public static IReadOnlyList<GemmShape> Sum(IEnumerable<GemmShapeTally> tallies)
    {
        var sums = new Dictionary<(GemmForm, int, int, int), (long Calls, long Ticks)>();
        foreach (var tally in tallies) tally.SumInto(sums);
        return sums.Select(kv => new GemmShape(kv.Key.Item1, kv.Key.Item2, kv.Key.Item3, kv.Key.Item4, kv.Value.Calls,
                (double)kv.Value.Ticks / Stopwatch.Frequency))
            .OrderByDescending(s => s.Seconds).ToList();
    }
}
