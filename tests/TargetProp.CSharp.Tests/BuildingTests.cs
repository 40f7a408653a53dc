using System.ComponentModel;
using FS = TargetProp.Dsl;

namespace TargetProp.CSharp.Tests;

/// Building stacks, expressions, rules and models from C#: the values are the F# API's own.
public static class BuildingTests
{
    [Description("Stack.Input(784).Dense(240, Unit.Tanh, repeat: 7).Dense(10, Unit.Softmax) is the F# input 784 |> repeat 7 (dense 240 Tanh) |> dense 10 Softmax")]
    public static void StackIsTheFSharpValue()
    {
        var stack = Stack.Input(784).Dense(240, Unit.Tanh, repeat: 7).Dense(10, Unit.Softmax);
        var fsharp = FS.StackBuilders.dense(10, FS.Nonlinearity.Softmax,
            FS.StackBuilders.repeat(7, Microsoft.FSharp.Core.FuncConvert.FromFunc<FS.Stack, FS.Stack>(s => FS.StackBuilders.dense(240, FS.Nonlinearity.Tanh, s)), FS.StackBuilders.input(784)));
        Expect.True(stack.Value.Equals(fsharp), "the same F# value");
        Expect.Equal(stack.ToString(), "input 784 |> repeat 7 (dense 240 Tanh) |> dense 10 Softmax", "prints as its F#");
        Expect.Equal(stack.Depth, 8, "depth");
        Expect.Equal(stack.Width(3), 240, "width of layer 3");
        Expect.True(stack.Value.Equals(Nets.Lee2015.Stack.Value), "Lee et al.'s stack");
    }

    [Description("C# operators and named methods map onto the F# expression: + - * Times Concat G F R Noise Side")]
    public static void ExpressionsMapOntoFSharp()
    {
        var difference = Expr.Below + Expr.G(Expr.Target) - Expr.G(Expr.Here);
        Expect.Equal(difference.ToString(), "below + g target - g here", "difference prints as its F#");
        Expect.True(Propagation.By(difference).Value.Equals(FS.Propagate.difference), "is Propagate.difference");
        Expect.Equal(difference.Equation, FS.ExprModule.equation(FS.Propagate.difference is FS.Propagation.Propagate p ? p.Item : throw new ExpectationException("not an expression")), "equation");
        var damped = Expr.Below + 0.5 * (Expr.G(Expr.Target) - Expr.G(Expr.Here));
        Expect.Equal(damped.ToString(), "below + 0.5 * (g target - g here)", "scalar product");
        Expect.Equal((Expr.G(Expr.Here) * 2.0).ToString(), (FS.Terms.g(FS.Terms.here) * 2.0).ToString(), "e * k");
        Expect.True(Expr.G(Expr.Here).Times(Expr.Target).Value.Equals(FS.Expr.NewProduct(FS.Terms.g(FS.Terms.here), FS.Terms.target)), "Times is the element-wise product");
        var conditioned = Expr.G(Expr.Target.Concat(Expr.Side("label")));
        Expect.True(conditioned.Value.Equals(FS.Terms.g(FS.Expr.NewConcat(FS.Terms.target, FS.Terms.side("label")))), "Concat is ++");
        Expect.Equal(conditioned.ToString(), "g (target ++ side \"label\")", "prints with ++");
        Expect.True((Expr.Below + Expr.Noise(0.1)).Value.Equals(FS.Expr.NewAdd(FS.Terms.below, FS.Terms.noise(0.1))), "noise");
        Expect.True(Expr.F(Expr.Below).Value.Equals(FS.Terms.f(FS.Terms.below)) && Expr.R(Expr.Below).Value.Equals(FS.Terms.r(FS.Terms.below)), "f and r");
        Expect.True(Expr.Below + Expr.Here == Expr.Below + Expr.Here || (Expr.Below + Expr.Here).Equals(Expr.Below + Expr.Here), "structural equality");
    }

