namespace TargetProp.Dsl

open TargetProp.Runtime
open TargetProp.Runtime.Data

module Score =
    let testError (c: TrainConfig) (m: Model) (p: Parameters) (d: DataSet) : float =
        let compiled = Train.compile c.Batch m
        compiled.Load p
        use ex = new Executor(compiled.Plan, uint64 c.Seed, c.Threads)
        Train.errorOn ex d true (Array.init d.TestCount id) d.TestCount
