// Lee et al.'s difference target propagation from C#: build the model, compose a rule of your own, train two epochs on
// the bundled digits (offline), save a checkpoint, reload it and evaluate the test set. After the build:
//   dotnet run --project examples/CSharp -c Release --no-build [-- FOLDER]
using TargetProp.CSharp;

// Lee et al. 2015's network (784-240×7-10 tanh) with their DTP settings:
//   ĥ_{L-1} = h_{L-1} − η̂ ∂ℓ/∂h_{L-1},  ĥ_{l-1} = h_{l-1} + g_l(ĥ_l) − g_l(h_l).
Model model = Nets.Lee2015.Configure(Rules.Dtp);
Console.WriteLine(model);

// A rule of your own: DTP's difference correction at half strength, ĥ_{l-1} = h_{l-1} + ½ (g_l(ĥ_l) − g_l(h_l)).
Rule damped = Rules.Dtp
    .WithName("dampedDtp")
    .WithPropagation(Expr.Below + 0.5 * (Expr.G(Expr.Target) - Expr.G(Expr.Here)));
Console.WriteLine(damped.Equation);
Console.WriteLine($"  difference correction holds on 20 networks: {Laws.Holds(Law.DifferenceCorrection, damped, cases: 20)}");
ModelCheck check = Model.Create(Nets.Lee2015.Stack, damped).Check();
Console.WriteLine(check.IsValid ? "  on Lee et al.'s network it checks" : string.Join(Environment.NewLine, check.Errors));

// Two epochs of DTP, a checkpoint after each, one progress line per epoch.
string folder = args.Length > 0 ? args[0] : Path.Combine(Path.GetTempPath(), $"dtp-csharp-{Environment.ProcessId}");
var data = Data.Digits();
var options = new TrainingOptions { Epochs = 2 };
var trainer = new Trainer(model, data, options) { Checkpoints = new CheckpointOptions(Path.Combine(folder, "checkpoints")) };
trainer.EpochCompleted += (_, epoch) => Console.WriteLine(epoch.ToLine(options.Epochs));
TrainedRun run = trainer.Run();

// The newest checkpoint, reloaded; its parameters also saved on their own and read back.
string checkpoint = CheckpointOptions.Latest(Path.Combine(folder, "checkpoints"))
    ?? throw new InvalidOperationException("the run saved no checkpoint");
ModelParameters reloaded = ModelParameters.FromCheckpoint(checkpoint, model);
string parameterFile = Path.Combine(folder, "dtp.params");
reloaded.Save(parameterFile, model);
bool sameParameters = ModelParameters.Load(parameterFile, model).BitwiseEquals(run.Parameters);
double reloadedError = model.TestError(reloaded, data, options);
Console.WriteLine($"checkpoint: {checkpoint}");
Console.WriteLine($"parameters read back bit for bit: {sameParameters}");
Console.WriteLine($"test error of the trained model: {run.TestError:R}");
Console.WriteLine($"test error after reload: {reloadedError:R}");
return sameParameters && reloadedError == run.TestError ? 0 : 1;
