namespace TargetProp.Experiments

open TargetProp.Dsl

/// Lee et al. 2015's stochastic network (784-200-200-10, Bernoulli-sampled sigmoid units): dtp against the
/// straight-through estimator, tested on class probabilities averaged over 100 samples.
module Stochastic =
    let experiment (epochs: int) : Experiment =
        let net = Nets.lee2015Stochastic
        let arm = Experiment.onNet net epochs

        let arms =
            [ arm "dtp" Rules.dtp Refuse
              arm "bp straight-through" Rules.bp StraightThrough ]

        { Name = "stochastic"
          Conjecture =
            "target propagation trains networks of \"noisy\" (stochastic) units, whose samples have no derivative (Bengio 2014)"
          Protocol =
            sprintf
                "lee2015-stochastic on MNIST, %d epochs, Lee et al.'s settings per rule, test error of the 100-sample average after the last epoch"
                epochs
          Arms = arms
          QuickArms = arms
          Columns = [ Experiment.finalError ]
          Figures = [ "", Experiment.curves ] }
