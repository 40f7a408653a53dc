namespace TargetProp.Runtime;

/// <summary>ℓ = mean_b CE(softmax(a_L), y): adds the summed loss and errors to the context's tally and writes
/// dℓ/da_L = (p − onehot(y)) / rows.</summary>
public sealed class SoftmaxCrossEntropyOp(MatrixBuffer logits, MatrixBuffer probabilities, MatrixBuffer gradient) : Op
{
    /// <summary>Over the batch's rows: p = softmax(a_L) into probabilities and dℓ/da_L into gradient; adds the summed
    /// loss, the errors and the rows to the context's tally.</summary>
    public override void Run(StepContext context)
    {
        int rows = context.Rows;
        context.LossSum += Losses.SoftmaxCrossEntropy(rows, logits.Cols, logits.Top(rows), context.Labels.AsSpan(0, rows),
            probabilities.Top(rows), gradient.Top(rows), out int errors);
        context.Errors += errors;
        context.Examples += rows;
    }

    /// <summary>The op as its equation, gradient = ∂/∂a_L mean CE(softmax(a_L), y) with the buffers' names.</summary>
    public override string ToString() => $"{gradient.Name} = ∂/∂{logits.Name} mean CE(softmax({logits.Name}), y)";
}

/// <summary>ℓ = mean_b ½‖h_L − onehot(y)‖²: tallies loss and errors, writes dℓ/dh_L = (h_L − onehot(y)) / rows.</summary>
public sealed class SquaredErrorOp(MatrixBuffer output, MatrixBuffer gradient) : Op
{
    /// <summary>Over the batch's rows: dℓ/dh_L into gradient; adds the summed loss, the errors and the rows to
    /// the context's tally.</summary>
    public override void Run(StepContext context)
    {
        int rows = context.Rows;
        context.LossSum += Losses.SquaredError(rows, output.Cols, output.Top(rows), context.Labels.AsSpan(0, rows),
            gradient.Top(rows), out int errors);
        context.Errors += errors;
        context.Examples += rows;
    }

    /// <summary>The op as its equation, gradient = ∂/∂h_L mean ½‖h_L − y‖² with the buffers' names.</summary>
    public override string ToString() => $"{gradient.Name} = ∂/∂{output.Name} mean ½‖{output.Name} − y‖²";
}

/// <summary>Evaluation: counts rows whose arg-max output differs from the label.</summary>
public sealed class ErrorCountOp(MatrixBuffer output) : Op
{
    /// <summary>Adds the batch's misclassified rows and its row count to the context's tally.</summary>
    public override void Run(StepContext context)
    {
        int rows = context.Rows;
        context.Errors += Losses.Errors(rows, output.Cols, output.Top(rows), context.Labels.AsSpan(0, rows));
        context.Examples += rows;
    }

    /// <summary>"errors += argmax h ≠ y", with the output's name.</summary>
    public override string ToString() => $"errors += argmax {output.Name} ≠ y";
}
