using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace TargetProp.Runtime;

/// <summary>
/// Packing of A and B into the contiguous panels the micro-kernel reads (see <see cref="GemmMicroKernel"/>).
/// </summary>
/// <remarks>
/// Every packed panel is kc steps of <c>width</c> lanes, lanes past the matrix edge set to zero, stored as strips of
/// s lanes one after another, each lane-fastest. For A the lanes are MR = 6 rows of op(A), one strip (s = 6); for B
/// they are up to NR = 48 columns of op(B) (width rounded up to 16, a Vector512), in strips of
/// s = min(<see cref="GemmMicroKernel.PackedStrip"/>, width): the whole width, but 8 on x86's 128-bit path.
/// <code>
///   packed panel, s = width                          B on x86's 128-bit path, s = 8: strip 0, then 1, …
///   p = 0   | l0 l1 l2 ... l(w-1) |                   p = 0 .. kc-1 | l0 .. l7 |, then | l8 .. l15 |, …
///   ...     |         ...         |     one kernel step reads one row of a strip: 6 broadcasts of A,
///   p = kc-1| l0 l1 l2 ... l(w-1) |     3 Vector512 loads of B (2 Vector256 for a 16-column strip, 2 Vector128 at s = 8)
/// </code>
/// Whether the source is a copy or a transpose depends only on which index is contiguous in memory:
/// <code>
///   form   A (lanes = rows i)        B (lanes = columns j)
///   NN     A[i,p] at i·lda+p: rows   B[p,j] at p·ldb+j: copy
///   NT     A[i,p] at i·lda+p: rows   B[j,p] at j·ldb+p: rows
///   TN     A[p,i] at p·lda+i: copy   B[p,j] at p·ldb+j: copy
/// </code>
/// "rows" panels (a lane is a row of the source) are transposed 8×8 in registers, or 4×4 on 128-bit vectors (an
/// earlier C# GEMM on this machine lost about 15 % of A·Bᵀ to element-by-element packing, per
/// ../shared/baselines/README.md).
/// Panels that "copy" are read in place by the kernel where possible (see GemmJob.Start).
/// </remarks>
internal static unsafe class GemmPack
{
    /// Packs rows [i0, i0+rows) × steps [p0, p0+kc) of op(A) into dst[p·MR + r]. Writes up to 2 floats
    /// past kc·MR (the 8-lane transpose stores), so dst needs that much slack.
    public static void A(GemmForm form, float* a, int lda, int i0, int rows, int p0, int kc, float* dst)
    {
        const int MR = GemmMicroKernel.MR;
        if (form == GemmForm.TN) Panel(lanesAreRows: false, At(a, lda, p0, i0), lda, kc, rows, MR, MR, dst);
        else Panel(lanesAreRows: true, At(a, lda, i0, p0), lda, kc, rows, MR, MR, dst);
    }

    /// Packs steps [p0, p0+kc) × columns [j0, j0+cols) of op(B) into dst[⌊j / s⌋·kc·s + p·s + j mod s], width a
    /// multiple of 16 and s = min(<see cref="GemmMicroKernel.PackedStrip"/>, width).
    public static void B(GemmForm form, float* b, int ldb, int p0, int kc, int j0, int cols, int width, float* dst)
    {
        int strip = StripOf(width);
        if (form == GemmForm.NT) Panel(lanesAreRows: true, At(b, ldb, j0, p0), ldb, kc, cols, width, strip, dst);
        else Panel(lanesAreRows: false, At(b, ldb, p0, j0), ldb, kc, cols, width, strip, dst);
    }

    /// The strip width s of a packed panel of B `width` lanes wide: min(<see cref="GemmMicroKernel.PackedStrip"/>, width),
    /// the floats of one step of one strip (the kernel's bStep).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int StripOf(int width) => Math.Min(GemmMicroKernel.PackedStrip, width);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float* At(float* x, int ld, int row, int col) => x + (nint)row * ld + col;

