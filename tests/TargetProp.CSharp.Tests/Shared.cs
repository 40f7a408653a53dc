using TargetProp.Runtime.Data;

namespace TargetProp.CSharp.Tests;

/// What several tests use: the bundled digits, read once, and a small network to train quickly.
internal static class Shared
{
    private static readonly Lazy<DataSet> s_digits = new(Data.Digits);

    internal static DataSet Digits => s_digits.Value;

    /// 784-32-32-10: two tanh layers of 32, softmax output.
    internal static Stack SmallStack => Stack.Input(784).Dense(32, Unit.Tanh, repeat: 2).Dense(10, Unit.Softmax);

    internal static string TempFolder(string name) => Path.Combine(Path.GetTempPath(), $"tprop-cs-{name}-{Guid.NewGuid():N}");
}
