using System.Buffers.Binary;
using AkkaDiameter.Protocol.DataTypes;
using AkkaDiameter.Protocol.Dictionary;
using AkkaDiameter.Protocol.Wire;

namespace AkkaDiameter.Protocol.Codec;

/// <summary>
/// Cuts a run of bytes into AVPs (RFC 6733 §4.1). Never throws on bad input and never trusts a length field beyond
/// the bytes at hand: an AVP whose length is under its header size or past the end is DIAMETER_INVALID_AVP_LENGTH
/// 5014, with Failed-AVP as §7.5 asks (the header and a zero-filled payload of the minimum length, and no AVP at all
/// when fewer than 8 bytes are left to read a header from).
/// </summary>
public static class AvpReader
{
    /// <summary>Reads every AVP of <paramref name="region"/> into <paramref name="into"/>; returns the first error or null.</summary>
    public static DiameterError? ReadAll(ReadOnlyMemory<byte> region, DiameterDictionary dictionary, List<Avp> into)
    {
        var cursor = new AvpCursor(region.Span);
        while (cursor.MoveNext())
            into.Add(new Avp(dictionary, dictionary.FindAvp(cursor.Code, cursor.VendorId), cursor.Code, cursor.VendorId, cursor.Flags,
                region.Slice(cursor.DataOffset, cursor.DataLength)));
        return cursor.Malformed ? Malformation(region, cursor.Offset, dictionary) : null;
    }

    /// <summary>True when <paramref name="region"/> cuts into AVPs without an error <see cref="ReadAll"/> would
    /// report; allocates nothing. How a received message is checked before any AVP object is made.</summary>
    public static bool IsWellFormed(ReadOnlySpan<byte> region)
    {
        var cursor = new AvpCursor(region);
        while (cursor.MoveNext()) { }
        return !cursor.Malformed;
    }

    // The error for the AVP at `offset`, which the cursor found malformed; only failures come here, so names and
    // messages are made freely.
    private static DiameterError Malformation(ReadOnlyMemory<byte> region, int offset, DiameterDictionary dictionary)
    {
        var span = region.Span;
        var left = span.Length - offset;
        if (left < Avp.HeaderLength)
            return new DiameterError(ResultCodes.InvalidAvpLength, $"{left} bytes after the last AVP are too few for an AVP header");
        var code = BinaryPrimitives.ReadUInt32BigEndian(span[offset..]);
        var flags = (AvpFlags)span[offset + 4];
        var length = DiameterHeader.ReadUInt24(span[(offset + 5)..]);
        var headerSize = Avp.HeaderLength;
        uint vendorId = 0;
        if ((flags & AvpFlags.Vendor) != 0)
        {
            if (left < Avp.VendorHeaderLength)
                return new DiameterError(ResultCodes.InvalidAvpLength, $"AVP {code} has the V bit but only {left} bytes, too few for a Vendor-ID");
            vendorId = BinaryPrimitives.ReadUInt32BigEndian(span[(offset + 8)..]);
            headerSize = Avp.VendorHeaderLength;
        }
        var definition = dictionary.FindAvp(code, vendorId);
        var name = definition?.Name ?? (vendorId == 0 ? $"AVP {code}" : $"AVP {code} (vendor {vendorId})");
        if (length < headerSize || length > left)
        {
            var why = length < headerSize
                ? $"{name} has AVP Length {length}, less than its {headerSize}-byte header"
                : $"{name} has AVP Length {length}, but only {left} bytes are left in the message";
            return new DiameterError(ResultCodes.InvalidAvpLength, why, Example(dictionary, definition, code, vendorId, flags));
        }
        // The only other way to be malformed: the padding runs past the end.
        var avp = new Avp(dictionary, definition, code, vendorId, flags, region.Slice(offset + headerSize, length - headerSize));
        return new DiameterError(ResultCodes.InvalidAvpLength, $"{name} is not padded to a multiple of 4 bytes", avp);
    }

    /// <summary>An AVP with the given identity and a zero-filled payload of the minimum length for its format: what
    /// Failed-AVP carries for a missing AVP or one whose length cannot be trusted (RFC 6733 §7.5).</summary>
    public static Avp Example(DiameterDictionary dictionary, AvpDefinition? definition, uint code, uint vendorId, AvpFlags flags)
    {
        var length = definition is null ? 0 : AvpValue.MinimumLength(definition.Type);
        return new Avp(dictionary, definition, code, vendorId, flags, new byte[length]);
    }
}

/// <summary>
/// Walks the AVP headers of a run of bytes without making objects (RFC 6733 §4.1). Stops at the end, or at the first
/// AVP whose header or length cannot be trusted, setting <see cref="Malformed"/>; never reads past the bytes given.
/// </summary>
internal ref struct AvpCursor
{
    private readonly ReadOnlySpan<byte> _span;
    private int _next;

    public AvpCursor(ReadOnlySpan<byte> region) => _span = region;

    /// <summary>Where the current AVP starts; after the walk stops, where it stopped.</summary>
    public int Offset { get; private set; }
    /// <summary>AVP Code.</summary>
    public uint Code { get; private set; }
    /// <summary>Vendor-ID; 0 without the V bit.</summary>
    public uint VendorId { get; private set; }
    /// <summary>Flags.</summary>
    public AvpFlags Flags { get; private set; }
    /// <summary>8, or 12 with the V bit.</summary>
    public int HeaderSize { get; private set; }
    /// <summary>The AVP Length field: header and payload, no padding.</summary>
    public int Length { get; private set; }
    /// <summary>True when the walk stopped at an AVP that is not well formed rather than at the end.</summary>
    public bool Malformed { get; private set; }

    /// <summary>Where the payload starts.</summary>
    public readonly int DataOffset => Offset + HeaderSize;
    /// <summary>Payload length without padding.</summary>
    public readonly int DataLength => Length - HeaderSize;

    /// <summary>Moves to the next AVP; false at the end or at a malformed one.</summary>
    public bool MoveNext()
    {
        Offset = _next;
        var left = _span.Length - Offset;
        if (left <= 0 || Malformed) return false;
        if (left < Avp.HeaderLength) return Stop();
        var header = _span.Slice(Offset);
        Code = BinaryPrimitives.ReadUInt32BigEndian(header);
        Flags = (AvpFlags)header[4];
        Length = DiameterHeader.ReadUInt24(header[5..]);
        HeaderSize = Avp.HeaderLength;
        VendorId = 0;
        if ((Flags & AvpFlags.Vendor) != 0)
        {
            if (left < Avp.VendorHeaderLength) return Stop();
            VendorId = BinaryPrimitives.ReadUInt32BigEndian(header[8..]);
            HeaderSize = Avp.VendorHeaderLength;
        }
        var padded = (Length + 3) & ~3;
        if (Length < HeaderSize || padded > left) return Stop();
        _next = Offset + padded;
        return true;
    }

    private bool Stop()
    {
        Malformed = true;
        return false;
    }
}
