using BenchmarkDotNet.Running;
using TargetProp.Bench;

// `quick [seconds]`: a plain timing loop over GemmShapes (GFLOP/s at 1 and 2 threads), for side-by-side
// runs with ../shared/baselines/gemm_bench.py. Anything else goes to BenchmarkDotNet's switcher.
if (args.Length > 0 && args[0] == "quick")
{
    QuickTiming.Run(args.Length > 1 ? double.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 0.5);
    return;
}
BenchmarkSwitcher.FromAssembly(typeof(GemmBenchmarks).Assembly).Run(args);