    [Description("a rule from parts in C# is the F# rule from the same parts, and equals the preset it rebuilds")]
    public static void RuleFromPartsIsTheFSharpRule()
    {
        var dtp = Rule.Create("dtp",
            Top.GradientStep(FS.Rules.dtp.Top.Target is FS.TopTarget.GradientStep g ? g.eta : double.NaN).AtLastHidden(),
            Propagation.By(Expr.Below + Expr.G(Expr.Target) - Expr.G(Expr.Here)),
            Feedback.Reconstruct(FS.Rules.dtp.Feedback is FS.Feedback.Reconstruct r ? r.sigma : double.NaN));
        Expect.Equal(dtp.ToString(), Rules.Dtp.ToString(), "the preset, printed");
        Expect.True(dtp.Value.Equals(Rules.Dtp.Value), "the preset, as a value");
        var custom = Rules.Dtp.WithName("gated").WithPropagation(Expr.Below + Expr.G(Expr.Here).Times(Expr.G(Expr.Target) - Expr.G(Expr.Here)));
        Expect.Equal(custom.Name, "gated", "name");
        Expect.Equal(custom.Propagation.ToString(), "Propagate.by (below + g here .* (g target - g here))", "its propagation's F#");
        Expect.Equal(Rules.Find("drl").Name, "drl", "a preset by name");
        Expect.True(Expect.Throws<ArgumentException>(() => Rules.Find("nope"), "an unknown preset").Message.Contains("dtp"), "the message lists the presets");
        Expect.Equal(Rules.All.Count, FS.Rules.all.Length, "every preset");
    }

    [Description("two mistakes in a model give two messages, from Check() and from training (a ModelCheckException)")]
    public static void TwoMistakesTwoMessages()
    {
        // Mistake 1: a layer of 0 units. Mistake 2: softmax on a hidden layer.
        var stack = Stack.Input(784).Dense(0, Unit.Tanh).Dense(20, Unit.Softmax).Dense(10, Unit.Softmax);
        var model = Model.Create(stack, Rules.Dtp);
        var check = model.Check();
        Expect.True(!check.IsValid, "the model is invalid");
        Expect.Equal(check.Errors.Count, 2, "two messages: " + string.Join(" | ", check.Errors));
        Expect.True(check.Errors[0].Contains("0 units") && check.Problems[0].Where.StartsWith("layer 1"), "the first names layer 1 and its 0 units: " + check.Errors[0]);
        Expect.True(check.Errors[1].Contains("softmax") && check.Problems[1].Where.StartsWith("layer 2"), "the second names layer 2's softmax: " + check.Errors[1]);
        Expect.True(check.Problems.All(p => p.Fix.Length > 0), "each with a fix");
        var thrown = Expect.Throws<ModelCheckException>(() => new Trainer(model, Shared.Digits, new TrainingOptions { Epochs = 1 }).Run(), "training the model");
        Expect.True(thrown.Errors.SequenceEqual(check.Errors), "training reports the same two messages");
        Expect.Throws<ModelCheckException>(check.ThrowIfInvalid, "ThrowIfInvalid");
        Expect.True(Model.Create(Shared.SmallStack, Rules.Dtp).Check().IsValid, "a valid model has no message");
    }

    [Description("laws run as boolean checks: difference correction holds for dtp on every network, and not for tp")]
    public static void LawsAreBooleans()
    {
        Expect.True(Laws.Holds(Law.DifferenceCorrection, Rules.Dtp, cases: 10), "dtp corrects the difference");
        Expect.True(!Laws.Holds(Law.DifferenceCorrection, Rules.Tp, cases: 10), "tp does not");
        Expect.True(Laws.Holds(Law.FixedPoint, Rules.Dtp.WithPropagation(Expr.Below + 0.5 * (Expr.G(Expr.Target) - Expr.G(Expr.Here))), cases: 10), "a damped dtp keeps the fixed point");
        double fraction = Laws.Fraction(Law.Descent, Rules.Bp, cases: 10);
        Expect.True(fraction is >= 0.0 and <= 1.0, "a fraction");
    }
}
