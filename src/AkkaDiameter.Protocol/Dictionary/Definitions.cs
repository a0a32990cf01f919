using System.Collections.Frozen;
using AkkaDiameter.Protocol.DataTypes;
using AkkaDiameter.Protocol.Wire;

namespace AkkaDiameter.Protocol.Dictionary;

/// <summary>One AVP of the dictionary: name, code, vendor, data format, flag rules, named values, grouped layout.</summary>
public sealed class AvpDefinition
{
    internal AvpDefinition(string name, uint code, uint vendorId, AvpDataType type, bool mandatory, bool @protected,
        bool mandatoryLenient, string source)
    {
        Name = name; Code = code; VendorId = vendorId; Type = type;
        Mandatory = mandatory; Protected = @protected; MandatoryLenient = mandatoryLenient; Source = source;
        FixedLength = AvpValue.FixedLength(type);
        Ordinal = Interlocked.Increment(ref s_nextOrdinal);
    }

    private static int s_nextOrdinal;

    /// <summary>A number no other definition has, from 1 up: lets a layout find an AVP's rule by array index, not by
    /// hashing its (code, vendor) again for every AVP of every message validated.</summary>
    internal int Ordinal { get; }

    /// <summary>Which <see cref="DiameterDictionaryBuilder.Build"/> the definition was last built into; a layout of the
    /// same build can trust <see cref="Ordinal"/> alone.</summary>
    internal int Generation { get; set; }

    /// <summary>The payload length the format requires, or -1 when it varies (<see cref="AvpValue.FixedLength"/>).</summary>
    internal int FixedLength { get; }

    /// <summary>The AVP name as the specification writes it (<c>User-Name</c>).</summary>
    public string Name { get; }
    /// <summary>AVP code.</summary>
    public uint Code { get; }
    /// <summary>Vendor-ID; 0 for IETF AVPs, which carry no Vendor-ID field.</summary>
    public uint VendorId { get; }
    /// <summary>Data format.</summary>
    public AvpDataType Type { get; }
    /// <summary>Whether the M bit is set when this node sends the AVP.</summary>
    public bool Mandatory { get; }
    /// <summary>Whether the P bit is set when this node sends the AVP.</summary>
    public bool Protected { get; }
    /// <summary>Whether a received M bit is accepted either way (the sources disagree, or the rule is "may").</summary>
    public bool MandatoryLenient { get; }
    /// <summary>Where the definition came from (file and line).</summary>
    public string Source { get; }
    /// <summary>Named values (Enumerated values, or names given to Unsigned32 values such as Result-Code).</summary>
    public IReadOnlyDictionary<long, string> Values => _values;
    /// <summary>The member layout of a Grouped AVP; null for other types or when the dictionary gives none.</summary>
    public AvpLayout? Layout { get; internal set; }

    internal readonly Dictionary<long, string> _values = [];
    private Dictionary<string, long>? _byLabel;

    /// <summary>The flags this node puts on the AVP when sending it.</summary>
    public AvpFlags SendFlags =>
        (VendorId != 0 ? AvpFlags.Vendor : AvpFlags.None) | (Mandatory ? AvpFlags.Mandatory : AvpFlags.None)
        | (Protected ? AvpFlags.Protected : AvpFlags.None);

    /// <summary>The name of a value, or null when it has none.</summary>
    public string? NameOf(long value) => _values.GetValueOrDefault(value);

    /// <summary>The value with the given name, or null.</summary>
    public long? ValueOf(string label)
    {
        _byLabel ??= _values.GroupBy(kv => kv.Value, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.First().Key, StringComparer.OrdinalIgnoreCase);
        return _byLabel.TryGetValue(label, out var v) ? v : null;
    }

    /// <summary>Lookup key of a (code, vendor) pair.</summary>
    public static ulong KeyOf(uint code, uint vendorId) => ((ulong)vendorId << 32) | code;

