namespace TargetProp.Dsl

open TargetProp.Runtime
open TargetProp.Runtime.Data

module Score =
    let testError (c: TrainConfig) (m: Model) (p: Parameters) (d: DataSet) : float =
        let compiled = Train.compile c.Batch m
        compiled.Load p
        use ex = new Executor(compiled.Plan, uint64 c.Seed, c.Threads)
        let order = Array.init d.TestCount id
        let sides = d.SideValues true
        ex.Context.ResetTally()
        // The test split in order, a batch at a time, through the Predict phase: the tally counts the errors.
        for start in 0 .. c.Batch .. d.TestCount - 1 do
            ex.LoadBatch(d.TestX, d.TestY, System.ReadOnlySpan order, start, min c.Batch (d.TestCount - start), sides)
            ex.Run compiled.Plan.Predict
        float ex.Context.Errors / float ex.Context.Examples
