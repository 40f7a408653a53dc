using System.Diagnostics.CodeAnalysis;

namespace TargetProp.Runtime;

/// <summary>Cold throws for the element-wise kernels and the plan, kept out of the hot methods.</summary>
internal static partial class ThrowHelper
{
    internal static void ThrowIfTooShort(int length, int needed, string name)
    {
        if (length < needed) TooShort(length, needed, name);
    }

    internal static void ThrowIfLengthDiffers(int length, int expected, string name)
    {
        if (length != expected) LengthDiffers(length, expected, name);
    }

    internal static void ThrowIfMatrixTooShort(int length, int rows, int cols, string name)
    {
        if (rows < 0 || cols < 0) BadShape(rows, cols, name);
        if (length < (long)rows * cols) TooShort(length, rows * cols, name + $" ({rows}×{cols})");
    }

    internal static void ThrowIfLabelOutOfRange(int label, int classes, int row)
    {
        if ((uint)label >= (uint)classes) LabelOutOfRange(label, classes, row);
    }

    [DoesNotReturn]
    private static void TooShort(int length, int needed, string name) =>
        throw new ArgumentException($"{name} has {length} elements but {needed} are needed.", name);

    [DoesNotReturn]
    private static void LengthDiffers(int length, int expected, string name) =>
        throw new ArgumentException($"{name} has {length} elements but must have exactly {expected}.", name);

    [DoesNotReturn]
    private static void BadShape(int rows, int cols, string name) =>
        throw new ArgumentOutOfRangeException(name, $"{name}: shape {rows}×{cols} has a negative size.");

    /// <summary>A kernel was asked for an activation it has no body for (a value outside the enum, or one added to
    /// the enum without a kernel): refused rather than treated as linear.</summary>
    [DoesNotReturn]
    internal static void UnknownActivation(Activation activation, string kernel) =>
        throw new ArgumentOutOfRangeException(nameof(activation), activation, $"{kernel} has no body for the activation {activation}.");

    /// <summary>An emission kernel was asked for a value outside the enum.</summary>
    [DoesNotReturn]
    internal static void UnknownEmission(Emission emission, string kernel) =>
        throw new ArgumentOutOfRangeException(nameof(emission), emission, $"{kernel} has no body for the emission {emission}.");

    [DoesNotReturn]
    internal static void Aliased(string name, string why) =>
        throw new ArgumentException($"{name} overlaps its input: {why}; pass a separate buffer.", name);

    [DoesNotReturn]
    private static void LabelOutOfRange(int label, int classes, int row) =>
        throw new ArgumentOutOfRangeException("labels", $"label {label} in row {row} is outside 0..{classes - 1}: the output layer has {classes} units; check that the data's classes match the model's output width.");
}
