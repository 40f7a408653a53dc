using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace TargetProp.Runtime;

/// A compile-time integer: a struct type argument makes the JIT specialise a generic kernel for it and
/// fold every `if (TRows.Value > r)` away, so one source serves the full tile and every edge tile.
internal interface IConstInt { static abstract int Value { get; } }
internal readonly struct N1 : IConstInt { public static int Value => 1; }
internal readonly struct N2 : IConstInt { public static int Value => 2; }
internal readonly struct N3 : IConstInt { public static int Value => 3; }
internal readonly struct N4 : IConstInt { public static int Value => 4; }
internal readonly struct N5 : IConstInt { public static int Value => 5; }
internal readonly struct N6 : IConstInt { public static int Value => 6; }

/// <summary>
/// The register-blocked inner kernel: one tile of C (up to MR × NR) from one packed panel of A
/// (kc × MR) and one packed panel of B (kc × width), see <see cref="GemmPack"/>.
/// </summary>
/// <remarks>
/// MR × NR = 6 × 48 on Vector512: 6 rows × 3 vectors = 18 accumulators, plus 3 B vectors and one
/// broadcast of A, fit the 32 zmm registers; each step does 18 FMAs against 3 loads + 6 broadcasts, and
/// 18 independent chains hide the FMA latency. N = 240 (the network's width) is exactly 5 × 48.
/// Edge tiles (fewer rows, or 16/32 columns) are the same generic kernel specialised on their size and
/// store straight into C. Every element is one FMA chain over p in ascending order, starting from C (or 0),
/// in all paths (Vector512, Vector256, Vector128, scalar): the result of an element never depends on the tile it is
/// in, which is what makes the GEMM bit-identical for any thread count, and across the paths of machines with FMA.
/// The 128-bit path (ARM64's AdvSimd, x86 without AVX2) runs strips of 6 × 16 where there are 32 vector registers
/// and 6 × 8 where there are 16.
/// </remarks>
internal static unsafe class GemmMicroKernel
{
    /// Rows of a tile (lanes of a packed A panel).
    public const int MR = 6;
    /// Columns of a full tile (lanes of a full packed B panel): 3 Vector512.
    public const int NR = 48;

    /// Columns of B one pass of the kernel reads: the whole 48-column panel on Vector512 (and the scalar loop), strips of
    /// 16 on Vector256 and ARM64, of 8 on x86's 128-bit path (16 registers).
    public static readonly int Strip =
        Vector512.IsHardwareAccelerated ? NR
        : Vector256.IsHardwareAccelerated && Fma.IsSupported ? 16
        : Vector128.IsHardwareAccelerated && AdvSimd.Arm64.IsSupported ? 16
        : Vector128.IsHardwareAccelerated ? 8
        : NR;

    /// Columns per strip of a packed panel of B (<see cref="GemmPack.B"/>): the kernel's 8 on x86's 128-bit path, so that
    /// a strip's kc steps are one sequential stream of 32 bytes a step. Read as 8 of the 48 columns of each panel row
    /// (half a line a step, 192 bytes apart) it ran 46 GFLOP/s against 55 (6 × 8 strips over a 264 × 240 B in L2, Zen 4);
    /// in the product TN gained 6 % and NT 13 % (BENCHMARKS.md). A 16-column strip reads a whole line a step either way:
    /// on Vector256 the strip-major panel lost 1–2 %, so there, and on ARM64, panels stay 48 columns a row.
    public static readonly int PackedStrip = Strip == 8 ? 8 : NR;

