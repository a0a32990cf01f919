using System.Buffers.Binary;
using System.Text;

namespace AkkaDiameter.Protocol.DataTypes;

/// <summary>
/// Checks an AVP payload against its data format (RFC 6733 §4.2-4.3). Wrong length for a fixed-size format is
/// DIAMETER_INVALID_AVP_LENGTH 5014; bytes of the right length that the format does not allow are
/// DIAMETER_INVALID_AVP_VALUE 5004.
/// </summary>
public static class AvpValue
{
    /// <summary>A strict UTF-8 decoder: invalid sequences throw instead of becoming U+FFFD.</summary>
    public static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The payload length a format requires, or -1 when it varies.</summary>
    public static int FixedLength(AvpDataType type) => type switch
    {
        AvpDataType.Integer32 or AvpDataType.Unsigned32 or AvpDataType.Float32 or AvpDataType.Enumerated or AvpDataType.Time => 4,
        AvpDataType.Integer64 or AvpDataType.Unsigned64 or AvpDataType.Float64 => 8,
        _ => -1,
    };

    /// <summary>The shortest payload a format allows: the zero-filled example Failed-AVP carries (RFC 6733 §7.5).</summary>
    public static int MinimumLength(AvpDataType type) => type == AvpDataType.Address ? 6 : Math.Max(0, FixedLength(type));

    /// <summary>Checks a payload; returns 0 when valid, else 5014 or 5004 with the reason.</summary>
    public static (uint ResultCode, string Reason) Check(AvpDataType type, ReadOnlySpan<byte> data)
    {
        var fixedLength = FixedLength(type);
        if (fixedLength > 0)
            return data.Length == fixedLength ? (0, "") : (ResultCodes.InvalidAvpLength, $"{type} needs {fixedLength} bytes, got {data.Length}");
        switch (type)
        {
            case AvpDataType.Address:
                if (data.Length < 2) return (ResultCodes.InvalidAvpLength, $"Address needs at least 2 bytes, got {data.Length}");
                var family = BinaryPrimitives.ReadUInt16BigEndian(data);
                if (family == DiameterAddress.FamilyIPv4 && data.Length != 6)
                    return (ResultCodes.InvalidAvpLength, $"an IPv4 Address is 6 bytes, got {data.Length}");
                if (family == DiameterAddress.FamilyIPv6 && data.Length != 18)
                    return (ResultCodes.InvalidAvpLength, $"an IPv6 Address is 18 bytes, got {data.Length}");
                return (0, "");
            case AvpDataType.UTF8String:
                return IsUtf8(data) ? (0, "") : (ResultCodes.InvalidAvpValue, "not valid UTF-8");
            case AvpDataType.DiameterIdentity:
                return DiameterIdentityRules.IsValid(data, out var why)
                    ? (0, "") : (ResultCodes.InvalidAvpValue, $"not a DiameterIdentity: {why}");
            case AvpDataType.DiameterURI:
                if (!IsAscii(data)) return (ResultCodes.InvalidAvpValue, "a DiameterURI is ASCII");
                return DiameterUri.TryParse(Encoding.ASCII.GetString(data), out _, out var uriError)
                    ? (0, "") : (ResultCodes.InvalidAvpValue, $"not a DiameterURI: {uriError}");
            case AvpDataType.IPFilterRule:
                if (!IsAscii(data)) return (ResultCodes.InvalidAvpValue, "an IPFilterRule is ASCII");
                return DataTypes.IPFilterRule.TryParse(Encoding.ASCII.GetString(data), out _, out var ruleError)
                    ? (0, "") : (ResultCodes.InvalidAvpValue, $"not an IPFilterRule: {ruleError}");
            default:
                return (0, "");
        }
    }

    /// <summary>True when the bytes are well-formed UTF-8.</summary>
    public static bool IsUtf8(ReadOnlySpan<byte> data) => System.Text.Unicode.Utf8.IsValid(data);

    private static bool IsAscii(ReadOnlySpan<byte> data) => System.Text.Ascii.IsValid(data);
}
