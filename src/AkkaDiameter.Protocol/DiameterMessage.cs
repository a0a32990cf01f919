using System.Buffers;
using AkkaDiameter.Protocol.Codec;
using AkkaDiameter.Protocol.Dictionary;
using AkkaDiameter.Protocol.Formatting;
using AkkaDiameter.Protocol.Validation;
using AkkaDiameter.Protocol.Wire;

namespace AkkaDiameter.Protocol;

/// <summary>
/// A Diameter message (RFC 6733 §3): header fields and AVPs.
/// <code>
/// var ulr = DiameterMessage.CreateRequest("ULR")
///     .Add("Session-Id", "mme.example;1;1")
///     .Add("Auth-Session-State", "NO_STATE_MAINTAINED")
///     .Add("User-Name", "001010000000001");
/// byte[] wire = ulr.Encode();
/// var back = DiameterMessage.Decode(wire);           // throws DiameterDecodeException with a Result-Code
/// var ula = back.CreateAnswer().Add("Result-Code", ResultCodes.Success);
/// </code>
/// </summary>
public sealed class DiameterMessage : AvpContainer<DiameterMessage>
{
    private readonly DiameterDictionary _dictionary;
    // A received message keeps its AVPs as they came (RFC 6733 §4.1, checked well formed by TryDecode) and makes the
    // list of AVP objects only when something asks for it: finding an AVP by code, validating, encoding and answering
    // read the bytes, so a request the node answers makes objects only for the few AVPs it reads. Null until then;
    // set once, by whichever thread first asks. _wire is never cleared, so a reader that saw null still reads right.
    private List<Avp>? _avps;
    private readonly ReadOnlyMemory<byte> _wire;

    /// <summary>Makes an empty message.</summary>
    public DiameterMessage(uint commandCode, uint applicationId, CommandFlags flags, DiameterDictionary? dictionary = null)
        : this(dictionary ?? DiameterDictionary.Default, commandCode, applicationId, flags, [])
    {
    }

    private DiameterMessage(DiameterDictionary dictionary, uint commandCode, uint applicationId, CommandFlags flags, List<Avp>? avps,
        ReadOnlyMemory<byte> wire = default)
    {
        if (commandCode > DiameterHeader.MaxUInt24) throw new ArgumentOutOfRangeException(nameof(commandCode), "command codes are 24 bits");
        _dictionary = dictionary;
        CommandCode = commandCode;
        ApplicationId = applicationId;
        Flags = flags;
        _avps = avps;
        _wire = wire;
    }

    /// <summary>A request for a command named in the dictionary (<c>"ULR"</c>, <c>"CER"</c>, <c>"Update-Location"</c>):
    /// code and application from the dictionary, R set, P set when the command is proxiable.</summary>
    /// <exception cref="DictionaryException">No such command.</exception>
    public static DiameterMessage CreateRequest(string command, DiameterDictionary? dictionary = null)
    {
        var d = dictionary ?? DiameterDictionary.Default;
        var c = d.GetCommand(command);
        return new DiameterMessage(d, c.Code, c.ApplicationId,
            CommandFlags.Request | (c.Proxiable ? CommandFlags.Proxiable : CommandFlags.None), []);
    }

    /// <summary>Decodes one message (the whole frame) and checks its structure; does not check it against the
    /// command's layout (see <see cref="Validate"/>).</summary>
    /// <exception cref="DiameterDecodeException">The bytes are not a Diameter message; the error carries the
    /// Result-Code (5011, 5015, 3008, 5014) and, when it could be read, the header to answer with.</exception>
    public static DiameterMessage Decode(ReadOnlyMemory<byte> frame, DiameterDictionary? dictionary = null) =>
        TryDecode(frame, dictionary ?? DiameterDictionary.Default, out var message, out var error)
            ? message! : throw new DiameterDecodeException(error!);