    /// C[r, j] = (load ? C[r, j] : 0) + Σ_{p&lt;kc} ap[p·aStep + r·rStep] · b(p, j) for r &lt; rows, j &lt; 16·vecs, where
    /// b(p, j) = bp[⌊j / s⌋·stripStep + p·bStep + j mod s] for the kernel's strip width s = min(<see cref="Strip"/>, 16·vecs).
    /// A packed panel of A has aStep = MR, rStep = 1; a packed panel of B has bStep = its width and stripStep = s where
    /// each of its rows holds every strip side by side, or bStep = s and stripStep = kc·s where its strips lie one after
    /// another (<see cref="PackedStrip"/> = s). op(A) or op(B) read in place pass their leading dimension: Aᵀ of TN as
    /// aStep (rStep = 1), A of NN as rStep (aStep = 1: each of the 6 rows is read along k), B of NN as bStep
    /// (stripStep = s).
    public static void Tile(int rows, int vecs, float* ap, int aStep, int rStep, float* bp, int bStep, nint stripStep, int kc, float* c, int ldc, bool load)
    {
        if (Vector512.IsHardwareAccelerated)
        {
            switch (vecs)
            {
                case 3: Rows<Tiles512<N3>>(rows, ap, aStep, rStep, bp, bStep, kc, c, ldc, load); break;
                case 2: Rows<Tiles512<N2>>(rows, ap, aStep, rStep, bp, bStep, kc, c, ldc, load); break;
                default: Rows<Tiles512<N1>>(rows, ap, aStep, rStep, bp, bStep, kc, c, ldc, load); break;
            }
        }
        else if (Vector256.IsHardwareAccelerated && Fma.IsSupported)
        {
            // 6 × 48 would need 36 ymm accumulators: run the panel as 16-column strips of 6 × 16 (12 accumulators).
            for (int v = 0; v < vecs; v++) Rows<Tiles256>(rows, ap, aStep, rStep, bp + v * stripStep, bStep, kc, c + 16 * v, ldc, load);
        }
        else if (Vector128.IsHardwareAccelerated && AdvSimd.Arm64.IsSupported)
        {
            // 32 registers (ARM64): strips of 6 × 16, 24 accumulators.
            for (int v = 0; v < vecs; v++) Rows<Tiles128<N4>>(rows, ap, aStep, rStep, bp + v * stripStep, bStep, kc, c + 16 * v, ldc, load);
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            // 16 registers (x86 without AVX2): strips of 6 × 8, 12 accumulators.
            for (int v = 0; v < 2 * vecs; v++) Rows<Tiles128<N2>>(rows, ap, aStep, rStep, bp + v * stripStep, bStep, kc, c + 8 * v, ldc, load);
        }
        else
        {
            TileScalar(rows, 16 * vecs, ap, aStep, rStep, bp, bStep, kc, c, ldc, load);
        }
    }

    /// A tile kernel of one vector width, specialised on the tile's rows R.
    private interface ITile
    {
        static abstract void Run<TR>(float* ap, int aStep, int rStep, float* bp, int bStep, int kc, float* c, int ldc, bool load)
            where TR : struct, IConstInt;
    }

    private readonly struct Tiles512<TV> : ITile where TV : struct, IConstInt
    {
        public static void Run<TR>(float* ap, int aStep, int rStep, float* bp, int bStep, int kc, float* c, int ldc, bool load)
            where TR : struct, IConstInt => Tile512<TR, TV>(ap, aStep, rStep, bp, bStep, kc, c, ldc, load);
    }

    private readonly struct Tiles256 : ITile
    {
        public static void Run<TR>(float* ap, int aStep, int rStep, float* bp, int bStep, int kc, float* c, int ldc, bool load)
            where TR : struct, IConstInt => Tile256<TR>(ap, aStep, rStep, bp, bStep, kc, c, ldc, load);
    }

    private readonly struct Tiles128<TV> : ITile where TV : struct, IConstInt
    {
        public static void Run<TR>(float* ap, int aStep, int rStep, float* bp, int bStep, int kc, float* c, int ldc, bool load)
            where TR : struct, IConstInt => Tile128<TR, TV>(ap, aStep, rStep, bp, bStep, kc, c, ldc, load);
    }

    /// The kernel TTile specialised on `rows` (1 to 6).
    private static void Rows<TTile>(int rows, float* ap, int aStep, int rStep, float* bp, int bStep, int kc, float* c, int ldc, bool load)
        where TTile : struct, ITile
    {
        switch (rows)
        {
            case 6: TTile.Run<N6>(ap, aStep, rStep, bp, bStep, kc, c, ldc, load); break;
            case 5: TTile.Run<N5>(ap, aStep, rStep, bp, bStep, kc, c, ldc, load); break;
            case 4: TTile.Run<N4>(ap, aStep, rStep, bp, bStep, kc, c, ldc, load); break;
            case 3: TTile.Run<N3>(ap, aStep, rStep, bp, bStep, kc, c, ldc, load); break;
            case 2: TTile.Run<N2>(ap, aStep, rStep, bp, bStep, kc, c, ldc, load); break;
            default: TTile.Run<N1>(ap, aStep, rStep, bp, bStep, kc, c, ldc, load); break;
        }
    }

