using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace TargetProp.Runtime;

/// <summary>Packed, register-blocked float32 matrix multiplication in the three forms training needs.</summary>
/// <remarks>
/// Blocking (MR × NR = 6 × 48 tiles, see <see cref="GemmMicroKernel"/>; KC and NC from the caches, see
/// <see cref="GemmBlocking"/>, 384 and 384 on the machines measured):
/// <code>
///   for each block of NC = 384 columns            (8 panels of B)
///     for each block of kc ≤ KC = 384 steps       (k split evenly: 784 → 264+264+256, not 384+384+16)
///       for each 6-row micro-panel of A:          its 6 × kc values (9 KiB) stay in L1
///         for each 48-column panel of B:          kernel; B panel (kc × 48, 72 KiB) streams from L2
/// </code>
/// The packed block of B (kc × NC ≤ 576 KiB) lives in the 1 MiB L2. Rows outside columns is the point:
/// the usual order (a 72 KiB B panel held in L1 while A streams) was 5–20 % slower on a 32 KiB L1d.
/// Operands whose memory already has the panel layout with a stride are read in place, not packed
/// (B of NN, but for strides near a multiple of 1 KiB, 128 rows or more on the 256-bit path, and x86's 128-bit path; A of TN; see
/// <see cref="GemmJob"/>), and so is A of NN and NT: the kernel broadcasts from its
/// 6 rows, each read along k. The other panels of B are packed on first use, by each worker into its own
/// buffer; A is packed only at a stride that is a multiple of 1 KiB (TN on every path; NN and NT below 512 bits, where
/// each 16-column strip reads the micro-panel again). An edge micro-panel (fewer than 6 rows) is read in place too: the
/// kernel is specialised on its rows and reads no others.
/// Workers claim units of C one at a time: a 6-row micro-panel across a block of NC columns (split over M)
/// or a 48-column panel across all rows (split over N), whichever divides more evenly. K is never split
/// and every element is the same FMA chain whatever tile holds it and whoever computes it, so the result
/// is bit-identical for any number of threads.
/// </remarks>
public static class Gemm
{
    /// Steps of k per packed block: A's 6 × KC panel (9 KiB at 384) stays in L1 next to the streaming B panel
    /// (<see cref="GemmBlocking"/>: from this machine's L1d).
    internal static readonly int KC = GemmBlocking.Current.KC;
    /// Columns per block of packed B: kc × NC floats (576 KiB at 384 × 384) in about half of L2
    /// (<see cref="GemmBlocking"/>: from this machine's L2).
    internal static readonly int NC = GemmBlocking.Current.NC;
    /// Below this many multiply-adds a second thread costs more in hand-over than it saves.
    private const long ParallelThreshold = 1L << 17;

    [ThreadStatic] private static GemmJob? t_job;

    /// <summary>
    /// C[m×n] = op(A)·op(B), or C += op(A)·op(B) when accumulate; row-major with leading dimensions lda, ldb, ldc.
    /// pool == null or pool.Threads == 1 runs on the calling thread. Results are bit-identical for any thread count
    /// (parallel over output blocks only, never splitting K). Allocation-free after the first call on a thread.
    /// </summary>
    /// <remarks>C[i,j] = (accumulate ? C[i,j] : 0) + Σ_p op(A)[i,p]·op(B)[p,j], each element one FMA chain in ascending p.</remarks>
    /// <exception cref="ArgumentException">A size is negative, a leading dimension is shorter than its row, a span is
    /// too short for its sizes and leading dimension, or C overlaps A or B.</exception>
    public static unsafe void Multiply(GemmForm form, int m, int n, int k,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        Span<float> c, int ldc, bool accumulate, WorkerPool? pool = null)
    {
        Validate(form, m, n, k, a, lda, b, ldb, c, ldc);
        if (m == 0 || n == 0) return;
        if (k == 0)
        {
            if (!accumulate)
                for (int i = 0; i < m; i++) c.Slice(i * ldc, n).Clear();
            return;
        }
        var job = t_job ??= new GemmJob();
        long since = Profile.Enabled ? Stopwatch.GetTimestamp() : 0;
        fixed (float* pa = a, pb = b, pc = c)
        {
            job.Start(form, m, n, k, pa, lda, pb, ldb, pc, ldc, accumulate);
            int workers = pool?.Threads ?? 1;
            if (workers == 1 || (long)m * n * k < ParallelThreshold) job.Run(0, 1);
            else
            {
                job.Split(workers);
                pool!.Run(job);
            }
            job.Finish();
        }
        Profile.GemmCall(form, m, n, k, since);
    }

