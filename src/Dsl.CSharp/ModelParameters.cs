using System.Runtime.InteropServices;
using FS = TargetProp.Dsl;

namespace TargetProp.CSharp;

/// <summary>
/// A model's parameters as plain float32 arrays, row-major (the F# <see cref="FS.Parameters"/>): W_l [n_l × n_{l-1}]
/// and b_l for l = 1..L, and the feedback weights V_l [n_{l-1} × m], c_l of each layer l with a g_l. The arrays are
/// the F# value's own, not copies.
/// </summary>
public sealed class ModelParameters : FSharpValue<FS.Parameters>
{
    /// <summary>Wraps F# parameters.</summary>
    /// <param name="value">The F# value.</param>
    public ModelParameters(FS.Parameters value) : base(value) { }

    /// <summary>W_1 … W_L (index l-1).</summary>
    public IReadOnlyList<float[]> W => Value.W;

    /// <summary>b_1 … b_L (index l-1).</summary>
    public IReadOnlyList<float[]> B => Value.B;

    /// <summary>V_l by layer l.</summary>
    public IReadOnlyDictionary<int, float[]> V => Value.V;

    /// <summary>c_l by layer l.</summary>
    public IReadOnlyDictionary<int, float[]> C => Value.C;

    /// <summary>U_l by layer l, for the layers that read side inputs.</summary>
    public IReadOnlyDictionary<int, float[]> U => Value.U;

    /// <summary>Fresh parameters for a model, drawn from the seed alone (F# Parameters.init), as a run of that seed starts from.</summary>
    /// <param name="model">The model.</param>
    /// <param name="seed">The seed.</param>
    public static ModelParameters Initial(Model model, int seed) =>
        new(FS.ParametersModule.init(seed, (model ?? throw new ArgumentNullException(nameof(model))).Value));

    /// <summary>Writes the parameters to a file (F# ParameterFile.save), through a temporary file and a rename.</summary>
    /// <param name="path">The file.</param>
    /// <param name="model">The model they belong to (it names them).</param>
    public void Save(string path, Model model) => FS.ParameterFile.save(path, (model ?? throw new ArgumentNullException(nameof(model))).Value, Value);

    /// <summary>Reads a model's parameters from a file written by <see cref="Save"/>.</summary>
    /// <param name="path">The file.</param>
    /// <param name="model">The model.</param>
    /// <exception cref="FS.ParameterFileException">The file is damaged or of a model of other shapes; the message says which.</exception>
    public static ModelParameters Load(string path, Model model) =>
        new(FS.ParameterFile.load(path, (model ?? throw new ArgumentNullException(nameof(model))).Value));

    /// <summary>The parameters held by a run's checkpoint of the model.</summary>
    /// <param name="path">The checkpoint file (<see cref="CheckpointOptions.Latest"/>).</param>
    /// <param name="model">The model the run trained.</param>
    /// <exception cref="FS.CheckpointException">The file is damaged or of another model; the message says which.</exception>
    public static ModelParameters FromCheckpoint(string path, Model model) =>
        new(FS.ParameterFile.fromCheckpoint(path, (model ?? throw new ArgumentNullException(nameof(model))).Value));

    /// <summary>Whether every parameter array of both is bit for bit the same (W, b, V, c, A, U and the conditional
    /// auto-encoders'), as the same seed and thread count promise.</summary>
    /// <param name="other">The other parameters.</param>
    public bool BitwiseEquals(ModelParameters other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Arrays(Value).SequenceEqual(Arrays(other.Value), BitwiseComparer.Instance);
    }

    private static IEnumerable<float[]> Arrays(FS.Parameters p)
    {
        foreach (var a in p.W.Concat(p.B).Concat(p.V.Values).Concat(p.C.Values).Append(p.A).Concat(p.U.Values)) yield return a;
        foreach (var q in p.Coders.Values)
        {
            yield return q.E;
            yield return q.Eb;
            yield return q.D;
            yield return q.Db;
        }
    }

    private sealed class BitwiseComparer : IEqualityComparer<float[]>
    {
        public static readonly BitwiseComparer Instance = new();
        public bool Equals(float[]? x, float[]? y) =>
            x is not null && y is not null && MemoryMarshal.AsBytes(x.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(y.AsSpan()));
        public int GetHashCode(float[] a) => a.Length;
    }
}
