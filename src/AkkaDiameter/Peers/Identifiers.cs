namespace AkkaDiameter.Peers;

/// <summary>
/// End-to-End Identifiers (RFC 6733 §3): "the high order 12 bits contain the low order 12 bits of current time, and
/// the low order 20 bits a random value" that then increments, so that identifiers stay unique for at least
/// 4 minutes even across reboots. One generator for the whole process.
/// </summary>
public static class EndToEndIdentifier
{
    private static int _counter = Random.Shared.Next(1 << 20);

    /// <summary>The next identifier.</summary>
    public static uint Next()
    {
        var low = (uint)Interlocked.Increment(ref _counter) & 0xF_FFFF;
        var high = (uint)(DateTimeOffset.UtcNow.ToUnixTimeSeconds() & 0xFFF) << 20;
        return high | low;
    }
}

/// <summary>
/// Hop-by-Hop Identifiers (RFC 6733 §3): unique on a connection at any time, starting from a random value and
/// incrementing; one generator per peer.
/// </summary>
public sealed class HopByHopIdentifier
{
    private uint _next = (uint)Random.Shared.NextInt64(uint.MaxValue);

    /// <summary>The next identifier that <paramref name="inUse"/> does not hold.</summary>
    public uint Next(Func<uint, bool> inUse)
    {
        do { _next++; } while (inUse(_next));
        return _next;
    }
}
