using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace TargetProp.Runtime;

/// <summary>
/// The float32 multiply-add throughput a core sustains on the vector path the kernels take (<see cref="VectorPath"/>):
/// the ceiling no GEMM can pass, so a benchmark can say how far from it a kernel runs. Machines differ here more than
/// their vector width says: a core that splits a 512-bit operation into two 256-bit halves has the same peak on both
/// paths, one with two full-width units twice that.
/// </summary>
/// <remarks>
/// The probe is 12 independent chains a ← a·x + y held in registers, enough to cover the multiply-add latency of every
/// core measured (4 cycles, 2 units), with no load or store. Each step is 2 FLOPs per lane, fused or not; without FMA
/// a step is a multiply then a dependent add, whose latency the 12 chains may not cover: the figure is then a lower bound.
/// </remarks>
public static class MultiplyAddPeak
{
    /// Independent chains per thread.
    public const int Chains = 12;

    /// <summary>The settings of every chain: a₀ = 1, then a ← a·0.999999 + 1e-7, so a stays near 1 and never
    /// overflows or turns subnormal.</summary>
    public const float Start = 1f, X = 0.999999f, Y = 1e-7f;

    /// <summary>Runs <paramref name="steps"/> steps of every chain on every lane of the widest accelerated vector and
    /// returns one chain's final value (all chains and lanes are equal), so the work cannot be optimised away and a test
    /// can check it against a scalar loop.</summary>
    public static float Run(long steps)
    {
        if (Vector512.IsHardwareAccelerated) return Run<Lanes16>(steps);
        if (Vector256.IsHardwareAccelerated) return Run<Lanes8>(steps);
        if (Vector128.IsHardwareAccelerated) return Run<Lanes4>(steps);
        return Run<Lane1>(steps);
    }

    /// <summary>FLOPs one call of <see cref="Run"/> performs: 2 per lane per chain per step.</summary>
    public static long Flops(long steps) => 2L * Chains * (VectorPath.Bits / 32) * steps;

    /// <summary>GFLOP/s of the pool's threads running the probe at once, each for about <paramref name="seconds"/>
    /// (wall clock, after a short run that sizes it).</summary>
    public static double Measure(WorkerPool pool, double seconds)
    {
        ArgumentNullException.ThrowIfNull(pool);
        if (!(seconds > 0)) ThrowHelper.ArgumentOutOfRange(nameof(seconds), seconds, "MultiplyAddPeak: seconds must be > 0.");
        var work = new Probe();
        // Sized from a short first run: about `seconds` for each core's share.
        work.Steps = 1 << 20;
        var clock = Stopwatch.StartNew();
        pool.Run(work);
        work.Steps = Math.Max(1L << 20, (long)(work.Steps * seconds / Math.Max(clock.Elapsed.TotalSeconds, 1e-6)));
        clock.Restart();
        pool.Run(work);
        return Flops(work.Steps) * pool.Threads / clock.Elapsed.TotalSeconds / 1e9;
    }

    private sealed class Probe : IParallelWork
    {
        public long Steps;
        private float _sink;

        public void Run(int worker, int workers) => Volatile.Write(ref _sink, MultiplyAddPeak.Run(Steps));
    }

    // The chains of Run: 12 accumulators, each step a ← a·x + y, then their lane 0 (all equal).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float Run<T>(long steps) where T : struct, ILanes<T>
    {
        T x = T.Of(X), y = T.Of(Y);
        T a0 = T.Of(Start), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (long i = 0; i < steps; i++)
        {
            a0 = T.FusedMultiplyAdd(a0, x, y); a1 = T.FusedMultiplyAdd(a1, x, y); a2 = T.FusedMultiplyAdd(a2, x, y);
            a3 = T.FusedMultiplyAdd(a3, x, y); a4 = T.FusedMultiplyAdd(a4, x, y); a5 = T.FusedMultiplyAdd(a5, x, y);
            a6 = T.FusedMultiplyAdd(a6, x, y); a7 = T.FusedMultiplyAdd(a7, x, y); a8 = T.FusedMultiplyAdd(a8, x, y);
            a9 = T.FusedMultiplyAdd(a9, x, y); a10 = T.FusedMultiplyAdd(a10, x, y); a11 = T.FusedMultiplyAdd(a11, x, y);
        }
        // The chains are equal: the minimum keeps every one live at the cost of 11 operations.
        var m = T.Min(T.Min(T.Min(a0, a1), T.Min(a2, a3)), T.Min(T.Min(a4, a5), T.Min(a6, a7)));
        m = T.Min(m, T.Min(T.Min(a8, a9), T.Min(a10, a11)));
        Span<float> lanes = stackalloc float[16];
        m.Store(ref MemoryMarshal.GetReference(lanes), 0);
        return lanes[0];
    }
}
