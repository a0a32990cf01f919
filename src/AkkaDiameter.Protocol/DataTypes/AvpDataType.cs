namespace AkkaDiameter.Protocol.DataTypes;

/// <summary>The AVP data formats of RFC 6733 §4.2 (basic) and §4.3 (derived).</summary>
public enum AvpDataType
{
    /// <summary>Arbitrary bytes (§4.2).</summary>
    OctetString,
    /// <summary>32-bit signed, big-endian (§4.2).</summary>
    Integer32,
    /// <summary>64-bit signed, big-endian (§4.2).</summary>
    Integer64,
    /// <summary>32-bit unsigned, big-endian (§4.2).</summary>
    Unsigned32,
    /// <summary>64-bit unsigned, big-endian (§4.2).</summary>
    Unsigned64,
    /// <summary>IEEE-754 single precision (§4.2).</summary>
    Float32,
    /// <summary>IEEE-754 double precision (§4.2).</summary>
    Float64,
    /// <summary>A sequence of AVPs (§4.4).</summary>
    Grouped,
    /// <summary>2-byte address family (IANA) followed by the address (§4.3.1).</summary>
    Address,
    /// <summary>NTP seconds since 1900-01-01 UTC, 4 bytes, with the RFC 5905 era rollover (§4.3.1).</summary>
    Time,
    /// <summary>UTF-8 text (§4.3.1).</summary>
    UTF8String,
    /// <summary>A fully qualified domain name, ASCII (§4.3.1).</summary>
    DiameterIdentity,
    /// <summary>An aaa:// or aaas:// URI (§4.3.1).</summary>
    DiameterURI,
    /// <summary>Integer32 with named values (§4.3.1).</summary>
    Enumerated,
    /// <summary>An IP filter rule in the syntax of §4.3.1.</summary>
    IPFilterRule,
}