    /// <inheritdoc/>
    public override string ToString() => VendorId == 0 ? $"{Name} ({Code})" : $"{Name} ({Code}, vendor {VendorId})";
}

/// <summary>A Diameter application: id, name, whether it is an accounting application.</summary>
/// <param name="Id">Application-ID.</param>
/// <param name="Name">Name, e.g. <c>S6a/S6d</c>.</param>
/// <param name="Accounting">True for an accounting application (advertised in Acct-Application-Id).</param>
/// <param name="VendorId">Vendor of a vendor-specific application (advertised in Vendor-Specific-Application-Id), else 0.</param>
public sealed record ApplicationDefinition(uint Id, string Name, bool Accounting, uint VendorId);

/// <summary>A command: code, name, abbreviations, application and the request and answer layouts.</summary>
public sealed class CommandDefinition
{
    internal CommandDefinition(uint code, string name, string? requestAbbreviation, string? answerAbbreviation, uint applicationId)
    {
        Code = code; Name = name; RequestAbbreviation = requestAbbreviation; AnswerAbbreviation = answerAbbreviation;
        ApplicationId = applicationId;
    }

    /// <summary>Command code.</summary>
    public uint Code { get; }
    /// <summary>Name without -Request/-Answer (<c>Update-Location</c>).</summary>
    public string Name { get; }
    /// <summary>Abbreviation of the request (<c>ULR</c>), if known.</summary>
    public string? RequestAbbreviation { get; }
    /// <summary>Abbreviation of the answer (<c>ULA</c>), if known.</summary>
    public string? AnswerAbbreviation { get; }
    /// <summary>The application the command belongs to; 0 for base protocol commands, usable with any application.</summary>
    public uint ApplicationId { get; }
    /// <summary>The request's layout.</summary>
    public AvpLayout? RequestLayout { get; internal set; }
    /// <summary>The answer's layout.</summary>
    public AvpLayout? AnswerLayout { get; internal set; }
    /// <summary>Whether the request's header rule says PXY.</summary>
    public bool Proxiable { get; internal set; }

    /// <summary>The short name for a request or an answer: the abbreviation, else the long name.</summary>
    public string ShortName(bool request) =>
        (request ? RequestAbbreviation : AnswerAbbreviation) ?? Name + (request ? "-Request" : "-Answer");

    /// <inheritdoc/>
    public override string ToString() => $"{Name} ({Code})";
}

/// <summary>One line of a layout (RFC 6733 §3.2): the AVP, how many times it may occur, and whether it is fixed.</summary>
/// <param name="AvpName">The AVP name, or <c>AVP</c> for the generic rule.</param>
/// <param name="Avp">The AVP, or null for the generic rule.</param>
/// <param name="Min">Fewest occurrences.</param>
/// <param name="Max">Most occurrences; <see cref="int.MaxValue"/> for unbounded.</param>
/// <param name="Fixed">A fixed-position rule (<c>&lt; x &gt;</c>).</param>
/// <param name="Required">A required rule (<c>{ x }</c>).</param>
public sealed record LayoutRule(string AvpName, AvpDefinition? Avp, int Min, int Max, bool Fixed, bool Required)
{
    /// <summary>Position of the rule in its layout: lets a validator count occurrences in an array, not a hash table.</summary>
    public int Index { get; internal set; }

