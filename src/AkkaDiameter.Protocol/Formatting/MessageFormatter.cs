using System.Globalization;
using System.Text;
using AkkaDiameter.Protocol.DataTypes;
using AkkaDiameter.Protocol.Wire;

namespace AkkaDiameter.Protocol.Formatting;

/// <summary>Human-readable forms of messages and AVPs: a one-line summary and a full tree dump.</summary>
public static class MessageFormatter
{
    /// <summary><c>&lt;Diameter Message: 316 [ULR] REQ PXY, 16777251 [S6a/S6d], 9 AVP(s)&gt;</c></summary>
    public static string Summary(DiameterMessage message)
    {
        var sb = new StringBuilder("<Diameter Message: ");
        sb.Append(message.CommandCode.ToString(CultureInfo.InvariantCulture)).Append(" [").Append(message.CommandName).Append(']');
        foreach (var flag in FlagNames(message.Flags)) sb.Append(' ').Append(flag);
        sb.Append(", ").Append(message.ApplicationId.ToString(CultureInfo.InvariantCulture));
        sb.Append(" [").Append(message.Dictionary.FindApplication(message.ApplicationId)?.Name ?? "Unknown").Append(']');
        sb.Append(", ").Append(message.Avps.Count.ToString(CultureInfo.InvariantCulture)).Append(" AVP(s)>");
        return sb.ToString();
    }

    /// <summary>The summary, the header fields, then one line per AVP, members indented under their group.</summary>
    public static string Tree(DiameterMessage message)
    {
        var sb = new StringBuilder();
        sb.AppendLine(Summary(message));
        var flags = FlagNames(message.Flags).ToList();
        sb.Append(CultureInfo.InvariantCulture,
            $"  Header: version {message.Version}, length {message.GetEncodedLength()}, flags 0x{(byte)message.Flags:X2}{(flags.Count > 0 ? " (" + string.Join(' ', flags) + ")" : "")}, ");
        sb.AppendLine(CultureInfo.InvariantCulture,
            $"command {message.CommandCode}, application {message.ApplicationId}, hop-by-hop 0x{message.HopByHopId:X8}, end-to-end 0x{message.EndToEndId:X8}");
        foreach (var avp in message.Avps) AppendAvp(sb, avp, 1);
        return sb.ToString();
    }

    /// <summary><c>Name (code[, vendor N Name]) [V M P]: value</c> on one line; a Grouped AVP shows its member count.</summary>
    public static string FormatAvpLine(Avp avp)
    {
        var sb = new StringBuilder();
        sb.Append(avp.Name).Append(" (").Append(avp.Code.ToString(CultureInfo.InvariantCulture));
        if (avp.VendorId != 0)
        {
            sb.Append(", vendor ").Append(avp.VendorId.ToString(CultureInfo.InvariantCulture));
            if (avp.Dictionary.VendorName(avp.VendorId) is { } vendorName) sb.Append(' ').Append(vendorName);
        }
        sb.Append(") [");
        var flagText = string.Concat((avp.Flags & AvpFlags.Vendor) != 0 ? "V" : "-", (avp.Flags & AvpFlags.Mandatory) != 0 ? "M" : "-",
            (avp.Flags & AvpFlags.Protected) != 0 ? "P" : "-");
        sb.Append(flagText).Append("]: ");
        if (avp.IsGrouped)
        {
            var error = avp.TryParseMembers(out var members);
            sb.Append(error is null ? $"{avp.Type} ({members!.Count} AVPs)" : $"<malformed Grouped: {error.Reason}> 0x{Convert.ToHexStringLower(avp.Data.Span)}");
        }
        else sb.Append(FormatValue(avp));
        return sb.ToString();
    }

    /// <summary>The value in readable form: numbers with their names, quoted text, addresses, ISO 8601 times,
    /// hex for octets; a value its format does not allow is shown as hex with the reason.</summary>
    public static string FormatValue(Avp avp)
    {
        var data = avp.Data.Span;
        var (code, reason) = AvpValue.Check(avp.Type, data);
        if (code != 0) return $"<invalid {avp.Type}: {reason}> 0x{Convert.ToHexStringLower(data)}";
        switch (avp.Type)
        {
            case AvpDataType.Enumerated or AvpDataType.Integer32 or AvpDataType.Unsigned32:
                var number = avp.Type == AvpDataType.Unsigned32 ? avp.GetUInt32().ToString(CultureInfo.InvariantCulture)
                    : avp.GetInt32().ToString(CultureInfo.InvariantCulture);
                return avp.GetValueName() is { } name ? $"{number} ({name})" : number;
            case AvpDataType.OctetString:
                return "0x" + Convert.ToHexStringLower(data);
            case AvpDataType.UTF8String or AvpDataType.DiameterIdentity or AvpDataType.DiameterURI or AvpDataType.IPFilterRule:
                return "\"" + avp.GetString() + "\"";
            case AvpDataType.Time:
                return avp.GetTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
            default:
                return Convert.ToString(avp.GetValue(), CultureInfo.InvariantCulture) ?? "";
        }
    }

    private static void AppendAvp(StringBuilder sb, Avp avp, int depth)
    {
        sb.Append(' ', depth * 2).AppendLine(FormatAvpLine(avp));
        if (!avp.IsGrouped || depth > Avp.MaxNestingDepth) return;
        if (avp.TryParseMembers(out var members) is not null) return;
        foreach (var member in members!) AppendAvp(sb, member, depth + 1);
    }

    private static IEnumerable<string> FlagNames(CommandFlags flags)
    {
        if ((flags & CommandFlags.Request) != 0) yield return "REQ";
        if ((flags & CommandFlags.Proxiable) != 0) yield return "PXY";
        if ((flags & CommandFlags.Error) != 0) yield return "ERR";
        if ((flags & CommandFlags.Retransmit) != 0) yield return "RTR";
    }
}
