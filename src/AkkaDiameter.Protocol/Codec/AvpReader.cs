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
        var span = region.Span;
        var offset = 0;
        while (offset < span.Length)
        {
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
            // Named only for an error: an AVP the dictionary does not know costs no string when it is well formed.
            string Name() => definition?.Name ?? (vendorId == 0 ? $"AVP {code}" : $"AVP {code} (vendor {vendorId})");
            if (length < headerSize || length > left)
            {
                var name = Name();
                var why = length < headerSize
                    ? $"{name} has AVP Length {length}, less than its {headerSize}-byte header"
                    : $"{name} has AVP Length {length}, but only {left} bytes are left in the message";
                return new DiameterError(ResultCodes.InvalidAvpLength, why, Example(dictionary, definition, code, vendorId, flags));
            }
            var padded = (length + 3) & ~3;
            var avp = new Avp(dictionary, definition, code, vendorId, flags, region.Slice(offset + headerSize, length - headerSize));
            if (padded > left)
                return new DiameterError(ResultCodes.InvalidAvpLength, $"{Name()} is not padded to a multiple of 4 bytes", avp);
            into.Add(avp);
            offset += padded;
        }
        return null;
    }

    /// <summary>An AVP with the given identity and a zero-filled payload of the minimum length for its format: what
    /// Failed-AVP carries for a missing AVP or one whose length cannot be trusted (RFC 6733 §7.5).</summary>
    public static Avp Example(DiameterDictionary dictionary, AvpDefinition? definition, uint code, uint vendorId, AvpFlags flags)
    {
        var length = definition is null ? 0 : AvpValue.MinimumLength(definition.Type);
        return new Avp(dictionary, definition, code, vendorId, flags, new byte[length]);
    }
}
