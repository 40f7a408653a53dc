namespace TargetProp.Dsl

open TargetProp.Runtime.Data

module Data =
    let load (nameOrFolder: string) : DataSet = DataSets.Load nameOrFolder
    let digits () = load DataSets.Bundled
    let mnist () = load "mnist"
    let fashionMnist () = load "fashion-mnist"
