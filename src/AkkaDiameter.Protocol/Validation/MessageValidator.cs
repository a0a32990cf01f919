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
        CheckContainer(message.Dictionary, message.Avps, layout, message.CommandName, depth: 0, ref errors);
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
        !message.IsRequest && message.Find(268) is { DataLength: 4 } resultCode && resultCode.GetUInt32() >= 3000;

    private static void Report(ref List<DiameterError>? errors, DiameterError error) => (errors ??= []).Add(error);

    private static void CheckContainer(DiameterDictionary dictionary, IReadOnlyList<Avp> list, AvpLayout? layout, string where,
        int depth, ref List<DiameterError>? errors)
    {
        // Every request passes here: a span over the AVPs, not an interface enumerator allocated per container.
        ReadOnlySpan<Avp> avps = list is List<Avp> l ? CollectionsMarshal.AsSpan(l) : list.ToArray();
        // Occurrences per rule, by the rule's index: layouts are short, so this stays on the stack.
        var ruleCount = layout?.RuleArray.Length ?? 0;
        Span<int> counts = ruleCount <= 128 ? stackalloc int[ruleCount] : new int[ruleCount];
        foreach (var avp in avps)
        {
            CheckAvp(avp, depth, ref errors);
            if (layout is null) continue;
            var rule = layout.Find(avp) ?? layout.Generic;
            if (rule is null)
            {
                Report(ref errors, new DiameterError(ResultCodes.AvpNotAllowed, $"{avp.Name} is not allowed in {where}", avp));
                continue;
            }
            if (++counts[rule.Index] == rule.Max + 1)
                Report(ref errors, new DiameterError(ResultCodes.AvpOccursTooManyTimes,
                    $"{avp.Name} occurs more than {rule.Max} time{(rule.Max == 1 ? "" : "s")} in {where} ({rule})", avp));
        }
        if (layout is null) return;
        // Only the rules with a minimum can be short; in the order written, so errors come in layout order.
        foreach (var rule in layout.RequiredRules)
        {
            if (counts[rule.Index] >= rule.Min) continue;
            var example = rule.Avp is { } def ? AvpReader.Example(dictionary, def, def.Code, def.VendorId, def.SendFlags) : null;
            Report(ref errors, new DiameterError(ResultCodes.MissingAvp,
                rule.Avp is null ? $"{where} needs at least {rule.Min} AVP(s)" : $"{rule.AvpName} is missing from {where} ({rule})", example));
        }
        foreach (var alternatives in layout.OneOfArray)
        {
            Avp? first = null, second = null;
            foreach (var avp in avps)
            {
                if (!IsOneOf(avp, alternatives)) continue;
                if (first is null) first = avp;
                else { second = avp; break; }
            }
            if (first is not null && second is null) continue;
            var names = string.Join(" or ", alternatives.Select(a => a.Name));
            if (first is null)
            {
                var missing = alternatives[0];
                Report(ref errors, new DiameterError(ResultCodes.MissingAvp, $"{where} needs one of {names}",
                    AvpReader.Example(dictionary, missing, missing.Code, missing.VendorId, missing.SendFlags)));
            }
            else
                Report(ref errors, new DiameterError(ResultCodes.ContradictingAvps,
                    $"{where} carries both {first.Name} and {second!.Name}; exactly one of {names} belongs", second));
        }
    }

    private static bool IsOneOf(Avp avp, AvpDefinition[] alternatives)
    {
        foreach (var a in alternatives)
            if (a.Code == avp.Code && a.VendorId == avp.VendorId) return true;
        return false;
    }

    private static void CheckAvp(Avp avp, int depth, ref List<DiameterError>? errors)
    {
        var def = avp.Definition;
        if (def is null)
        {
            // RFC 6733 §4.1: an AVP with the M bit that the receiver does not support must be rejected.
            if (avp.IsMandatory)
                Report(ref errors, new DiameterError(ResultCodes.AvpUnsupported, $"{avp.Name} is not supported and has the M bit set", avp));
            return;
        }
        if (avp.IsMandatory && !def.Mandatory && !def.MandatoryLenient)
        {
            Report(ref errors, new DiameterError(ResultCodes.InvalidAvpBits, $"{def.Name} has the M bit set, which its definition forbids", avp));
            return;
        }
        // Most AVPs on the hot path are numbers: a right length is all there is to check, and needs no span.
        if (def.FixedLength > 0 && avp.DataLength == def.FixedLength) return;
        if (def.Type != AvpDataType.Grouped)
        {
            var (code, reason) = AvpValue.Check(def.Type, avp.Data.Span);
            if (code != 0) Report(ref errors, new DiameterError(code, $"{def.Name}: {reason}", avp));
            return;
        }
        if (def.Code == 279 && def.VendorId == 0) return;   // Failed-AVP: an echo of what the peer received
        if (depth >= Avp.MaxNestingDepth)
        {
            Report(ref errors, new DiameterError(ResultCodes.InvalidAvpValue, $"{def.Name}: Grouped AVPs nested deeper than {Avp.MaxNestingDepth}", avp));
            return;
        }
        var parseError = avp.TryParseMembers(out var members);
        if (parseError is not null) { Report(ref errors, parseError); return; }
        List<DiameterError>? inner = null;
        CheckContainer(avp.Dictionary, members!, def.Layout, def.Name, depth + 1, ref inner);
        if (inner is null) return;
        foreach (var e in inner)
            Report(ref errors, e.FailedAvp is null ? e : e with { FailedAvp = avp.WrapMember(e.FailedAvp) });
    }
}
