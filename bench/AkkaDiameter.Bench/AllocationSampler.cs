using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace AkkaDiameter.Bench;

/// <summary>
/// What the server allocates, by type: the runtime's GCAllocationTick event, raised about every 100 KB allocated, names
/// the type whose allocation crossed the mark, so the counts are a sample proportional to the bytes of each type.
/// On with <c>BENCH_ALLOC=1</c> for <c>serve</c>; printed on stderr when the server stops. With it, each collection's
/// pause (runtime suspended to resumed), the part of it spent suspending threads, and what gen0 promoted.
/// </summary>
internal sealed class AllocationSampler : EventListener
{
    private const int GcAllocationTick = 10, GcHeapStats = 4, GcRestartEnd = 3, GcSuspendEnd = 8, GcSuspendBegin = 9, GcStart = 1, GcEnd = 2, GcMarkWithType = 202;
    private readonly ConcurrentDictionary<string, long> _bytes = new();
    private long _samples;
    private readonly object _gate = new();
    private DateTime _suspendBegin, _suspendEnd;
    private int _depth;
    private readonly List<(int Depth, double PauseMs, double SuspendMs)> _pauses = [];
    private readonly List<long> _promotedFromGen0 = [];
    // Why each gen1 and gen2 collection started (GCStart's Reason and Type), and the large-object allocations by type:
    // a gen2 collection that the large object heap's budget started points at an array that outgrew 85,000 bytes.
    private readonly Dictionary<string, int> _olderReasons = [];
    private readonly ConcurrentDictionary<string, long> _largeBytes = new();
    private readonly List<double> _gen2At = [];
    private static readonly DateTime Started = System.Diagnostics.Process.GetCurrentProcess().StartTime.ToUniversalTime();
    private static readonly string[] Reasons = ["small allocation", "induced", "low memory", "empty", "large allocation", "out of space (small heap)", "out of space (large heap)", "induced, not forced", "stress", "low memory (induced)", "induced (compacting)", "low memory (host)", "PM full GC", "low memory (host, blocking)", "BGC tuning (small heap)", "BGC tuning (large heap)", "BGC stepping", "induced (aggressive)"];
    private static readonly string[] Types = ["blocking", "background", "foreground during background"];
    // Gen0 collections only: time from the previous step to each root kind's mark (GCMarkWithType follows the marking
    // of that kind), and from the last mark to GCEnd (plan, relocate, compact).
    private DateTime _lastStep;
    private readonly Dictionary<string, (double Ms, long Bytes)> _gen0Phases = [];

    private static readonly string[] RootKinds = ["stack", "finalize queue", "handles", "older generations (cards)", "sized ref", "overflow", "dependent handles", "new finalize queue", "steal", "bgc"];

    private void AddPhase(string name, DateTime at, long bytes)
    {
        if (_depth != 0 || _lastStep == default) return;
        var (ms, b) = _gen0Phases.GetValueOrDefault(name);
        _gen0Phases[name] = (ms + (at - _lastStep).TotalMilliseconds, b + bytes);
        _lastStep = at;
    }

    protected override void OnEventSourceCreated(EventSource source)
    {
        // Keyword GC (0x1) at Verbose carries the allocation ticks, and at Informational the collections' events.
        if (source.Name == "Microsoft-Windows-DotNETRuntime") EnableEvents(source, EventLevel.Verbose, (EventKeywords)0x1);
    }

