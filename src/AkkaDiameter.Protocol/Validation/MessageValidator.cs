using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using AkkaDiameter.Protocol.Codec;
using AkkaDiameter.Protocol.DataTypes;
using AkkaDiameter.Protocol.Dictionary;
using AkkaDiameter.Protocol.Wire;

namespace AkkaDiameter.Protocol.Validation;

/// <summary>
/// Checks a decoded message against the dictionary and reports what RFC 6733 §7.1 says to answer:
/// <list type="bullet">
/// <item>DIAMETER_AVP_UNSUPPORTED 5001 — an AVP the dictionary does not know, with the M bit (§4.1).</item>
/// <item>DIAMETER_INVALID_AVP_BITS 3009 — the M bit on an AVP whose definition says it MUST NOT be set, where the
///   sources agree on that rule (§7.1.3).</item>
/// <item>DIAMETER_INVALID_AVP_LENGTH 5014 / DIAMETER_INVALID_AVP_VALUE 5004 — a payload its format does not allow (§4.2-4.3).</item>
/// <item>DIAMETER_MISSING_AVP 5005 — a required AVP is absent; Failed-AVP holds a zero-filled example (§7.5).</item>
/// <item>DIAMETER_AVP_OCCURS_TOO_MANY_TIMES 5009 — more than the layout allows; Failed-AVP is the first one too many.</item>
/// <item>DIAMETER_AVP_NOT_ALLOWED 5008 — an AVP a layout without <c>*[ AVP ]</c> does not list.</item>
/// <item>DIAMETER_CONTRADICTING_AVPS 5007 — more than one of a set of which exactly one belongs.</item>
/// </list>
/// Members of a Grouped AVP are checked against its layout, and an error there is reported with Failed-AVP holding
/// the Grouped AVP wrapped around the offending member (§7.5). Failed-AVP contents are the other side's echo of our
/// message and are not checked. An answer with the E bit, or with a 3xxx-5xxx Result-Code, is checked against
/// answer-message (§7.2); a command the
/// dictionary does not know gets the AVP checks only.
/// </summary>
public static class MessageValidator
{
    /// <summary>The first problem found, or null when the message is valid.</summary>
    public static DiameterError? Validate(DiameterMessage message) => Check(message) is [var first, ..] ? first : null;

    /// <summary>Every problem found, in message order.</summary>
    public static IReadOnlyList<DiameterError> ValidateAll(DiameterMessage message) => Check(message) ?? (IReadOnlyList<DiameterError>)[];

    private static List<DiameterError>? Check(DiameterMessage message)
    {
        List<DiameterError>? errors = null;
        var layout = message.IsError || IsFailureAnswer(message)
            ? message.Dictionary.AnswerMessageLayout
            : message.Command is { } c ? (message.IsRequest ? c.RequestLayout : c.AnswerLayout) : null;
        // A received message is checked on its bytes: no AVP object is made unless one is to be reported.
        var avps = message.ReceivedAvps is { } wire ? new Members(message.Dictionary, wire) : new Members(message.Avps);
        CheckContainer(message.Dictionary, avps, layout, message.CommandName, depth: 0, ref errors);
        if (errors is null) return null;
        var header = message.Header;
        for (var i = 0; i < errors.Count; i++) errors[i] = errors[i] with { Header = header };
        return errors;
    }

    /// <summary>
    /// An answer whose Result-Code is neither 1xxx nor 2xxx reports that the request could not be served, and stacks
    /// fill such answers with what RFC 6733 §7.2 answer-message requires rather than the command's whole layout
    /// (freeDiameter 1.2.1 leaves Auth-Session-State out of its ULA 5001 and 5005, see the captures). Checking them
    /// against answer-message keeps every AVP and value check while accepting those answers.
    /// </summary>
    private static bool IsFailureAnswer(DiameterMessage message) =>
        !message.IsRequest && message.TryFindPayload(268, 0, out var resultCode) && resultCode.Length == 4
        && BinaryPrimitives.ReadUInt32BigEndian(resultCode.Span) >= 3000;

    private static void Report(ref List<DiameterError>? errors, DiameterError error) => (errors ??= []).Add(error);

