using AkkaDiameter.Protocol;
using AkkaDiameter.S6a.Security;

namespace AkkaDiameter.S6a;

/// <summary>The outcome of an S6a answer: Result-Code, or Experimental-Result-Code with 3GPP's Vendor-Id (TS 29.272
/// §7.4).</summary>
/// <param name="Code">The code.</param>
/// <param name="Experimental">True when it came in Experimental-Result.</param>
public sealed record S6aResult(uint Code, bool Experimental)
{
    /// <summary>2xxx.</summary>
    public bool IsSuccess => Code is >= 2000 and < 3000;

    /// <summary>The code's name: RFC 6733's for Result-Code, TS 29.272 §7.4.3's for Experimental-Result-Code.</summary>
    public string Name => Experimental ? S6aResultCodes.NameOf(Code) : ResultCodes.NameOf(Code);

    /// <summary>Reads Result-Code or Experimental-Result from an answer; an answer with neither is a protocol
    /// violation (RFC 6733 §7.1) and throws <see cref="FormatException"/> naming the command.</summary>
    public static S6aResult Of(DiameterMessage answer)
    {
        if (answer.ResultCode is { } code) return new S6aResult(code, false);
        if (answer.Find("Experimental-Result")?.FindUInt32("Experimental-Result-Code") is { } experimental) return new S6aResult(experimental, true);
        throw new FormatException($"{answer.CommandName} carries neither Result-Code nor Experimental-Result");
    }

    /// <inheritdoc />
    public override string ToString() => $"{Code} {Name}";
}

/// <summary>An S6a answer with its typed members; <see cref="S6aAnswer.Parse"/> picks the type by command code.</summary>
/// <param name="Result">Result-Code or Experimental-Result-Code.</param>
/// <param name="Message">The answer as received.</param>
public abstract record S6aAnswer(S6aResult Result, DiameterMessage Message)
{
    /// <summary>2xxx.</summary>
    public bool IsSuccess => Result.IsSuccess;

    /// <summary>The typed answer for an S6a answer message.</summary>
    public static S6aAnswer Parse(DiameterMessage answer)
    {
        var result = S6aResult.Of(answer);
        uint Flags(string name) => answer.FindUInt32(name) ?? 0;
        return answer.CommandCode switch
        {
            316 => new UpdateLocationAnswer(result, answer, (UlaFlags)Flags("ULA-Flags"),
                answer.Find("Subscription-Data") is { } data ? SubscriptionData.From(data) : null),
            317 => new CancelLocationAnswer(result, answer),
            318 => new AuthenticationInformationAnswer(result, answer, S6aMessages.Vectors(answer)),
            319 => new InsertSubscriberDataAnswer(result, answer, (IdaFlags)Flags("IDA-Flags")),
            320 => new DeleteSubscriberDataAnswer(result, answer, (DsaFlags)Flags("DSA-Flags")),
            321 => new PurgeUeAnswer(result, answer, (PuaFlags)Flags("PUA-Flags")),
            322 => new ResetAnswer(result, answer),
            323 => new NotifyAnswer(result, answer),
            _ => throw new FormatException($"command {answer.CommandCode} is not an S6a command"),
        };
    }
}

/// <summary>ULA (TS 29.272 §7.2.4).</summary>
/// <param name="Result">Result.</param>
/// <param name="Message">The message.</param>
/// <param name="Flags">ULA-Flags.</param>
/// <param name="Subscription">Subscription-Data, unless the ULR asked to skip it or the request failed.</param>
public sealed record UpdateLocationAnswer(S6aResult Result, DiameterMessage Message, UlaFlags Flags, SubscriptionData? Subscription)
    : S6aAnswer(Result, Message);

/// <summary>CLA (§7.2.8).</summary>
/// <param name="Result">Result.</param>
/// <param name="Message">The message.</param>
public sealed record CancelLocationAnswer(S6aResult Result, DiameterMessage Message) : S6aAnswer(Result, Message);

/// <summary>AIA (§7.2.6).</summary>
/// <param name="Result">Result.</param>
/// <param name="Message">The message.</param>
/// <param name="Vectors">The E-UTRAN vectors, in order.</param>
public sealed record AuthenticationInformationAnswer(S6aResult Result, DiameterMessage Message, IReadOnlyList<EutranVector> Vectors)
    : S6aAnswer(Result, Message);

/// <summary>IDA (§7.2.10).</summary>
/// <param name="Result">Result.</param>
/// <param name="Message">The message.</param>
/// <param name="Flags">IDA-Flags.</param>
public sealed record InsertSubscriberDataAnswer(S6aResult Result, DiameterMessage Message, IdaFlags Flags) : S6aAnswer(Result, Message);

/// <summary>DSA (§7.2.12).</summary>
/// <param name="Result">Result.</param>
/// <param name="Message">The message.</param>
/// <param name="Flags">DSA-Flags.</param>
public sealed record DeleteSubscriberDataAnswer(S6aResult Result, DiameterMessage Message, DsaFlags Flags) : S6aAnswer(Result, Message);

/// <summary>PUA (§7.2.14).</summary>
/// <param name="Result">Result.</param>
/// <param name="Message">The message.</param>
/// <param name="Flags">PUA-Flags: Freeze M-TMSI when the HSS purged the UE for this MME.</param>
public sealed record PurgeUeAnswer(S6aResult Result, DiameterMessage Message, PuaFlags Flags) : S6aAnswer(Result, Message);

/// <summary>RSA (§7.2.16).</summary>
/// <param name="Result">Result.</param>
/// <param name="Message">The message.</param>
public sealed record ResetAnswer(S6aResult Result, DiameterMessage Message) : S6aAnswer(Result, Message);

/// <summary>NOA (§7.2.18).</summary>
/// <param name="Result">Result.</param>
/// <param name="Message">The message.</param>
public sealed record NotifyAnswer(S6aResult Result, DiameterMessage Message) : S6aAnswer(Result, Message);
