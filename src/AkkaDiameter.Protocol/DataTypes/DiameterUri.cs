using System.Globalization;

namespace AkkaDiameter.Protocol.DataTypes;

/// <summary>Transport named in a DiameterURI.</summary>
public enum UriTransport
{
    /// <summary>TCP, the default when the URI names none (RFC 6733 §4.3.1).</summary>
    Tcp,
    /// <summary>SCTP.</summary>
    Sctp,
    /// <summary>UDP (RADIUS only).</summary>
    Udp,
}

/// <summary>AAA protocol named in a DiameterURI.</summary>
public enum UriProtocol
{
    /// <summary>Diameter, the default.</summary>
    Diameter,
    /// <summary>RADIUS.</summary>
    Radius,
    /// <summary>TACACS+.</summary>
    TacacsPlus,
}

/// <summary>
/// A DiameterURI (RFC 6733 §4.3.1):
/// <c>("aaa://" / "aaas://") FQDN [":" port] [";transport=" (tcp/sctp/udp)] [";protocol=" (diameter/radius/tacacs+)]</c>.
/// </summary>
/// <param name="Secure">True for <c>aaas://</c> (transport security required).</param>
/// <param name="Fqdn">The host's fully qualified domain name.</param>
/// <param name="Port">The port; 3868 when absent, 5658 for aaas://.</param>
/// <param name="Transport">The transport; TCP when absent.</param>
/// <param name="Protocol">The AAA protocol; Diameter when absent.</param>
/// <param name="PortGiven">Whether the port was written in the URI.</param>
public sealed record DiameterUri(bool Secure, string Fqdn, int Port, UriTransport Transport, UriProtocol Protocol, bool PortGiven = true)
{
    /// <summary>Default port without transport security (RFC 6733 §2.1).</summary>
    public const int DefaultPort = 3868;
    /// <summary>Default port with TLS/DTLS (RFC 6733 §2.1).</summary>
    public const int DefaultSecurePort = 5658;

    /// <summary>Parses a DiameterURI.</summary>
    /// <exception cref="FormatException">The text is not a DiameterURI; the message says which part is wrong.</exception>
    public static DiameterUri Parse(string text) =>
        TryParse(text, out var uri, out var error) ? uri : throw new FormatException(error);

    /// <summary>Parses a DiameterURI without throwing.</summary>
    public static bool TryParse(string text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out DiameterUri? uri, out string error)
    {
        uri = null;
        bool secure;
        string rest;
        if (text.StartsWith("aaas://", StringComparison.OrdinalIgnoreCase)) { secure = true; rest = text[7..]; }
        else if (text.StartsWith("aaa://", StringComparison.OrdinalIgnoreCase)) { secure = false; rest = text[6..]; }
        else { error = $"'{text}' does not start with aaa:// or aaas://"; return false; }

        var parts = rest.Split(';');
        var hostPort = parts[0];
        var fqdn = hostPort;
        var port = secure ? DefaultSecurePort : DefaultPort;
        var portGiven = false;
        var colon = hostPort.LastIndexOf(':');
        if (colon >= 0)
        {
            fqdn = hostPort[..colon];
            var portText = hostPort[(colon + 1)..];
            if (portText.Length == 0 || !portText.All(char.IsAsciiDigit)
                || !int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port > 65535)
            { error = $"'{portText}' is not a port"; return false; }
            portGiven = true;
        }
        if (!DiameterIdentityRules.IsValid(fqdn, out var why)) { error = $"host '{fqdn}': {why}"; return false; }

        var transport = UriTransport.Tcp;
        var protocol = UriProtocol.Diameter;
        bool seenTransport = false, seenProtocol = false;
        foreach (var p in parts.Skip(1))
        {
            var eq = p.IndexOf('=');
            var key = eq < 0 ? p : p[..eq];
            var value = eq < 0 ? "" : p[(eq + 1)..].ToLowerInvariant();
            if (key.Equals("transport", StringComparison.OrdinalIgnoreCase) && !seenTransport)
            {
                seenTransport = true;
                switch (value)
                {
                    case "tcp": transport = UriTransport.Tcp; break;
                    case "sctp": transport = UriTransport.Sctp; break;
                    case "udp": transport = UriTransport.Udp; break;
                    default: error = $"transport '{value}' is not tcp, sctp or udp"; return false;
                }
            }
            else if (key.Equals("protocol", StringComparison.OrdinalIgnoreCase) && !seenProtocol)
            {
                seenProtocol = true;
                switch (value)
                {
                    case "diameter": protocol = UriProtocol.Diameter; break;
                    case "radius": protocol = UriProtocol.Radius; break;
                    case "tacacs+": protocol = UriProtocol.TacacsPlus; break;
                    default: error = $"protocol '{value}' is not diameter, radius or tacacs+"; return false;
                }
            }
            else { error = $"unexpected parameter ';{p}'"; return false; }
        }
        uri = new DiameterUri(secure, fqdn, port, transport, protocol, portGiven);
        error = "";
        return true;
    }