    /// C[0..R, 0..16V) (+)= Σ_p a_p ⊗ b_p on Vector512: R·V accumulators, c{row}{vector}.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile512<TR, TV>(float* ap, nint aStep, int rStep, float* bp, nint bStep, int kc, float* c, int ldc, bool load)
        where TR : struct, IConstInt where TV : struct, IConstInt
    {
        int R = TR.Value, V = TV.Value;
        // Offsets of rows 1..5 of A: the broadcasts address [ap + o·4] with the offsets held in registers.
        nint o1 = rStep, o2 = 2 * o1, o3 = 3 * o1, o4 = 4 * o1, o5 = 5 * o1;
        float* c0 = c, c1 = c0 + ldc, c2 = c1 + ldc, c3 = c2 + ldc, c4 = c3 + ldc, c5 = c4 + ldc;
        Vector512<float> c00 = default, c01 = default, c02 = default, c10 = default, c11 = default, c12 = default;
        Vector512<float> c20 = default, c21 = default, c22 = default, c30 = default, c31 = default, c32 = default;
        Vector512<float> c40 = default, c41 = default, c42 = default, c50 = default, c51 = default, c52 = default;
        if (load)
        {
            c00 = Vector512.Load(c0); if (V > 1) c01 = Vector512.Load(c0 + 16); if (V > 2) c02 = Vector512.Load(c0 + 32);
            if (R > 1) { c10 = Vector512.Load(c1); if (V > 1) c11 = Vector512.Load(c1 + 16); if (V > 2) c12 = Vector512.Load(c1 + 32); }
            if (R > 2) { c20 = Vector512.Load(c2); if (V > 1) c21 = Vector512.Load(c2 + 16); if (V > 2) c22 = Vector512.Load(c2 + 32); }
            if (R > 3) { c30 = Vector512.Load(c3); if (V > 1) c31 = Vector512.Load(c3 + 16); if (V > 2) c32 = Vector512.Load(c3 + 32); }
            if (R > 4) { c40 = Vector512.Load(c4); if (V > 1) c41 = Vector512.Load(c4 + 16); if (V > 2) c42 = Vector512.Load(c4 + 32); }
            if (R > 5) { c50 = Vector512.Load(c5); if (V > 1) c51 = Vector512.Load(c5 + 16); if (V > 2) c52 = Vector512.Load(c5 + 32); }
        }
        for (int p = 0; p < kc; p++, ap += aStep, bp += bStep)
        {
            var b0 = Vector512.Load(bp);
            var b1 = V > 1 ? Vector512.Load(bp + 16) : default;
            var b2 = V > 2 ? Vector512.Load(bp + 32) : default;
            var a = Vector512.Create(ap[0]);
            c00 = Vector512.FusedMultiplyAdd(a, b0, c00); if (V > 1) c01 = Vector512.FusedMultiplyAdd(a, b1, c01); if (V > 2) c02 = Vector512.FusedMultiplyAdd(a, b2, c02);
            if (R > 1) { a = Vector512.Create(ap[o1]); c10 = Vector512.FusedMultiplyAdd(a, b0, c10); if (V > 1) c11 = Vector512.FusedMultiplyAdd(a, b1, c11); if (V > 2) c12 = Vector512.FusedMultiplyAdd(a, b2, c12); }
            if (R > 2) { a = Vector512.Create(ap[o2]); c20 = Vector512.FusedMultiplyAdd(a, b0, c20); if (V > 1) c21 = Vector512.FusedMultiplyAdd(a, b1, c21); if (V > 2) c22 = Vector512.FusedMultiplyAdd(a, b2, c22); }
            if (R > 3) { a = Vector512.Create(ap[o3]); c30 = Vector512.FusedMultiplyAdd(a, b0, c30); if (V > 1) c31 = Vector512.FusedMultiplyAdd(a, b1, c31); if (V > 2) c32 = Vector512.FusedMultiplyAdd(a, b2, c32); }
            if (R > 4) { a = Vector512.Create(ap[o4]); c40 = Vector512.FusedMultiplyAdd(a, b0, c40); if (V > 1) c41 = Vector512.FusedMultiplyAdd(a, b1, c41); if (V > 2) c42 = Vector512.FusedMultiplyAdd(a, b2, c42); }
            if (R > 5) { a = Vector512.Create(ap[o5]); c50 = Vector512.FusedMultiplyAdd(a, b0, c50); if (V > 1) c51 = Vector512.FusedMultiplyAdd(a, b1, c51); if (V > 2) c52 = Vector512.FusedMultiplyAdd(a, b2, c52); }
        }
        Vector512.Store(c00, c0); if (V > 1) Vector512.Store(c01, c0 + 16); if (V > 2) Vector512.Store(c02, c0 + 32);
        if (R > 1) { Vector512.Store(c10, c1); if (V > 1) Vector512.Store(c11, c1 + 16); if (V > 2) Vector512.Store(c12, c1 + 32); }
        if (R > 2) { Vector512.Store(c20, c2); if (V > 1) Vector512.Store(c21, c2 + 16); if (V > 2) Vector512.Store(c22, c2 + 32); }
        if (R > 3) { Vector512.Store(c30, c3); if (V > 1) Vector512.Store(c31, c3 + 16); if (V > 2) Vector512.Store(c32, c3 + 32); }
        if (R > 4) { Vector512.Store(c40, c4); if (V > 1) Vector512.Store(c41, c4 + 16); if (V > 2) Vector512.Store(c42, c4 + 32); }
        if (R > 5) { Vector512.Store(c50, c5); if (V > 1) Vector512.Store(c51, c5 + 16); if (V > 2) Vector512.Store(c52, c5 + 32); }
    }

