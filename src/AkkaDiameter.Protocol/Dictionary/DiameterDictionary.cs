using System.Collections.Frozen;

namespace AkkaDiameter.Protocol.Dictionary;

/// <summary>
/// An immutable Diameter dictionary: AVPs looked up by (code, vendor) — never by code alone — and by name,
/// commands by (code, application), applications and vendors. Built from dictionary files
/// (<see cref="DiameterDictionaryBuilder"/>); <see cref="Default"/> holds RFC 6733 and 3GPP TS 29.272 S6a/S6d.
/// </summary>
public sealed class DiameterDictionary
{
    private static readonly Lazy<DiameterDictionary> LazyDefault =
        new(() => new DiameterDictionaryBuilder().AddBase().AddS6a().Build());
    private static readonly Lazy<DiameterDictionary> LazyBase = new(() => new DiameterDictionaryBuilder().AddBase().Build());

    private readonly FrozenDictionary<ulong, AvpDefinition> _avpsByKey;
    private readonly AvpKeyTable _avpTable;
    private readonly FrozenDictionary<string, AvpDefinition> _avpsByName;
    // The names as the dictionary spells them: what code passes nearly always ("Origin-Host"). An ordinal lookup
    // hashes a few characters; the case-insensitive one, only tried after it, folds case over the whole name.
    private readonly FrozenDictionary<string, AvpDefinition> _avpsByExactName;
    private readonly FrozenDictionary<ulong, CommandDefinition> _commands;
    private readonly FrozenDictionary<uint, CommandDefinition> _commandsByCode;
    private readonly FrozenDictionary<string, CommandDefinition> _commandsByName;
    private readonly FrozenDictionary<uint, ApplicationDefinition> _applications;
    private readonly FrozenDictionary<uint, string> _vendors;

    internal DiameterDictionary(IEnumerable<AvpDefinition> avps, IEnumerable<CommandDefinition> commands,
        IEnumerable<ApplicationDefinition> applications, IReadOnlyDictionary<uint, string> vendors, AvpLayout? answerMessage)
    {
        var avpList = avps.ToList();
        _avpsByKey = avpList.ToFrozenDictionary(a => AvpDefinition.KeyOf(a.Code, a.VendorId));
        _avpTable = new AvpKeyTable(avpList);
        _avpsByName = avpList.ToFrozenDictionary(a => a.Name, StringComparer.OrdinalIgnoreCase);
        _avpsByExactName = avpList.ToFrozenDictionary(a => a.Name, StringComparer.Ordinal);
        var commandList = commands.ToList();
        _commands = commandList.ToFrozenDictionary(c => CommandKey(c.Code, c.ApplicationId));
        _commandsByCode = commandList.GroupBy(c => c.Code).ToFrozenDictionary(g => g.Key, g => g.First());
        var names = new Dictionary<string, CommandDefinition>(StringComparer.OrdinalIgnoreCase);
        foreach (var c in commandList)
        {
            names.TryAdd(c.Name, c);
            if (c.RequestAbbreviation is { } r) names.TryAdd(r, c);
            if (c.AnswerAbbreviation is { } a) names.TryAdd(a, c);
            names.TryAdd(c.Name + "-Request", c);
            names.TryAdd(c.Name + "-Answer", c);
        }
        _commandsByName = names.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
        _applications = applications.ToFrozenDictionary(a => a.Id);
        _vendors = vendors.ToFrozenDictionary();
        AnswerMessageLayout = answerMessage;
    }

    /// <summary>RFC 6733 base protocol plus 3GPP TS 29.272 S6a/S6d, built once.</summary>
    public static DiameterDictionary Default => LazyDefault.Value;
    /// <summary>RFC 6733 base protocol only.</summary>
    public static DiameterDictionary Base => LazyBase.Value;

    /// <summary>The layout of answers with the E bit set (RFC 6733 §7.2 answer-message).</summary>
    public AvpLayout? AnswerMessageLayout { get; }
    /// <summary>Every AVP.</summary>
    public IEnumerable<AvpDefinition> Avps => _avpsByKey.Values;
    /// <summary>Every command.</summary>
    public IEnumerable<CommandDefinition> Commands => _commands.Values;
    /// <summary>Every application.</summary>
    public IEnumerable<ApplicationDefinition> Applications => _applications.Values;

    /// <summary>The AVP with this code and vendor, or null. An IETF AVP has vendor 0.</summary>
    public AvpDefinition? FindAvp(uint code, uint vendorId) => _avpTable.Find(AvpDefinition.KeyOf(code, vendorId));

    /// <summary>The AVP with this name (case-insensitive), or null.</summary>
    public AvpDefinition? FindAvp(string name) => _avpsByExactName.GetValueOrDefault(name) ?? _avpsByName.GetValueOrDefault(name);

    /// <summary>The AVP with this name.</summary>
    /// <exception cref="DictionaryException">No AVP has that name.</exception>
    public AvpDefinition GetAvp(string name) =>
        FindAvp(name) ?? throw new DictionaryException($"the dictionary has no AVP named '{name}'");

    /// <summary>The command with this code for this application; base protocol commands (application 0) match any application.</summary>
    public CommandDefinition? FindCommand(uint code, uint applicationId) =>
        _commands.GetValueOrDefault(CommandKey(code, applicationId))
        ?? (_commands.GetValueOrDefault(CommandKey(code, 0)));

    /// <summary>Some command with this code, whatever its application: for display only.</summary>
    public CommandDefinition? FindCommandByCode(uint code) => _commandsByCode.GetValueOrDefault(code);

    /// <summary>The command with this name or abbreviation (<c>ULR</c>, <c>Update-Location</c>, <c>Update-Location-Request</c>).</summary>
    /// <exception cref="DictionaryException">No command has that name.</exception>
    public CommandDefinition GetCommand(string name) =>
        _commandsByName.GetValueOrDefault(name) ?? throw new DictionaryException($"the dictionary has no command named '{name}'");

    /// <summary>The application with this id, or null.</summary>
    public ApplicationDefinition? FindApplication(uint id) => _applications.GetValueOrDefault(id);

    /// <summary>The vendor's name, or null.</summary>
    public string? VendorName(uint vendorId) => _vendors.GetValueOrDefault(vendorId);

    /// <summary>The name of a Result-Code or Experimental-Result-Code value, or null.</summary>
    public string? ResultCodeName(uint code) =>
        FindAvp(268, 0)?.NameOf(code) ?? FindAvp(298, 0)?.NameOf(code);

    private static ulong CommandKey(uint code, uint applicationId) => ((ulong)applicationId << 32) | code;
}

/// <summary>A dictionary file is wrong, or a name is not in the dictionary.</summary>
public sealed class DictionaryException(string message) : DiameterException(message);
