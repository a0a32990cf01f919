namespace AkkaDiameter.Protocol.DataTypes;

/// <summary>
/// The Time format (RFC 6733 §4.3.1): the 32-bit NTP seconds field, seconds since 1900-01-01 00:00:00 UTC.
/// The field wraps on 2036-02-07 06:28:16 UTC; as RFC 6733 §4.3.1 says, after that the value counts from that
/// instant. Following RFC 2030 §3, a value with the most significant bit set lies in 1968-2036 (era 0) and one
/// with it clear lies in 2036-2104 (era 1), so the format covers 1968-01-20 03:14:08 to 2104-02-26 09:42:24 UTC.
/// </summary>
public static class DiameterTime
{
    /// <summary>1900-01-01 00:00:00 UTC, the NTP epoch.</summary>
    public static readonly DateTime NtpEpoch = new(1900, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    /// <summary>2036-02-07 06:28:16 UTC, where the 32-bit field wraps.</summary>
    public static readonly DateTime Era1Start = NtpEpoch.AddSeconds(4294967296d);
    /// <summary>The earliest instant the format can hold (value 0x80000000, era 0).</summary>
    public static readonly DateTime MinValue = NtpEpoch.AddSeconds(0x8000_0000u);
    /// <summary>The first instant past the latest the format can hold (value 0x80000000, era 1).</summary>
    public static readonly DateTime EndOfRange = Era1Start.AddSeconds(0x8000_0000u);

    /// <summary>Converts the 32-bit field to UTC time, applying the era rule.</summary>
    public static DateTime FromNtpSeconds(uint seconds) =>
        (seconds & 0x8000_0000u) != 0 ? NtpEpoch.AddSeconds(seconds) : Era1Start.AddSeconds(seconds);

    /// <summary>Converts a time to the 32-bit field; whole seconds, fractions truncated.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Outside 1968-01-20 03:14:08 to 2104-02-26 09:42:24 UTC.</exception>
    public static uint ToNtpSeconds(DateTime time)
    {
        var utc = time.Kind == DateTimeKind.Local ? time.ToUniversalTime() : DateTime.SpecifyKind(time, DateTimeKind.Utc);
        if (utc < MinValue || utc >= EndOfRange)
            throw new ArgumentOutOfRangeException(nameof(time), time,
                $"the Diameter Time format holds {MinValue:O} to {EndOfRange:O} (RFC 6733 §4.3.1)");
        var seconds = (long)Math.Floor((utc - NtpEpoch).TotalSeconds);
        return (uint)(seconds & 0xFFFF_FFFF);
    }
}
