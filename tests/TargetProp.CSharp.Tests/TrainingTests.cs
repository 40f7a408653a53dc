using System.ComponentModel;
using Microsoft.FSharp.Core;
using FS = TargetProp.Dsl;

namespace TargetProp.CSharp.Tests;

/// Training, metrics, parameters and checkpoints from C#, against the F# API's own run.
public static class TrainingTests
{
    /// An IProgress that records on the calling thread (Progress<T> would post to the thread pool).
    private sealed class Recorder : IProgress<EpochMetrics>
    {
        public List<EpochMetrics> Seen { get; } = [];
        public void Report(EpochMetrics value) => Seen.Add(value);
    }

    [Description("a C# model trained by the C# surface ends bit for bit where the F# API's run of the same model, seed and threads ends")]
    public static void TrainsBitForBitAsTheFSharpApi()
    {
        var model = Model.Create(Shared.SmallStack,
            Rule.Create("dtp-parts", Top.GradientStep(0.3).AtLastHidden(), Propagation.By(Expr.Below + Expr.G(Expr.Target) - Expr.G(Expr.Here)), Feedback.Reconstruct(0.36)));
        var options = new TrainingOptions { Epochs = 2, LimitTrain = 600, Seed = 5, Threads = 2 };
        var run = new Trainer(model, Shared.Digits, options).Run();

        // The F# API, from its own functions: input 784 |> repeat 2 (dense 32 Tanh) |> dense 10 Softmax, Rule.create ...
        var fsStack = FS.StackBuilders.dense(10, FS.Nonlinearity.Softmax,
            FS.StackBuilders.repeat(2, FuncConvert.FromFunc<FS.Stack, FS.Stack>(s => FS.StackBuilders.dense(32, FS.Nonlinearity.Tanh, s)), FS.StackBuilders.input(784)));
        var fsRule = FS.RuleModule.create("dtp-parts", FS.TopModule.atLastHidden(FS.TopModule.gradientStep(0.3)), FS.Propagate.difference, FS.FeedbackModule.reconstruct(0.36));
        var fsModel = FS.ModelModule.create(fsStack, fsRule);
        Expect.True(model.Value.Equals(fsModel), "the same model value");
        var config = new FS.TrainConfig(2, FS.Train.defaults.Batch, 5, 2, FSharpOption<int>.Some(600), 0, false);
        var fsRun = FS.Train.run(config, fsModel, Shared.Digits);

        Expect.True(run.Parameters.BitwiseEquals(new ModelParameters(fsRun.Parameters)), "parameters bit for bit");
        Expect.Equal(run.Epochs.Count, 2, "two epochs");
        for (int i = 0; i < 2; i++)
        {
            Expect.Equal(run.Epochs[i].TrainLoss, fsRun.Epochs[i].TrainLoss, $"epoch {i + 1} train loss");
            Expect.Equal(run.Epochs[i].TestError, fsRun.Epochs[i].TestError, $"epoch {i + 1} test error");
        }
        // And on one thread: the same weights (results do not depend on the thread count).
        var oneThread = new Trainer(model, Shared.Digits, options with { Threads = 1 }).Run();
        Expect.True(oneThread.Parameters.BitwiseEquals(run.Parameters), "1 and 2 threads, bit for bit");
    }

    [Description("each epoch reaches IProgress and the EpochCompleted event as it ends; ValidationError is null without a validation split")]
    public static void ProgressAndEventSeeEveryEpoch()
    {
        var model = Nets.Lee2015.Configure(Rules.Dtp);
        var options = new TrainingOptions { Epochs = 2, LimitTrain = 300 };
        var trainer = new Trainer(model, Shared.Digits, options);
        var raised = new List<int>();
        trainer.EpochCompleted += (_, e) => raised.Add(e.Epoch);
        var progress = new Recorder();
        var run = trainer.Run(progress);
        Expect.True(raised.SequenceEqual([1, 2]), "the event, once per epoch");
        Expect.True(progress.Seen.Select(e => e.Epoch).SequenceEqual([1, 2]), "IProgress, once per epoch");
        Expect.True(run.Epochs.All(e => e.ValidationError is null), "no validation split: null");
        Expect.True(progress.Seen[1].ToLine(2).StartsWith("epoch   2/2"), "the progress line: " + progress.Seen[1].ToLine(2));
        Expect.Equal(run.TestError, run.Epochs[1].TestError, "the run's test error is its last epoch's");
        var stopped = new Trainer(model, Shared.Digits, options with { Epochs = 3 }) { StopWhen = epochs => epochs.Count == 1 }.Run();
        Expect.Equal(stopped.Epochs.Count, 1, "StopWhen after the first of 3 epochs");
        var validated = new Trainer(model, Shared.Digits, options with { Epochs = 1, Validation = 100 }).Run();
        Expect.True(validated.Epochs[0].ValidationError is double v && v >= 0.0 && v <= 1.0, "a validation split: its error");
    }

