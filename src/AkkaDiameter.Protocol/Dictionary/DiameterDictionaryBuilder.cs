using System.Globalization;
using System.Text.RegularExpressions;
using AkkaDiameter.Protocol.DataTypes;

namespace AkkaDiameter.Protocol.Dictionary;

/// <summary>
/// Builds a <see cref="DiameterDictionary"/> from dictionary files (format: src/AkkaDiameter.Protocol/Dictionary/README.md).
/// Files are read in order; names are resolved when <see cref="Build"/> runs, so a file may use AVPs defined in a
/// later one. A later AVP with the same (code, vendor) replaces an earlier one, which lets a user file correct a
/// shipped definition.
/// </summary>
public sealed partial class DiameterDictionaryBuilder
{
    private readonly Dictionary<ulong, AvpDefinition> _avps = [];
    private readonly Dictionary<string, AvpDefinition> _avpsByName = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<(string Avp, long Value, string Label, string Where)> _enums = [];
    private readonly Dictionary<ulong, CommandDefinition> _commands = [];
    private readonly Dictionary<uint, ApplicationDefinition> _applications = [];
    private readonly Dictionary<uint, string> _vendors = new() { [0] = "IETF" };
    private readonly List<AbnfBlock> _blocks = [];
    private readonly List<(string Owner, string[] Alternatives, string Where)> _oneOfs = [];

    private sealed record AbnfBlock(string Name, string Header, List<(string Line, string Where)> Lines, string Where);

    /// <summary>Adds the RFC 6733 base dictionary shipped in this assembly.</summary>
    public DiameterDictionaryBuilder AddBase() => AddEmbedded("base");

    /// <summary>Adds the 3GPP TS 29.272 S6a/S6d dictionary shipped in this assembly.</summary>
    public DiameterDictionaryBuilder AddS6a() => AddEmbedded("s6a");

    /// <summary>Adds a dictionary file from disk.</summary>
    public DiameterDictionaryBuilder AddFile(string path) => AddText(File.ReadAllText(path), path);

    /// <summary>Adds dictionary text; <paramref name="source"/> names it in error messages.</summary>
    /// <exception cref="DictionaryException">A line is malformed; the message gives source and line number.</exception>
    public DiameterDictionaryBuilder AddText(string text, string source)
    {
        var lines = text.Split('\n');
        AbnfBlock? block = null;
        for (var n = 0; n < lines.Length; n++)
        {
            var where = $"{source}:{n + 1}";
            var line = StripComment(lines[n]).Trim();
            if (line.Length == 0) { block = null; continue; }
            var isHead = line.Contains("::=", StringComparison.Ordinal);
            if (block is not null && !isHead && IsLayoutLine(line)) { block.Lines.Add((line, where)); continue; }
            block = null;
            if (isHead)
            {
                var m = AbnfHead().Match(line);
                if (!m.Success) throw new DictionaryException($"{where}: expected '<Name> ::= < Diameter Header: ... >' or '< AVP Header: ... >'");
                block = new AbnfBlock(m.Groups["name"].Value.Trim(), m.Groups["header"].Value.Trim(), [], where);
                _blocks.Add(block);
                continue;
            }
            var words = line.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            try
            {
                switch (words[0])
                {
                    case "vendor": Need(words, 3); _vendors[ParseUInt(words[1], "vendor id")] = string.Join(' ', words[2..]); break;
                    case "application": AddApplication(words); break;
                    case "command": AddCommand(words); break;
                    case "avp": AddAvp(words, where); break;
                    case "enum": Need(words, 4); _enums.Add((words[1], ParseLong(words[2]), words[3], where)); break;
                    case "oneof": Need(words, 4); _oneOfs.Add((words[1], words[2..], where)); break;
                    default: throw new DictionaryException($"unknown statement '{words[0]}'");
                }
            }
            catch (DictionaryException e) when (!e.Message.StartsWith(source, StringComparison.Ordinal))
            {
                throw new DictionaryException($"{where}: {e.Message}");
            }
        }
        return this;
    }

    // Numbers each Build(), so a layout knows which definitions' ordinals it indexes (AvpLayout.Find).
    private static int s_builds;

