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
/// On a shared machine a worker may not be running when a job is posted. So each worker's share is
/// claimed with a compare-and-swap: the caller, once done with its own share, claims and runs every share
/// no worker has started yet, and waits only for shares already under way. A late worker finds its share
/// taken and goes back to waiting.
/// </remarks>
public sealed class WorkerPool : IDisposable
{
    // How long an idle worker spins before it sleeps: 200 µs covers the gaps between the GEMMs of a
    // training step (element-wise work), while an idle pool gives its cores back quickly.
    private static readonly long SpinTicks = Stopwatch.Frequency / 5000;

    // The state of one background worker's share of the current job.
    private const int Posted = 0, Taken = 1, Done = 2, TakenByCaller = 3;

    private readonly Thread[] _threads;
    private readonly int[] _share;   // per background worker (index w - 1): Posted, Taken, Done or TakenByCaller
    private readonly long[] _allocated;   // per background worker: its thread's allocated bytes after its last share
    private readonly object _gate = new();
    private IParallelWork? _work;
    private int _generation;   // bumped once per Run; workers wait for it to change
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
        _share = new int[threads - 1];
        _allocated = new long[threads - 1];
        Array.Fill(_share, Done);
        for (int i = 0; i < _threads.Length; i++)
        {
            int worker = i + 1;
            _threads[i] = new Thread(() => WorkerLoop(worker)) { IsBackground = true, Name = $"TargetProp worker {worker}" };
            _threads[i].Start();
        }
    }

    /// <summary>The number of workers, including the calling thread.</summary>
    public int Threads { get; }

    /// <summary>How many shares the caller ran itself because their worker had not started yet: a measure of how
    /// often a second core was not there when asked (benchmarks report it).</summary>
    public long LateShares { get; private set; }

    /// <summary>Bytes allocated so far by the background worker threads, each counted as of the end of its last
    /// share (GC.GetAllocatedBytesForCurrentThread on that thread): lets a test check that steps allocate nothing on
    /// any thread that works.</summary>
    public long WorkerAllocatedBytes
    {
        get
        {
            long total = 0;
            for (int i = 0; i < _allocated.Length; i++) total += Volatile.Read(ref _allocated[i]);
            return total;
        }
    }

    /// <summary>
    /// Calls <c>work.Run(w, Threads)</c> exactly once for every worker w and returns when all calls have finished.
    /// Worker 0 runs on the calling thread; so does the share of any worker that has not started by the time
    /// worker 0 is done (work must not depend on which thread runs a share). An exception from any share is
    /// rethrown here. Not reentrant: one Run at a time per pool.
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
        for (int i = 0; i < _share.Length; i++) Volatile.Write(ref _share[i], Posted);
        // Full fence, paired with the Interlocked.Increment of _sleepers in WaitForJob: either the sleeper sees
        // the new generation before it sleeps, or we see it asleep and wake it.
        Interlocked.Increment(ref _generation);
        if (Volatile.Read(ref _sleepers) > 0)
            lock (_gate) Monitor.PulseAll(_gate);

        RunShare(work, 0);
        for (int i = 0; i < _share.Length; i++)
            if (Interlocked.CompareExchange(ref _share[i], TakenByCaller, Posted) == Posted)
            {
                LateShares++;
                RunShare(work, i + 1);
            }
        using var waiting = Profile.Time(ProfileKind.Wait);
        var spin = new SpinWait();
        for (int i = 0; i < _share.Length; i++)
            while (Volatile.Read(ref _share[i]) == Taken) spin.SpinOnce(sleep1Threshold: -1);
        _work = null;
        Exception? failure = Interlocked.Exchange(ref _failure, null);
        if (failure is not null) ExceptionDispatchInfo.Capture(failure).Throw();
    }

    private void RunShare(IParallelWork work, int worker)
    {
        try { work.Run(worker, Threads); }
        catch (Exception e) { Interlocked.CompareExchange(ref _failure, e, null); }
    }

    private void WorkerLoop(int worker)
    {
        int seen = Volatile.Read(ref _generation);
        ref int share = ref _share[worker - 1];
        while (true)
        {
            seen = WaitForJob(seen);
            if (_disposed) return;
            // Claim this worker's share of whatever job is current; the caller may have run it already.
            if (Interlocked.CompareExchange(ref share, Taken, Posted) != Posted) continue;
            RunShare(_work!, worker);
            Volatile.Write(ref _allocated[worker - 1], GC.GetAllocatedBytesForCurrentThread());
            Volatile.Write(ref share, Done);
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
