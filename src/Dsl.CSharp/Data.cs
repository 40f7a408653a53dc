using TargetProp.Runtime.Data;
using FS = TargetProp.Dsl;

namespace TargetProp.CSharp;

/// <summary>Data sets by name (the F# <see cref="FS.Data"/>), looked up as DESIGN.md §3 says; the values are the runtime's <see cref="DataSet"/>.</summary>
public static class Data
{
    /// <summary>"digits" (bundled), "mnist", "fashion-mnist", "cifar-10", or a folder.</summary>
    /// <param name="nameOrFolder">The name or folder.</param>
    public static DataSet Load(string nameOrFolder) => FS.Data.load(nameOrFolder);

    /// <summary>The bundled set: the first 6,000 training and 1,000 test MNIST digits; works offline.</summary>
    public static DataSet Digits() => FS.Data.digits();

    /// <summary>MNIST (60,000 training and 10,000 test digits).</summary>
    public static DataSet Mnist() => FS.Data.mnist();

    /// <summary>Fashion-MNIST (60,000 training and 10,000 test images of clothing).</summary>
    public static DataSet FashionMnist() => FS.Data.fashionMnist();

    /// <summary>CIFAR-10, binary version: 3072 features per image, the red, green and blue planes one after another.</summary>
    public static DataSet Cifar10() => FS.Data.cifar10();

    /// <summary>The data set with its inputs standardised, (x − μ)/s with μ and s of the training split's values
    /// (side inputs as they are); as read, inputs are pixels / 255.</summary>
    /// <param name="data">The data set.</param>
    public static DataSet Standardise(DataSet data) => FS.Data.normalise(FS.Normalisation.Standardise, data);

    /// <summary>The data set with a side input attached: what a stack's <see cref="Stack.SideInput"/> of that name reads.</summary>
    /// <param name="data">The data set.</param>
    /// <param name="name">The side input's name.</param>
    /// <param name="width">Its values per example.</param>
    /// <param name="train">The training split's values, [count × width] row-major.</param>
    /// <param name="test">The test split's values, [count × width] row-major.</param>
    public static DataSet WithSide(DataSet data, string name, int width, float[] train, float[] test) =>
        FS.Data.withSide(name, width, train, test, data);

    /// <summary>The data set with a side input read from IDX files of unsigned bytes (scaled to [0, 1]), one per split.</summary>
    /// <param name="data">The data set.</param>
    /// <param name="name">The side input's name.</param>
    /// <param name="trainFile">The training split's IDX file.</param>
    /// <param name="testFile">The test split's IDX file.</param>
    public static DataSet WithSideFromIdx(DataSet data, string name, string trainFile, string testFile) =>
        FS.Data.withSideFromIdx(name, trainFile, testFile, data);
}
