namespace AkkaDiameter.Peers;

/// <summary>
/// How many requests from peers a node is processing (handed to a handler or relayed, not yet answered), across all
/// its peers: the bound of <c>max-pending-requests</c>. Past it a new request is refused at once with the
/// <c>overload-policy</c> answer instead of queueing in mailboxes without limit. Shared by the node's peer actors,
/// hence atomic.
/// </summary>
public sealed class InboundLoad(int limit)
{
    private int _count;

    /// <summary>The bound.</summary>
    public int Limit { get; } = limit;

    /// <summary>Requests being processed now.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Takes a place; false when the node is at its bound.</summary>
    public bool TryAcquire()
    {
        if (Interlocked.Increment(ref _count) <= Limit) return true;
        Interlocked.Decrement(ref _count);
        return false;
    }

    /// <summary>Gives <paramref name="n"/> places back (answered, expired, or the peer gone).</summary>
    public void Release(int n = 1) => Interlocked.Add(ref _count, -n);
}
