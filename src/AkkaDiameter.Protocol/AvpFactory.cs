using System.Buffers.Binary;
using System.Net;
using System.Text;
using AkkaDiameter.Protocol.DataTypes;
using AkkaDiameter.Protocol.Dictionary;

namespace AkkaDiameter.Protocol;

/// <summary>Turns typed values into AVPs, checking that the value fits the dictionary's data format.</summary>
internal static class AvpFactory
{
    public static Avp NewGroup(DiameterDictionary d, AvpDefinition def)
    {
        Expect(def, def.Type == AvpDataType.Grouped, "a group of AVPs");
        return Avp.NewGroup(d, def);
    }

    public static Avp FromInteger(DiameterDictionary d, AvpDefinition def, long value)
    {
        switch (def.Type)
        {
            case AvpDataType.Integer32 or AvpDataType.Enumerated:
                if (value is < int.MinValue or > int.MaxValue) throw OutOfRange(def, value);
                return Avp.FromScalar(d, def, (uint)(int)value, 4);
            case AvpDataType.Unsigned32:
                if (value is < 0 or > uint.MaxValue) throw OutOfRange(def, value);
                return Avp.FromScalar(d, def, (ulong)value, 4);
            case AvpDataType.Integer64:
                return Avp.FromScalar(d, def, (ulong)value, 8);
            case AvpDataType.Unsigned64:
                if (value < 0) throw OutOfRange(def, value);
                return Avp.FromScalar(d, def, (ulong)value, 8);
            case AvpDataType.Float32:
                return FromFloat(d, def, value);
            case AvpDataType.Float64:
                return FromFloat(d, def, value);
            default:
                throw Mismatch(def, "an integer");
        }
    }

    public static Avp FromUnsigned64(DiameterDictionary d, AvpDefinition def, ulong value) =>
        def.Type == AvpDataType.Unsigned64 ? Avp.FromScalar(d, def, value, 8)
        : value <= long.MaxValue ? FromInteger(d, def, (long)value) : throw OutOfRange(def, value);

    public static Avp FromFloat(DiameterDictionary d, AvpDefinition def, double value) => def.Type switch
    {
        AvpDataType.Float32 => Avp.FromScalar(d, def, BitConverter.SingleToUInt32Bits((float)value), 4),
        AvpDataType.Float64 => Avp.FromScalar(d, def, BitConverter.DoubleToUInt64Bits(value), 8),
        _ => throw Mismatch(def, "a floating-point number"),
    };

    public static Avp FromTime(DiameterDictionary d, AvpDefinition def, DateTime value)
    {
        Expect(def, def.Type == AvpDataType.Time, "a time");
        return Avp.FromScalar(d, def, DiameterTime.ToNtpSeconds(value), 4);
    }

    public static Avp FromAddress(DiameterDictionary d, AvpDefinition def, DiameterAddress value)
    {
        Expect(def, def.Type == AvpDataType.Address, "an address");
        var bytes = new byte[2 + value.Value.Length];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, value.Family);
        value.Value.Span.CopyTo(bytes.AsSpan(2));
        return FromBytes(d, def, bytes);
    }

    public static Avp FromBytes(DiameterDictionary d, AvpDefinition def, ReadOnlyMemory<byte> value)
    {
        if (def.Type == AvpDataType.Grouped) throw Mismatch(def, "raw bytes (build a Grouped AVP with AddGroup)");
        var (code, reason) = AvpValue.Check(def.Type, value.Span);
        if (code != 0) throw new ArgumentException($"{def.Name}: {reason}", nameof(value));
        return Avp.FromBytes(d, def, value);
    }

    public static Avp FromString(DiameterDictionary d, AvpDefinition def, string value)
    {
        switch (def.Type)
        {
            case AvpDataType.UTF8String or AvpDataType.OctetString:
                return Avp.FromBytes(d, def, Encoding.UTF8.GetBytes(value));
            case AvpDataType.DiameterIdentity or AvpDataType.DiameterURI or AvpDataType.IPFilterRule:
                return FromBytes(d, def, Encoding.ASCII.GetBytes(value));
            case AvpDataType.Address:
                return IPAddress.TryParse(value, out var ip) ? FromAddress(d, def, DiameterAddress.FromIPAddress(ip))
                    : throw new ArgumentException($"{def.Name}: '{value}' is not an IP address", nameof(value));
            case AvpDataType.Enumerated or AvpDataType.Unsigned32 or AvpDataType.Integer32:
                var v = def.ValueOf(value) ?? throw new ArgumentException(
                    $"{def.Name}: '{value}' is not one of its named values ({string.Join(", ", def.Values.Values.Take(12))})", nameof(value));
                return FromInteger(d, def, v);
            default:
                throw Mismatch(def, "text");
        }
    }

    private static void Expect(AvpDefinition def, bool ok, string what)
    {
        if (!ok) throw Mismatch(def, what);
    }

    private static ArgumentException Mismatch(AvpDefinition def, string what) =>
        new($"{def.Name} is {def.Type}; it cannot hold {what}");

    private static ArgumentOutOfRangeException OutOfRange(AvpDefinition def, object value) =>
        new("value", value, $"{def.Name} is {def.Type}; {value} does not fit");
}
