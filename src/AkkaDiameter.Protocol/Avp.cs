using System.Buffers.Binary;
using System.Net;
using System.Text;
using AkkaDiameter.Protocol.Codec;
using AkkaDiameter.Protocol.DataTypes;
using AkkaDiameter.Protocol.Dictionary;
using AkkaDiameter.Protocol.Wire;

namespace AkkaDiameter.Protocol;

/// <summary>
/// An AVP (RFC 6733 §4.1).
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                           AVP Code                            |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V M P r r r r r|                  AVP Length                   |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                        Vendor-ID (opt)                        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |    Data ...
/// +-+-+-+-+-+-+-+-+
/// </code>
/// A decoded AVP keeps its payload as a slice of the received frame, so an AVP the dictionary does not know is
/// re-encoded byte for byte; a Grouped AVP parses its members when they are first read. Typed getters check the
/// payload against the format and throw <see cref="DiameterDecodeException"/> carrying 5014 or 5004.
/// </summary>
public sealed class Avp : AvpContainer<Avp>
{
    /// <summary>Length of the AVP header without Vendor-ID.</summary>
    public const int HeaderLength = 8;
    /// <summary>Length of the AVP header with Vendor-ID.</summary>
    public const int VendorHeaderLength = 12;
    /// <summary>Grouped AVPs nested deeper than this are refused, so hostile input cannot exhaust the stack.</summary>
    public const int MaxNestingDepth = 16;

    private readonly DiameterDictionary _dictionary;
    private ReadOnlyMemory<byte> _data;
    private ulong _scalar;
    private byte _scalarLength;            // 4 or 8 when the value is held as a number, not bytes
    private List<Avp>? _children;
    private bool _dataIsCurrent = true;    // false once members were added or removed after decoding

    /// <summary>Makes an AVP from its parts. The V flag is set exactly when <paramref name="vendorId"/> is not 0.</summary>
    public Avp(uint code, uint vendorId, AvpFlags flags, ReadOnlyMemory<byte> data, DiameterDictionary? dictionary = null)
    {
        _dictionary = dictionary ?? DiameterDictionary.Default;
        Code = code;
        VendorId = vendorId;
        Flags = vendorId != 0 ? flags | AvpFlags.Vendor : flags & ~AvpFlags.Vendor;
        Definition = _dictionary.FindAvp(code, vendorId);
        _data = data;
    }

    internal Avp(DiameterDictionary dictionary, AvpDefinition? definition, uint code, uint vendorId, AvpFlags flags, ReadOnlyMemory<byte> data)
    {
        _dictionary = dictionary; Definition = definition; Code = code; VendorId = vendorId; Flags = flags; _data = data;
    }

    private Avp(DiameterDictionary dictionary, AvpDefinition definition)
    {
        _dictionary = dictionary; Definition = definition; Code = definition.Code; VendorId = definition.VendorId;
        Flags = definition.SendFlags;
    }

    internal static Avp FromScalar(DiameterDictionary dictionary, AvpDefinition definition, ulong value, int length) =>
        new(dictionary, definition) { _scalar = value, _scalarLength = (byte)length };

    internal static Avp FromBytes(DiameterDictionary dictionary, AvpDefinition definition, ReadOnlyMemory<byte> data) =>
        new(dictionary, definition) { _data = data };

    internal static Avp NewGroup(DiameterDictionary dictionary, AvpDefinition definition) =>
        new(dictionary, definition) { _children = [], _dataIsCurrent = false };

    /// <summary>AVP code.</summary>
    public uint Code { get; }
    /// <summary>Vendor-ID; 0 when the V flag is clear.</summary>
    public uint VendorId { get; }
    /// <summary>Flags as received or as set from the dictionary.</summary>
    public AvpFlags Flags { get; }
    /// <summary>The dictionary entry, or null for an AVP the dictionary does not know.</summary>
    public AvpDefinition? Definition { get; }
    /// <inheritdoc/>
    public override DiameterDictionary Dictionary => _dictionary;

    /// <summary>The name from the dictionary, or <c>AVP-code</c> / <c>AVP-code-vendor</c> when unknown.</summary>
    public string Name => Definition?.Name ?? (VendorId == 0 ? $"AVP-{Code}" : $"AVP-{Code}-{VendorId}");
    /// <summary>The format from the dictionary; OctetString for an unknown AVP.</summary>
    public AvpDataType Type => Definition?.Type ?? AvpDataType.OctetString;
    /// <summary>True when the M bit is set.</summary>
    public bool IsMandatory => (Flags & AvpFlags.Mandatory) != 0;
    /// <summary>True when the dictionary says the AVP is Grouped.</summary>
    public bool IsGrouped => Definition?.Type == AvpDataType.Grouped;
    /// <summary>Header length: 12 when the V flag says a Vendor-ID field is present, else 8. Follows the flag, not the
    /// value, so that a received V bit with Vendor-ID 0 (the IETF, RFC 6733 §4.1) re-encodes as it came.</summary>
    public int HeaderSize => (Flags & AvpFlags.Vendor) != 0 ? VendorHeaderLength : HeaderLength;