    /// Checks every argument of a GEMM once, before any loop (shared with <see cref="Naive.Gemm"/>).
    internal static void Validate(GemmForm form, int m, int n, int k, ReadOnlySpan<float> a, int lda,
        ReadOnlySpan<float> b, int ldb, ReadOnlySpan<float> c, int ldc)
    {
        if ((uint)form > (uint)GemmForm.TN)
            ThrowHelper.ArgumentOutOfRange(nameof(form), form, $"Gemm: form must be NN, NT or TN, but is {(int)form}.");
        if (m < 0 || n < 0 || k < 0)
            ThrowHelper.ArgumentOutOfRange(m < 0 ? nameof(m) : n < 0 ? nameof(n) : nameof(k), null,
                $"Gemm {form}: sizes must be non-negative, but m = {m}, n = {n}, k = {k}.");
        bool ta = form == GemmForm.TN, tb = form == GemmForm.NT;
        long needA = Needed(form, "A", nameof(a), nameof(lda), ta ? k : m, ta ? m : k, lda, a.Length);
        long needB = Needed(form, "B", nameof(b), nameof(ldb), tb ? n : k, tb ? k : n, ldb, b.Length);
        long needC = Needed(form, "C", nameof(c), nameof(ldc), m, n, ldc, c.Length);
        if (needC > 0 && needA > 0 && c[..(int)needC].Overlaps(a[..(int)needA]))
            ThrowHelper.Argument(nameof(c), $"Gemm {form}: C ({m}×{n}, ldc = {ldc}) overlaps A in memory; C must not share elements with A or B.");
        if (needC > 0 && needB > 0 && c[..(int)needC].Overlaps(b[..(int)needB]))
            ThrowHelper.Argument(nameof(c), $"Gemm {form}: C ({m}×{n}, ldc = {ldc}) overlaps B in memory; C must not share elements with A or B.");
    }

    /// The number of elements a rows × cols row-major matrix with leading dimension ld spans; throws if ld or the span is too small.
    private static long Needed(GemmForm form, string matrix, string spanName, string ldName, int rows, int cols, int ld, int length)
    {
        if (ld < cols || ld < 0)
            ThrowHelper.ArgumentOutOfRange(ldName, ld,
                $"Gemm {form}: {ldName} = {ld} is smaller than the row length of {matrix} ({rows}×{cols} stored row-major needs {ldName} ≥ {cols}).");
        long need = rows == 0 || cols == 0 ? 0 : (long)(rows - 1) * ld + cols;
        if (length < need)
            ThrowHelper.Argument(spanName,
                $"Gemm {form}: {spanName} has {length} elements, but {matrix} is {rows}×{cols} with {ldName} = {ld} and needs at least {need}.");
        return need;
    }
}

/// <summary>
/// The state of one GEMM call, reused by every call on its thread: the arguments as pointers (valid only
/// inside <see cref="Gemm.Multiply"/>, which pins them), the packing buffers, and the units of work.
/// </summary>
internal sealed unsafe class GemmJob : IParallelWork
{
    // Per worker index (not per thread: a late worker's share may run on the caller): one packed 6 × kc panel
    // of A, and the panels of B this worker has used, packed on first use with one state per (k-block, panel).
    private PinnedBuffer[] _packA = [], _packB = [];
    private bool[][] _panelPacked = [];
    // Per worker index: whether it has touched the block of B at (k-block, first panel) in this call (NN, see Touch).
    private bool[][] _blockTouched = [];
    private GemmForm _form;
    private int _m, _n, _k, _lda, _ldb, _ldc, _kc, _panels, _nPad;
    private float* _a, _b, _c;
    private bool _accumulate, _splitM, _directA, _directB, _largeC;
    private int _units;   // work units: groups of micro-panels × column blocks (M split) or panels (N split)
    private int _groupRows;   // rows per group (a multiple of MR)
    private int _next;    // the next unclaimed unit

