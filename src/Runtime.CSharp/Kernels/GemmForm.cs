namespace TargetProp.Runtime;

/// <summary>
/// The three GEMM forms training needs. NN: C = A·B (A stored m×k, B k×n). NT: C = A·Bᵀ (B stored n×k).
/// TN: C = Aᵀ·B (A stored k×m).
/// </summary>
public enum GemmForm
{
    /// <summary>C = A·B; A stored m×k, B stored k×n.</summary>
    NN,
    /// <summary>C = A·Bᵀ; A stored m×k, B stored n×k.</summary>
    NT,
    /// <summary>C = Aᵀ·B; A stored k×m, B stored k×n.</summary>
    TN,
}