    /// dst[⌊l / strip⌋·kc·strip + p·strip + l mod strip] = source(l, p) for l &lt; lanes, 0 for lanes ≤ l &lt; width,
    /// p &lt; kc, where source(l, p) = src[l·ld + p] when lanesAreRows, else src[p·ld + l]; strip divides width and is
    /// width itself or a multiple of 8 (so no 8- or 4-lane block of the transposes straddles two strips).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Panel(bool lanesAreRows, float* src, int ld, int kc, int lanes, int width, int strip, float* dst)
    {
        int p = 0;
        if (lanesAreRows)
        {
            if (Avx.IsSupported)
                for (; p + 8 <= kc; p += 8)
                    for (int l = 0; l < width; l += 8)
                        Transpose8x8(src + (nint)l * ld + p, ld, Math.Min(8, lanes - l), dst + Lane(l, p, kc, strip), strip);
            else if ((Sse.IsSupported || AdvSimd.Arm64.IsSupported) && width % 4 == 0)
                for (; p + 4 <= kc; p += 4)
                    for (int l = 0; l < width; l += 4)
                        Transpose4x4(src + (nint)l * ld + p, ld, Math.Min(4, lanes - l), dst + Lane(l, p, kc, strip), strip);
            for (; p < kc; p++)
                for (int l = 0; l < width; l++)
                    dst[Lane(l, p, kc, strip)] = l < lanes ? src[(nint)l * ld + p] : 0f;
            return;
        }
        // Strip by strip (strip l0 / strip starts at l0·kc), each row of it: `count` lanes copied, the rest zeroed.
        for (int l0 = 0; l0 < width; l0 += strip)
        {
            int count = Math.Clamp(lanes - l0, 0, strip);
            float* s = src + l0, d = dst + (nint)l0 * kc;
            for (p = 0; p < kc; p++, s += ld, d += strip)
            {
                int l = 0;
                if (Vector512.IsHardwareAccelerated)
                    for (; l + 16 <= count; l += 16) Vector512.Store(Vector512.Load(s + l), d + l);
                else if (Vector256.IsHardwareAccelerated)
                    for (; l + 8 <= count; l += 8) Vector256.Store(Vector256.Load(s + l), d + l);
                else if (Vector128.IsHardwareAccelerated)
                    for (; l + 4 <= count; l += 4) Vector128.Store(Vector128.Load(s + l), d + l);
                for (; l < count; l++) d[l] = s[l];
                for (; l < strip; l++) d[l] = 0f;
            }
        }
    }

    /// Where lane l of step p lies in a packed panel of kc steps stored as strips of `strip` lanes (a division: for
    /// 8- and 4-lane blocks and tails, not per lane of a copy).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nint Lane(int l, int p, int kc, int strip) => (nint)(l / strip) * kc * strip + (nint)p * strip + l % strip;

