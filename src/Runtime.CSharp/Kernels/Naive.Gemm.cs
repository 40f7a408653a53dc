namespace TargetProp.Runtime;

/// <summary>The naive twins of the runtime's kernels: always compiled, obviously correct, the oracles of the tests.</summary>
public static partial class Naive
{
    /// <summary>
    /// Triple loop, the oracle for <see cref="Runtime.Gemm.Multiply"/> (same signature minus the pool):
    /// C[i,j] = Σ_p op(A)[i,p]·op(B)[p,j] (+ C[i,j] when <paramref name="accumulate"/>), summed in float64.
    /// </summary>
    public static void Gemm(GemmForm form, int m, int n, int k, ReadOnlySpan<float> a, int lda,
        ReadOnlySpan<float> b, int ldb, Span<float> c, int ldc, bool accumulate)
    {
        Runtime.Gemm.Validate(form, m, n, k, a, lda, b, ldb, c, ldc);
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = accumulate ? c[i * ldc + j] : 0.0;
                for (int p = 0; p < k; p++)
                {
                    float x = form == GemmForm.TN ? a[p * lda + i] : a[i * lda + p];
                    float y = form == GemmForm.NT ? b[j * ldb + p] : b[p * ldb + j];
                    sum += (double)x * y;
                }
                c[i * ldc + j] = (float)sum;
            }
        }
    }
}
