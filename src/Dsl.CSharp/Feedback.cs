using FS = TargetProp.Dsl;

namespace TargetProp.CSharp;

/// <summary>Step 5 of a rule: how each feedback map g_l learns, ε ~ N(0, σ²) on h_{l-1} (the F# <see cref="FS.Feedback"/>).</summary>
public sealed class Feedback : FSharpValue<FS.Feedback>
{
    /// <summary>Wraps an F# feedback training.</summary>
    /// <param name="value">The F# value.</param>
    public Feedback(FS.Feedback value) : base(value) { }

    /// <summary>‖g_l(f_l(h_{l-1}+ε)) − (h_{l-1}+ε)‖²: reconstruction of the corrupted input (Lee et al. 2015).</summary>
    /// <param name="sigma">σ of ε.</param>
    public static Feedback Reconstruct(double sigma) => new(FS.FeedbackModule.reconstruct(sigma));

    /// <summary>‖g_l(f_l(h_{l-1}+ε)) − h_{l-1}‖²: denoising reconstruction of the clean input (Bengio 2014).</summary>
    /// <param name="sigma">σ of ε.</param>
    public static Feedback Denoise(double sigma) => new(FS.FeedbackModule.denoise(sigma));

    /// <summary>The difference reconstruction loss (Meulemans et al. 2020).</summary>
    /// <param name="sigma">σ of the noise.</param>
    /// <param name="lambda">λ of the regulariser.</param>
    public static Feedback Drl(double sigma, double lambda) => new(FS.FeedbackModule.drl(sigma, lambda));

    /// <summary>The local difference reconstruction loss (Ernoult et al. 2022).</summary>
    /// <param name="sigma">σ of the noise.</param>
    public static Feedback Ldrl(double sigma) => new(FS.FeedbackModule.ldrl(sigma));

    /// <summary>No feedback training: g_l keeps its initial random weights (Shibuya et al. 2023).</summary>
    public static Feedback FixedRandom { get; } = new(FS.FeedbackModule.fixedRandom);

    /// <summary>No feedback training.</summary>
    public static Feedback None { get; } = new(FS.FeedbackModule.none);

    /// <summary>The same training with another noise σ.</summary>
    /// <param name="sigma">σ.</param>
    public Feedback WithSigma(double sigma) => new(FS.FeedbackModule.withSigma(sigma, Value));

    /// <summary>Its equation, as the papers write it.</summary>
    public string Equation => Value.Equation;
}
