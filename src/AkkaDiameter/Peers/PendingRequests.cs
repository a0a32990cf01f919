using Akka.Actor;
using AkkaDiameter.Protocol;

namespace AkkaDiameter.Peers;

/// <summary>
/// Requests sent to a peer and not yet answered, by Hop-by-Hop Identifier (the shape of MQTTnet's packet
/// dispatcher): the answer finds its asker; a request past its deadline, or on a connection that is gone, is
/// completed with a locally made answer. Deadlines are checked by one periodic sweep, not a timer per request.
/// </summary>
internal sealed class PendingRequests
{
    internal sealed record Entry(IActorRef ReplyTo, DiameterMessage Request, long DeadlineTicks, long? Correlation);

    private readonly Dictionary<uint, Entry> _byHopByHop = [];

    public int Count => _byHopByHop.Count;

    public bool Contains(uint hopByHop) => _byHopByHop.ContainsKey(hopByHop);

    public void Add(uint hopByHop, IActorRef replyTo, DiameterMessage request, TimeSpan timeout, long? correlation = null) =>
        _byHopByHop[hopByHop] = new Entry(replyTo, request, Environment.TickCount64 + (long)timeout.TotalMilliseconds, correlation);

    /// <summary>Removes and returns the entry an answer belongs to, or null when nothing waits for it.</summary>
    public Entry? Complete(uint hopByHop) => _byHopByHop.Remove(hopByHop, out var e) ? e : null;

    /// <summary>Removes and returns the entries whose deadline has passed.</summary>
    public List<Entry> Expired()
    {
        var now = Environment.TickCount64;
        List<Entry>? expired = null;
        foreach (var (id, e) in _byHopByHop)
        {
            if (e.DeadlineTicks > now) continue;
            (expired ??= []).Add(e);
        }
        if (expired is null) return [];
        foreach (var e in expired) _byHopByHop.Remove(e.Request.HopByHopId);
        return expired;
    }

    /// <summary>Removes and returns every entry.</summary>
    public List<Entry> DrainAll()
    {
        var all = _byHopByHop.Values.ToList();
        _byHopByHop.Clear();
        return all;
    }
}
