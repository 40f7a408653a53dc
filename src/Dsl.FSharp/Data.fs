namespace TargetProp.Dsl

open TargetProp.Runtime.Data

/// Data sets by name, for scripts: looked up as DESIGN.md §3 says (TARGETPROP_DATA, ./data, the user's cache).
module Data =
    /// "digits" (bundled), "mnist", "fashion-mnist", or a folder holding the four IDX files.
    let load (nameOrFolder: string) : DataSet = DataSets.Load nameOrFolder
    /// The bundled set: the first 6,000 training and 1,000 test MNIST digits; works offline.
    let digits () = load DataSets.Bundled
    let mnist () = load "mnist"
    let fashionMnist () = load "fashion-mnist"
