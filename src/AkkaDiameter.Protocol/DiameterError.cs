using AkkaDiameter.Protocol.Wire;

namespace AkkaDiameter.Protocol;

/// <summary>
/// Why a message is not acceptable, in the terms a Diameter answer uses (RFC 6733 §7): the Result-Code, a reason
/// fit for Error-Message, and the AVP for Failed-AVP (§7.5) where one can be given.
/// </summary>
/// <param name="ResultCode">The §7.1 Result-Code, e.g. 5005 DIAMETER_MISSING_AVP.</param>
/// <param name="Reason">What is wrong, naming the AVP.</param>
/// <param name="FailedAvp">The AVP for Failed-AVP: the offending AVP, a zero-filled example of a missing one, or the
/// grouped AVP that contains it; null when §7.5 says none can be given.</param>
public sealed record DiameterError(uint ResultCode, string Reason, Avp? FailedAvp = null)
{
    /// <summary>The header of the message in error, when it could be read: what an answer needs.</summary>
    public DiameterHeader? Header { get; init; }

    /// <summary>The RFC name of <see cref="ResultCode"/>.</summary>
    public string ResultCodeName => ResultCodes.NameOf(ResultCode);

    /// <summary>True for 3xxx protocol errors, answered with the E bit set (RFC 6733 §7.1.3).</summary>
    public bool IsProtocolError => ResultCodes.IsProtocolError(ResultCode);

    /// <summary><c>DIAMETER_MISSING_AVP (5005): ...</c></summary>
    public override string ToString() => $"{ResultCodeName} ({ResultCode}): {Reason}";
}
