using System.Numerics.Tensors;

namespace TargetProp.Runtime;

/// <summary>Output losses over a batch of rows, returning the summed loss and error count and writing dℓ/d(output),
/// where ℓ is the batch mean.</summary>
public static class Losses
{
    /// <summary>Softmax cross-entropy on logits a [rows × cols] with labels y:
    /// p = softmax(a), loss = Σ_b −log p_b[y_b], gradient = (p − onehot(y)) / rows (the gradient of the batch mean).
    /// probabilities receives p. Returns the summed loss; errors counts rows whose arg-max differs from the label.</summary>
    public static double SoftmaxCrossEntropy(int rows, int cols, ReadOnlySpan<float> logits, ReadOnlySpan<int> labels,
        Span<float> probabilities, Span<float> gradient, out int errors)
    {
        using var profiled = Profile.Time(ProfileKind.Loss);
        CheckShapes(rows, cols, logits, labels, gradient);
        ThrowHelper.ThrowIfMatrixTooShort(probabilities.Length, rows, cols, nameof(probabilities));
        double loss = 0;
        errors = 0;
        float inv = 1f / rows;
        for (int r = 0; r < rows; r++)
        {
            var a = logits.Slice(r * cols, cols);
            var p = probabilities.Slice(r * cols, cols);
            var d = gradient.Slice(r * cols, cols);
            int y = labels[r];
            ThrowHelper.ThrowIfLabelOutOfRange(y, cols, r);
            // −log p[y] = log Σ_k e^{a_k − max} + max − a[y], from the logits so a tiny p does not underflow to −log 0.
            double sum = Activations.SoftmaxRow(a, p, out float max);
            loss += Math.Log(sum) + max - a[y];
            if (TensorPrimitives.IndexOfMax(a) != y) errors++;
            TensorPrimitives.Multiply(p, inv, d);
            d[y] -= inv;
        }
        return loss;
    }

    /// <summary>Squared error to the one-hot label: loss = Σ_b ½‖h_b − onehot(y_b)‖², gradient = (h − onehot(y)) / rows.</summary>
    public static double SquaredError(int rows, int cols, ReadOnlySpan<float> h, ReadOnlySpan<int> labels,
        Span<float> gradient, out int errors)
    {
        using var profiled = Profile.Time(ProfileKind.Loss);
        CheckShapes(rows, cols, h, labels, gradient);
        double loss = 0;
        errors = 0;
        float inv = 1f / rows;
        for (int r = 0; r < rows; r++)
        {
            var o = h.Slice(r * cols, cols);
            var d = gradient.Slice(r * cols, cols);
            int y = labels[r];
            ThrowHelper.ThrowIfLabelOutOfRange(y, cols, r);
            o.CopyTo(d);
            d[y] -= 1f;
            // ½‖d‖² summed in order in float64 (a vector dot product's bits depend on the vector width).
            double squares = 0;
            for (int j = 0; j < cols; j++) squares += (double)d[j] * d[j];
            loss += 0.5 * squares;
            TensorPrimitives.Multiply(d, inv, d);
            if (TensorPrimitives.IndexOfMax(o) != y) errors++;
        }
        return loss;
    }

    /// <summary>Counts rows whose arg-max differs from the label (evaluation without a gradient).</summary>
    public static int Errors(int rows, int cols, ReadOnlySpan<float> output, ReadOnlySpan<int> labels)
    {
        using var profiled = Profile.Time(ProfileKind.Loss);
        ThrowHelper.ThrowIfMatrixTooShort(output.Length, rows, cols, nameof(output));
        ThrowHelper.ThrowIfTooShort(labels.Length, rows, nameof(labels));
        int errors = 0;
        for (int r = 0; r < rows; r++)
            if (TensorPrimitives.IndexOfMax(output.Slice(r * cols, cols)) != labels[r]) errors++;
        return errors;
    }

    private static void CheckShapes(int rows, int cols, ReadOnlySpan<float> output, ReadOnlySpan<int> labels, Span<float> gradient)
    {
        ThrowHelper.ThrowIfMatrixTooShort(output.Length, rows, cols, "output");
        ThrowHelper.ThrowIfTooShort(labels.Length, rows, nameof(labels));
        ThrowHelper.ThrowIfMatrixTooShort(gradient.Length, rows, cols, nameof(gradient));
    }
}
