using System.Collections.Concurrent;
using System.Diagnostics;
using HdrHistogram;

namespace AkkaDiameter.Load;

/// <summary>One second of a run: answers in it, their latency, errors and timeouts.</summary>
/// <param name="Second">Seconds since the start (1 = the first second).</param>
/// <param name="Answered">Answers in the second.</param>
/// <param name="P50Ms">Median latency, ms.</param>
/// <param name="P99Ms">99th percentile, ms.</param>
/// <param name="MaxMs">Largest, ms.</param>
/// <param name="Errors">Answers that were not 2xxx.</param>
/// <param name="Timeouts">Requests that timed out.</param>
public sealed record LoadSecond(int Second, long Answered, double P50Ms, double P99Ms, double MaxMs, long Errors, long Timeouts);

/// <summary>The outcome of a run.</summary>
/// <param name="Options">What was run.</param>
/// <param name="Requests">Requests sent.</param>
/// <param name="Answered">Answers received (any Result-Code).</param>
/// <param name="Timeouts">Requests with no answer within --timeout, or in flight when a connection was lost.</param>
/// <param name="ResultCodes">Answers per Result-Code or Experimental-Result-Code (0: an answer with neither).</param>
/// <param name="Duration">From the first request to the last answer.</param>
/// <param name="Latency">Latency of every answer, microseconds.</param>
/// <param name="Seconds">Per second.</param>
/// <param name="Failures">Peers that could not connect or lost their connection, with the reason.</param>
public sealed record LoadResult(LoadOptions Options, long Requests, long Answered, long Timeouts, IReadOnlyDictionary<uint, long> ResultCodes,
    TimeSpan Duration, HistogramBase Latency, IReadOnlyList<LoadSecond> Seconds, IReadOnlyList<string> Failures)
{
    /// <summary>Answers per second over the run.</summary>
    public double RatePerSecond => Duration.TotalSeconds > 0 ? Answered / Duration.TotalSeconds : 0;

    /// <summary>Latency at a percentile, ms.</summary>
    public double PercentileMs(double percentile) => Latency.TotalCount == 0 ? 0 : Latency.GetValueAtPercentile(percentile) / 1000.0;

    /// <summary>Largest latency, ms.</summary>
    public double MaxMs => Latency.TotalCount == 0 ? 0 : Latency.GetMaxValue() / 1000.0;

    /// <summary>The codes of <see cref="ResultCodes"/> that came as an Experimental-Result-Code (TS 29.272 §7.4), not
    /// a Result-Code: 5001 is DIAMETER_ERROR_USER_UNKNOWN there and DIAMETER_AVP_UNSUPPORTED as a Result-Code.</summary>
    public IReadOnlySet<uint> ExperimentalResultCodes { get; init; } = new HashSet<uint>();

    /// <summary>Requests sent during --warmup: not in <see cref="Requests"/> or the latencies.</summary>
    public long WarmupRequests { get; init; }

    /// <summary>Answers to the warm-up's requests.</summary>
    public long WarmupAnswered { get; init; }

    /// <summary>Warm-up requests that got no answer.</summary>
    public long WarmupTimeouts { get; init; }

    /// <summary>Every request answered, the warm-up's too, and every peer connected.</summary>
    public bool AllAnswered => Answered == Requests && Timeouts == 0 && WarmupAnswered == WarmupRequests && WarmupTimeouts == 0
        && Failures.Count == 0;
}

/// <summary>
/// A load run: the peers, the shared counters and budget, the once-a-second progress and the result. The peers talk to
/// any S6a server; nothing here depends on the node being measured.
/// </summary>
public sealed class LoadRun
{
    private readonly LoadOptions _options;
    private readonly ConcurrentDictionary<uint, long> _resultCodes = new();
    private readonly ConcurrentDictionary<uint, byte> _experimental = new();
    private long _reserved, _sent, _answered, _timeouts, _errors, _unexpected, _serverRequests;
    private long _warmupSent, _warmupAnswered, _warmupErrors, _warmupTimeouts;
    private volatile bool _stopSending;
    // Requests meant to start before this Stopwatch timestamp are the warm-up's (--warmup); set once, before any is.
    private long _measureFrom = long.MinValue;

    private LoadRun(LoadOptions options) => _options = options;

    /// <summary>Whether a request meant to start at <paramref name="startTimestamp"/> belongs to the warm-up.</summary>
    internal bool IsWarmup(long startTimestamp) => startTimestamp < _measureFrom;

    internal bool StopSending => _stopSending || (_options.Requests is { } r && Interlocked.Read(ref _reserved) >= r);

