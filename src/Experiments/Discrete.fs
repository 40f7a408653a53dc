namespace TargetProp.Experiments

open TargetProp.Dsl

/// Lee et al. 2015's discrete network (784-500-500-10, layer 2 reading sign(h1)) with their settings: dtp against bp
/// through sign (no gradient reaches W1), bp on the continuous net tested with sign inserted, and bp with the
/// straight-through estimator.
module Discrete =
    let experiment (epochs: int) : Experiment =
        let net = Nets.lee2015Discrete
        let arm = Experiment.onNet net epochs

        let arms =
            [ arm "dtp" Rules.dtp Refuse
              arm "bp through sign" Rules.bp NoGradient
              arm "bp continuous, tested with sign" Rules.bp ContinuousTraining
              arm "bp straight-through" Rules.bp StraightThrough ]

        { Name = "discrete"
          Conjecture =
            "target propagation can assign credit through \"discrete hidden units\" (Bengio 2014), where back-propagation's derivative is zero"
          Protocol =
            sprintf
                "lee2015-discrete on MNIST, %d epochs, Lee et al.'s settings per rule, test error after the last epoch"
                epochs
          Arms = arms
          QuickArms = arms
          Columns = [ Experiment.finalError ]
          Figures = [ "", Experiment.curves ] }
