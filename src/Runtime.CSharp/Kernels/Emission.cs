using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace TargetProp.Runtime;

/// <summary>What a layer with a discrete or stochastic unit passes up, computed from its relaxed value r (the smooth
/// unit whose value the targets and local losses read: tanh for Sign, the sigmoid for Step and Bernoulli).</summary>
public enum Emission
{
    /// <summary>sign(r) = +1 if r &gt; 0, else −1 (Lee et al.'s sign).</summary>
    Sign,
    /// <summary>step(r) = 1 if r &gt; ½, else 0 (the sigmoid's r &gt; ½ is a &gt; 0).</summary>
    Step,
    /// <summary>h ~ Bernoulli(r): 1 if u &lt; r, u the counter-based uniform of the element, else 0.</summary>
    Bernoulli,
}

/// <summary>The emissions as kernels on spans.</summary>
public static class Emissions
{
    /// <summary>destination = e(r). For Bernoulli, u_i = Noise.Uniform(seed, step, stream, offset + i), so a row-wise
    /// piece of a batch starts at its first element's index; destination may be r itself.</summary>
    public static void Emit(Emission emission, ReadOnlySpan<float> r, Span<float> destination, ulong seed, long step, int stream, long offset)
    {
        using var profiled = Profile.Time(ProfileKind.Emission);
        ThrowHelper.ThrowIfTooShort(destination.Length, r.Length, nameof(destination));
        var d = destination[..r.Length];
        switch (emission)
        {
            case Emission.Sign: Threshold(r, 0f, 2f, -1f, d); break;
            case Emission.Step: Threshold(r, 0.5f, 1f, 0f, d); break;
            case Emission.Bernoulli:
                if (r.Overlaps(d)) ThrowHelper.Aliased(nameof(destination), "Bernoulli draws its uniforms into destination, so it cannot be r");
                Noise.Uniform(seed, step, stream, offset, d);
                Threshold(r, d, d);
                break;
            default: ThrowHelper.UnknownEmission(emission, nameof(Emit)); break;
        }
    }

    // d = high·[r > c] + low: Sign is 2·[r > 0] − 1, Step is [r > ½].
    private static void Threshold(ReadOnlySpan<float> r, float c, float high, float low, Span<float> d)
    {
        var kernel = new ThresholdKernel(r, c, high, low, d);
        LaneLoop.Run(ref kernel, r.Length);
    }

    // d = [r > u], u read from d itself.
    private static void Threshold(ReadOnlySpan<float> r, ReadOnlySpan<float> u, Span<float> d)
    {
        var kernel = new SampleKernel(r, u, d);
        LaneLoop.Run(ref kernel, r.Length);
    }

    private ref struct ThresholdKernel(ReadOnlySpan<float> r, float c, float high, float low, Span<float> d) : ILaneKernel
    {
        private readonly ref float _r = ref MemoryMarshal.GetReference(r), _d = ref MemoryMarshal.GetReference(d);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Apply<T>(nuint i) where T : struct, ILanes<T> => (high * T.Positive(T.Load(ref _r, i) + (-c)) + low).Store(ref _d, i);
    }

    private ref struct SampleKernel(ReadOnlySpan<float> r, ReadOnlySpan<float> u, Span<float> d) : ILaneKernel
    {
        private readonly ref float _r = ref MemoryMarshal.GetReference(r), _u = ref MemoryMarshal.GetReference(u), _d = ref MemoryMarshal.GetReference(d);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Apply<T>(nuint i) where T : struct, ILanes<T> => T.Positive(T.Load(ref _r, i) - T.Load(ref _u, i)).Store(ref _d, i);
    }
}
