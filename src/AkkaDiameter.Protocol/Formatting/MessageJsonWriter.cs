using System.Text.Json;
using AkkaDiameter.Protocol.DataTypes;
using AkkaDiameter.Protocol.Wire;

namespace AkkaDiameter.Protocol.Formatting;

/// <summary>
/// Writes a message as one JSON object:
/// <c>{"header":{"version","length","flags":{"request","proxiable","error","retransmit"},"commandCode","commandName",
/// "applicationId","hopByHop","endToEnd"},"avps":[{"code","vendorId","flags":{"vendor","mandatory","protected"},"name",
/// "type","value"}]}</c>. A Grouped AVP has <c>"avps"</c> instead of <c>"value"</c>. Numbers are JSON numbers; text
/// is a string; OctetString and any value its format does not allow are lower-case hex strings; Address is its
/// text form; Time is ISO 8601 UTC. An AVP the dictionary does not know has <c>"name": null</c> and
/// <c>"type": "Unknown"</c>.
/// </summary>
public static class MessageJsonWriter
{
    /// <summary>The message as a single-line JSON string.</summary>
    public static string ToJson(DiameterMessage message)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream)) Write(writer, message);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>Writes the message object.</summary>
    public static void Write(Utf8JsonWriter w, DiameterMessage message)
    {
        w.WriteStartObject();
        w.WriteStartObject("header");
        w.WriteNumber("version", message.Version);
        w.WriteNumber("length", message.GetEncodedLength());
        w.WriteStartObject("flags");
        w.WriteBoolean("request", message.IsRequest);
        w.WriteBoolean("proxiable", message.IsProxiable);
        w.WriteBoolean("error", message.IsError);
        w.WriteBoolean("retransmit", (message.Flags & CommandFlags.Retransmit) != 0);
        w.WriteEndObject();
        w.WriteNumber("commandCode", message.CommandCode);
        w.WriteString("commandName", message.CommandName);
        w.WriteNumber("applicationId", message.ApplicationId);
        w.WriteNumber("hopByHop", message.HopByHopId);
        w.WriteNumber("endToEnd", message.EndToEndId);
        w.WriteEndObject();
        WriteAvps(w, message.Avps, 0);
        w.WriteEndObject();
    }

    private static void WriteAvps(Utf8JsonWriter w, IReadOnlyList<Avp> avps, int depth)
    {
        w.WriteStartArray("avps");
        foreach (var avp in avps)
        {
            w.WriteStartObject();
            w.WriteNumber("code", avp.Code);
            w.WriteNumber("vendorId", avp.VendorId);
            w.WriteStartObject("flags");
            w.WriteBoolean("vendor", (avp.Flags & AvpFlags.Vendor) != 0);
            w.WriteBoolean("mandatory", (avp.Flags & AvpFlags.Mandatory) != 0);
            w.WriteBoolean("protected", (avp.Flags & AvpFlags.Protected) != 0);
            w.WriteEndObject();
            if (avp.Definition is null) w.WriteNull("name"); else w.WriteString("name", avp.Name);
            w.WriteString("type", avp.Definition is null ? "Unknown" : avp.Type.ToString());
            List<Avp>? members = null;
            if (avp.IsGrouped && depth < Avp.MaxNestingDepth && avp.TryParseMembers(out members) is null)
                WriteAvps(w, members!, depth + 1);
            else
            {
                w.WritePropertyName("value");
                WriteValue(w, avp);
            }
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    private static void WriteValue(Utf8JsonWriter w, Avp avp)
    {
        var data = avp.Data.Span;
        if (avp.Definition is null || avp.IsGrouped || AvpValue.Check(avp.Type, data).ResultCode != 0)
        {
            w.WriteStringValue(Convert.ToHexStringLower(data));
            return;
        }
        switch (avp.Type)
        {
            case AvpDataType.Integer32 or AvpDataType.Enumerated: w.WriteNumberValue(avp.GetInt32()); break;
            case AvpDataType.Unsigned32: w.WriteNumberValue(avp.GetUInt32()); break;
            case AvpDataType.Integer64: w.WriteNumberValue(avp.GetInt64()); break;
            case AvpDataType.Unsigned64: w.WriteNumberValue(avp.GetUInt64()); break;
            case AvpDataType.Float32:
                var f = avp.GetFloat32();
                if (float.IsFinite(f)) w.WriteNumberValue(f); else w.WriteStringValue(f.ToString(System.Globalization.CultureInfo.InvariantCulture));
                break;
            case AvpDataType.Float64:
                var d = avp.GetFloat64();
                if (double.IsFinite(d)) w.WriteNumberValue(d); else w.WriteStringValue(d.ToString(System.Globalization.CultureInfo.InvariantCulture));
                break;
            case AvpDataType.Address: w.WriteStringValue(avp.GetAddress().ToString()); break;
            case AvpDataType.Time: w.WriteStringValue(avp.GetTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture)); break;
            case AvpDataType.OctetString: w.WriteStringValue(Convert.ToHexStringLower(data)); break;
            default: w.WriteStringValue(avp.GetString()); break;
        }
    }
}