    /// <summary>Payload length in bytes, without padding.</summary>
    public int DataLength
    {
        get
        {
            if (_scalarLength != 0) return _scalarLength;
            if (_children is not null && !_dataIsCurrent)
            {
                var n = 0;
                foreach (var c in _children) n += c.PaddedLength;
                return n;
            }
            return _data.Length;
        }
    }

    /// <summary>The AVP Length field: header plus payload, without padding.</summary>
    public int Length => HeaderSize + DataLength;
    /// <summary>Bytes the AVP takes on the wire, padded to a multiple of 4 (RFC 6733 §4.1).</summary>
    public int PaddedLength => (Length + 3) & ~3;

    /// <summary>The payload. For a number or a modified Grouped AVP this encodes it.</summary>
    public ReadOnlyMemory<byte> Data
    {
        get
        {
            if (_scalarLength != 0 || (_children is not null && !_dataIsCurrent))
            {
                var bytes = new byte[DataLength];
                WriteData(bytes);
                return bytes;
            }
            return _data;
        }
    }

    /// <inheritdoc/>
    protected override List<Avp> Items
    {
        get
        {
            if (_children is not null) return _children;
            if (!IsGrouped) throw new InvalidOperationException($"{Name} is {Type}, not Grouped: it has no member AVPs");
            var error = TryParseMembers(out var members);
            if (error is not null) throw new DiameterDecodeException(error);
            return _children = members!;
        }
    }

    /// <inheritdoc/>
    protected override void OnChanged()
    {
        if (_children is null) return;
        _dataIsCurrent = false;
        _data = default;
    }

    /// <inheritdoc/>
    protected override string Describe => Name;

    /// <summary>Parses the payload as a list of AVPs without throwing; the error names the member at fault. The list
    /// is kept: it is what <see cref="AvpContainer{TSelf}.Avps"/> returns from then on.</summary>
    public DiameterError? TryParseMembers(out List<Avp>? members)
    {
        if (_children is not null) { members = _children; return null; }
        members = new List<Avp>();
        var error = AvpReader.ReadAll(_data, _dictionary, members);
        // Kept, as reading the members does: validation parses every Grouped AVP of a request, and the handler that
        // reads one next gets the same list instead of parsing it again. The payload stays what is encoded.
        if (error is null) { _children = members; return null; }
        members = null;
        return error with { Reason = $"in {Name}: {error.Reason}", FailedAvp = error.FailedAvp is null ? null : WrapMember(error.FailedAvp) };
    }

    /// <summary>A copy of this Grouped AVP's header holding only <paramref name="member"/>: how Failed-AVP points at a
    /// member of a Grouped AVP (RFC 6733 §7.5).</summary>
    public Avp WrapMember(Avp member)
    {
        var wrapper = new Avp(_dictionary, Definition, Code, VendorId, Flags, default) { _children = [member], _dataIsCurrent = false };
        return wrapper;
    }

    // ---- typed values -------------------------------------------------------------------------------------------

    /// <summary>The payload as Unsigned32 (also Enumerated and Time raw values).</summary>
    public uint GetUInt32() => _scalarLength == 4 ? (uint)_scalar : BinaryPrimitives.ReadUInt32BigEndian(Fixed(4));
    /// <summary>The payload as Integer32 or Enumerated.</summary>
    public int GetInt32() => (int)GetUInt32();
    /// <summary>The payload as Unsigned64.</summary>
    public ulong GetUInt64() => _scalarLength == 8 ? _scalar : BinaryPrimitives.ReadUInt64BigEndian(Fixed(8));
    /// <summary>The payload as Integer64.</summary>
    public long GetInt64() => (long)GetUInt64();
    /// <summary>The payload as Float32.</summary>
    public float GetFloat32() => BitConverter.Int32BitsToSingle(GetInt32());
    /// <summary>The payload as Float64.</summary>
    public double GetFloat64() => BitConverter.Int64BitsToDouble(GetInt64());
    /// <summary>The payload bytes (OctetString).</summary>
    public ReadOnlyMemory<byte> GetBytes() => Data;
    /// <summary>The payload as text: UTF8String, DiameterIdentity, DiameterURI, IPFilterRule, or UTF-8 OctetString.</summary>
    public string GetString()
    {
        var span = _data.Span;
        if (_scalarLength != 0) throw Invalid(ResultCodes.InvalidAvpValue, "holds a number, not text");
        if (Type is AvpDataType.DiameterIdentity or AvpDataType.DiameterURI or AvpDataType.IPFilterRule)
        {
            var (code, reason) = AvpValue.Check(Type, span);
            if (code != 0) throw Invalid(code, reason);
            return Encoding.ASCII.GetString(span);
        }
        try { return AvpValue.StrictUtf8.GetString(span); }
        catch (DecoderFallbackException) { throw Invalid(ResultCodes.InvalidAvpValue, "not valid UTF-8"); }
    }
    /// <summary>The payload as Time (RFC 6733 §4.3.1), UTC.</summary>
    public DateTime GetTime() => DiameterTime.FromNtpSeconds(GetUInt32());
    /// <summary>The payload as Address.</summary>
    public DiameterAddress GetAddress()
    {
        var (code, reason) = AvpValue.Check(AvpDataType.Address, _data.Span);
        if (code != 0) throw Invalid(code, reason);
        return new DiameterAddress(BinaryPrimitives.ReadUInt16BigEndian(_data.Span), _data[2..]);
    }
    /// <summary>The payload as an IPv4 or IPv6 Address.</summary>
    public IPAddress GetIPAddress() =>
        GetAddress().IPAddress ?? throw Invalid(ResultCodes.InvalidAvpValue, "is not an IPv4 or IPv6 address");
    /// <summary>The payload as DiameterURI.</summary>
    public DiameterUri GetUri() =>
        DiameterUri.TryParse(GetString(), out var uri, out var error) ? uri : throw Invalid(ResultCodes.InvalidAvpValue, error);
    /// <summary>The payload as IPFilterRule.</summary>
    public IPFilterRule GetIPFilterRule() =>
        IPFilterRule.TryParse(GetString(), out var rule, out var error) ? rule : throw Invalid(ResultCodes.InvalidAvpValue, error);
    /// <summary>The name of an Enumerated (or named Unsigned32) value, or null when it has none.</summary>
    public string? GetValueName() =>
        FixedLengthOk(4) && Definition is { } d ? d.NameOf(d.Type == AvpDataType.Unsigned32 ? GetUInt32() : GetInt32()) : null;

