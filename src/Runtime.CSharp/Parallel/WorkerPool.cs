using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace TargetProp.Runtime;

/// <summary>One parallel loop body: <see cref="Run"/> is called once on every worker of a pool.</summary>
public interface IParallelWork
{
    /// <summary>Does this worker's share; <paramref name="worker"/> is in [0, <paramref name="workers"/>).</summary>
    void Run(int worker, int workers);
}

/// <summary>
/// A fixed set of worker threads (the caller is worker 0) that run a parallel loop without allocating.
/// </summary>
/// <remarks>
/// Kernels here take tens to hundreds of microseconds, so waking a thread-pool thread (several
/// microseconds, plus a work item) would cost a noticeable share. Instead each worker spins on a
/// generation counter for a short while after its last job (<see cref="SpinTicks"/>), so back-to-back
/// calls hand over in well under a microsecond, and only then sleeps on a monitor, so an idle pool does
/// not burn a core. <see cref="Run"/> allocates nothing.
/// </remarks>
public sealed class WorkerPool : IDisposable
{
    // How long an idle worker spins before it sleeps: 200 µs covers the gaps between the GEMMs of a
    // training step (element-wise work), while an idle pool gives its cores back quickly.
    private static readonly long SpinTicks = Stopwatch.Frequency / 5000;

    private readonly Thread[] _threads;
    private readonly object _gate = new();
    private IParallelWork? _work;
    private int _generation;   // bumped once per Run; workers wait for it to change
    private int _pending;      // workers other than the caller still running the current job
    private int _sleepers;     // workers blocked in Monitor.Wait
    private volatile bool _disposed;
    private Exception? _failure;

    /// <summary>Starts <paramref name="threads"/> − 1 background threads; the thread that calls <see cref="Run"/> is worker 0.</summary>
    public WorkerPool(int threads)
    {
        if (threads < 1)
            ThrowHelper.ArgumentOutOfRange(nameof(threads), threads,
                $"A WorkerPool needs at least 1 thread (the caller), but threads = {threads}.");
        Threads = threads;
        _threads = new Thread[threads - 1];
        for (int i = 0; i < _threads.Length; i++)
        {
            int worker = i + 1;
            _threads[i] = new Thread(() => WorkerLoop(worker)) { IsBackground = true, Name = $"TargetProp worker {worker}" };
            _threads[i].Start();
        }
    }

    /// <summary>The number of workers, including the calling thread.</summary>
    public int Threads { get; }

    /// <summary>
    /// Runs <c>work.Run(w, Threads)</c> for every worker w, worker 0 on the calling thread, and returns when all
    /// have finished. An exception from any worker is rethrown here. Not reentrant: one Run at a time per pool.
    /// </summary>
    public void Run(IParallelWork work)
    {
        ArgumentNullException.ThrowIfNull(work);
        if (_disposed) ThrowHelper.ObjectDisposed(nameof(WorkerPool));
        if (_threads.Length == 0)
        {
            work.Run(0, 1);
            return;
        }
        _work = work;
        Volatile.Write(ref _pending, _threads.Length);
        // Full fence, paired with the Interlocked.Increment of _sleepers in Wait: either the sleeper sees
        // the new generation before it sleeps, or we see it asleep and wake it.
        Interlocked.Increment(ref _generation);
        if (Volatile.Read(ref _sleepers) > 0)
            lock (_gate) Monitor.PulseAll(_gate);

        Exception? own = null;
        try { work.Run(0, Threads); }
        catch (Exception e) { own = e; }

        var spin = new SpinWait();
        while (Volatile.Read(ref _pending) != 0) spin.SpinOnce(sleep1Threshold: -1);
        _work = null;
        Exception? failure = own ?? Interlocked.Exchange(ref _failure, null);
        _failure = null;
        if (failure is not null) ExceptionDispatchInfo.Capture(failure).Throw();
    }

    private void WorkerLoop(int worker)
    {
        int seen = Volatile.Read(ref _generation);
        while (true)
        {
            seen = WaitForJob(seen);
            if (_disposed) return;
            try { _work!.Run(worker, Threads); }
            catch (Exception e) { Interlocked.CompareExchange(ref _failure, e, null); }
            Interlocked.Decrement(ref _pending);
        }
    }

    /// Spins, then sleeps, until the generation moves past <paramref name="seen"/> or the pool is disposed.
    private int WaitForJob(int seen)
    {
        long deadline = Stopwatch.GetTimestamp() + SpinTicks;
        int g;
        while ((g = Volatile.Read(ref _generation)) == seen && !_disposed)
        {
            if (Stopwatch.GetTimestamp() > deadline)
            {
                lock (_gate)
                {
                    Interlocked.Increment(ref _sleepers);
                    while ((g = Volatile.Read(ref _generation)) == seen && !_disposed) Monitor.Wait(_gate);
                    Interlocked.Decrement(ref _sleepers);
                }
                return g;
            }
            Thread.SpinWait(20);
        }
        return g;
    }

    /// <summary>Stops the background threads and waits for them to exit.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        lock (_gate) Monitor.PulseAll(_gate);
        foreach (var t in _threads) t.Join();
    }
}