    /// <summary>Decodes one message without throwing, whatever the bytes.</summary>
    public static bool TryDecode(ReadOnlyMemory<byte> frame, DiameterDictionary dictionary,
        out DiameterMessage? message, out DiameterError? error)
    {
        message = null;
        var span = frame.Span;
        if (span.Length < DiameterHeader.Size)
        {
            error = new DiameterError(ResultCodes.InvalidMessageLength, $"{span.Length} bytes are fewer than the {DiameterHeader.Size}-byte header");
            return false;
        }
        var header = DiameterHeader.Read(span);
        if (header.Version != DiameterHeader.CurrentVersion)
        {
            error = new DiameterError(ResultCodes.UnsupportedVersion, $"version {header.Version}; only version 1 is defined") { Header = header };
            return false;
        }
        if (header.Length != span.Length || header.Length % 4 != 0)
        {
            var why = header.Length != span.Length
                ? $"Message Length says {header.Length} bytes but the message has {span.Length}"
                : $"Message Length {header.Length} is not a multiple of 4";
            error = new DiameterError(ResultCodes.InvalidMessageLength, why) { Header = header };
            return false;
        }
        if (header.IsRequest && header.IsError)
        {
            // RFC 6733 §3: "If set [E], the message contains a protocol error" — only answers carry errors.
            error = new DiameterError(ResultCodes.InvalidHdrBits, "a request has the E bit set") { Header = header };
            return false;
        }
        var wire = frame[DiameterHeader.Size..];
        if (!AvpReader.IsWellFormed(wire.Span))
        {
            // Only now are objects made, to name the AVP at fault.
            error = AvpReader.ReadAll(wire, dictionary, []) ! with { Header = header };
            return false;
        }
        message = new DiameterMessage(dictionary, header.CommandCode, header.ApplicationId, header.Flags, null, wire)
        {
            Version = header.Version, HopByHopId = header.HopByHopId, EndToEndId = header.EndToEndId,
        };
        error = null;
        return true;
    }

    /// <summary>Version field; always 1 for messages built here.</summary>
    public byte Version { get; init; } = DiameterHeader.CurrentVersion;
    /// <summary>Command flags.</summary>
    public CommandFlags Flags { get; set; }
    /// <summary>Command code.</summary>
    public uint CommandCode { get; }
    /// <summary>Application-ID.</summary>
    public uint ApplicationId { get; }
    /// <summary>Hop-by-Hop Identifier.</summary>
    public uint HopByHopId { get; set; }
    /// <summary>End-to-End Identifier.</summary>
    public uint EndToEndId { get; set; }
    /// <inheritdoc/>
    public override DiameterDictionary Dictionary => _dictionary;
    /// <inheritdoc/>
    protected override List<Avp> Items => Volatile.Read(ref _avps) ?? ReadAvps();

    private List<Avp> ReadAvps()
    {
        var count = 0;
        var cursor = new AvpCursor(_wire.Span);
        while (cursor.MoveNext()) count++;
        var avps = new List<Avp>(count);
        AvpReader.ReadAll(_wire, _dictionary, avps);   // cannot fail: TryDecode checked the same bytes
        return Interlocked.CompareExchange(ref _avps, avps, null) ?? avps;
    }

    /// <summary>The received AVPs as bytes while no AVP list was made for them (see <see cref="Items"/>); null for a
    /// message built here or once the list exists, which may have been changed.</summary>
    // (The null is typed: a bare null would convert to an empty ReadOnlyMemory through its conversion from byte[].)
    internal ReadOnlyMemory<byte>? ReceivedAvps => Volatile.Read(ref _avps) is null ? _wire : (ReadOnlyMemory<byte>?)null;

    /// <inheritdoc/>
    protected override Avp? FindFirst(uint code, uint vendorId)
    {
        if (Volatile.Read(ref _avps) is not null) return base.FindFirst(code, vendorId);
        var (offset, length, flags) = FindReceived(code, vendorId);
        if (offset < 0) return null;
        var definition = _dictionary.FindAvp(code, vendorId);
        // A Grouped AVP can be changed through what is returned, so it must be the one in the message's list.
        if (definition?.Type == DataTypes.AvpDataType.Grouped) return base.FindFirst(code, vendorId);
        return new Avp(_dictionary, definition, code, vendorId, flags, _wire.Slice(offset, length));
    }

    /// <inheritdoc/>
    protected override bool TryFindFirstPayload(uint code, uint vendorId, out ReadOnlyMemory<byte> payload)
    {
        if (Volatile.Read(ref _avps) is not null) return base.TryFindFirstPayload(code, vendorId, out payload);
        var (offset, length, _) = FindReceived(code, vendorId);
        payload = offset < 0 ? default : _wire.Slice(offset, length);
        return offset >= 0;
    }