    /// On the 256-bit path, from this many rows of C on B of NN is packed. On a Zen 4 core packing it lost 4 % at 100 rows
    /// ((100×1024)·(1024×1032)) and gained 3 % at 150 ((150×784)·(784×240)), 3–9 % from 200 to 1000 rows, 2–4 % on 2
    /// threads. On the 512- and 128-bit paths it lost 1–4 % at the same shapes, so there B stays in place. Rows 4128
    /// bytes apart ((1024×1024)·(1024×1032)) thrashed L2 read in place: packed, +12 % at 256 bits, +7 % at 512.
    private const int DirectBRows = 128;

    public void Start(GemmForm form, int m, int n, int k, float* a, int lda, float* b, int ldb, float* c, int ldc, bool accumulate)
    {
        (_form, _m, _n, _k, _lda, _ldb, _ldc, _accumulate) = (form, m, n, k, lda, ldb, ldc, accumulate);
        _a = a; _b = b; _c = c;
        // kc = ceil(k / #blocks) rounded up to a multiple of 8 (the 8×8 transposes of packing then have no
        // scalar tail except in the last block): 784 → 264 + 264 + 256 rather than 384 + 384 + 16.
        int blocks = (k + Gemm.KC - 1) / Gemm.KC;
        _kc = Math.Min(Gemm.KC, ((k + blocks - 1) / blocks + 7) & ~7);
        _panels = (n + GemmMicroKernel.NR - 1) / GemmMicroKernel.NR;
        _nPad = (_panels - 1) * GemmMicroKernel.NR + Width(_panels - 1);
        // op(A) of TN and op(B) of NN and TN already have the panel layout with a stride: a 6-row micro-panel of Aᵀ
        // is 6 floats per step lda apart, a 48-column panel of B is 48 floats per step ldb apart. The kernel reads
        // those in place, saving the copy (about 8 % of the (100×784)·(784×240) NN call), unless the stride is a multiple of 1 KiB:
        // then the kc rows of a panel fall into a few cache sets and thrash L1 and L2 (1024³ NN read in place ran 20–30 % slower).
        // TN packs B all the same: with A already read in place, a packed B measured up to 7 % faster. NN packs B too when
        // its rows are less than 64 bytes off a multiple of 1 KiB apart (they thrash like the exact multiples), and on the
        // 256-bit path from DirectBRows rows of C on, where each 16-column strip walks B again for every micro-panel, and
        // always on x86's 128-bit path, whose packed panels are 8-column strips read as one stream each (see
        // GemmMicroKernel.PackedStrip): (100×784)·(784×240) +10 %, (100×240)·(240×240) within noise of in place.
        // A of NN and NT is read in place as 6 rows, each along k (rStep = lda): six lines live per step, so the copy of
        // every micro-panel (for each block of columns) is saved. Below 512 bits a panel runs as 16-column strips, each
        // reading the micro-panel again; at a stride that is a multiple of 1 KiB its 6 rows share one set of L1 with the
        // strip's B lines, so there it is packed (1024³ NN on the 256-bit path: see BENCHMARKS.md).
        _directA = (lda & 255) != 0 || (form != GemmForm.TN && Vector512.IsHardwareAccelerated);
        bool nearKiB = (ldb & 255) < 16 || (ldb & 255) > 240;
        bool stripsMany = !Vector512.IsHardwareAccelerated && Vector256.IsHardwareAccelerated && m >= DirectBRows
            || GemmMicroKernel.PackedStrip < GemmMicroKernel.NR;
        _directB = form == GemmForm.NN && !nearKiB && !stripsMany;
        // C larger than L2 is out of cache when a tile starts from it, so every tile prefetches (PrefetchNext); smaller,
        // C read back for a second block of k is in cache, and the prefetches cost their issue slots for nothing (−1 to
        // −3 % on the network's NN shapes). See Run for C only stored.
        _largeC = (long)m * n * sizeof(float) > GemmBlocking.Current.L2Bytes;
        _next = 0;
        Split(1);
    }