    /// <summary>Reserves one message meant to start at <paramref name="startTimestamp"/> against --requests (the
    /// warm-up's are not counted against it); false when the budget or the duration is spent.</summary>
    internal bool TryReserve(long startTimestamp)
    {
        if (_stopSending) return false;
        if (IsWarmup(startTimestamp)) return true;
        var total = Interlocked.Increment(ref _reserved);
        if (_options.Requests is { } r && total > r)
        {
            Interlocked.Decrement(ref _reserved);
            return false;
        }
        return true;
    }

    /// <summary>Gives back the reservation of a message that could not be sent.</summary>
    internal void Release(long startTimestamp)
    {
        if (!IsWarmup(startTimestamp)) Interlocked.Decrement(ref _reserved);
    }

    internal void CountSent(int measured, int warmup)
    {
        if (measured > 0) Interlocked.Add(ref _sent, measured);
        if (warmup > 0) Interlocked.Add(ref _warmupSent, warmup);
    }

    /// <summary>A request that got no answer: timed out, or in flight when its connection was lost.</summary>
    internal void CountUnanswered(long startTimestamp) => Interlocked.Increment(ref IsWarmup(startTimestamp) ? ref _warmupTimeouts : ref _timeouts);
    internal void CountWarmupAnswer(uint resultCode)
    {
        Interlocked.Increment(ref _warmupAnswered);
        if (resultCode is < 2000 or >= 3000) Interlocked.Increment(ref _warmupErrors);
    }
    internal void CountUnexpected() => Interlocked.Increment(ref _unexpected);
    internal void CountServerRequest() => Interlocked.Increment(ref _serverRequests);

    internal void CountAnswer(uint resultCode, bool experimental = false)
    {
        if (experimental) _experimental.TryAdd(resultCode, 0);
        Interlocked.Increment(ref _answered);
        if (resultCode is < 2000 or >= 3000) Interlocked.Increment(ref _errors);
        _resultCodes.AddOrUpdate(resultCode, 1, (_, n) => n + 1);
    }

    /// <summary>
    /// Has .NET run the generator's socket continuations on its epoll thread instead of handing each to the thread
    /// pool (Linux and macOS; read once, when the first socket is made, so this comes before any). The generator's
    /// receive loops do little per read (cut frames, match, record, write the next requests), and the hop to the pool
    /// is what cost: measured against a C epoll echo at 10k requests/s, the pool's workers took a whole core, mostly
    /// spinning for work (perf sched: 430k switches in 4 s), and p99 was 1.7-2.0 ms; inline, 0.9-1.0 ms. That is
    /// the instrument's own latency, added to every server's. A value the user set wins. Process-wide, so only the
    /// program's entry point calls it (the <c>load</c> command's, the bench driver's): a process that also runs a
    /// node (the tests run commands in theirs) keeps the default.
    /// </summary>
    public static void ReadSocketsInline()
    {
        const string Variable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";
        if (Environment.GetEnvironmentVariable(Variable) is null) Environment.SetEnvironmentVariable(Variable, "1");
    }

    /// <summary>Runs the load described by <paramref name="options"/>, writing a progress line per second to
    /// <paramref name="progress"/> (unless --quiet).</summary>
    public static async Task<LoadResult> RunAsync(LoadOptions options, TextWriter progress, CancellationToken cancel = default)
    {
        var run = new LoadRun(options);
        return await run.RunAsync(progress, cancel);
    }

