using System.Globalization;
using System.Net;

namespace AkkaDiameter.Protocol.DataTypes;

/// <summary>One end of an <see cref="IPFilterRule"/>: <c>[!] (any | assigned | ipno[/bits]) [ports]</c>.</summary>
/// <param name="Negated">The <c>!</c> prefix: everything except this address.</param>
/// <param name="Address">"any", "assigned", or an address with an optional /bits mask.</param>
/// <param name="Ports">The port list (<c>80,1000-2000</c>), empty when absent.</param>
public sealed record IPFilterEndpoint(bool Negated, string Address, string Ports)
{
    /// <inheritdoc/>
    public override string ToString() => (Negated ? "!" : "") + Address + (Ports.Length > 0 ? " " + Ports : "");
}

/// <summary>
/// An IPFilterRule (RFC 6733 §4.3.1): <c>action dir proto from src to dst [options]</c>, with action
/// <c>permit|deny</c>, dir <c>in|out</c>, proto an IP protocol number or <c>ip</c>, and the options
/// <c>frag</c>, <c>ipoptions spec</c>, <c>tcpoptions spec</c>, <c>established</c>, <c>setup</c>,
/// <c>tcpflags spec</c>, <c>icmptypes types</c>.
/// </summary>
/// <param name="Permit">True for <c>permit</c>, false for <c>deny</c>.</param>
/// <param name="Out">True for <c>out</c> (from the terminal), false for <c>in</c>.</param>
/// <param name="Protocol">The IP protocol number; null for <c>ip</c> (any protocol).</param>
/// <param name="Source">The <c>from</c> end.</param>
/// <param name="Destination">The <c>to</c> end.</param>
/// <param name="Options">The options, each with its argument where it takes one.</param>
public sealed record IPFilterRule(bool Permit, bool Out, int? Protocol, IPFilterEndpoint Source, IPFilterEndpoint Destination,
    IReadOnlyList<string> Options)
{
    private static readonly HashSet<string> BareOptions = ["frag", "established", "setup"];
    private static readonly HashSet<string> OptionsWithArgument = ["ipoptions", "tcpoptions", "tcpflags", "icmptypes"];

    /// <summary>Parses a rule.</summary>
    /// <exception cref="FormatException">Not a rule; the message names the word that is wrong.</exception>
    public static IPFilterRule Parse(string text) =>
        TryParse(text, out var rule, out var error) ? rule : throw new FormatException(error);

    /// <summary>Parses a rule without throwing.</summary>
    public static bool TryParse(string text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IPFilterRule? rule, out string error)
    {
        rule = null;
        var words = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var i = 0;
        string? Next() => i < words.Length ? words[i++] : null;

        bool permit;
        switch (Next())
        {
            case "permit": permit = true; break;
            case "deny": permit = false; break;
            case var w: error = $"action '{w}' is not permit or deny"; return false;
        }
        bool isOut;
        switch (Next())
        {
            case "in": isOut = false; break;
            case "out": isOut = true; break;
            case var w: error = $"direction '{w}' is not in or out"; return false;
        }
        int? proto;
        var protoWord = Next();
        if (protoWord == "ip") proto = null;
        else if (protoWord is not null && int.TryParse(protoWord, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p <= 255) proto = p;
        else { error = $"protocol '{protoWord}' is not ip or a number 0-255"; return false; }

        if (Next() != "from") { error = "expected 'from'"; return false; }
        if (!TryEndpoint(words, ref i, out var src, out error)) return false;
        if (Next() != "to") { error = "expected 'to'"; return false; }
        if (!TryEndpoint(words, ref i, out var dst, out error)) return false;

        var options = new List<string>();
        while (Next() is { } option)
        {
            if (BareOptions.Contains(option)) options.Add(option);
            else if (OptionsWithArgument.Contains(option))
            {
                var arg = Next();
                if (arg is null) { error = $"option '{option}' needs an argument"; return false; }
                options.Add(option + " " + arg);
            }
            else { error = $"unknown option '{option}'"; return false; }
        }
        rule = new IPFilterRule(permit, isOut, proto, src, dst, options);
        error = "";
        return true;
    }

    private static bool TryEndpoint(string[] words, ref int i, out IPFilterEndpoint endpoint, out string error)
    {
        endpoint = null!;
        if (i >= words.Length) { error = "missing address"; return false; }
        var word = words[i++];
        var negated = word.StartsWith('!');
        if (negated) word = word[1..];
        if (word.Length == 0 && i < words.Length) word = words[i++];
        if (word is not ("any" or "assigned"))
        {
            var slash = word.IndexOf('/');
            var ip = slash < 0 ? word : word[..slash];
            if (!IPAddress.TryParse(ip, out var addr)) { error = $"'{word}' is not an address"; return false; }
            if (slash >= 0)
            {
                var max = addr.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128;
                if (!int.TryParse(word[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var bits) || bits > max)
                { error = $"'{word}' has a bad mask"; return false; }
            }
        }
        var ports = "";
        if (i < words.Length && words[i].Length > 0 && char.IsAsciiDigit(words[i][0]))
        {
            ports = words[i++];
            foreach (var range in ports.Split(','))
            {
                var ends = range.Split('-');
                if (ends.Length > 2 || ends.Any(e => !ushort.TryParse(e, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
                { error = $"'{ports}' is not a port list"; return false; }
            }
        }
        endpoint = new IPFilterEndpoint(negated, word, ports);
        error = "";
        return true;
    }

    /// <summary>The rule in its text form.</summary>
    public override string ToString() =>
        string.Join(' ', new[] { Permit ? "permit" : "deny", Out ? "out" : "in",
            Protocol?.ToString(CultureInfo.InvariantCulture) ?? "ip", "from", Source.ToString(), "to", Destination.ToString() }
            .Concat(Options));
}