    /// C[0..R, 0..16) (+)= Σ_p a_p ⊗ b_p on Vector256 (two vectors per row, 2R accumulators). Specialised on R, as the
    /// 512-bit tile: an edge micro-panel of 4 rows does 8 multiply-adds a step, not 12 (the 4-row edge of a 100-row
    /// batch cost as much as a full micro-panel, and the 2-thread row split waited on it).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile256<TR>(float* ap, nint aStep, int rStep, float* bp, nint bStep, int kc, float* c, int ldc, bool load)
        where TR : struct, IConstInt
    {
        int R = TR.Value;
        nint o1 = rStep, o2 = 2 * o1, o3 = 3 * o1, o4 = 4 * o1, o5 = 5 * o1;
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        if (load)
        {
            c00 = Vector256.Load(c); c01 = Vector256.Load(c + 8);
            if (R > 1) { c10 = Vector256.Load(c + ldc); c11 = Vector256.Load(c + ldc + 8); }
            if (R > 2) { c20 = Vector256.Load(c + 2 * ldc); c21 = Vector256.Load(c + 2 * ldc + 8); }
            if (R > 3) { c30 = Vector256.Load(c + 3 * ldc); c31 = Vector256.Load(c + 3 * ldc + 8); }
            if (R > 4) { c40 = Vector256.Load(c + 4 * ldc); c41 = Vector256.Load(c + 4 * ldc + 8); }
            if (R > 5) { c50 = Vector256.Load(c + 5 * ldc); c51 = Vector256.Load(c + 5 * ldc + 8); }
        }
        for (int p = 0; p < kc; p++, ap += aStep, bp += bStep)
        {
            // The strip's line of B 8 steps ahead, into L1: a prefetch never faults, so past the panel's end it is
            // harmless. On a Zen 4 core it raised (100×784)·(784×240) from a median 92.7 to 96.8 GFLOP/s (best 93.7 to
            // 98.8; BENCHMARKS.md); 16 steps ahead was no better. The 512-bit tile, 3 lines a step, runs near peak without.
            Sse.Prefetch0(bp + 8 * bStep);
            var b0 = Vector256.Load(bp); var b1 = Vector256.Load(bp + 8);
            var a = Vector256.Create(ap[0]); c00 = Fma.MultiplyAdd(a, b0, c00); c01 = Fma.MultiplyAdd(a, b1, c01);
            if (R > 1) { a = Vector256.Create(ap[o1]); c10 = Fma.MultiplyAdd(a, b0, c10); c11 = Fma.MultiplyAdd(a, b1, c11); }
            if (R > 2) { a = Vector256.Create(ap[o2]); c20 = Fma.MultiplyAdd(a, b0, c20); c21 = Fma.MultiplyAdd(a, b1, c21); }
            if (R > 3) { a = Vector256.Create(ap[o3]); c30 = Fma.MultiplyAdd(a, b0, c30); c31 = Fma.MultiplyAdd(a, b1, c31); }
            if (R > 4) { a = Vector256.Create(ap[o4]); c40 = Fma.MultiplyAdd(a, b0, c40); c41 = Fma.MultiplyAdd(a, b1, c41); }
            if (R > 5) { a = Vector256.Create(ap[o5]); c50 = Fma.MultiplyAdd(a, b0, c50); c51 = Fma.MultiplyAdd(a, b1, c51); }
        }
        Vector256.Store(c00, c); Vector256.Store(c01, c + 8);
        if (R > 1) { Vector256.Store(c10, c + ldc); Vector256.Store(c11, c + ldc + 8); }
        if (R > 2) { Vector256.Store(c20, c + 2 * ldc); Vector256.Store(c21, c + 2 * ldc + 8); }
        if (R > 3) { Vector256.Store(c30, c + 3 * ldc); Vector256.Store(c31, c + 3 * ldc + 8); }
        if (R > 4) { Vector256.Store(c40, c + 4 * ldc); Vector256.Store(c41, c + 4 * ldc + 8); }
        if (R > 5) { Vector256.Store(c50, c + 5 * ldc); Vector256.Store(c51, c + 5 * ldc + 8); }
    }