    private async Task<LoadResult> RunAsync(TextWriter progress, CancellationToken cancel)
    {
        var peers = Enumerable.Range(0, _options.Peers).Select(i => new LoadPeer(_options, this, i)).ToList();
        var failures = new ConcurrentBag<string>();
        var connected = new List<LoadPeer>();
        using var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        connectTimeout.CancelAfter(TimeSpan.FromSeconds(10) + _options.Timeout);
        await Task.WhenAll(peers.Select(async p =>
        {
            try
            {
                await p.ConnectAsync(connectTimeout.Token);
                lock (connected) connected.Add(p);
            }
            catch (Exception e) when (e is System.Net.Sockets.SocketException or IOException or OperationCanceledException)
            {
                failures.Add(e is OperationCanceledException ? "capabilities exchange timed out" : e.Message);
            }
        }));

        var total = new LongHistogram(3_600_000_000L, 3);
        var seconds = new List<LoadSecond>();
        var start = Stopwatch.GetTimestamp();
        var measureFrom = start + (long)(_options.Warmup.TotalSeconds * Stopwatch.Frequency);
        if (_options.Warmup > TimeSpan.Zero) _measureFrom = measureFrom;
        var closedLoop = _options.Rate is null;
        var receiving = connected.Select(p => Task.Run(() => p.RunAsync(closedLoop))).ToList();
        var pacing = closedLoop ? Task.CompletedTask : Task.Factory.StartNew(() => Pace(connected, _options.Rate!.Value, start),
            CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        var deadline = _options.Duration is { } d ? measureFrom + (long)(d.TotalSeconds * Stopwatch.Frequency) : long.MaxValue;
        var drained = Task.WhenAll(connected.Select(p => p.Drained));
        long lastAnswered = 0, lastErrors = 0, lastTimeouts = 0;
        long lastWarmupAnswered = 0, lastWarmupErrors = 0, lastWarmupTimeouts = 0;
        var measuring = measureFrom == start;
        var warmupSeconds = 0;
        var nextSecond = start + Stopwatch.Frequency;
        var interval = new LongHistogram(3_600_000_000L, 3);
        long? stoppedAt = null;
        while (connected.Count > 0 && !drained.IsCompleted)
        {
            var now = Stopwatch.GetTimestamp();
            if (now >= deadline || cancel.IsCancellationRequested) _stopSending = true;
            if (StopSending) stoppedAt ??= now;
            // Every request in flight has expired by now; a peer that still is not drained is not going to be.
            if (stoppedAt is { } t && Stopwatch.GetElapsedTime(t, now) > _options.Timeout + TimeSpan.FromSeconds(2)) break;
            // After sending stopped, a request still gets --timeout to be answered.
            foreach (var p in connected) await p.ExpireAsync(closedLoop);
            if (!measuring && now >= measureFrom && nextSecond > measureFrom)
            {
                // The seconds of the report count from here; a last part-second of warm-up is not shown.
                measuring = true;
                nextSecond = measureFrom + Stopwatch.Frequency;
            }
            if (now >= nextSecond)
            {
                nextSecond += Stopwatch.Frequency;
                if (measuring)
                {
                    seconds.Add(Second(seconds.Count + 1, connected, interval, total, ref lastAnswered, ref lastErrors, ref lastTimeouts));
                    if (!_options.Quiet) progress.WriteLine(ProgressLine(seconds[^1], connected, warmup: false));
                }
                else
                {
                    var w = WarmupSecond(++warmupSeconds, connected, interval, ref lastWarmupAnswered, ref lastWarmupErrors, ref lastWarmupTimeouts);
                    if (!_options.Quiet) progress.WriteLine(ProgressLine(w, connected, warmup: true));
                }
            }
            await Task.WhenAny(drained, Task.Delay(50, CancellationToken.None));
        }
        var end = Stopwatch.GetTimestamp();
        _stopSending = true;
        if (measuring) seconds.Add(Second(seconds.Count + 1, connected, interval, total, ref lastAnswered, ref lastErrors, ref lastTimeouts));
        await pacing;
        foreach (var p in connected) await p.DisconnectAsync();
        await Task.WhenAll(receiving);
        foreach (var p in connected) if (p.Failure is { } f) failures.Add(f);
        foreach (var p in peers) await p.DisposeAsync();
        if (Interlocked.Read(ref _unexpected) > 0) failures.Add($"{_unexpected} answer(s) matched no request in flight (answered after their timeout)");
        return new LoadResult(_options, Interlocked.Read(ref _sent), Interlocked.Read(ref _answered), Interlocked.Read(ref _timeouts),
            new Dictionary<uint, long>(_resultCodes), Stopwatch.GetElapsedTime(Math.Min(measureFrom, end), end), total, seconds, failures.ToList())
        {
            ExperimentalResultCodes = _experimental.Keys.ToHashSet(),
            WarmupRequests = Interlocked.Read(ref _warmupSent),
            WarmupAnswered = Interlocked.Read(ref _warmupAnswered),
            WarmupTimeouts = Interlocked.Read(ref _warmupTimeouts),
        };
    }

    /// <summary>
    /// Open loop: one thread paces every peer. Peer i of N sends every N/rate seconds, its schedule shifted by i/rate,
    /// so that together they send at an even rate. Between sends the thread sleeps (at least
    /// <see cref="Pacer.MinimumSleep"/>): a pacer that spins or yields to be exact takes the CPU the server being
    /// measured needs (a thread per peer yielding did, on 2 cores), and the requests a sleep delays are measured from
    /// their intended time anyway.
    /// </summary>
    private void Pace(List<LoadPeer> peers, double perSecond, long start)
    {
        var interval = Stopwatch.Frequency * peers.Count / perSecond;
        var starts = peers.Select((_, i) => start + (long)(i * interval / peers.Count)).ToArray();
        while (!StopSending)
        {
            var next = long.MaxValue;
            for (var i = 0; i < peers.Count; i++) next = Math.Min(next, peers[i].PaceOpenLoop(interval, starts[i]));
            if (next == long.MaxValue) return;   // every connection is closed
            Pacer.SleepUntil(next);
        }
    }

    private LoadSecond Second(int second, List<LoadPeer> peers, LongHistogram interval, LongHistogram total,
        ref long lastAnswered, ref long lastErrors, ref long lastTimeouts)
    {
        interval.Reset();
        foreach (var p in peers) interval.Add(p.TakeIntervalLatency());
        total.Add(interval);
        return Counted(second, interval, Interlocked.Read(ref _answered), Interlocked.Read(ref _errors), Interlocked.Read(ref _timeouts),
            ref lastAnswered, ref lastErrors, ref lastTimeouts);
    }

    // A second of the warm-up, for the progress line only.
    private LoadSecond WarmupSecond(int second, List<LoadPeer> peers, LongHistogram interval,
        ref long lastAnswered, ref long lastErrors, ref long lastTimeouts)
    {
        interval.Reset();
        foreach (var p in peers) interval.Add(p.TakeIntervalWarmupLatency());
        return Counted(second, interval, Interlocked.Read(ref _warmupAnswered), Interlocked.Read(ref _warmupErrors),
            Interlocked.Read(ref _warmupTimeouts), ref lastAnswered, ref lastErrors, ref lastTimeouts);
    }

    private static LoadSecond Counted(int second, LongHistogram interval, long answered, long errors, long timeouts,
        ref long lastAnswered, ref long lastErrors, ref long lastTimeouts)
    {
        var s = new LoadSecond(second, answered - lastAnswered,
            interval.TotalCount == 0 ? 0 : interval.GetValueAtPercentile(50) / 1000.0,
            interval.TotalCount == 0 ? 0 : interval.GetValueAtPercentile(99) / 1000.0,
            interval.TotalCount == 0 ? 0 : interval.GetMaxValue() / 1000.0,
            errors - lastErrors, timeouts - lastTimeouts);
        (lastAnswered, lastErrors, lastTimeouts) = (answered, errors, timeouts);
        return s;
    }

    /// <summary>Connects <c>--peers</c> peers that send nothing but answer the server's DWRs (RFC 3539) for
    /// <paramref name="hold"/>, then disconnect: what idle peers cost a server. Returns the peers that failed.</summary>
    public static async Task<IReadOnlyList<string>> HoldIdleAsync(LoadOptions options, TimeSpan hold)
    {
        var run = new LoadRun(options with { Requests = 0 });
        var peers = Enumerable.Range(0, options.Peers).Select(i => new LoadPeer(options, run, i)).ToList();
        var failures = new ConcurrentBag<string>();
        using var connectTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var connected = new ConcurrentBag<LoadPeer>();
        // A few at a time: a thousand CERs at once would measure the accept backlog, not the idle cost.
        using var slots = new SemaphoreSlim(50);
        await Task.WhenAll(peers.Select(async p =>
        {
            await slots.WaitAsync();
            try
            {
                await p.ConnectAsync(connectTimeout.Token);
                connected.Add(p);
            }
            catch (Exception e) when (e is System.Net.Sockets.SocketException or IOException or OperationCanceledException) { failures.Add(e.Message); }
            finally { slots.Release(); }
        }));
        var receiving = connected.Select(p => Task.Run(() => p.RunAsync(closedLoop: false))).ToList();
        await Task.Delay(hold);
        run._stopSending = true;
        foreach (var p in connected) await p.DisconnectAsync();
        await Task.WhenAll(receiving);
        foreach (var p in connected) if (p.Failure is { } f) failures.Add(f);
        foreach (var p in peers) await p.DisposeAsync();
        return failures.ToList();
    }

    // During the warm-up, its own counts: its seconds and what it sent.
    private string ProgressLine(LoadSecond s, List<LoadPeer> peers, bool warmup) =>
        $"[{(warmup ? "warm-up " : "")}{s.Second,4}s] {s.Answered,8}/s answered  p50 {s.P50Ms,7:0.000} ms  p99 {s.P99Ms,7:0.000} ms  max {s.MaxMs,8:0.000} ms  " +
        $"errors {s.Errors}  timeouts {s.Timeouts}  sent {Interlocked.Read(ref warmup ? ref _warmupSent : ref _sent)}  in flight {peers.Sum(p => p.Outstanding)}";
}
