namespace AkkaDiameter.Protocol.Wire;

/// <summary>Command flags of the Diameter header (RFC 6733 §3): <c>R P E T r r r r</c>.</summary>
[Flags]
public enum CommandFlags : byte
{
    /// <summary>No flag set: an answer that is neither proxiable nor an error.</summary>
    None = 0,
    /// <summary>R: the message is a request; clear in answers.</summary>
    Request = 0x80,
    /// <summary>P: the message may be proxied, relayed or redirected.</summary>
    Proxiable = 0x40,
    /// <summary>E: the answer carries a protocol error (3xxx) and follows the answer-message layout of §7.2.</summary>
    Error = 0x20,
    /// <summary>T: a request possibly retransmitted after a link failover (§5.5.4).</summary>
    Retransmit = 0x10,
}

/// <summary>AVP flags (RFC 6733 §4.1): <c>V M P r r r r r</c>.</summary>
[Flags]
public enum AvpFlags : byte
{
    /// <summary>No flag set.</summary>
    None = 0,
    /// <summary>V: a Vendor-ID field follows the AVP length.</summary>
    Vendor = 0x80,
    /// <summary>M: the receiver must understand the AVP or reject the message (DIAMETER_AVP_UNSUPPORTED 5001).</summary>
    Mandatory = 0x40,
    /// <summary>P: reserved for end-to-end security; RFC 6733 says it SHOULD be zero.</summary>
    Protected = 0x20,
}
