using AkkaDiameter.Protocol;
using AkkaDiameter.Protocol.Dictionary;
using AkkaDiameter.Protocol.Wire;

namespace AkkaDiameter.Peers;

/// <summary>Answers this node makes itself (RFC 6733 §7): to requests it cannot serve, and on behalf of peers that
/// did not answer.</summary>
public static class ErrorAnswers
{
    /// <summary>The answer to <paramref name="request"/> reporting <paramref name="resultCode"/>: E bit for 3xxx,
    /// Origin-Host, Origin-Realm, Result-Code, Error-Message, Failed-AVP where given.</summary>
    public static DiameterMessage For(DiameterMessage request, uint resultCode, string reason, string originHost, string originRealm, Avp? failedAvp = null) =>
        request.CreateErrorAnswer(new DiameterError(resultCode, reason, failedAvp), originHost, originRealm);

    /// <summary>The answer to a request of which only the header could be read (5011, 5015, 5014 ...), or null when
    /// the header is unknown or belongs to an answer (answers are never answered).</summary>
    public static DiameterMessage? ForHeader(DiameterError error, DiameterDictionary dictionary, string originHost, string originRealm)
    {
        if (error.Header is not { IsRequest: true } h) return null;
        var flags = (h.Flags & CommandFlags.Proxiable) | (error.IsProtocolError ? CommandFlags.Error : CommandFlags.None);
        var answer = new DiameterMessage(h.CommandCode, h.ApplicationId, flags, dictionary) { HopByHopId = h.HopByHopId, EndToEndId = h.EndToEndId };
        answer.Add("Origin-Host", originHost).Add("Origin-Realm", originRealm).Add("Result-Code", error.ResultCode)
            .Add("Error-Message", error.Reason);
        if (error.FailedAvp is { } failed) answer.AddGroup("Failed-AVP", g => g.Add(failed));
        return answer;
    }
}
