namespace TargetProp.Runtime;

/// <summary>One step of a phase over preallocated buffers. Run must not allocate. ToString gives one line such as
/// "h3 = tanh(h2·W3ᵀ + b3)" so a printed plan reads like the equations it computes.</summary>
public abstract class Op
{
    /// <summary>Runs the op on the batch: the first <see cref="StepContext.Rows"/> rows of its buffers.</summary>
    public abstract void Run(StepContext context);

    /// <summary>Floating-point operations of the op's matrix products for a batch of <paramref name="rows"/> rows
    /// (2·m·n·k per GEMM); element-wise work is not counted. Benchmarks report GFLOP/s from it.</summary>
    public virtual long GemmFlops(int rows) => 0;

    /// <summary>The ops this one runs in its place (a parallel group's, a row-wise chain's), for walking a plan.</summary>
    public virtual IEnumerable<Op> Children => [];

    /// <summary>Forgets any state carried from step to step (optimiser moments and step counts), as for a fresh run.</summary>
    public virtual void Reset()
    {
        foreach (var child in Children) child.Reset();
    }
}
