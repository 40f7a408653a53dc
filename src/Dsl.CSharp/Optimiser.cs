using FS = TargetProp.Dsl;

namespace TargetProp.CSharp;

/// <summary>An optimiser and its hyper-parameters, as a value (the F# <see cref="FS.Optimiser"/>).</summary>
public sealed class Optimiser : FSharpValue<FS.Optimiser>
{
    /// <summary>Wraps an F# optimiser.</summary>
    /// <param name="value">The F# value.</param>
    public Optimiser(FS.Optimiser value) : base(value) { }

    /// <summary>Centred RMSprop with momentum (Graves 2013; Lee et al. 2015): decay 0.95, momentum 0.9.</summary>
    /// <param name="lr">The learning rate.</param>
    public static Optimiser CentredRmsProp(double lr) => new(FS.Optimiser.NewCentredRmsProp(lr));

    /// <summary>RMSprop.</summary>
    /// <param name="lr">The learning rate.</param>
    public static Optimiser RmsProp(double lr) => new(FS.Optimiser.NewRmsProp(lr));

    /// <summary>Adam (Kingma &amp; Ba 2015), β₁ = 0.9, β₂ = 0.999, ε = 10⁻⁸ unless given.</summary>
    /// <param name="lr">The learning rate.</param>
    /// <param name="beta1">β₁.</param>
    /// <param name="beta2">β₂.</param>
    /// <param name="epsilon">ε.</param>
    public static Optimiser Adam(double lr, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8) =>
        beta1 == 0.9 && beta2 == 0.999 && epsilon == 1e-8
            ? new(FS.Optimiser.NewAdam(lr))
            : new(FS.Optimiser.NewAdamWith(lr, beta1, beta2, epsilon));

    /// <summary>SGD with momentum μ (0 for plain SGD).</summary>
    /// <param name="lr">The learning rate.</param>
    /// <param name="momentum">μ.</param>
    public static Optimiser Sgd(double lr, double momentum = 0.0) => new(FS.Optimiser.NewSgd(lr, momentum));

    /// <summary>The optimiser with L2 weight decay λ: it steps on g + λp.</summary>
    /// <param name="lambda">λ.</param>
    public Optimiser WithWeightDecay(double lambda) => new(FS.OptimiserModule.withWeightDecay(lambda, Value));

    /// <summary>The same optimiser with another learning rate.</summary>
    /// <param name="lr">The learning rate.</param>
    public Optimiser WithLearningRate(double lr) => new(FS.OptimiserModule.withLearningRate(lr, Value));

    /// <summary>Its learning rate.</summary>
    public double LearningRate => FS.OptimiserModule.learningRate(Value);
}