    /// <summary>The rule in RFC 6733 notation.</summary>
    public override string ToString()
    {
        var (open, close) = Fixed ? ("<", ">") : Required ? ("{", "}") : ("[", "]");
        var exactlyDefault = Max == 1 && Min == (Fixed || Required ? 1 : 0);
        var qualifier = exactlyDefault ? "" :
            (Min == 0 ? "" : Min.ToString(System.Globalization.CultureInfo.InvariantCulture)) + "*"
            + (Max == int.MaxValue ? "" : Max.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return $"{qualifier}{open} {AvpName} {close}";
    }
}

/// <summary>The layout of a command or grouped AVP: its rules in order, plus "exactly one of" constraints.</summary>
public sealed class AvpLayout
{
    private readonly FrozenDictionary<ulong, LayoutRule> _byKey;
    private readonly List<IReadOnlyList<AvpDefinition>> _oneOf = [];
    // Rule per definition ordinal (see AvpDefinition.Ordinal), offset from the smallest ordinal in the layout; null
    // where the layout has no rule. Definitions are numbered as they are read, so one layout's span a few hundred at most.
    private readonly LayoutRule?[] _byOrdinal;
    private readonly int _firstOrdinal;
    private readonly int _generation;

    internal AvpLayout(string name, IReadOnlyList<LayoutRule> rules, int generation = 0)
    {
        Name = name;
        _generation = generation;
        Rules = rules;
        for (var i = 0; i < rules.Count; i++) rules[i].Index = i;
        var byKey = new Dictionary<ulong, LayoutRule>();
        foreach (var r in rules)
        {
            if (r.Avp is null) Generic = r;
            else byKey.TryAdd(AvpDefinition.KeyOf(r.Avp.Code, r.Avp.VendorId), r);
        }
        _byKey = byKey.ToFrozenDictionary();
        RuleArray = [.. rules];
        RequiredRules = [.. rules.Where(r => r.Min > 0)];
        var listed = byKey.Values.Select(r => r.Avp!.Ordinal).ToList();
        _firstOrdinal = listed.Count == 0 ? 0 : listed.Min();
        _byOrdinal = new LayoutRule?[listed.Count == 0 ? 0 : listed.Max() - _firstOrdinal + 1];
        foreach (var r in byKey.Values) _byOrdinal[r.Avp!.Ordinal - _firstOrdinal] = r;
    }

    /// <summary>The rule name (<c>Update-Location-Request</c>).</summary>
    public string Name { get; }
    /// <summary>Rules in the order written.</summary>
    public IReadOnlyList<LayoutRule> Rules { get; }
    /// <summary>The <c>*[ AVP ]</c> rule when present: AVPs not listed are allowed.</summary>
    public LayoutRule? Generic { get; }
    /// <summary>Groups of AVPs of which exactly one must be present (RFC 6733 §6.11 and TS 29.272 §7.2 wording).</summary>
    public IReadOnlyList<IReadOnlyList<AvpDefinition>> OneOf => _oneOf;

    // What the validator walks for every message: arrays, so no interface call per element.
    internal LayoutRule[] RuleArray { get; }
    internal LayoutRule[] RequiredRules { get; }
    internal AvpDefinition[][] OneOfArray { get; private set; } = [];

    internal void AddOneOf(IReadOnlyList<AvpDefinition> alternatives)
    {
        _oneOf.Add(alternatives);
        OneOfArray = [.. _oneOf.Select(o => o.ToArray())];
    }

    /// <summary>The rule for an AVP, or null when it is not listed.</summary>
    public LayoutRule? Find(uint code, uint vendorId) => _byKey.GetValueOrDefault(AvpDefinition.KeyOf(code, vendorId));

    /// <summary>The rule for an AVP, or null when it is not listed: by its definition's ordinal when the definition
    /// comes from the same dictionary build as the layout, else (another dictionary's AVP, or an unknown one) by
    /// (code, vendor). <paramref name="definition"/> is what a dictionary gave for (<paramref name="code"/>,
    /// <paramref name="vendorId"/>), null when it has none.</summary>
    internal LayoutRule? Find(AvpDefinition? definition, uint code, uint vendorId)
    {
        if (definition is not { } def || def.Generation != _generation || _generation == 0) return Find(code, vendorId);
        var i = def.Ordinal - _firstOrdinal;
        return (uint)i < (uint)_byOrdinal.Length ? _byOrdinal[i] : null;
    }
}