    /// Sizes the per-worker buffers (allocating only when a pool is larger, or a call bigger, than any before) and
    /// chooses to split C over 6-row micro-panels or over 48-column panels, whichever leaves the largest share smaller.
    public void Split(int workers)
    {
        if (_packA.Length < workers)
        {
            int old = _packA.Length;
            Array.Resize(ref _packA, workers);
            Array.Resize(ref _packB, workers);
            Array.Resize(ref _panelPacked, workers);
            Array.Resize(ref _blockTouched, workers);
            for (int w = old; w < workers; w++)
            {
                _packA[w] = new PinnedBuffer();
                _packA[w].Ensure(GemmMicroKernel.MR * Gemm.KC + 16);
                _packB[w] = new PinnedBuffer();
                _panelPacked[w] = [];
                _blockTouched[w] = [];
            }
        }
        int states = (_k + _kc - 1) / _kc * _panels;
        for (int w = 0; w < workers; w++)
        {
            _packB[w].Ensure((long)_k * _nPad);
            if (_panelPacked[w].Length < states) (_panelPacked[w], _blockTouched[w]) = (new bool[states], new bool[states]);
            _panelPacked[w].AsSpan(0, states).Clear();
            _blockTouched[w].AsSpan(0, states).Clear();
        }
        int mUnits = (_m + GemmMicroKernel.MR - 1) / GemmMicroKernel.MR;
        long mShare = (long)Math.Min(_m, (mUnits + workers - 1) / workers * GemmMicroKernel.MR) * _n;
        long nShare = (long)Math.Min(_n, (_panels + workers - 1) / workers * GemmMicroKernel.NR) * _m;
        _splitM = mShare <= nShare;
        // Alone, a worker takes all rows as one group (the B block stays in L2 for all of them); shared, groups are
        // small enough for about 8 units per worker, so a late or slow worker leaves little imbalance.
        int perGroup = workers == 1 ? mUnits : Math.Max(1, mUnits / (8 * workers));
        _groupRows = perGroup * GemmMicroKernel.MR;
        int groups = (mUnits + perGroup - 1) / perGroup;
        _units = _splitM ? groups * ((_panels + Gemm.NC / GemmMicroKernel.NR - 1) / (Gemm.NC / GemmMicroKernel.NR)) : _panels;
    }

    public void Finish() => _a = _b = _c = null;

    /// Width in floats of packed panel jp: 48, or the last panel's columns rounded up to a Vector512.
    private int Width(int jp) => jp < _panels - 1 ? GemmMicroKernel.NR : (_n - jp * GemmMicroKernel.NR + 15) & ~15;

    /// Panel jp is packed unless it is read in place; a last panel ending inside a vector is always packed
    /// (its full-vector loads would run past the end of B's rows).
    private bool NeedsPacking(int jp) => !_directB || Width(jp) != Math.Min(GemmMicroKernel.NR, _n - jp * GemmMicroKernel.NR);

    /// Packed B layout: blocks of kc steps one after another; inside a block, panel jp at kcb·48·jp (its strips inside it:
    /// <see cref="GemmPack.B"/>).
    private float* PanelB(int worker, int p0, int kcb, int jp) =>
        _packB[worker].Pointer + (nint)p0 * _nPad + (nint)kcb * GemmMicroKernel.NR * jp;

    /// Packs panel jp of the k-block at p0 into this worker's own buffer, unless it did so earlier in this call.
    /// Workers sharing all of B (M split) each pack it: the copy costs less than reading panels another core
    /// wrote (its cache) and waiting for panels another worker is still packing (2 threads did not scale).
    private void EnsurePacked(int worker, int p0, int kcb, int jp)
    {
        ref bool packed = ref _panelPacked[worker][p0 / _kc * _panels + jp];
        if (packed) return;
        int j0 = jp * GemmMicroKernel.NR;
        GemmPack.B(_form, _b, _ldb, p0, kcb, j0, Math.Min(GemmMicroKernel.NR, _n - j0), Width(jp), PanelB(worker, p0, kcb, jp));
        packed = true;
    }

