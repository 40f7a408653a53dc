using BenchmarkDotNet.Running;
using TargetProp.Bench;

// `quick [seconds per loop] [threads]`: a plain timing loop over GemmShape.All (GFLOP/s at 1 and 2 threads, or the
// given count), for side-by-side runs with ../shared/baselines/gemm_bench.py. Anything else goes to BenchmarkDotNet.
if (args.Length > 0 && args[0] == "quick")
{
    double seconds = args.Length > 1 ? double.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 0.5;
    int[] threads = args.Length > 2 ? [int.Parse(args[2])] : [1, 2];
    QuickTiming.Run(seconds, threads);
    return;
}
BenchmarkSwitcher.FromAssembly(typeof(GemmBenchmarks).Assembly).Run(args);