    /// Reads `rows` (≤ 8; missing rows read as zero) rows of 8 floats at src + r·ld and writes their
    /// transpose: 8 rows of 8 floats at dst + q·ldd, in ascending q (so a narrower-than-8 dst row is
    /// overwritten correctly by the next one).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(float* src, int ld, int rows, float* dst, int ldd)
    {
        Vector256<float> r0 = default, r1 = default, r2 = default, r3 = default,
            r4 = default, r5 = default, r6 = default, r7 = default;
        if (rows == 8)
        {
            r0 = Vector256.Load(src); r1 = Vector256.Load(src + ld); r2 = Vector256.Load(src + 2 * (nint)ld); r3 = Vector256.Load(src + 3 * (nint)ld);
            r4 = Vector256.Load(src + 4 * (nint)ld); r5 = Vector256.Load(src + 5 * (nint)ld);
            r6 = Vector256.Load(src + 6 * (nint)ld); r7 = Vector256.Load(src + 7 * (nint)ld);
        }
        else
        {
            if (rows > 0) r0 = Vector256.Load(src);
            if (rows > 1) r1 = Vector256.Load(src + ld);
            if (rows > 2) r2 = Vector256.Load(src + 2 * (nint)ld);
            if (rows > 3) r3 = Vector256.Load(src + 3 * (nint)ld);
            if (rows > 4) r4 = Vector256.Load(src + 4 * (nint)ld);
            if (rows > 5) r5 = Vector256.Load(src + 5 * (nint)ld);
            if (rows > 6) r6 = Vector256.Load(src + 6 * (nint)ld);
        }
        // Interleave pairs of rows, then pairs of pairs within 128-bit lanes, then swap 128-bit halves.
        var t0 = Avx.UnpackLow(r0, r1); var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3); var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5); var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7); var t7 = Avx.UnpackHigh(r6, r7);
        var s0 = Avx.Shuffle(t0, t2, 0x44); var s1 = Avx.Shuffle(t0, t2, 0xEE);
        var s2 = Avx.Shuffle(t1, t3, 0x44); var s3 = Avx.Shuffle(t1, t3, 0xEE);
        var s4 = Avx.Shuffle(t4, t6, 0x44); var s5 = Avx.Shuffle(t4, t6, 0xEE);
        var s6 = Avx.Shuffle(t5, t7, 0x44); var s7 = Avx.Shuffle(t5, t7, 0xEE);
        Vector256.Store(Avx.Permute2x128(s0, s4, 0x20), dst);
        Vector256.Store(Avx.Permute2x128(s1, s5, 0x20), dst + ldd);
        Vector256.Store(Avx.Permute2x128(s2, s6, 0x20), dst + 2 * (nint)ldd);
        Vector256.Store(Avx.Permute2x128(s3, s7, 0x20), dst + 3 * (nint)ldd);
        Vector256.Store(Avx.Permute2x128(s0, s4, 0x31), dst + 4 * (nint)ldd);
        Vector256.Store(Avx.Permute2x128(s1, s5, 0x31), dst + 5 * (nint)ldd);
        Vector256.Store(Avx.Permute2x128(s2, s6, 0x31), dst + 6 * (nint)ldd);
        Vector256.Store(Avx.Permute2x128(s3, s7, 0x31), dst + 7 * (nint)ldd);
    }

    /// The 4×4 twin of <see cref="Transpose8x8"/> on 128-bit vectors: `rows` (≤ 4; missing rows read as zero) rows of 4
    /// floats at src + r·ld, written transposed as 4 rows of 4 floats at dst + q·ldd.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose4x4(float* src, int ld, int rows, float* dst, int ldd)
    {
        Vector128<float> r0 = default, r1 = default, r2 = default, r3 = default;
        if (rows > 0) r0 = Vector128.Load(src);
        if (rows > 1) r1 = Vector128.Load(src + ld);
        if (rows > 2) r2 = Vector128.Load(src + 2 * (nint)ld);
        if (rows > 3) r3 = Vector128.Load(src + 3 * (nint)ld);
        // Interleave pairs of rows ([a0 b0 a1 b1], [a2 b2 a3 b3], the same for c, d), then join their 64-bit halves.
        Vector128<float> q0, q1, q2, q3;
        if (Sse.IsSupported)
        {
            var (t0, t1, t2, t3) = (Sse.UnpackLow(r0, r1), Sse.UnpackHigh(r0, r1), Sse.UnpackLow(r2, r3), Sse.UnpackHigh(r2, r3));
            (q0, q1, q2, q3) = (Sse.MoveLowToHigh(t0, t2), Sse.MoveHighToLow(t2, t0), Sse.MoveLowToHigh(t1, t3), Sse.MoveHighToLow(t3, t1));
        }
        else
        {
            var (t0, t1, t2, t3) = (AdvSimd.Arm64.ZipLow(r0, r1).AsDouble(), AdvSimd.Arm64.ZipHigh(r0, r1).AsDouble(),
                AdvSimd.Arm64.ZipLow(r2, r3).AsDouble(), AdvSimd.Arm64.ZipHigh(r2, r3).AsDouble());
            (q0, q1, q2, q3) = (AdvSimd.Arm64.ZipLow(t0, t2).AsSingle(), AdvSimd.Arm64.ZipHigh(t0, t2).AsSingle(),
                AdvSimd.Arm64.ZipLow(t1, t3).AsSingle(), AdvSimd.Arm64.ZipHigh(t1, t3).AsSingle());
        }
        Vector128.Store(q0, dst);
        Vector128.Store(q1, dst + ldd);
        Vector128.Store(q2, dst + 2 * (nint)ldd);
        Vector128.Store(q3, dst + 3 * (nint)ldd);
    }
}
