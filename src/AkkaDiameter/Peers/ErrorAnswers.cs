using AkkaDiameter.Protocol;
using AkkaDiameter.Protocol.Dictionary;

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
    public static DiameterMessage? ForHeader(DiameterError error, DiameterDictionary dictionary, string originHost, string originRealm) =>
        error.Header is { IsRequest: true } h ? DiameterMessage.CreateErrorAnswer(h, error, originHost, originRealm, dictionary) : null;

    /// <summary>Why a request gets DIAMETER_COMMAND_UNSUPPORTED 3001: no handler for its (application, command).</summary>
    public static string NoHandler(DiameterMessage request) =>
        $"no handler for {request.CommandName} ({request.CommandCode}) in application {request.ApplicationId}";
}