    private static void CheckContainer(DiameterDictionary dictionary, Members avps, AvpLayout? layout, string where,
        int depth, ref List<DiameterError>? errors)
    {
        // Occurrences per rule, by the rule's index: layouts are short, so this stays on the stack.
        var ruleCount = layout?.RuleArray.Length ?? 0;
        Span<int> counts = ruleCount <= 128 ? stackalloc int[ruleCount] : new int[ruleCount];
        foreach (ref readonly var avp in avps)
        {
            CheckAvp(avp, depth, ref errors);
            if (layout is null) continue;
            var rule = layout.Find(avp.Definition, avp.Code, avp.VendorId) ?? layout.Generic;
            if (rule is null) Report(ref errors, NotAllowed(avp, where));
            else if (++counts[rule.Index] == rule.Max + 1) Report(ref errors, TooMany(avp, rule, where));
        }
        if (layout is null) return;
        // Only the rules with a minimum can be short; in the order written, so errors come in layout order.
        foreach (var rule in layout.RequiredRules)
            if (counts[rule.Index] < rule.Min) Report(ref errors, Missing(dictionary, rule, where));
        if (layout.OneOfArray.Length > 0) CheckOneOf(dictionary, avps, layout, where, ref errors);
    }

    // The errors are made in methods of their own (as are the rarer checks), so that the loops above stay small:
    // their stack frame is zeroed on every call, for every received message and each of its Grouped AVPs.

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static DiameterError NotAllowed(in Member avp, string where)
    {
        var failed = avp.ToAvp();
        return new DiameterError(ResultCodes.AvpNotAllowed, $"{failed.Name} is not allowed in {where}", failed);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static DiameterError TooMany(in Member avp, LayoutRule rule, string where)
    {
        var failed = avp.ToAvp();
        return new DiameterError(ResultCodes.AvpOccursTooManyTimes,
            $"{failed.Name} occurs more than {rule.Max} time{(rule.Max == 1 ? "" : "s")} in {where} ({rule})", failed);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static DiameterError Missing(DiameterDictionary dictionary, LayoutRule rule, string where)
    {
        var example = rule.Avp is { } def ? AvpReader.Example(dictionary, def, def.Code, def.VendorId, def.SendFlags) : null;
        return new DiameterError(ResultCodes.MissingAvp,
            rule.Avp is null ? $"{where} needs at least {rule.Min} AVP(s)" : $"{rule.AvpName} is missing from {where} ({rule})", example);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void CheckOneOf(DiameterDictionary dictionary, Members avps, AvpLayout layout, string where, ref List<DiameterError>? errors)
    {
        foreach (var alternatives in layout.OneOfArray)
        {
            Member first = default, second = default;
            var found = 0;
            foreach (ref readonly var avp in avps)
            {
                if (!IsOneOf(avp, alternatives)) continue;
                if (found++ == 0) first = avp;
                else { second = avp; break; }
            }
            if (found == 1) continue;
            var names = string.Join(" or ", alternatives.Select(a => a.Name));
            if (found == 0)
            {
                var missing = alternatives[0];
                Report(ref errors, new DiameterError(ResultCodes.MissingAvp, $"{where} needs one of {names}",
                    AvpReader.Example(dictionary, missing, missing.Code, missing.VendorId, missing.SendFlags)));
            }
            else
            {
                var other = second.ToAvp();
                Report(ref errors, new DiameterError(ResultCodes.ContradictingAvps,
                    $"{where} carries both {first.ToAvp().Name} and {other.Name}; exactly one of {names} belongs", other));
            }
        }
    }

    private static bool IsOneOf(in Member avp, AvpDefinition[] alternatives)
    {
        foreach (var a in alternatives)
            if (a.Code == avp.Code && a.VendorId == avp.VendorId) return true;
        return false;
    }

    private static void CheckAvp(in Member avp, int depth, ref List<DiameterError>? errors)
    {
        var def = avp.Definition;
        if (def is null)
        {
            // RFC 6733 §4.1: an AVP with the M bit that the receiver does not support must be rejected.
            if (avp.IsMandatory) Report(ref errors, Unsupported(avp));
            return;
        }
        if (avp.IsMandatory && !def.Mandatory && !def.MandatoryLenient)
        {
            Report(ref errors, MandatoryBitForbidden(avp));
            return;
        }
        // Most AVPs on the hot path are numbers: a right length is all there is to check, and needs no span.
        if (def.FixedLength > 0 && avp.DataLength == def.FixedLength) return;
        if (def.Type != AvpDataType.Grouped)
        {
            var (code, reason) = AvpValue.Check(def.Type, avp.Data.Span);
            if (code != 0) Report(ref errors, Invalid(avp, code, reason));
            return;
        }
        if (def.Code == 279 && def.VendorId == 0) return;   // Failed-AVP: an echo of what the peer received
        CheckMembers(avp, def, depth, ref errors);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static DiameterError Unsupported(in Member avp)
    {
        var failed = avp.ToAvp();
        return new DiameterError(ResultCodes.AvpUnsupported, $"{failed.Name} is not supported and has the M bit set", failed);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static DiameterError MandatoryBitForbidden(in Member avp) =>
        new(ResultCodes.InvalidAvpBits, $"{avp.Definition!.Name} has the M bit set, which its definition forbids", avp.ToAvp());

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static DiameterError Invalid(in Member avp, uint resultCode, string reason) =>
        new(resultCode, $"{avp.Definition!.Name}: {reason}", avp.ToAvp());

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void CheckMembers(in Member avp, AvpDefinition def, int depth, ref List<DiameterError>? errors)
    {
        if (depth >= Avp.MaxNestingDepth)
        {
            Report(ref errors, Invalid(avp, ResultCodes.InvalidAvpValue, $"Grouped AVPs nested deeper than {Avp.MaxNestingDepth}"));
            return;
        }
        Members members;
        if (avp.Object is { } group)
        {
            var parseError = group.TryParseMembers(out var list);
            if (parseError is not null) { Report(ref errors, parseError); return; }
            members = new Members(list!);
        }
        else if (AvpReader.IsWellFormed(avp.Data.Span)) members = new Members(avp.Dictionary, avp.Data);
        else
        {
            // The object's parse names the member at fault and wraps it as Failed-AVP (RFC 6733 §7.5).
            Report(ref errors, avp.ToAvp().TryParseMembers(out _)!);
            return;
        }
        List<DiameterError>? inner = null;
        CheckContainer(avp.Dictionary, members, def.Layout, def.Name, depth + 1, ref inner);
        if (inner is null) return;
        var wrapper = avp.ToAvp();
        foreach (var e in inner)
            Report(ref errors, e.FailedAvp is null ? e : e with { FailedAvp = wrapper.WrapMember(e.FailedAvp) });
    }

    /// <summary>One AVP as the checks see it: an <see cref="Avp"/> object, or a header in received bytes that becomes
    /// an object only when it is to be reported.</summary>
    private readonly struct Member
    {
        private readonly ReadOnlyMemory<byte> _data;

        public Member(Avp avp)
        {
            Object = avp; Dictionary = avp.Dictionary; Definition = avp.Definition;
            Code = avp.Code; VendorId = avp.VendorId; Flags = avp.Flags; DataLength = avp.DataLength;
        }

        public Member(DiameterDictionary dictionary, ReadOnlyMemory<byte> region, in AvpCursor at)
        {
            Dictionary = dictionary; Definition = dictionary.FindAvp(at.Code, at.VendorId);
            Code = at.Code; VendorId = at.VendorId; Flags = at.Flags; DataLength = at.DataLength;
            _data = region.Slice(at.DataOffset, at.DataLength);
        }

        public Avp? Object { get; }
        public DiameterDictionary Dictionary { get; }
        public AvpDefinition? Definition { get; }
        public uint Code { get; }
        public uint VendorId { get; }
        public AvpFlags Flags { get; }
        public int DataLength { get; }
        public bool IsMandatory => (Flags & AvpFlags.Mandatory) != 0;
        public ReadOnlyMemory<byte> Data => Object is { } avp ? avp.Data : _data;
        public Avp ToAvp() => Object ?? new Avp(Dictionary, Definition, Code, VendorId, Flags, _data);
    }

    /// <summary>The AVPs of a message or Grouped AVP: a list of objects, or received bytes already checked to be
    /// well formed (<see cref="AvpReader.IsWellFormed"/>). Enumerated once for the layout, and once more per one-of set.</summary>
    private readonly ref struct Members
    {
        private readonly ReadOnlySpan<Avp> _objects;
        private readonly ReadOnlyMemory<byte> _wire;
        private readonly DiameterDictionary? _dictionary;

        // Every request passes here: a span over the AVPs, not an interface enumerator allocated per container.
        public Members(IReadOnlyList<Avp> list) => _objects = list is List<Avp> l ? CollectionsMarshal.AsSpan(l) : list.ToArray();

        public Members(DiameterDictionary dictionary, ReadOnlyMemory<byte> wire) => (_dictionary, _wire) = (dictionary, wire);

        public Enumerator GetEnumerator() => new(_objects, _dictionary, _wire);

        public ref struct Enumerator(ReadOnlySpan<Avp> objects, DiameterDictionary? dictionary, ReadOnlyMemory<byte> wire)
        {
            private readonly ReadOnlySpan<Avp> _objects = objects;
            private int _index = -1;
            private AvpCursor _cursor = new(wire.Span);

            private Member _current;

            [UnscopedRef] public readonly ref readonly Member Current => ref _current;

            public bool MoveNext()
            {
                if (dictionary is null)
                {
                    if (++_index >= _objects.Length) return false;
                    _current = new Member(_objects[_index]);
                    return true;
                }
                if (!_cursor.MoveNext()) return false;
                _current = new Member(dictionary, wire, _cursor);
                return true;
            }
        }
    }
}