    /// Computes tiles of C until none is left, packing panels of B on first use.
    /// <remarks>
    /// Work is handed out one unit at a time from a shared counter, so a worker the OS has descheduled
    /// (on a busy machine) does not hold the others up: they take its units. A unit is a group of 6-row
    /// micro-panels across one block of NC columns (M split), or one 48-column panel across all rows
    /// (N split); the whole k loop of its tiles runs inside the unit, so each element is still one FMA chain
    /// in ascending p, whoever computes it. Inside a unit the k-block loop is outside the micro-panel loop,
    /// so a block of B (kc × NC) is reused from L2 by every micro-panel of the group.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Run(int worker, int workers)
    {
        using var profiled = Profile.Time(ProfileKind.GemmNN + (int)_form);
        const int MR = GemmMicroKernel.MR, NR = GemmMicroKernel.NR;
        int panelsPerBlock = Gemm.NC / NR;
        var packA = _packA[worker];
        float* edge = stackalloc float[MR * NR];   // a partial-vector edge tile goes through here
        int groups = (_m + _groupRows - 1) / _groupRows;
        for (int u = Interlocked.Increment(ref _next) - 1; u < _units; u = Interlocked.Increment(ref _next) - 1)
        {
            int i0, i1, jp0, jp1;
            if (_splitM)
            {
                (i0, jp0) = (u % groups * _groupRows, u / groups * panelsPerBlock);
                (i1, jp1) = (Math.Min(_m, i0 + _groupRows), Math.Min(_panels, jp0 + panelsPerBlock));
            }
            else (i0, i1, jp0, jp1) = (0, _m, u, u + 1);
            for (int p0 = 0; p0 < _k; p0 += _kc)
            {
                int kcb = Math.Min(_kc, _k - p0);
                bool load = _accumulate || p0 > 0;
                // A tile that does not load C ends by storing its 12 or 18 lines. In training that C is a layer's output
                // or a weight gradient, last touched a step ago and since pushed out of L2 by the step's other work, so
                // each store missed: its C is prefetched too, whatever its size (a dtp epoch, 1 thread, GEMM time:
                // TN −19 % at 512 bits and −5 % at 256 and 128, NN −6 % at 512 and −2 % at 256; BENCHMARKS.md, stop 29).
                bool prefetch = Sse.IsSupported && (_largeC || !load);
                if (_form == GemmForm.NN && !_blockTouched[worker][p0 / _kc * _panels + jp0])
                {
                    // Workers sharing the block (M split) each touch their share of its rows: into the shared L3.
                    int r0 = _splitM ? kcb * worker / workers : 0, r1 = _splitM ? kcb * (worker + 1) / workers : kcb;
                    Touch(_b + (nint)(p0 + r0) * _ldb + jp0 * NR, _ldb, r1 - r0, Math.Min(_n, jp1 * NR) - jp0 * NR);
                    _blockTouched[worker][p0 / _kc * _panels + jp0] = true;
                }
                for (int i = i0; i < i1; i += MR)
                {
                    int rows = Math.Min(MR, i1 - i), aStep = MR, rStep = 1;
                    float* ap = packA.Pointer;
                    if (_directA)
                    {
                        bool transposed = _form == GemmForm.TN;   // Aᵀ: `rows` floats per step, lda apart; A: `rows` rows along k
                        ap = transposed ? _a + (nint)p0 * _lda + i : _a + (nint)i * _lda + p0;
                        (aStep, rStep) = transposed ? (_lda, 1) : (1, _lda);
                    }
                    else GemmPack.A(_form, _a, _lda, i, rows, p0, kcb, ap);
                    for (int jp = jp0; jp < jp1; jp++)
                    {
                        int j = jp * NR, cols = Math.Min(NR, _n - j), width = Width(jp);
                        float* ct = _c + (nint)i * _ldc + j;
                        bool packed = NeedsPacking(jp);
                        if (packed) EnsurePacked(worker, p0, kcb, jp);
                        float* bp = packed ? PanelB(worker, p0, kcb, jp) : _b + (nint)p0 * _ldb + j;
                        int row = GemmPack.StripOf(width), bStep = packed ? row : _ldb;
                        nint stripStep = packed && row < width ? (nint)kcb * row : GemmMicroKernel.Strip;
                        if (prefetch) PrefetchNext(i, i1, jp, jp0, jp1, p0, kcb, ct, rows);
                        if (cols == width) GemmMicroKernel.Tile(rows, width / 16, ap, aStep, rStep, bp, bStep, stripStep, kcb, ct, _ldc, load);
                        else EdgeTile(rows, cols, width, ap, aStep, rStep, bp, bStep, stripStep, kcb, ct, load, edge);
                    }
                }
            }
        }
    }