    /// <summary>Resolves every name and returns the immutable dictionary.</summary>
    /// <exception cref="DictionaryException">A layout, enum or oneof names an AVP or command that is not defined.</exception>
    public DiameterDictionary Build()
    {
        foreach (var (avpName, value, label, where) in _enums)
        {
            var avp = _avpsByName.GetValueOrDefault(avpName) ?? throw new DictionaryException($"{where}: enum for unknown AVP '{avpName}'");
            avp._values[value] = label;
        }
        var generation = Interlocked.Increment(ref s_builds);
        foreach (var avp in _avps.Values) avp.Generation = generation;
        AvpLayout? answerMessage = null;
        var layoutsByName = new Dictionary<string, AvpLayout>(StringComparer.OrdinalIgnoreCase);
        foreach (var block in _blocks)
        {
            var layout = new AvpLayout(block.Name, block.Lines.Select(l => ParseRule(l.Line, l.Where)).ToList(), generation);
            layoutsByName[block.Name] = layout;
            var avpHeader = AvpHeader().Match(block.Header);
            if (avpHeader.Success)
            {
                var code = ParseUInt(avpHeader.Groups["code"].Value, "AVP code");
                var vendor = avpHeader.Groups["vendor"].Success ? ParseUInt(avpHeader.Groups["vendor"].Value, "vendor id") : 0;
                var avp = _avps.GetValueOrDefault(AvpDefinition.KeyOf(code, vendor))
                    ?? throw new DictionaryException($"{block.Where}: layout <{block.Name}> is for AVP {code}/{vendor}, which is not defined");
                if (avp.Type != AvpDataType.Grouped)
                    throw new DictionaryException($"{block.Where}: layout <{block.Name}> is for {avp.Name}, which is {avp.Type}, not Grouped");
                avp.Layout = layout;
                continue;
            }
            var cmd = CommandHeader().Match(block.Header);
            if (!cmd.Success) throw new DictionaryException($"{block.Where}: cannot read header '{block.Header}'");
            var flags = cmd.Groups["flags"].Captures.Select(c => c.Value.Trim().Trim('[', ']', ',', ' ')).ToHashSet();
            if (cmd.Groups["code"].Value == "code") { answerMessage = layout; continue; }
            var commandCode = ParseUInt(cmd.Groups["code"].Value, "command code");
            var appId = cmd.Groups["app"].Success ? ParseUInt(cmd.Groups["app"].Value, "application id") : 0;
            var isRequest = flags.Contains("REQ");
            if (!_commands.TryGetValue(CommandKey(commandCode, appId), out var command))
            {
                var baseName = Regex.Replace(block.Name, "-(Request|Answer)$", "");
                command = new CommandDefinition(commandCode, baseName, null, null, appId);
                _commands[CommandKey(commandCode, appId)] = command;
            }
            if (isRequest) { command.RequestLayout = layout; command.Proxiable = flags.Contains("PXY"); }
            else command.AnswerLayout = layout;
        }
        foreach (var (owner, alternatives, where) in _oneOfs)
        {
            var layout = FindOwnerLayout(owner, layoutsByName)
                ?? throw new DictionaryException($"{where}: oneof names '{owner}', which has no layout");
            layout.AddOneOf(alternatives.Select(a => _avpsByName.GetValueOrDefault(a)
                ?? throw new DictionaryException($"{where}: oneof names unknown AVP '{a}'")).ToList());
        }
        return new DiameterDictionary(_avps.Values, _commands.Values, _applications.Values, _vendors, answerMessage);
    }

    private AvpLayout? FindOwnerLayout(string owner, Dictionary<string, AvpLayout> layoutsByName)
    {
        if (_avpsByName.TryGetValue(owner, out var avp) && avp.Layout is not null) return avp.Layout;
        foreach (var c in _commands.Values)
        {
            if (string.Equals(c.RequestAbbreviation, owner, StringComparison.OrdinalIgnoreCase)) return c.RequestLayout;
            if (string.Equals(c.AnswerAbbreviation, owner, StringComparison.OrdinalIgnoreCase)) return c.AnswerLayout;
        }
        return layoutsByName.GetValueOrDefault(owner);
    }

    private LayoutRule ParseRule(string line, string where)
    {
        var m = RuleLine().Match(line);
        if (!m.Success) throw new DictionaryException($"{where}: cannot read layout line '{line}'");
        var open = m.Groups["open"].Value[0];
        var close = m.Groups["close"].Value[0];
        if ((open, close) is not (('<', '>') or ('{', '}') or ('[', ']')))
            throw new DictionaryException($"{where}: brackets do not match in '{line}'");
        var name = m.Groups["name"].Value;
        var star = m.Groups["star"].Success;
        var fixedRule = open == '<';
        var required = open == '{';
        int min, max;
        if (!star)
        {
            if (m.Groups["min"].Value.Length > 0) throw new DictionaryException($"{where}: a count needs '*' in '{line}'");
            min = fixedRule || required ? 1 : 0;
            max = 1;
        }
        else
        {
            // RFC 6733 §3.2: min defaults to one for required rules, zero otherwise; max defaults to infinity.
            min = m.Groups["min"].Value.Length > 0 ? (int)ParseUInt(m.Groups["min"].Value, "min") : required ? 1 : 0;
            max = m.Groups["max"].Value.Length > 0 ? (int)ParseUInt(m.Groups["max"].Value, "max") : int.MaxValue;
        }
        if (required && min < 1) throw new DictionaryException($"{where}: a required rule needs min >= 1 (RFC 6733 §3.2)");
        if (max < min) throw new DictionaryException($"{where}: max below min in '{line}'");
        if (name.Equals("AVP", StringComparison.Ordinal)) return new LayoutRule("AVP", null, min, max, fixedRule, required);
        var avp = _avpsByName.GetValueOrDefault(name) ?? throw new DictionaryException($"{where}: layout names unknown AVP '{name}'");
        return new LayoutRule(avp.Name, avp, min, max, fixedRule, required);
    }