    private object? Payload(EventWrittenEventArgs e, string name) =>
        e.PayloadNames!.IndexOf(name) is var i and >= 0 ? e.Payload![i] : null;

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (e.PayloadNames is null) return;
        lock (_gate)
        {
            switch (e.EventId)
            {
                case GcSuspendBegin: _suspendBegin = e.TimeStamp; return;
                case GcSuspendEnd: _suspendEnd = e.TimeStamp; return;
                case GcStart:
                    _depth = Convert.ToInt32(Payload(e, "Depth"));
                    _lastStep = e.TimeStamp;
                    if (_depth > 0)
                    {
                        int reason = Convert.ToInt32(Payload(e, "Reason")), gcType = Convert.ToInt32(Payload(e, "Type") ?? 0);
                        var key = $"gen{_depth} {(gcType < Types.Length ? Types[gcType] : gcType.ToString())}, {(reason < Reasons.Length ? Reasons[reason] : reason.ToString())}";
                        _olderReasons[key] = _olderReasons.GetValueOrDefault(key) + 1;
                        if (_depth == 2) _gen2At.Add((e.TimeStamp - Started).TotalSeconds);
                    }
                    return;
                case GcMarkWithType:
                    var kind = Convert.ToInt32(Payload(e, "Type"));
                    AddPhase("mark " + (kind < RootKinds.Length ? RootKinds[kind] : kind.ToString()), e.TimeStamp, Convert.ToInt64(Payload(e, "Bytes")));
                    return;
                case GcEnd: AddPhase("plan, relocate, compact", e.TimeStamp, 0); _lastStep = default; return;
                case GcRestartEnd:
                    if (_suspendBegin != default)
                        _pauses.Add((_depth, (e.TimeStamp - _suspendBegin).TotalMilliseconds, (_suspendEnd - _suspendBegin).TotalMilliseconds));
                    _suspendBegin = default;
                    return;
                case GcHeapStats: _promotedFromGen0.Add(Convert.ToInt64(Payload(e, "TotalPromotedSize0"))); return;
            }
        }
        if (e.EventId != GcAllocationTick) return;
        var type = e.PayloadNames.IndexOf("TypeName") is var t and >= 0 ? e.Payload![t] as string ?? "?" : "?";
        var amount = e.PayloadNames.IndexOf("AllocationAmount64") is var a and >= 0 ? Convert.ToInt64(e.Payload![a]) : 100_000;
        _bytes.AddOrUpdate(type, amount, (_, n) => n + amount);
        if (Convert.ToInt32(Payload(e, "AllocationKind") ?? 0) == 1) _largeBytes.AddOrUpdate(type, amount, (_, n) => n + amount);
        Interlocked.Increment(ref _samples);
    }

    /// <summary>The types that took the most, with their share of the sampled bytes.</summary>
    public void Print(TextWriter to, int top = 40)
    {
        var total = Math.Max(1, _bytes.Values.Sum());
        to.WriteLine($"alloc: {_samples} samples, {total / (1 << 20)} MiB sampled");
        foreach (var (type, bytes) in _bytes.OrderByDescending(p => p.Value).Take(top))
            to.WriteLine($"alloc: {100.0 * bytes / total,5:0.0} %  {type}");
        lock (_gate)
        {
            foreach (var g in _pauses.GroupBy(p => p.Depth).OrderBy(g => g.Key))
            {
                var ms = g.Select(p => p.PauseMs).Order().ToList();
                to.WriteLine($"gc: gen{g.Key} x{ms.Count}: pause mean {ms.Average():0.000} ms, p50 {ms[ms.Count / 2]:0.000}, p90 {ms[ms.Count * 9 / 10]:0.000}, max {ms[^1]:0.000}; suspending mean {g.Average(p => p.SuspendMs):0.000} ms");
            }
            var gen0 = Math.Max(1, _pauses.Count(p => p.Depth == 0));
            foreach (var (name, (ms, bytes)) in _gen0Phases.OrderByDescending(p => p.Value.Ms))
                to.WriteLine($"gc: gen0 {name}: {ms / gen0:0.000} ms, {bytes / gen0 / 1024} KiB marked a collection");
            foreach (var (reason, count) in _olderReasons.OrderBy(r => r.Key))
                to.WriteLine($"gc: {reason}: x{count}");
            if (_gen2At.Count > 0) to.WriteLine($"gc: gen2 collections started at {string.Join(", ", _gen2At.Select(t => $"{t:0.0}"))} s of the server's life");
            foreach (var (type, bytes) in _largeBytes.OrderByDescending(p => p.Value).Take(10))
                to.WriteLine($"gc: large-object allocations: {type}, about {bytes / 1024} KiB (sampled)");
            if (_promotedFromGen0.Count > 0)
                to.WriteLine($"gc: promoted from gen0 per collection: mean {_promotedFromGen0.Average() / 1024:0} KiB, max {_promotedFromGen0.Max() / 1024:0} KiB");
        }
    }
}
