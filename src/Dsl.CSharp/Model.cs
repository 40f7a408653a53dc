using TargetProp.Runtime.Data;
using FS = TargetProp.Dsl;

namespace TargetProp.CSharp;

/// <summary>
/// A stack, a rule and the settings that train it (the F# <see cref="FS.Model"/>). <see cref="Check"/> reports every
/// mistake at once; each With… returns a new model.
/// </summary>
public sealed class Model : FSharpValue<FS.Model>
{
    /// <summary>Wraps an F# model.</summary>
    /// <param name="value">The F# value.</param>
    public Model(FS.Model value) : base(value) { }

    /// <summary>A model with the rule's own default settings (its paper's).</summary>
    /// <param name="stack">The stack.</param>
    /// <param name="rule">The rule.</param>
    public static Model Create(Stack stack, Rule rule)
    {
        ArgumentNullException.ThrowIfNull(stack);
        ArgumentNullException.ThrowIfNull(rule);
        return new(FS.ModelModule.create(stack.Value, rule.Value));
    }

    /// <summary>Its stack.</summary>
    public Stack Stack => new(Value.Stack);

    /// <summary>Its rule.</summary>
    public Rule Rule => new(Value.Rule);

    /// <summary>The optimiser of the forward weights W_l, b_l.</summary>
    public Optimiser ForwardOptimiser => new(Value.ForwardOptimiser);

    /// <summary>The optimiser of the feedback weights V_l, c_l.</summary>
    public Optimiser FeedbackOptimiser => new(Value.FeedbackOptimiser);

    /// <summary>The model with another optimiser for the forward weights.</summary>
    /// <param name="o">The optimiser.</param>
    public Model WithForwardOptimiser(Optimiser o) => new(FS.ModelModule.forwardOptimiser((o ?? throw new ArgumentNullException(nameof(o))).Value, Value));

    /// <summary>The model with another optimiser for the feedback weights.</summary>
    /// <param name="o">The optimiser.</param>
    public Model WithFeedbackOptimiser(Optimiser o) => new(FS.ModelModule.feedbackOptimiser((o ?? throw new ArgumentNullException(nameof(o))).Value, Value));

    /// <summary>The model with another order of forward and feedback updates.</summary>
    /// <param name="schedule">The schedule.</param>
    public Model WithSchedule(Schedule schedule) => new(FS.ModelModule.schedule(schedule.ToFSharp(), Value));

    /// <summary>The model with k feedback updates per forward update.</summary>
    /// <param name="k">k.</param>
    public Model WithFeedbackIterations(int k) => new(FS.ModelModule.feedbackIterations(k, Value));

    /// <summary>The model with that many epochs of feedback-only training first.</summary>
    /// <param name="epochs">The epochs.</param>
    public Model WithFeedbackPretraining(int epochs) => new(FS.ModelModule.feedbackPretraining(epochs, Value));

    /// <summary>The model with another stand-in for derivatives through discrete or stochastic units.</summary>
    /// <param name="through">The stand-in.</param>
    public Model WithThroughDiscrete(ThroughDiscrete through) => new(FS.ModelModule.throughDiscrete(through.ToFSharp(), Value));

    /// <summary>The model with Gaussian noise of that σ on the input in training.</summary>
    /// <param name="sigma">σ.</param>
    public Model WithInputNoise(double sigma) => new(FS.ModelModule.inputNoise(sigma, Value));

    /// <summary>The model evaluated by averaging the class probabilities of that many samples (stochastic units only).</summary>
    /// <param name="n">The samples.</param>
    public Model WithSamples(int n) => new(FS.ModelModule.samples(n, Value));

    /// <summary>The model with that many epochs of feedback-only training after each epoch's updates.</summary>
    /// <param name="epochs">The epochs.</param>
    public Model WithExtraFeedbackEpochs(int epochs) => new(FS.ModelModule.extraFeedbackEpochs(epochs, Value));

    /// <summary>The model with the feedback noise decaying as σ / (1 + e/τ) over epochs e.</summary>
    /// <param name="tau">τ (0 keeps σ).</param>
    public Model WithFeedbackNoiseDecay(double tau) => new(FS.ModelModule.feedbackNoiseDecay(tau, Value));

    /// <summary>The model with its weights drawn by another scheme.</summary>
    /// <param name="init">The scheme.</param>
    public Model WithInit(Init init) => new(FS.ModelModule.init((init ?? throw new ArgumentNullException(nameof(init))).Value, Value));

    /// <summary>The model check: every mistake at once, each naming where it is, what is wrong and the fix.</summary>
    public ModelCheck Check() => new(FS.Check.run(Value));

    /// <summary>
    /// The fraction of the test split of <paramref name="data"/> that the model with these parameters classifies
    /// wrongly (F# Score.testError). With the options and the parameters a run ended with, it equals the run's last
    /// test error.
    /// </summary>
    /// <param name="parameters">The parameters.</param>
    /// <param name="data">The data set.</param>
    /// <param name="options">The batch, seed and threads (null: the defaults).</param>
    /// <exception cref="ModelCheckException">The model has mistakes.</exception>
    public double TestError(ModelParameters parameters, DataSet data, TrainingOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(data);
        return ModelCheckException.Translate(() => FS.Score.testError((options ?? new TrainingOptions()).ToFSharp(), Value, parameters.Value, data));
    }
}
