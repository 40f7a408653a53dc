using FS = TargetProp.Dsl;

namespace TargetProp.CSharp;

/// <summary>How weight matrices W [fan_out × fan_in] are drawn, biases starting at zero (the F# <see cref="FS.Init"/>).</summary>
public sealed class Init : FSharpValue<FS.Init>
{
    /// <summary>Wraps an F# scheme.</summary>
    /// <param name="value">The F# value.</param>
    public Init(FS.Init value) : base(value) { }

    /// <summary>Glorot-uniform draws replaced by the nearest orthogonal matrix, times the gain (Lee et al. 2015; the default, gain 1).</summary>
    /// <param name="gain">The gain.</param>
    public static Init Orthogonal(double gain = 1.0) => new(FS.Init.NewOrthogonal(gain));

    /// <summary>U(±gain·√(6/(fan_in + fan_out))) (Glorot &amp; Bengio 2010).</summary>
    /// <param name="gain">The gain.</param>
    public static Init GlorotUniform(double gain = 1.0) => new(FS.Init.NewGlorotUniform(gain));

    /// <summary>N(0, gain²·2/(fan_in + fan_out)) (Glorot &amp; Bengio 2010).</summary>
    /// <param name="gain">The gain.</param>
    public static Init GlorotNormal(double gain = 1.0) => new(FS.Init.NewGlorotNormal(gain));

    /// <summary>U(±a).</summary>
    /// <param name="a">The bound.</param>
    public static Init Uniform(double a) => new(FS.Init.NewUniform(a));
}
