using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace TargetProp.Runtime;

/// <summary>What a kernel's time is charged to in a <see cref="Profile"/>.</summary>
public enum ProfileKind
{
    /// <summary>C = A·B (the forward and feedback maps).</summary>
    GemmNN,
    /// <summary>C = A·Bᵀ (carrying a gradient down through W).</summary>
    GemmNT,
    /// <summary>C = Aᵀ·B (weight gradients).</summary>
    GemmTN,
    /// <summary>Bias and activation, activation derivatives, softmax.</summary>
    Activation,
    /// <summary>Gaussian and uniform draws.</summary>
    Noise,
    /// <summary>Emitting a unit's value from its rate (Bernoulli, straight-through).</summary>
    Emission,
    /// <summary>Target combinations, column sums (bias gradients), one-hot labels.</summary>
    Target,
    /// <summary>Output losses and error counts.</summary>
    Loss,
    /// <summary>Parameter updates and their check for NaN and ∞.</summary>
    Optimiser,
    /// <summary>Copying the batch's rows in from the data set.</summary>
    Gather,
    /// <summary>The calling thread waiting at a join for other workers to finish their shares.</summary>
    Wait,
}

/// <summary>
/// Time per kind of kernel, for `tprop bench epoch --profile`: where an epoch goes on this machine. Off unless
/// <see cref="Enabled"/>; then every kernel entry point charges its time, exclusive of the kernels it calls, to its
/// <see cref="ProfileKind"/> on the thread that runs it, and <see cref="Totals"/> sums the threads. Each GEMM call is
/// also counted under its shape, with its wall time (<see cref="GemmShapes"/>).
/// </summary>
/// <remarks>Two timestamps per kernel call (about 50 ns), and two more per GEMM call for its shape; off, a kernel pays
/// one test of a static field. Each thread allocates its tally once, on its first kernel while profiling.</remarks>
public static class Profile
{
    private static readonly List<Tally> s_threads = [];
    [ThreadStatic] private static Tally? t_tally;

    /// <summary>Whether kernels charge their time (off by default). Set it before a run, not during one.</summary>
    public static bool Enabled { get; set; }

    /// <summary>Seconds charged to each kind, summed over every thread that ran kernels since the last <see cref="Reset"/>.</summary>
    public static IReadOnlyDictionary<ProfileKind, double> Totals()
    {
        var totals = Enum.GetValues<ProfileKind>().ToDictionary(k => k, _ => 0.0);
        lock (s_threads)
            foreach (var tally in s_threads)
                foreach (var kind in Enum.GetValues<ProfileKind>())
                    totals[kind] += (double)Volatile.Read(ref tally.Ticks[(int)kind]) / Stopwatch.Frequency;
        return totals;
    }

    /// <summary>The GEMM calls since the last <see cref="Reset"/>, by shape, summed over every thread that made them,
    /// most time first (<see cref="GemmShape"/>).</summary>
    public static IReadOnlyList<GemmShape> GemmShapes()
    {
        lock (s_threads) return GemmShapeTally.Sum(s_threads.Select(tally => tally.Shapes));
    }

    /// <summary>Zeroes every thread's tally.</summary>
    public static void Reset()
    {
        lock (s_threads)
            foreach (var tally in s_threads)
            {
                Array.Clear(tally.Ticks);
                tally.Shapes.Clear();
            }
    }

    /// The calling thread's GEMM calls by shape alone (tests).
    internal static IReadOnlyList<GemmShape> ThisThreadGemmShapes() => GemmShapeTally.Sum([(t_tally ??= NewTally()).Shapes]);

    /// Records one GEMM call of (form, m, n, k) that started at Stopwatch timestamp `since` (0: profiling was off then).
    internal static void GemmCall(GemmForm form, int m, int n, int k, long since)
    {
        if (since == 0 || !Enabled) return;
        (t_tally ??= NewTally()).Shapes.Add(form, m, n, k, Stopwatch.GetTimestamp() - since);
    }

    /// Seconds charged to each kind on the calling thread alone (tests: other threads may run kernels meanwhile).
    internal static double[] ThisThread()
    {
        var ticks = (t_tally ??= NewTally()).Ticks;
        return ticks.Select(t => (double)t / Stopwatch.Frequency).ToArray();
    }

    /// <summary>Charges the time until the scope is disposed to <paramref name="kind"/> (pausing the enclosing scope's).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Scope Time(ProfileKind kind) => Enabled ? Enter(kind) : default;

    private static Scope Enter(ProfileKind kind)
    {
        var tally = t_tally ??= NewTally();
        long now = Stopwatch.GetTimestamp();
        if (tally.Current >= 0) tally.Ticks[tally.Current] += now - tally.Since;
        var scope = new Scope(tally, tally.Current);
        (tally.Current, tally.Since) = ((int)kind, now);
        return scope;
    }

    private static Tally NewTally()
    {
        var tally = new Tally(new long[Enum.GetValues<ProfileKind>().Length]);
        lock (s_threads) s_threads.Add(tally);
        return tally;
    }

    /// One thread's tally: ticks per kind, the kind being charged now (−1: none) and since when, and its GEMM calls by
    /// shape.
    internal sealed class Tally(long[] ticks)
    {
        public readonly long[] Ticks = ticks;
        public readonly GemmShapeTally Shapes = new();
        public int Current = -1;
        public long Since;
    }

    /// An open charge; disposing it charges the kind and resumes the enclosing one.
    internal readonly ref struct Scope(Tally? tally, int outer)
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Dispose()
        {
            if (tally is null) return;
            long now = Stopwatch.GetTimestamp();
            tally.Ticks[tally.Current] += now - tally.Since;
            (tally.Current, tally.Since) = (outer, now);
        }
    }
}
