namespace AkkaDiameter.Sessions;

/// <summary>
/// Session-Id values as RFC 6733 §8.8 recommends: <c>&lt;DiameterIdentity&gt;;&lt;high 32 bits&gt;;&lt;low 32 bits&gt;[;&lt;optional value&gt;]</c>,
/// where the high 32 bits start from the boot time and the low 32 bits increment, so that identifiers stay unique
/// across reboots ("globally and eternally unique").
/// </summary>
public static class SessionIds
{
    private static readonly uint High = (uint)DateTimeOffset.UtcNow.ToUnixTimeSeconds();
    private static int _low = Random.Shared.Next();

    /// <summary>A new Session-Id for <paramref name="originHost"/>, with an optional suffix.</summary>
    public static string New(string originHost, string? optional = null)
    {
        var low = (uint)Interlocked.Increment(ref _low);
        return optional is null ? $"{originHost};{High};{low}" : $"{originHost};{High};{low};{optional}";
    }
}