    // The first received AVP with this code and vendor, walked in _wire: its payload's offset (-1 when absent), length
    // and flags.
    private (int Offset, int Length, AvpFlags Flags) FindReceived(uint code, uint vendorId)
    {
        var cursor = new AvpCursor(_wire.Span);
        while (cursor.MoveNext())
            if (cursor.Code == code && cursor.VendorId == vendorId) return (cursor.DataOffset, cursor.DataLength, cursor.Flags);
        return (-1, 0, AvpFlags.None);
    }
    /// <inheritdoc/>
    protected override string Describe => CommandName;

    /// <summary>True when the R bit is set.</summary>
    public bool IsRequest => (Flags & CommandFlags.Request) != 0;
    /// <summary>True when the P bit is set.</summary>
    public bool IsProxiable => (Flags & CommandFlags.Proxiable) != 0;
    /// <summary>True when the E bit is set.</summary>
    public bool IsError => (Flags & CommandFlags.Error) != 0;
    /// <summary>The command's dictionary entry, or null.</summary>
    public CommandDefinition? Command => _dictionary.FindCommand(CommandCode, ApplicationId);
    /// <summary>The abbreviation (<c>ULR</c>), or the code when the dictionary does not know the command.</summary>
    public string CommandName =>
        (Command ?? _dictionary.FindCommandByCode(CommandCode))?.ShortName(IsRequest)
        ?? $"Command-{CommandCode}{(IsRequest ? "-Request" : "-Answer")}";

    /// <summary>The header as it would be encoded now.</summary>
    public DiameterHeader Header =>
        new(Version, GetEncodedLength(), Flags, CommandCode, ApplicationId, HopByHopId, EndToEndId);

    /// <summary>The Session-Id, or null.</summary>
    public string? SessionId => Find(263)?.GetString();
    /// <summary>The Result-Code, or null.</summary>
    public uint? ResultCode => Find(268)?.GetUInt32();

    /// <summary>
    /// The answer to this request (RFC 6733 §6.2): same command code and application, R cleared, P kept,
    /// Hop-by-Hop and End-to-End copied, and the Session-Id first when the request has one. The caller adds
    /// Result-Code, Origin-Host and Origin-Realm.
    /// </summary>
    /// <exception cref="InvalidOperationException">This message is an answer.</exception>
    public DiameterMessage CreateAnswer()
    {
        if (!IsRequest) throw new InvalidOperationException($"{CommandName} is an answer; only requests are answered");
        // Room for Session-Id, Result-Code, Origin-Host, Origin-Realm and a few of the command's own without regrowing.
        var answer = new DiameterMessage(_dictionary, CommandCode, ApplicationId, Flags & CommandFlags.Proxiable, new List<Avp>(8))
        {
            HopByHopId = HopByHopId, EndToEndId = EndToEndId,
        };
        if (Find(263) is { } sessionId) answer.Add(sessionId);
        return answer;
    }

    /// <summary>
    /// The answer reporting <paramref name="error"/> (RFC 6733 §7): E bit set for protocol errors (3xxx, §7.1.3);
    /// then Origin-Host, Origin-Realm, Result-Code, Error-Message and Failed-AVP (§7.5) where the error has one.
    /// </summary>
    public DiameterMessage CreateErrorAnswer(DiameterError error, string originHost, string originRealm) =>
        AddError(CreateAnswer(), error, originHost, originRealm);

    /// <summary>
    /// The same error answer for a request of which only the header could be read (5011, 5015, 5014 ...): command,
    /// application, P bit and identifiers from <paramref name="request"/>, no Session-Id.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="request"/> is the header of an answer.</exception>
    public static DiameterMessage CreateErrorAnswer(DiameterHeader request, DiameterError error, string originHost, string originRealm,
        DiameterDictionary? dictionary = null)
    {
        if (!request.IsRequest) throw new ArgumentException("only requests are answered", nameof(request));
        var answer = new DiameterMessage(request.CommandCode, request.ApplicationId, request.Flags & CommandFlags.Proxiable, dictionary)
        {
            HopByHopId = request.HopByHopId, EndToEndId = request.EndToEndId,
        };
        return AddError(answer, error, originHost, originRealm);
    }

