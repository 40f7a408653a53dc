namespace TargetProp.Dsl

open TargetProp.Runtime.Data

/// How the inputs are scaled before training.
type Normalisation =
    /// As read: every pixel divided by 255, in [0, 1].
    | UnitRange
    /// (x − μ)/s with μ and s the mean and standard deviation of every input value of the training split (MNIST:
    /// 0.1307 and 0.3081, the constants of torchvision's Normalize), the test split scaled by the same μ and s.
    | Standardise

/// Data sets by name, for scripts: looked up as DESIGN.md §3 says (an explicit folder, TARGETPROP_DATA, ./data, the
/// user's cache folder); a set that is not found is reported with where to put its files.
module Data =
    /// "digits" (bundled), "mnist", "fashion-mnist", "cifar-10", or a folder holding the four IDX files or CIFAR-10's six
    /// binary batch files.
    val load: nameOrFolder: string -> DataSet

    /// The bundled set: the first 6,000 training and 1,000 test MNIST digits; works offline.
    val digits: unit -> DataSet

    /// MNIST (60,000 training and 10,000 test digits).
    val mnist: unit -> DataSet

    /// Fashion-MNIST (60,000 training and 10,000 test images of clothing, 10 classes).
    val fashionMnist: unit -> DataSet

    /// CIFAR-10, binary version (50,000 training and 10,000 test 32×32 colour images, 10 classes): 3072 features per
    /// image, the red, green and blue planes one after another, each row-major (channel × 1024 + row × 32 + col).
    val cifar10: unit -> DataSet

    /// The data set with its inputs scaled (side inputs as they are).
    val normalise: n: Normalisation -> d: DataSet -> DataSet

    /// The data set with a side input attached, `width` values per example for the training and the test split
    /// ([count × width] row-major): what a stack's sideInput name width reads (a second view of the input, a noisy
    /// label, a class embedding).
    val withSide: name: string -> width: int -> train: float32[] -> test: float32[] -> d: DataSet -> DataSet

    /// A side input's values read from IDX files of unsigned bytes (scaled to [0, 1], like pixels), one for each split:
    /// [count × ...] with count the split's examples; the width is the product of the other dimensions.
    val withSideFromIdx: name: string -> trainFile: string -> testFile: string -> d: DataSet -> DataSet
