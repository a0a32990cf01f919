using System.Net;
using System.Net.Sockets;

namespace AkkaDiameter.Protocol.DataTypes;

/// <summary>
/// The Address format (RFC 6733 §4.3.1): a 2-byte IANA address family number followed by the address.
/// IPv4 (1) and IPv6 (2) are read as <see cref="IPAddress"/>; any other family is kept as raw bytes.
/// </summary>
/// <param name="Family">IANA "Address Family Numbers" value.</param>
/// <param name="Value">The address bytes after the family field.</param>
public readonly record struct DiameterAddress(ushort Family, ReadOnlyMemory<byte> Value)
{
    /// <summary>IANA address family IPv4.</summary>
    public const ushort FamilyIPv4 = 1;
    /// <summary>IANA address family IPv6.</summary>
    public const ushort FamilyIPv6 = 2;
    /// <summary>IANA address family E.164 (an ASCII string of digits).</summary>
    public const ushort FamilyE164 = 8;

    /// <summary>Makes an Address from an IP address.</summary>
    public static DiameterAddress FromIPAddress(IPAddress address) => new(
        address.AddressFamily == AddressFamily.InterNetwork ? FamilyIPv4 : FamilyIPv6,
        address.GetAddressBytes());

    /// <summary>The IP address, or null when the family is neither IPv4 nor IPv6.</summary>
    public IPAddress? IPAddress => Family switch
    {
        FamilyIPv4 when Value.Length == 4 => new IPAddress(Value.Span),
        FamilyIPv6 when Value.Length == 16 => new IPAddress(Value.Span),
        _ => null,
    };

    /// <summary>Dotted or colon notation for IP families, <c>E.164:digits</c>, else <c>family N:hex</c>.</summary>
    public override string ToString() => IPAddress?.ToString() ?? (Family == FamilyE164
        ? "E.164:" + System.Text.Encoding.ASCII.GetString(Value.Span)
        : $"family {Family}:{Convert.ToHexStringLower(Value.Span)}");
}
