using Akka.Actor;
using AkkaDiameter.Peers;
using AkkaDiameter.Protocol;

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
    /// <summary>Sends <paramref name="answer"/> back. Origin-Host and Origin-Realm are added when missing.</summary>
    public void Reply(DiameterMessage answer) => ReplyTo.Tell(new HandlerAnswer(answer));

    /// <summary>The answer to the request with Result-Code, Origin-Host and Origin-Realm filled in, Session-Id first:
    /// add the command's own AVPs and <see cref="Reply"/> it.</summary>
    public DiameterMessage CreateAnswer(uint resultCode = ResultCodes.Success) =>
        Request.CreateAnswer().Add("Result-Code", resultCode).Add("Origin-Host", LocalHost).Add("Origin-Realm", LocalRealm);

    /// <summary>Answers with an error Result-Code (E bit for 3xxx) and Error-Message.</summary>
    public void ReplyError(uint resultCode, string reason) =>
        Reply(ErrorAnswers.For(Request, resultCode, reason, LocalHost, LocalRealm));
}

/// <summary>A handler's answer on its way back to the peer.</summary>
/// <param name="Answer">The answer.</param>
public sealed record HandlerAnswer(DiameterMessage Answer);
