using Akka.Actor;
using AkkaDiameter.Peers;
using AkkaDiameter.Protocol;
using AkkaDiameter.Protocol.Dictionary;
using AkkaDiameter.Protocol.Wire;

namespace AkkaDiameter.Applications;

/// <summary>
/// A request a peer sent, handed to the handler registered for its (application, command). The handler answers
/// with <see cref="Reply"/>: the answer goes back through the session (which then releases the session's next
/// request) to the peer's connection. A request that is never answered is answered DIAMETER_UNABLE_TO_COMPLY 5012
/// by the node when <c>request-timeout</c> passes; nothing is left hanging.
/// </summary>
/// <param name="Request">The validated request.</param>
/// <param name="Peer">The Origin-Host of the peer it came from.</param>
/// <param name="ReplyTo">Where <see cref="Reply"/> sends the answer.</param>
/// <param name="LocalHost">This node's Origin-Host, for answers.</param>
/// <param name="LocalRealm">This node's Origin-Realm, for answers.</param>
public sealed record IncomingRequest(DiameterMessage Request, string Peer, IActorRef ReplyTo, string LocalHost, string LocalRealm)
{
    /// <summary>This node's Origin-Host, Origin-Realm and Result-Code 2001, encoded once for every answer; null when
    /// the node did not give them (they are then made from the strings).</summary>
    internal AnswerAvps? Shared { get; init; }

    /// <summary>Sends <paramref name="answer"/> back. Origin-Host and Origin-Realm are added when missing.</summary>
    public void Reply(DiameterMessage answer) => ReplyTo.Tell(new HandlerAnswer(answer));

    /// <summary>The answer to the request with Result-Code, Origin-Host and Origin-Realm filled in, Session-Id first:
    /// add the command's own AVPs and <see cref="Reply"/> it.</summary>
    public DiameterMessage CreateAnswer(uint resultCode = ResultCodes.Success)
    {
        var answer = Request.CreateAnswer();
        if (Shared is { } s && s.Fits(Request.Dictionary, LocalHost, LocalRealm))
            return answer.Add(resultCode == ResultCodes.Success ? s.Success : s.ResultCode(resultCode)).Add(s.OriginHost).Add(s.OriginRealm);
        return answer.Add("Result-Code", resultCode).Add("Origin-Host", LocalHost).Add("Origin-Realm", LocalRealm);
    }

    /// <summary>Answers with an error Result-Code (E bit for 3xxx) and Error-Message.</summary>
    public void ReplyError(uint resultCode, string reason) =>
        Reply(ErrorAnswers.For(Request, resultCode, reason, LocalHost, LocalRealm));
}

/// <summary>A handler's answer on its way back to the peer.</summary>
/// <param name="Answer">The answer.</param>
public sealed record HandlerAnswer(DiameterMessage Answer);

/// <summary>
/// The AVPs nearly every answer of a node carries, made once: Origin-Host and Origin-Realm (RFC 6733 §6.2) and
/// Result-Code DIAMETER_SUCCESS. An AVP that is not Grouped is never changed after it is made, so one instance can
/// sit in every answer; building them per answer was a name lookup, a string encoding and a check each.
/// </summary>
internal sealed class AnswerAvps
{
    private readonly DiameterDictionary _dictionary;
    private readonly string _host, _realm;

    public AnswerAvps(DiameterDictionary dictionary, string originHost, string originRealm)
    {
        _dictionary = dictionary;
        _host = originHost;
        _realm = originRealm;
        var m = new DiameterMessage(0, 0, CommandFlags.None, dictionary)
            .Add("Origin-Host", originHost).Add("Origin-Realm", originRealm).Add("Result-Code", ResultCodes.Success);
        (OriginHost, OriginRealm, Success) = (m.Avps[0], m.Avps[1], m.Avps[2]);
    }

    public Avp OriginHost { get; }
    public Avp OriginRealm { get; }
    public Avp Success { get; }

    /// <summary>A Result-Code other than 2001, made per answer.</summary>
    public Avp ResultCode(uint code) => new DiameterMessage(0, 0, CommandFlags.None, _dictionary).Add("Result-Code", code).Avps[0];

    /// <summary>True when these are the AVPs for that dictionary and identity.</summary>
    public bool Fits(DiameterDictionary dictionary, string host, string realm) =>
        ReferenceEquals(dictionary, _dictionary) && string.Equals(host, _host, StringComparison.Ordinal)
        && string.Equals(realm, _realm, StringComparison.Ordinal);
}