    [Description("parameters save and load bit for bit; a damaged file and another model's are refused with a message")]
    public static void ParametersSaveAndLoad()
    {
        string folder = Shared.TempFolder("params");
        Directory.CreateDirectory(folder);
        try
        {
            var model = Model.Create(Shared.SmallStack, Rules.Drl);
            var p = ModelParameters.Initial(model, 7);
            string file = Path.Combine(folder, "p.params");
            p.Save(file, model);
            Expect.True(ModelParameters.Load(file, model).BitwiseEquals(p), "read back bit for bit");
            var other = Model.Create(Stack.Input(784).Dense(16, Unit.Tanh).Dense(10, Unit.Softmax), Rules.Drl);
            Expect.Throws<ArgumentException>(() => p.Save(Path.Combine(folder, "q.params"), Model.Create(Stack.Input(784).Dense(16, Unit.Tanh).Dense(10, Unit.Softmax), Rules.Drl)), "saving with another model's shapes");
            var wrongShape = Expect.Throws<FS.ParameterFileException>(() => ModelParameters.Load(file, other), "another model's shapes");
            Expect.True(wrongShape.Message.Contains("other shapes"), wrongShape.Message);
            byte[] bytes = File.ReadAllBytes(file);
            bytes[bytes.Length / 2] ^= 1;
            File.WriteAllBytes(file, bytes);
            var damaged = Expect.Throws<FS.ParameterFileException>(() => ModelParameters.Load(file, model), "a damaged file");
            Expect.True(damaged.Message.Contains("checksum"), damaged.Message);
        }
        finally { Directory.Delete(folder, true); }
    }

    [Description("a checkpointed run's newest checkpoint holds its parameters; reloaded, the test error is the run's; a resumed run ends as the whole one")]
    public static void CheckpointsReloadAndResume()
    {
        string folder = Shared.TempFolder("ckpt");
        try
        {
            var model = Model.Create(Shared.SmallStack, Rules.Dtp);
            var options = new TrainingOptions { Epochs = 2, LimitTrain = 400, Seed = 2 };
            var whole = new Trainer(model, Shared.Digits, options) { Checkpoints = new CheckpointOptions(Path.Combine(folder, "whole")) }.Run();
            string? latest = CheckpointOptions.Latest(Path.Combine(folder, "whole"));
            Expect.True(latest is not null && latest.EndsWith("epoch-000002.ckpt"), "the newest checkpoint: " + latest);
            var reloaded = ModelParameters.FromCheckpoint(latest!, model);
            Expect.True(reloaded.BitwiseEquals(whole.Parameters), "the checkpoint's parameters are the run's");
            Expect.Equal(model.TestError(reloaded, Shared.Digits, options), whole.TestError, "the same test error after reload");
            // One epoch, then resumed to two: the same parameters.
            string part = Path.Combine(folder, "part");
            new Trainer(model, Shared.Digits, options with { Epochs = 1 }) { Checkpoints = new CheckpointOptions(part) }.Run();
            var resumed = new Trainer(model, Shared.Digits, options) { Checkpoints = new CheckpointOptions(part), ResumeFrom = CheckpointOptions.Latest(part) }.Run();
            Expect.Equal(resumed.Epochs.Count, 1, "the resumed run trains the second epoch only");
            Expect.True(resumed.Parameters.BitwiseEquals(whole.Parameters), "resumed, bit for bit as the whole run");
            var otherModel = Model.Create(Shared.SmallStack, Rules.Drl);
            Expect.Throws<FS.CheckpointException>(() => ModelParameters.FromCheckpoint(latest!, otherModel), "another model's checkpoint");
        }
        finally { if (Directory.Exists(folder)) Directory.Delete(folder, true); }
    }

    [Description("side inputs: a layer reading a declared side input, and g's conditioned on the label, train as the F# API's model does; data without the side input are refused with what to attach")]
    public static void SideInputsTrainAsFSharp()
    {
        const int width = 4;
        var digits = Shared.Digits;
        float[] Values(int count) => Enumerable.Range(0, count * width).Select(i => (float)((i * 37 % 101) / 101.0)).ToArray();
        var data = Data.WithSide(digits, "context", width, Values(digits.TrainCount), Values(digits.TestCount));
        var stack = Stack.Input(784).SideInput("context", width).Dense(32, Unit.Tanh).Reads("context").Dense(32, Unit.Tanh).Dense(10, Unit.Softmax);
        var model = Model.Create(stack, Rules.Dtp.ConditionedOn("label"));
        Expect.True(model.Check().IsValid, "valid: " + string.Join(" | ", model.Check().Errors));
        Expect.Equal(Rules.Dtp.ConditionedOn("label").Propagation.ToString(), "Propagate.by (below + g (target ++ side \"label\") - g (here ++ side \"label\"))", "g conditioned on the label");
        var options = new TrainingOptions { Epochs = 1, LimitTrain = 300, Seed = 4 };
        var run = new Trainer(model, data, options).Run();
        var fsRun = FS.Train.run(options.ToFSharp(), model.Value, data);
        Expect.True(run.Parameters.BitwiseEquals(new ModelParameters(fsRun.Parameters)), "the same parameters as the F# API's run");
        Expect.True(run.Parameters.U.ContainsKey(1) && run.Parameters.U[1].Length == 32 * width, "U_1 [32 × 4] reads the side input");
        var refused = Expect.Throws<FS.TrainingException>(() => new Trainer(model, digits, options).Run(), "data without the side input");
        Expect.True(refused.Message.Contains("Data.withSide"), refused.Message);
    }
}