    /// While the tile at (i, jp) runs, asks for what the next ones will wait on (x86; a prefetch never faults):
    /// - the next tile's C (the next panel in these rows, else the first panel of the next micro-panel) into L1: the
    ///   tile starts its 12 or 18 chains from C, so a C out of cache (1024³: 4 MiB, read again for each block of k)
    ///   stalled every chain at the tile's start; a tile that does not load C stores it cold (see Run);
    /// - where A of NN or NT is packed, 1/Q of the next micro-panel's rows of A into L2 at each of the Q panels, so
    ///   that its packing reads L2, not L3 (6 rows 4 KiB apart, 22 lines each: too short for the hardware prefetcher).
    /// 1024³ NN on the 256-bit path, Zen 4: median +4.1 % over 10 interleaved pairs, every pair faster (BENCHMARKS.md).
    private void PrefetchNext(int i, int i1, int jp, int jp0, int jp1, int p0, int kcb, float* ct, int rows)
    {
        const int MR = GemmMicroKernel.MR, NR = GemmMicroKernel.NR;
        bool lastPanel = jp + 1 == jp1;
        int nextBand = Math.Min(MR, i1 - i - MR);   // rows of the next micro-panel in this unit (≤ 0: none)
        float* next = lastPanel ? _c + (nint)(i + MR) * _ldc + jp0 * NR : ct + NR;
        for (int r = 0; r < (lastPanel ? nextBand : rows); r++)
            for (int f = 0; f < NR; f += 16) Sse.Prefetch0(next + (nint)r * _ldc + f);
        if (!_largeC || _directA || _form == GemmForm.TN) return;   // C in L2; or Aᵀ of TN: rows along k, one line a step
        int q = jp - jp0, panels = jp1 - jp0;
        int f0 = kcb * q / panels & ~15, f1 = lastPanel ? kcb : kcb * (q + 1) / panels & ~15;
        for (int r = 0; r < nextBand; r++)
            for (int f = f0; f < f1; f += 16) Sse.Prefetch1(_a + (nint)(i + MR + r) * _lda + p0 + f);
    }

    /// Reads one word of every line of a rows × cols block (row stride ld), in address order, before the kernel reads it
    /// strip by strip (or, where B is packed, before each panel's copy walks its 48 columns down the rows). B read in
    /// place is often a weight matrix last written a whole batch ago, out in memory: the strips' 16-column walks down its
    /// rows, one line per row, each waited for the memory's latency, while an address-order pass lets the hardware
    /// prefetcher stream it (about 6 µs for a 240 × 240 block) into L2, where the strips then find it. (100×240)·(240×240)
    /// with B out of cache: 72 → 92 GFLOP/s on a Zen 4 core (BENCHMARKS.md). In cache, the pass costs one load per 64
    /// bytes.
    private static void Touch(float* b, nint ld, int rows, int cols)
    {
        int seen = 0;
        for (int p = 0; p < rows; p++, b += ld)
            for (int j = 0; j < cols; j += 16) seen ^= *(int*)(b + j);
        s_touched = seen;
    }

    /// Keeps <see cref="Touch"/>'s loads from being optimised away.
    private static int s_touched;

    /// A tile whose last vector is partial: run the kernel on a copy in `edge` (row stride NR), copy back `cols` columns.
    private void EdgeTile(int rows, int cols, int width, float* ap, int aStep, int rStep, float* bp, int bStep, nint stripStep, int kcb, float* ct, bool load, float* edge)
    {
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < cols; j++)
                edge[r * GemmMicroKernel.NR + j] = load ? ct[(nint)r * _ldc + j] : 0f;
        GemmMicroKernel.Tile(rows, width / 16, ap, aStep, rStep, bp, bStep, stripStep, kcb, edge, GemmMicroKernel.NR, load);
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < cols; j++)
                ct[(nint)r * _ldc + j] = edge[r * GemmMicroKernel.NR + j];
    }
}
