namespace TargetProp.Runtime.Data;

/// Examples as float32 rows scaled to [0,1] (pixel/255), labels 0..classes-1.
/// TrainX is [TrainCount × Features] row-major, TrainY has TrainCount labels; likewise for the test split.
public sealed class DataSet
{
    /// <summary>The set's name: the name it was loaded by, or its folder's name.</summary>
    public string Name { get; }
    /// The folder the files came from, or "bundled".
    public string Source { get; }
    /// <summary>Values per example, the columns of TrainX and TestX (784 for MNIST, 3072 for CIFAR-10).</summary>
    public int Features { get; }
    /// <summary>The number of classes: every label is in 0 .. Classes − 1.</summary>
    public int Classes { get; }
    /// <summary>The training inputs, [TrainCount × Features] row-major.</summary>
    public float[] TrainX { get; }
    /// <summary>The training labels, one per row of TrainX.</summary>
    public int[] TrainY { get; }
    /// <summary>The number of training examples (TrainY's length).</summary>
    public int TrainCount => TrainY.Length;
    /// <summary>The test inputs, [TestCount × Features] row-major.</summary>
    public float[] TestX { get; }
    /// <summary>The test labels, one per row of TestX.</summary>
    public int[] TestY { get; }
    /// <summary>The number of test examples (TestY's length).</summary>
    public int TestCount => TestY.Length;
    /// <summary>Per-example side inputs by name (not the label, which is built in): values [count × width] for each split.</summary>
    public IReadOnlyDictionary<string, SideInput> Sides { get; private init; } = new Dictionary<string, SideInput>();

    private IReadOnlyDictionary<string, float[]>? _trainSides, _testSides;

    /// <summary>The side inputs' values of one split by name, as <see cref="Executor.LoadBatch"/> takes them (made once).</summary>
    public IReadOnlyDictionary<string, float[]> SideValues(bool test) => test
        ? _testSides ??= Sides.ToDictionary(kv => kv.Key, kv => kv.Value.Test)
        : _trainSides ??= Sides.ToDictionary(kv => kv.Key, kv => kv.Value.Train);

    /// <summary>The data set with a side input attached: width values per example, [TrainCount × width] for the
    /// training split and [TestCount × width] for the test split, row-major (a second view of the input, a noisy label,
    /// a class embedding...).</summary>
    public DataSet WithSide(string name, int width, float[] train, float[] test)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        if (name == "label")
            throw new ArgumentException($"{Name}: 'label' is the built-in side input (the one-hot label); give this one another name.", nameof(name));
        if (width < 1)
            throw new ArgumentOutOfRangeException(nameof(width), width, $"{Name}: the side input '{name}' must have a width of 1 or more.");
        if ((long)TrainCount * width != train.Length)
            throw new ArgumentException($"{Name}: the side input '{name}' has {train.Length:N0} training values, but {TrainCount:N0} examples × width {width} = {(long)TrainCount * width:N0} are needed.", nameof(train));
        if ((long)TestCount * width != test.Length)
            throw new ArgumentException($"{Name}: the side input '{name}' has {test.Length:N0} test values, but {TestCount:N0} examples × width {width} = {(long)TestCount * width:N0} are needed.", nameof(test));
        var sides = new Dictionary<string, SideInput>(Sides) { [name] = new SideInput(width, train, test) };
        return new DataSet(Name, Source, Features, Classes, TrainX, TrainY, TestX, TestY) { Sides = sides };
    }

    /// <summary>The same examples, labels and side inputs with other input values (normalised, say): [TrainCount ×
    /// Features] and [TestCount × Features], row-major.</summary>
    public DataSet WithInputs(float[] trainX, float[] testX) =>
        new(Name, Source, Features, Classes, trainX, TrainY, testX, TestY) { Sides = Sides };

    /// Checks that each X holds count × features values and every label is in 0..classes-1.
    public DataSet(string name, string source, int features, int classes, float[] trainX, int[] trainY, float[] testX, int[] testY)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(features);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classes);
        CheckSplit("train", features, classes, trainX, trainY);
        CheckSplit("test", features, classes, testX, testY);
        (Name, Source, Features, Classes) = (name, source, features, classes);
        (TrainX, TrainY, TestX, TestY) = (trainX, trainY, testX, testY);
    }

    /// A prefix slice, for --limit-train style runs: the first trainCount training and first testCount test examples
    /// (1 ≤ trainCount ≤ TrainCount, 0 ≤ testCount ≤ TestCount). The arrays are copies.
    public DataSet Take(int trainCount, int testCount)
    {
        if (trainCount < 1 || trainCount > TrainCount)
            throw new ArgumentOutOfRangeException(nameof(trainCount), trainCount,
                $"{Name} has {TrainCount:N0} training examples; trainCount must be 1 to {TrainCount}, got {trainCount}.");
        if (testCount < 0 || testCount > TestCount)
            throw new ArgumentOutOfRangeException(nameof(testCount), testCount,
                $"{Name} has {TestCount:N0} test examples; testCount must be 0 to {TestCount}, got {testCount}.");
        return new DataSet(Name, Source, Features, Classes,
            TrainX[..(trainCount * Features)], TrainY[..trainCount], TestX[..(testCount * Features)], TestY[..testCount])
        {
            Sides = Sides.ToDictionary(kv => kv.Key, kv => new SideInput(kv.Value.Width,
                kv.Value.Train[..(trainCount * kv.Value.Width)], kv.Value.Test[..(testCount * kv.Value.Width)])),
        };
    }

    /// <summary>One line for a log: name, source, split sizes, features, classes, each side input's width.</summary>
    public override string ToString() =>
        $"{Name} ({Source}): {TrainCount:N0} train, {TestCount:N0} test, {Features} features, {Classes} classes"
        + string.Concat(Sides.Select(kv => $", side input '{kv.Key}' ({kv.Value.Width})"));

    private static void CheckSplit(string split, int features, int classes, float[] x, int[] y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if ((long)y.Length * features != x.Length)
            throw new ArgumentException($"The {split} split has {y.Length} labels × {features} features = {(long)y.Length * features} values expected in X, found {x.Length}.");
        for (int i = 0; i < y.Length; i++)
            if ((uint)y[i] >= (uint)classes)
                throw new ArgumentException($"The {split} label at {i} is {y[i]}; expected 0 to {classes - 1}.");
    }
}

/// <summary>A side input's values: width per example, [count × width] row-major for each split.</summary>
/// <param name="Width">Values per example.</param>
/// <param name="Train">The training split's values, [TrainCount × Width].</param>
/// <param name="Test">The test split's values, [TestCount × Width].</param>
public sealed record SideInput(int Width, float[] Train, float[] Test);
