using System.Diagnostics;
using TargetProp.Runtime;

namespace TargetProp.Bench;

/// A plain timing loop, measured like gemm_bench.py: warm-up, calibrate a loop of ~minTime seconds,
/// then 5 timed loops; prints median and best GFLOP/s per shape and thread count, and bytes allocated.
public static class QuickTiming
{
    public static void Run(double minTime)
    {
        foreach (int threads in new[] { 1, 2 })
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
                var times = Enumerable.Range(0, 5).Select(_ => Time(x, pool, n) / n).OrderBy(t => t).ToArray();
                alloc = GC.GetTotalAllocatedBytes(true) - alloc;
                Console.WriteLine($"{threads} thr  {shape,-22} median {shape.Flops / times[2] / 1e9,7:F1} GFLOP/s  best {shape.Flops / times[0] / 1e9,7:F1}  ({times[2] * 1e6:F1} us/call, {alloc} B allocated)");
            }
        }
    }

    private static double Time(GemmOperands x, WorkerPool pool, int n)
    {
        long t = Stopwatch.GetTimestamp();
        for (int i = 0; i < n; i++) x.Multiply(pool);
        return Stopwatch.GetElapsedTime(t).TotalSeconds;
    }
}
