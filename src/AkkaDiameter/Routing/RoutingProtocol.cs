using Akka.Actor;
using AkkaDiameter.Protocol;

namespace AkkaDiameter.Routing;

/// <summary>
/// Send a request and let the node route it (RFC 6733 §6.1): tell or ask the node's root actor; the reply is a
/// <see cref="DiameterAnswer"/>. Origin-Host, Origin-Realm, Session-Id (for commands whose layout starts with it),
/// Hop-by-Hop and End-to-End are filled in when missing.
/// </summary>
/// <param name="Message">The request.</param>
public sealed record DiameterRequest(DiameterMessage Message);

/// <summary>The answer to a <see cref="DiameterRequest"/>: the peer's, a local handler's, or a locally made error
/// answer (3002, 3003, 3005 ...) that says why.</summary>
/// <param name="Message">The answer.</param>
/// <param name="Peer">The peer that answered, or null for an answer made on this node.</param>
public sealed record DiameterAnswer(DiameterMessage Message, string? Peer)
{
    /// <summary>Result-Code, or Experimental-Result-Code when there is no Result-Code, or 0.</summary>
    public uint ResultCode => Message.ResultCode
        ?? Message.Find(297)?.FindUInt32("Experimental-Result-Code")
        ?? 0;

    /// <summary>True for 2xxx.</summary>
    public bool IsSuccess => ResultCode is >= 2000 and < 3000;

    /// <summary>
    /// The error this answer reports, typed: its Result-Code (or Experimental-Result-Code), the Error-Message or else
    /// the code's name as the reason, and the first AVP of Failed-AVP (RFC 6733 §7.5). Null for a 1xxx/2xxx answer.
    /// A protocol error (3xxx, E bit, §7.1.3) from any node on the path surfaces here, e.g. 3007
    /// DIAMETER_APPLICATION_UNSUPPORTED from an agent that does not serve the application.
    /// </summary>
    public DiameterError? Error
    {
        get
        {
            var code = ResultCode;
            if (code < 3000) return null;
            var reason = Message.FindString("Error-Message") ?? ResultCodes.NameOf(code);
            var failed = Message.Find("Failed-AVP")?.Avps.FirstOrDefault();
            var reporter = Message.FindString("Error-Reporting-Host") ?? Message.FindString("Origin-Host");
            return new DiameterError(code, reporter is null ? reason : $"{reason} (reported by {reporter})", failed) { Header = Message.Header };
        }
    }
}

/// <summary>Why a request routed to a peer came back without the peer's answer.</summary>
public enum DeliveryFailure
{
    /// <summary>Delivered and answered: no failure.</summary>
    None,
    /// <summary>Never written: the peer was not available or its send queue was full. Safe to send elsewhere.</summary>
    NotSent,
    /// <summary>Written, then the connection was lost or the watchdog failed over: send elsewhere with the T flag.</summary>
    ConnectionLost,
    /// <summary>No answer within request-timeout.</summary>
    Timeout,
}

/// <summary>The router asks a peer to send a request; the reply is <see cref="RoutedAnswer"/>.</summary>
internal sealed record RouteRequest(long Correlation, DiameterMessage Request);

/// <summary>A peer's reply to <see cref="RouteRequest"/>.</summary>
internal sealed record RoutedAnswer(long Correlation, DiameterMessage Answer, DeliveryFailure Failure);

/// <summary>A request a peer received that is not for this node: the router forwards it (relay/proxy), redirects or
/// refuses it, and replies to <paramref name="ReplyTo"/> with a <see cref="Applications.HandlerAnswer"/> carrying the
/// original Hop-by-Hop Identifier.</summary>
internal sealed record RelayRequest(DiameterMessage Request, string FromPeer, IActorRef ReplyTo);

/// <summary>The peer table tells the router about peers.</summary>
internal sealed record PeerAdded(string Host, string Realm, IActorRef Peer);
internal sealed record PeerRemoved(string Host, IActorRef Peer);
