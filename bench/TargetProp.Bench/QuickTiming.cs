using System.Diagnostics;
using System.Runtime.InteropServices;
using TargetProp.Runtime;

namespace TargetProp.Bench;

/// A plain timing loop, measured like gemm_bench.py: warm-up, calibrate a loop of ~minTime seconds,
/// then 5 timed loops; prints median and best GFLOP/s per shape and thread count, and bytes allocated.
public static class QuickTiming
{
    public static void Run(double minTime, int[] threadCounts)
    {
        foreach (int threads in threadCounts)
        {
            using var pool = new WorkerPool(threads);
            foreach (var shape in GemmShape.All)
            {
                var x = new GemmOperands(shape);
                for (int i = 0; i < 3; i++) x.Multiply(pool);
                int n = 1;
                double dt;
                while (true)
                {
                    dt = Time(x, pool, n);
                    if (dt > minTime / 4) break;
                    n *= 2;
                }
                n = Math.Max(1, (int)(n * minTime / dt));
                long alloc = GC.GetTotalAllocatedBytes(true);
                var times = new double[5];
                var cpu = new double[5];
                for (int r = 0; r < times.Length; r++)
                {
                    double c0 = ThreadCpuSeconds();
                    times[r] = Time(x, pool, n) / n;
                    cpu[r] = (ThreadCpuSeconds() - c0) / n;
                }
                alloc = GC.GetTotalAllocatedBytes(true) - alloc;
                Array.Sort(times);
                Array.Sort(cpu);
                // On a shared machine the calling thread's CPU time is the steadier figure at 1 thread (it leaves out
                // time the thread was not running); at 2 threads it counts spinning, so read the wall-clock figures.
                Console.WriteLine($"{threads} thr  {shape,-22} median {shape.Flops / times[2] / 1e9,7:F1} GFLOP/s  best {shape.Flops / times[0] / 1e9,7:F1}  cpu-best {shape.Flops / cpu[0] / 1e9,7:F1}  ({times[2] * 1e6:F1} us/call, {alloc} B allocated)");
            }
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec { public long Seconds, Nanoseconds; }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);

    /// CPU time of the calling thread (Linux CLOCK_THREAD_CPUTIME_ID); NaN elsewhere.
    private static double ThreadCpuSeconds()
    {
        if (!OperatingSystem.IsLinux()) return double.NaN;
        ClockGetTime(3, out var t);
        return t.Seconds + t.Nanoseconds * 1e-9;
    }

    private static double Time(GemmOperands x, WorkerPool pool, int n)
    {
        long t = Stopwatch.GetTimestamp();
        for (int i = 0; i < n; i++) x.Multiply(pool);
        return Stopwatch.GetElapsedTime(t).TotalSeconds;
    }
}