    /// <summary>The value as the dictionary's format says: number, string, <see cref="DiameterAddress"/>,
    /// <see cref="DateTime"/>, <see cref="DiameterUri"/>, <see cref="IPFilterRule"/>, bytes, or the member list.</summary>
    public object GetValue() => Type switch
    {
        AvpDataType.Integer32 or AvpDataType.Enumerated => GetInt32(),
        AvpDataType.Integer64 => GetInt64(),
        AvpDataType.Unsigned32 => GetUInt32(),
        AvpDataType.Unsigned64 => GetUInt64(),
        AvpDataType.Float32 => GetFloat32(),
        AvpDataType.Float64 => GetFloat64(),
        AvpDataType.Grouped => Avps,
        AvpDataType.Address => GetAddress(),
        AvpDataType.Time => GetTime(),
        AvpDataType.UTF8String or AvpDataType.DiameterIdentity => GetString(),
        AvpDataType.DiameterURI => GetUri(),
        AvpDataType.IPFilterRule => GetIPFilterRule(),
        _ => Data,
    };

    private bool FixedLengthOk(int length) => DataLength == length;

    private ReadOnlySpan<byte> Fixed(int length)
    {
        if (_data.Length != length) throw Invalid(ResultCodes.InvalidAvpLength, $"needs {length} bytes, has {DataLength}");
        return _data.Span;
    }

    private DiameterDecodeException Invalid(uint resultCode, string reason) =>
        new(new DiameterError(resultCode, $"{Name}: {reason}", this));

    // ---- encoding -----------------------------------------------------------------------------------------------

    /// <summary>Writes the AVP with its padding; returns <see cref="PaddedLength"/>.</summary>
    public int WriteTo(Span<byte> destination)
    {
        var length = Length;
        var padded = (length + 3) & ~3;
        if (destination.Length < padded) throw new ArgumentException($"{Name} needs {padded} bytes", nameof(destination));
        if (length > DiameterHeader.MaxUInt24) throw new InvalidOperationException($"{Name} is {length} bytes, more than 24 bits hold");
        BinaryPrimitives.WriteUInt32BigEndian(destination, Code);
        destination[4] = (byte)Flags;
        DiameterHeader.WriteUInt24(destination[5..], length);
        var offset = HeaderLength;
        if ((Flags & AvpFlags.Vendor) != 0)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination[8..], VendorId);
            offset = VendorHeaderLength;
        }
        WriteData(destination[offset..]);
        destination[length..padded].Clear();
        return padded;
    }

    private void WriteData(Span<byte> destination)
    {
        if (_scalarLength == 4) BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)_scalar);
        else if (_scalarLength == 8) BinaryPrimitives.WriteUInt64BigEndian(destination, _scalar);
        else if (_children is not null && !_dataIsCurrent)
        {
            var offset = 0;
            foreach (var c in _children) offset += c.WriteTo(destination[offset..]);
        }
        else _data.Span.CopyTo(destination);
    }

    /// <summary>Structural equality: code, vendor, flags and payload bytes.</summary>
    public bool ContentEquals(Avp other)
    {
        if (Code != other.Code || VendorId != other.VendorId || Flags != other.Flags || DataLength != other.DataLength) return false;
        if (_scalarLength == 0 && other._scalarLength == 0 && _dataIsCurrent && other._dataIsCurrent)
            return _data.Span.SequenceEqual(other._data.Span);
        return Data.Span.SequenceEqual(other.Data.Span);
    }

    /// <summary><c>Name (code[, vendor]) [flags]: value</c> on one line.</summary>
    public override string ToString() => Formatting.MessageFormatter.FormatAvpLine(this);
}
