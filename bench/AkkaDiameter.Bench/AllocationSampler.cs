using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace AkkaDiameter.Bench;

/// <summary>
/// What the server allocates, by type: the runtime's GCAllocationTick event, raised about every 100 KB allocated, names
/// the type whose allocation crossed the mark, so the counts are a sample proportional to the bytes of each type.
/// On with <c>BENCH_ALLOC=1</c> for <c>serve</c>; printed on stderr when the server stops.
/// </summary>
internal sealed class AllocationSampler : EventListener
{
    private const int GcAllocationTick = 10;
    private readonly ConcurrentDictionary<string, long> _bytes = new();
    private long _samples;

    protected override void OnEventSourceCreated(EventSource source)
    {
        // Keyword GC (0x1) at Verbose carries the allocation ticks.
        if (source.Name == "Microsoft-Windows-DotNETRuntime") EnableEvents(source, EventLevel.Verbose, (EventKeywords)0x1);
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (e.EventId != GcAllocationTick || e.PayloadNames is null) return;
        var type = e.PayloadNames.IndexOf("TypeName") is var t and >= 0 ? e.Payload![t] as string ?? "?" : "?";
        var amount = e.PayloadNames.IndexOf("AllocationAmount64") is var a and >= 0 ? Convert.ToInt64(e.Payload![a]) : 100_000;
        _bytes.AddOrUpdate(type, amount, (_, n) => n + amount);
        Interlocked.Increment(ref _samples);
    }

    /// <summary>The types that took the most, with their share of the sampled bytes.</summary>
    public void Print(TextWriter to, int top = 40)
    {
        var total = Math.Max(1, _bytes.Values.Sum());
        to.WriteLine($"alloc: {_samples} samples, {total / (1 << 20)} MiB sampled");
        foreach (var (type, bytes) in _bytes.OrderByDescending(p => p.Value).Take(top))
            to.WriteLine($"alloc: {100.0 * bytes / total,5:0.0} %  {type}");
    }
}