    /// C[0..R, 0..4V) (+)= Σ_p a_p ⊗ b_p on Vector128 (V vectors per row, R·V accumulators), each step fused where the
    /// machine has FMA (<see cref="MultiplyAdd"/>); specialised on R as the wider tiles.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile128<TR, TV>(float* ap, nint aStep, int rStep, float* bp, nint bStep, int kc, float* c, int ldc, bool load)
        where TR : struct, IConstInt where TV : struct, IConstInt
    {
        int R = TR.Value, V = TV.Value;
        nint o1 = rStep, o2 = 2 * o1, o3 = 3 * o1, o4 = 4 * o1, o5 = 5 * o1;
        float* c0 = c, c1 = c0 + ldc, c2 = c1 + ldc, c3 = c2 + ldc, c4 = c3 + ldc, c5 = c4 + ldc;
        Vector128<float> c00 = default, c01 = default, c02 = default, c03 = default, c10 = default, c11 = default, c12 = default, c13 = default;
        Vector128<float> c20 = default, c21 = default, c22 = default, c23 = default, c30 = default, c31 = default, c32 = default, c33 = default;
        Vector128<float> c40 = default, c41 = default, c42 = default, c43 = default, c50 = default, c51 = default, c52 = default, c53 = default;
        if (load)
        {
            Load(c0, ref c00, ref c01, ref c02, ref c03);
            if (R > 1) Load(c1, ref c10, ref c11, ref c12, ref c13);
            if (R > 2) Load(c2, ref c20, ref c21, ref c22, ref c23);
            if (R > 3) Load(c3, ref c30, ref c31, ref c32, ref c33);
            if (R > 4) Load(c4, ref c40, ref c41, ref c42, ref c43);
            if (R > 5) Load(c5, ref c50, ref c51, ref c52, ref c53);
        }
        for (int p = 0; p < kc; p++, ap += aStep, bp += bStep)
        {
            // Spelled out rather than through a helper taking the accumulators by reference: the JIT then keeps the
            // broadcast and the B vectors in registers instead of spilling them to the stack on every step.
            var b0 = Vector128.Load(bp); var b1 = Vector128.Load(bp + 4);
            var b2 = V > 2 ? Vector128.Load(bp + 8) : default; var b3 = V > 2 ? Vector128.Load(bp + 12) : default;
            var a = LoadA(ap); c00 = MulAddA(a, b0, c00); c01 = MulAddA(a, b1, c01); if (V > 2) { c02 = MulAddA(a, b2, c02); c03 = MulAddA(a, b3, c03); }
            if (R > 1) { a = LoadA(ap + o1); c10 = MulAddA(a, b0, c10); c11 = MulAddA(a, b1, c11); if (V > 2) { c12 = MulAddA(a, b2, c12); c13 = MulAddA(a, b3, c13); } }
            if (R > 2) { a = LoadA(ap + o2); c20 = MulAddA(a, b0, c20); c21 = MulAddA(a, b1, c21); if (V > 2) { c22 = MulAddA(a, b2, c22); c23 = MulAddA(a, b3, c23); } }
            if (R > 3) { a = LoadA(ap + o3); c30 = MulAddA(a, b0, c30); c31 = MulAddA(a, b1, c31); if (V > 2) { c32 = MulAddA(a, b2, c32); c33 = MulAddA(a, b3, c33); } }
            if (R > 4) { a = LoadA(ap + o4); c40 = MulAddA(a, b0, c40); c41 = MulAddA(a, b1, c41); if (V > 2) { c42 = MulAddA(a, b2, c42); c43 = MulAddA(a, b3, c43); } }
            if (R > 5) { a = LoadA(ap + o5); c50 = MulAddA(a, b0, c50); c51 = MulAddA(a, b1, c51); if (V > 2) { c52 = MulAddA(a, b2, c52); c53 = MulAddA(a, b3, c53); } }
        }
        Store(c0, c00, c01, c02, c03);
        if (R > 1) Store(c1, c10, c11, c12, c13);
        if (R > 2) Store(c2, c20, c21, c22, c23);
        if (R > 3) Store(c3, c30, c31, c32, c33);
        if (R > 4) Store(c4, c40, c41, c42, c43);
        if (R > 5) Store(c5, c50, c51, c52, c53);

        // One row of the tile: its V accumulators from and to C.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static void Load(float* at, ref Vector128<float> x0, ref Vector128<float> x1, ref Vector128<float> x2, ref Vector128<float> x3)
        {
            x0 = Vector128.Load(at); x1 = Vector128.Load(at + 4);
            if (TV.Value > 2) { x2 = Vector128.Load(at + 8); x3 = Vector128.Load(at + 12); }
        }
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static void Store(float* at, Vector128<float> x0, Vector128<float> x1, Vector128<float> x2, Vector128<float> x3)
        {
            Vector128.Store(x0, at); Vector128.Store(x1, at + 4);
            if (TV.Value > 2) { Vector128.Store(x2, at + 8); Vector128.Store(x3, at + 12); }
        }
    }

