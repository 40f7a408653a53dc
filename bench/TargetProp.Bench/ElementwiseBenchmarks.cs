using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using TargetProp.Runtime;
using TargetProp.Runtime.Optim;

namespace TargetProp.Bench;

/// The fused element-wise kernels of a DTP step on one layer's batch (100 × 240) or one layer's weights (240 × 240),
/// each against the naive twin the tests use as its oracle, so the benefit of the fast path is visible.
[MemoryDiagnoser]
public class ElementwiseBenchmarks
{
    private const int Rows = 100, Cols = 240;
    private readonly float[] _h = Fill(1, Rows * Cols), _t = Fill(2, Rows * Cols), _g = Fill(3, Rows * Cols);
    private readonly float[] _d = new float[Rows * Cols], _bias = Fill(4, Cols);
    private readonly float[] _w = Fill(5, Cols * Cols), _grad = Fill(6, Cols * Cols), _state = new float[3 * Cols * Cols];
    private readonly CentredRmsProp _rms = new(0.0148893f);

    private static float[] Fill(int seed, int n)
    {
        var rng = new Random(seed);
        var x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        return x;
    }

    /// h = tanh(z + b) over the batch.
    [Benchmark] public void BiasTanh() => Activations.BiasActivate(Activation.Tanh, Rows, Cols, _bias, _d);
    [Benchmark] public void BiasTanhNaive() => Naive.BiasActivate(Activation.Tanh, Rows, Cols, _bias, _d);

    /// δ = (2/B)(h − ĥ) ⊙ (1 − h²): the local-loss gradient.
    [Benchmark] public void LocalDelta() => Activations.ScaledDelta(Activation.Tanh, 0.02f, _h, _t, _d);
    [Benchmark] public void LocalDeltaNaive() => Naive.ScaledDelta(Activation.Tanh, 0.02f, _h, _t, _d);

    /// ĥ_{l-1} = h_{l-1} + g(ĥ_l) − g(h_l): the difference target in one pass.
    [Benchmark] public void DifferenceTarget() => TargetUpdates.Combine3(1f, _h, 1f, _t, -1f, _g, _d);
    [Benchmark] public void DifferenceTargetNaive() => Naive.Combine3(1f, _h, 1f, _t, -1f, _g, _d);

    /// h + ε, ε ~ N(0, σ²), counter-based.
    [Benchmark] public void Noise() => TargetProp.Runtime.Noise.AddGaussian(1, 2, 3, 0.36f, _h, _d);

    /// One centred-RMSprop update of a 240 × 240 weight matrix.
    [Benchmark] public void CentredRmsPropStep() => _rms.Step(_w, _grad, _state, 1);

    /// The divergence check of the same matrix: is every element of W finite (OptimOp, every 8th update).
    [Benchmark] public bool FiniteCheck() => TensorPrimitives.IsFiniteAll<float>(_w);
}
