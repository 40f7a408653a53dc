namespace TargetProp.Dsl

open TargetProp.Runtime.Data

/// A model's error on a data split, measured with given parameters: what Train reports as TestError, without training.
module Score =
    /// The fraction of the test split that the model with parameters p classifies wrongly, predicted in batches of
    /// c.Batch on c.Threads threads (the evaluation draws of a stochastic stack keyed by c.Seed). For the parameters a
    /// run ended with, and the run's config, it equals the run's last TestError.
    val testError: c: TrainConfig -> m: Model -> p: Parameters -> d: DataSet -> float
