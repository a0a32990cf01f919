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

    /// <summary>Gathers the answers given while a <see cref="DiameterRequestHandler"/> handles a batch; null otherwise.</summary>
    internal AnswerCollector? Collector { get; set; }

    /// <summary>Sends <paramref name="answer"/> back. Origin-Host and Origin-Realm are added when missing.</summary>
    public void Reply(DiameterMessage answer)
    {
        if (Collector?.TryAdd(ReplyTo, answer) == true) return;
        ReplyTo.Tell(new HandlerAnswer(answer));
    }

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

/// <summary>Requests of one peer that arrived together, for one handler, in the order received. A
/// <see cref="DiameterRequestHandler"/> handles them one by one; the peer sends batches only to such handlers.</summary>
/// <param name="Requests">The requests.</param>
public sealed record IncomingRequestBatch(IReadOnlyList<IncomingRequest> Requests);

/// <summary>Answers a handler gave while handling one <see cref="IncomingRequestBatch"/>, in that order.</summary>
/// <param name="Answers">The answers.</param>
public sealed record HandlerAnswers(IReadOnlyList<DiameterMessage> Answers);

/// <summary>
/// Collects the answers a handler gives while it handles a batch, on the handler's own thread and for the peer that
/// sent the batch, and sends them back as one <see cref="HandlerAnswers"/>. Any other reply (another thread, another
/// destination) is not taken and goes on its own.
/// </summary>
internal sealed class AnswerCollector
{
    private readonly int _thread = Environment.CurrentManagedThreadId;
    private IActorRef? _replyTo;
    private List<DiameterMessage>? _answers;

    public bool TryAdd(IActorRef replyTo, DiameterMessage answer)
    {
        if (Environment.CurrentManagedThreadId != _thread) return false;
        if (_replyTo is null) _replyTo = replyTo;
        else if (!_replyTo.Equals(replyTo)) return false;
        (_answers ??= []).Add(answer);
        return true;
    }

    /// <summary>Sends what was collected (one answer as a plain <see cref="HandlerAnswer"/>) and starts again.</summary>
    public void Flush()
    {
        if (_answers is null || _replyTo is null) return;
        _replyTo.Tell(_answers.Count == 1 ? new HandlerAnswer(_answers[0]) : new HandlerAnswers(_answers));
        _answers = null;
        _replyTo = null;
    }
}

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