    private static DiameterMessage AddError(DiameterMessage answer, DiameterError error, string originHost, string originRealm)
    {
        if (error.IsProtocolError) answer.Flags |= CommandFlags.Error;
        answer.Add("Origin-Host", originHost).Add("Origin-Realm", originRealm).Add("Result-Code", error.ResultCode);
        answer.Add("Error-Message", error.Reason);
        if (error.FailedAvp is { } failed) answer.AddGroup("Failed-AVP", g => g.Add(failed));
        return answer;
    }

    /// <summary>A copy with the same header fields and its own AVP list (the AVPs themselves are shared): what a relay
    /// forwards, so that adding a Route-Record or swapping the Hop-by-Hop Identifier leaves the received message as
    /// it was.</summary>
    public DiameterMessage Clone()
    {
        // A received message's bytes are never changed, so the copy can read the same ones until it is changed.
        var wire = ReceivedAvps;
        return new DiameterMessage(_dictionary, CommandCode, ApplicationId, Flags, wire is null ? [.. Items] : null, wire ?? default)
        {
            Version = Version, HopByHopId = HopByHopId, EndToEndId = EndToEndId,
        };
    }

    /// <summary>Checks the message against the dictionary: layouts, flags and values (RFC 6733 §7.1); null when valid.</summary>
    public DiameterError? Validate() => MessageValidator.Validate(this);

    // ---- encoding -----------------------------------------------------------------------------------------------

    /// <summary>The encoded size in bytes.</summary>
    public int GetEncodedLength()
    {
        if (ReceivedAvps is { } wire) return DiameterHeader.Size + wire.Length;
        var n = DiameterHeader.Size;
        foreach (var avp in Items) n += avp.PaddedLength;
        return n;
    }

    /// <summary>Encodes into <paramref name="destination"/>; returns the bytes written.</summary>
    /// <exception cref="ArgumentException">The destination is shorter than <see cref="GetEncodedLength"/>.</exception>
    public int Encode(Span<byte> destination)
    {
        var length = GetEncodedLength();
        if (destination.Length < length) throw new ArgumentException($"the message needs {length} bytes", nameof(destination));
        new DiameterHeader(Version, length, Flags, CommandCode, ApplicationId, HopByHopId, EndToEndId).Write(destination);
        var offset = DiameterHeader.Size;
        if (ReceivedAvps is { } wire)
        {
            wire.Span.CopyTo(destination[offset..]);
            return offset + wire.Length;
        }
        foreach (var avp in Items) offset += avp.WriteTo(destination[offset..]);
        return offset;
    }

    /// <summary>Encodes into a new array.</summary>
    public byte[] Encode()
    {
        var bytes = new byte[GetEncodedLength()];
        Encode(bytes);
        return bytes;
    }

    /// <summary>Encodes into a buffer writer (a pooled pipe or stream buffer) without an intermediate copy.</summary>
    public int WriteTo(IBufferWriter<byte> writer)
    {
        var length = GetEncodedLength();
        var written = Encode(writer.GetSpan(length));
        writer.Advance(written);
        return written;
    }

    /// <summary>Structural equality: header fields and every AVP's code, vendor, flags and payload.</summary>
    public bool ContentEquals(DiameterMessage other)
    {
        if (Version != other.Version || Flags != other.Flags || CommandCode != other.CommandCode
            || ApplicationId != other.ApplicationId || HopByHopId != other.HopByHopId || EndToEndId != other.EndToEndId) return false;
        var (mine, theirs) = (Items, other.Items);
        if (mine.Count != theirs.Count) return false;
        for (var i = 0; i < mine.Count; i++)
            if (!mine[i].ContentEquals(theirs[i])) return false;
        return true;
    }

    /// <summary>One line: <c>&lt;Diameter Message: 316 [ULR] REQ PXY, 16777251 [S6a/S6d], 9 AVP(s)&gt;</c>.</summary>
    public override string ToString() => MessageFormatter.Summary(this);

    /// <summary>The full tree: header, then every AVP with name, code, flags, vendor and typed value.</summary>
    public string ToTreeString() => MessageFormatter.Tree(this);
}
