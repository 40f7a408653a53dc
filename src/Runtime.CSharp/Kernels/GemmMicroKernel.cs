using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
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
/// in all paths (Vector512, Vector256, scalar): the result of an element never depends on the tile it is
/// in, which is what makes the GEMM bit-identical for any thread count.
/// </remarks>
internal static unsafe class GemmMicroKernel
{
    /// Rows of a tile (lanes of a packed A panel).
    public const int MR = 6;
    /// Columns of a full tile (lanes of a full packed B panel): 3 Vector512.
    public const int NR = 48;

    /// C[r, j] = (load ? C[r, j] : 0) + Σ_{p&lt;kc} ap[p·aStep + r·rStep] · bp[p·bStep + j] for r &lt; rows, j &lt; 16·vecs.
    /// A packed panel has aStep = MR, rStep = 1 and bStep = its width; op(A) or op(B) read in place pass their leading
    /// dimension: Aᵀ of TN as aStep (rStep = 1), A of NN as rStep (aStep = 1: each of the 6 rows is read along k).
    public static void Tile(int rows, int vecs, float* ap, int aStep, int rStep, float* bp, int bStep, int kc, float* c, int ldc, bool load)
    {
        if (Vector512.IsHardwareAccelerated)
        {
            switch (vecs)
            {
                case 3: Rows512<N3>(rows, ap, aStep, rStep, bp, bStep, kc, c, ldc, load); break;
                case 2: Rows512<N2>(rows, ap, aStep, rStep, bp, bStep, kc, c, ldc, load); break;
                default: Rows512<N1>(rows, ap, aStep, rStep, bp, bStep, kc, c, ldc, load); break;
            }
        }
        else if (Vector256.IsHardwareAccelerated && Fma.IsSupported)
        {
            // 6 × 48 would need 36 ymm accumulators: run the panel as 16-column strips of 6 × 16 (12 accumulators).
            for (int v = 0; v < vecs; v++) Tile256(rows, ap, aStep, rStep, bp + 16 * v, bStep, kc, c + 16 * v, ldc, load);
        }
        else
        {
            TileScalar(rows, 16 * vecs, ap, aStep, rStep, bp, bStep, kc, c, ldc, load);
        }
    }

    private static void Rows512<TV>(int rows, float* ap, int aStep, int rStep, float* bp, int bStep, int kc, float* c, int ldc, bool load)
        where TV : struct, IConstInt
    {
        switch (rows)
        {
            case 6: Tile512<N6, TV>(ap, aStep, rStep, bp, bStep, kc, c, ldc, load); break;
            case 5: Tile512<N5, TV>(ap, aStep, rStep, bp, bStep, kc, c, ldc, load); break;
            case 4: Tile512<N4, TV>(ap, aStep, rStep, bp, bStep, kc, c, ldc, load); break;
            case 3: Tile512<N3, TV>(ap, aStep, rStep, bp, bStep, kc, c, ldc, load); break;
            case 2: Tile512<N2, TV>(ap, aStep, rStep, bp, bStep, kc, c, ldc, load); break;
            default: Tile512<N1, TV>(ap, aStep, rStep, bp, bStep, kc, c, ldc, load); break;
        }
    }

    /// C[0..R, 0..16V) (+)= Σ_p a_p ⊗ b_p on Vector512: R·V accumulators, c{row}{vector}.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile512<TR, TV>(float* ap, int aStep, int rStep, float* bp, int bStep, int kc, float* c, int ldc, bool load)
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

    /// C[0..rows, 0..16) (+)= Σ_p a_p ⊗ b_p on Vector256 (two vectors per row, 12 accumulators).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile256(int rows, float* ap, int aStep, int rStep, float* bp, int bStep, int kc, float* c, int ldc, bool load)
    {
        nint o1 = rStep, o2 = 2 * o1, o3 = 3 * o1, o4 = 4 * o1, o5 = 5 * o1;
        // Rows past `rows` compute on the zero padding of a packed A panel (edge rows are always packed)
        // into registers that are never stored.
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        if (load)
        {
            c00 = Vector256.Load(c); c01 = Vector256.Load(c + 8);
            if (rows > 1) { c10 = Vector256.Load(c + ldc); c11 = Vector256.Load(c + ldc + 8); }
            if (rows > 2) { c20 = Vector256.Load(c + 2 * ldc); c21 = Vector256.Load(c + 2 * ldc + 8); }
            if (rows > 3) { c30 = Vector256.Load(c + 3 * ldc); c31 = Vector256.Load(c + 3 * ldc + 8); }
            if (rows > 4) { c40 = Vector256.Load(c + 4 * ldc); c41 = Vector256.Load(c + 4 * ldc + 8); }
            if (rows > 5) { c50 = Vector256.Load(c + 5 * ldc); c51 = Vector256.Load(c + 5 * ldc + 8); }
        }
        for (int p = 0; p < kc; p++, ap += aStep, bp += bStep)
        {
            var b0 = Vector256.Load(bp); var b1 = Vector256.Load(bp + 8);
            var a = Vector256.Create(ap[0]); c00 = Fma.MultiplyAdd(a, b0, c00); c01 = Fma.MultiplyAdd(a, b1, c01);
            a = Vector256.Create(ap[o1]); c10 = Fma.MultiplyAdd(a, b0, c10); c11 = Fma.MultiplyAdd(a, b1, c11);
            a = Vector256.Create(ap[o2]); c20 = Fma.MultiplyAdd(a, b0, c20); c21 = Fma.MultiplyAdd(a, b1, c21);
            a = Vector256.Create(ap[o3]); c30 = Fma.MultiplyAdd(a, b0, c30); c31 = Fma.MultiplyAdd(a, b1, c31);
            a = Vector256.Create(ap[o4]); c40 = Fma.MultiplyAdd(a, b0, c40); c41 = Fma.MultiplyAdd(a, b1, c41);
            a = Vector256.Create(ap[o5]); c50 = Fma.MultiplyAdd(a, b0, c50); c51 = Fma.MultiplyAdd(a, b1, c51);
        }
        Vector256.Store(c00, c); Vector256.Store(c01, c + 8);
        if (rows > 1) { Vector256.Store(c10, c + ldc); Vector256.Store(c11, c + ldc + 8); }
        if (rows > 2) { Vector256.Store(c20, c + 2 * ldc); Vector256.Store(c21, c + 2 * ldc + 8); }
        if (rows > 3) { Vector256.Store(c30, c + 3 * ldc); Vector256.Store(c31, c + 3 * ldc + 8); }
        if (rows > 4) { Vector256.Store(c40, c + 4 * ldc); Vector256.Store(c41, c + 4 * ldc + 8); }
        if (rows > 5) { Vector256.Store(c50, c + 5 * ldc); Vector256.Store(c51, c + 5 * ldc + 8); }
    }

    /// C[r, j] (+)= Σ_p ap[p·aStep + r·rStep]·bp[p·bStep + j], one MathF.FusedMultiplyAdd chain per element (same rounding as the vector paths).
    private static void TileScalar(int rows, int cols, float* ap, int aStep, int rStep, float* bp, int bStep, int kc, float* c, int ldc, bool load)
    {
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < cols; j++)
            {
                float sum = load ? c[(nint)r * ldc + j] : 0f;
                for (int p = 0; p < kc; p++) sum = MathF.FusedMultiplyAdd(ap[(nint)p * aStep + (nint)r * rStep], bp[(nint)p * bStep + j], sum);
                c[(nint)r * ldc + j] = sum;
            }
    }
}