    private void AddApplication(string[] words)
    {
        Need(words, 3);
        var id = ParseUInt(words[1], "application id");
        var accounting = words.Skip(3).Contains("acct");
        var vendor = Option(words, "vendor") is { } v ? ParseUInt(v, "vendor") : 0;
        _applications[id] = new ApplicationDefinition(id, words[2], accounting, vendor);
    }

    private void AddCommand(string[] words)
    {
        Need(words, 5);
        var code = ParseUInt(words[1], "command code");
        var app = Option(words, "application") is { } a ? ParseUInt(a, "application id") : 0;
        _commands[CommandKey(code, app)] = new CommandDefinition(code, words[2], words[3], words[4], app);
    }

    private void AddAvp(string[] words, string where)
    {
        Need(words, 5);
        var name = words[1];
        var code = ParseUInt(words[2], "AVP code");
        if (!Enum.TryParse<AvpDataType>(words[3], ignoreCase: false, out var type) || int.TryParse(words[3], out _))
            throw new DictionaryException($"'{words[3]}' is not a data type ({string.Join(", ", Enum.GetNames<AvpDataType>())})");
        var flags = words[4];
        if (flags != "-" && flags.Any(c => c is not ('M' or 'P')))
            throw new DictionaryException($"flags '{flags}' may hold only M and P, or be '-'");
        var vendor = Option(words, "vendor") is { } v ? ParseUInt(v, "vendor id") : 0;
        var lenient = Option(words, "lenient") is { } l
            ? l == "M" ? true : throw new DictionaryException($"lenient={l}: only lenient=M is defined")
            : false;
        var def = new AvpDefinition(name, code, vendor, type, flags.Contains('M'), flags.Contains('P'), lenient, where);
        var key = AvpDefinition.KeyOf(code, vendor);
        if (_avpsByName.TryGetValue(name, out var existing) && AvpDefinition.KeyOf(existing.Code, existing.VendorId) != key)
            throw new DictionaryException($"AVP name '{name}' is already {existing} ({existing.Source})");
        if (_avps.TryGetValue(key, out var replaced)) _avpsByName.Remove(replaced.Name);
        _avps[key] = def;
        _avpsByName[name] = def;
    }

    private DiameterDictionaryBuilder AddEmbedded(string name)
    {
        var resource = $"AkkaDiameter.Protocol.Dictionary.{name}.dict";
        using var stream = typeof(DiameterDictionaryBuilder).Assembly.GetManifestResourceStream(resource)
            ?? throw new DictionaryException($"embedded dictionary {resource} is missing");
        using var reader = new StreamReader(stream);
        return AddText(reader.ReadToEnd(), name + ".dict");
    }

    private static bool IsLayoutLine(string line) => line[0] is '<' or '{' or '[' or '*' || char.IsAsciiDigit(line[0]);

    private static string StripComment(string line)
    {
        var hash = line.IndexOf('#');
        return hash < 0 ? line : line[..hash];
    }

    private static string? Option(string[] words, string key) =>
        words.Where(w => w.StartsWith(key + "=", StringComparison.Ordinal)).Select(w => w[(key.Length + 1)..]).FirstOrDefault();

    private static void Need(string[] words, int count)
    {
        if (words.Length < count) throw new DictionaryException($"'{words[0]}' needs {count - 1} fields, got {words.Length - 1}");
    }

    private static uint ParseUInt(string s, string what) =>
        uint.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v
            : throw new DictionaryException($"{what} '{s}' is not an unsigned 32-bit number");

    private static long ParseLong(string s) =>
        long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) ? v
            : throw new DictionaryException($"value '{s}' is not a number");

    private static ulong CommandKey(uint code, uint app) => ((ulong)app << 32) | code;

    [GeneratedRegex(@"^<\s*(?<name>[^>]+?)\s*>\s*::=\s*<\s*(?<header>[^>]+?)\s*>$")]
    private static partial Regex AbnfHead();
    [GeneratedRegex(@"^AVP Header:\s*(?<code>\d+)(\s+(?<vendor>\d+))?$")]
    private static partial Regex AvpHeader();
    [GeneratedRegex(@"^Diameter Header:\s*(?<code>\d+|code)(?<flags>\s*\[?,\s*(REQ|PXY|ERR)\]?)*(\s*,\s*(?<app>\d+))?$")]
    private static partial Regex CommandHeader();
    [GeneratedRegex(@"^(?<min>\d*)(?<star>\*)?(?<max>\d*)\s*(?<open>[<{\[])\s*(?<name>[\w-]+)\s*(?<close>[>}\]])$")]
    private static partial Regex RuleLine();
}
