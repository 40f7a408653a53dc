using BenchmarkDotNet.Attributes;
using TargetProp.Runtime;

namespace TargetProp.Bench;

/// One GEMM problem of the benchmarks: form and sizes (C is m×n, the inner dimension k).
public readonly record struct GemmShape(GemmForm Form, int M, int N, int K)
{
    public double Flops => 2.0 * M * N * K;
    public override string ToString() => $"{Form} {M}x{N}x{K}";

    /// The network's products (100×784)·(784×240) and (100×240)·(240×240) in all three forms, and 1024³ NN.
    public static readonly GemmShape[] All =
    [
        new(GemmForm.NN, 100, 240, 784), new(GemmForm.NT, 100, 240, 784), new(GemmForm.TN, 100, 240, 784),
        new(GemmForm.NN, 100, 240, 240), new(GemmForm.NT, 100, 240, 240), new(GemmForm.TN, 100, 240, 240),
        new(GemmForm.NN, 1024, 1024, 1024),
    ];
}

/// Operands for one shape, stored densely as its form requires, values in [-1, 1).
public sealed class GemmOperands
{
    public GemmOperands(GemmShape s)
    {
        Shape = s;
        var rng = new Random(1);
        A = Fill(rng, s.M * s.K); B = Fill(rng, s.K * s.N); C = new float[s.M * s.N];
        Lda = s.Form == GemmForm.TN ? s.M : s.K;
        Ldb = s.Form == GemmForm.NT ? s.K : s.N;
    }

    public GemmShape Shape { get; }
    public float[] A { get; }
    public float[] B { get; }
    public float[] C { get; }
    public int Lda { get; }
    public int Ldb { get; }

    public void Multiply(WorkerPool? pool) =>
        Gemm.Multiply(Shape.Form, Shape.M, Shape.N, Shape.K, A, Lda, B, Ldb, C, Shape.N, false, pool);

    private static float[] Fill(Random rng, int length)
    {
        var x = new float[length];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        return x;
    }
}

[MemoryDiagnoser]
public class GemmBenchmarks
{
    private GemmOperands _x = null!;
    private WorkerPool _pool = null!;

    public static IEnumerable<GemmShape> Shapes => GemmShape.All;

    [ParamsSource(nameof(Shapes))]
    public GemmShape Shape { get; set; }

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _x = new GemmOperands(Shape);
        _pool = new WorkerPool(Threads);
    }

    [GlobalCleanup]
    public void Cleanup() => _pool.Dispose();

    [Benchmark]
    public void Multiply() => _x.Multiply(_pool);
}