    /// One value of A as <see cref="MulAddA"/> takes it, loaded without a vector-pipe shuffle: in lane 0 on ARM64 (fmla
    /// reads one lane of a register: a dup per row would add 6 vector operations to a step's 24 fmla); in every lane
    /// elsewhere, by vbroadcastss from memory where x86 has AVX (without AVX2 the JIT otherwise loads, then shuffles on a
    /// vector pipe: 6 shuffles beside a 6 × 8 strip's 24 multiplies and adds; (100×784)·(784×240) 34.5 → 42.6 GFLOP/s).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> LoadA(float* at)
    {
        if (AdvSimd.Arm64.IsSupported) return Vector128.CreateScalarUnsafe(*at);
        if (Avx.IsSupported) return Avx.BroadcastScalarToVector128(at);
        return Vector128.Create(*at);
    }

    /// c + a·b with a from <see cref="LoadA"/>: fmla by element on ARM64, else <see cref="MultiplyAdd"/> (fused where
    /// the machine has FMA); the same rounding either way.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> MulAddA(Vector128<float> a, Vector128<float> b, Vector128<float> c)
    {
        if (AdvSimd.Arm64.IsSupported) return AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(c, b, a, 0);
        return MultiplyAdd.Of(a, b, c);
    }

    /// C[r, j] (+)= Σ_p ap[p·aStep + r·rStep]·bp[p·bStep + j], one multiply-add chain per element (same rounding as the
    /// vector paths): for a machine with no vector unit .NET can use.
    private static void TileScalar(int rows, int cols, float* ap, int aStep, int rStep, float* bp, int bStep, int kc, float* c, int ldc, bool load)
    {
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < cols; j++)
            {
                float sum = load ? c[(nint)r * ldc + j] : 0f;
                for (int p = 0; p < kc; p++) sum = MultiplyAdd.Of(ap[(nint)p * aStep + (nint)r * rStep], bp[(nint)p * bStep + j], sum);
                c[(nint)r * ldc + j] = sum;
            }
    }
}
