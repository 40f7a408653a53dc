namespace TargetProp.Runtime;

/// <summary>
/// The fastest a profiled run could go on this machine with its kernels as they are: its GEMM work at the cores'
/// multiply-add peak (<see cref="MultiplyAddPeak"/>), plus the time its other kernels took, spread evenly over the
/// threads. A run's distance from its floor is GEMM below peak, waits at joins and the training loop; the floor itself
/// is the machine and the other kernels. `tprop bench epoch --profile` prints it.
/// </summary>
/// <param name="GemmAtPeak">Seconds the GEMM work takes with every thread at peak: F / (threads · P).</param>
/// <param name="OtherKernels">Thread-seconds charged to every kind of kernel but GEMM and <see cref="ProfileKind.Wait"/>.</param>
/// <param name="Seconds">The floor: GemmAtPeak + OtherKernels / threads.</param>
/// <param name="GemmShareOfPeak">The run's GEMM rate per thread-second, F / T_GEMM, as a share of P (0 when no GEMM time
/// was charged).</param>
public readonly record struct EpochFloor(double GemmAtPeak, double OtherKernels, double Seconds, double GemmShareOfPeak)
{
    /// <summary>The floor of a run that did <paramref name="gemmFlops"/> of GEMM on <paramref name="threads"/> threads, each
    /// with a multiply-add peak of <paramref name="peakPerThread"/> GFLOP/s, from the thread-seconds per kind it was
    /// charged (<see cref="Profile.Totals"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">gemmFlops is negative, threads is below 1, or the peak is not a
    /// positive finite number.</exception>
    public static EpochFloor Of(long gemmFlops, double peakPerThread, int threads, IReadOnlyDictionary<ProfileKind, double> totals)
    {
        ArgumentNullException.ThrowIfNull(totals);
        if (gemmFlops < 0) ThrowHelper.ArgumentOutOfRange(nameof(gemmFlops), gemmFlops, "EpochFloor: GEMM FLOPs must be ≥ 0.");
        if (threads < 1) ThrowHelper.ArgumentOutOfRange(nameof(threads), threads, "EpochFloor: threads must be ≥ 1.");
        if (!(peakPerThread > 0) || !double.IsFinite(peakPerThread))
            ThrowHelper.ArgumentOutOfRange(nameof(peakPerThread), peakPerThread, "EpochFloor: the peak must be a positive number of GFLOP/s.");
        double gemm = 0, other = 0;
        foreach (var (kind, seconds) in totals)
        {
            if (kind is ProfileKind.GemmNN or ProfileKind.GemmNT or ProfileKind.GemmTN) gemm += seconds;
            else if (kind != ProfileKind.Wait) other += seconds;
        }
        double gemmAtPeak = gemmFlops / (threads * peakPerThread * 1e9);
        double share = gemm > 0 ? gemmFlops / gemm / 1e9 / peakPerThread : 0;
        return new EpochFloor(gemmAtPeak, other, gemmAtPeak + other / threads, share);
    }
}