    /// <summary>The URI in its canonical text form.</summary>
    public override string ToString()
    {
        var s = (Secure ? "aaas://" : "aaa://") + Fqdn;
        if (PortGiven) s += ":" + Port.ToString(CultureInfo.InvariantCulture);
        s += ";transport=" + Transport.ToString().ToLowerInvariant();
        return s + ";protocol=" + (Protocol == UriProtocol.TacacsPlus ? "tacacs+" : Protocol.ToString().ToLowerInvariant());
    }
}

/// <summary>What a DiameterIdentity (RFC 6733 §4.3.1) may hold: an FQDN, in ASCII.</summary>
public static class DiameterIdentityRules
{
    /// <summary>Checks <paramref name="identity"/> is a host name: labels of letters, digits, '-' and '_'
    /// separated by dots, 1-63 characters each, 255 in all. Underscores are accepted because deployed
    /// stacks use them in host names.</summary>
    public static bool IsValid(ReadOnlySpan<char> identity, out string reason) => Check(identity, out reason);

    /// <summary>The same check on the ASCII bytes of an AVP payload, without making a string.</summary>
    public static bool IsValid(ReadOnlySpan<byte> identity, out string reason)
    {
        // Every DiameterIdentity of every message is checked: the common, valid case in a few vector operations (only
        // host-name characters, no label over 63: none can be in 63 bytes or fewer), the per-character walk only to say
        // what is wrong.
        if (identity.Length is > 0 and <= 255 && !identity.ContainsAnyExcept(HostNameBytes) && identity[0] != (byte)'.'
            && identity[^1] != (byte)'.' && identity.IndexOf(".."u8) < 0 && (identity.Length <= 63 || LabelsFit(identity)))
        {
            reason = "";
            return true;
        }
        return Check(identity, out reason);
    }

    private static readonly System.Buffers.SearchValues<byte> HostNameBytes =
        System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_."u8);

    private static bool LabelsFit(ReadOnlySpan<byte> identity)
    {
        while (true)
        {
            var dot = identity.IndexOf((byte)'.');
            if ((dot < 0 ? identity.Length : dot) > 63) return false;
            if (dot < 0) return true;
            identity = identity[(dot + 1)..];
        }
    }

    private static bool Check<T>(ReadOnlySpan<T> identity, out string reason) where T : System.Numerics.IBinaryInteger<T>
    {
        if (identity.IsEmpty) { reason = "empty"; return false; }
        if (identity.Length > 255) { reason = $"{identity.Length} characters, more than 255"; return false; }
        var labelLength = 0;
        foreach (var unit in identity)
        {
            var c = (char)int.CreateTruncating(unit);
            if (c == '.')
            {
                if (labelLength == 0) { reason = "an empty label"; return false; }
                labelLength = 0;
                continue;
            }
            if (!(char.IsAsciiLetterOrDigit(c) || c == '-' || c == '_'))
            { reason = $"character '{c}' (U+{(int)c:X4}) is not allowed in a host name"; return false; }
            if (++labelLength > 63) { reason = "a label longer than 63 characters"; return false; }
        }
        reason = "";
        return true;
    }
}
