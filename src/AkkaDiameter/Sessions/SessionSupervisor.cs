using System.Buffers.Binary;
using Akka.Actor;
using Akka.Event;
using AkkaDiameter.Applications;
using AkkaDiameter.Settings;

namespace AkkaDiameter.Sessions;

/// <summary>
/// Child per entity: one <see cref="SessionActor"/> per Session-Id, created by the session's first request and
/// stopped when idle for <c>session-idle-timeout</c> or when the application ends it (<see cref="EndSession"/>).
/// Requests without a Session-Id, and (unless <c>stateless-session-actors</c>) those with Auth-Session-State
/// NO_STATE_MAINTAINED, go straight to the application router. Passivation never drops a request: an idle
/// session first leaves the table (so new requests make a new actor) and stops only when it has nothing in hand.
/// </summary>
internal sealed class SessionSupervisor : ReceiveActor
{
    /// <summary>Ends a session now: its actor stops once its queued requests are answered.</summary>
    public sealed record EndSession(string SessionId);
    /// <summary>Ask how many session actors are alive: the reply is an <see cref="int"/>.</summary>
    public sealed class CountSessions { public static readonly CountSessions Instance = new(); }

    internal sealed record Idle(string SessionId);

    private readonly IActorRef _router;
    private readonly TimeSpan _idleTimeout;
    private readonly TimeSpan _requestTimeout;
    private readonly bool _statelessActors;
    private readonly Dictionary<string, IActorRef> _sessions = new(StringComparer.Ordinal);
    private readonly HashSet<IActorRef> _alive = [];
    private long _created;

    public static Props Props(IActorRef router, TimeSpan idleTimeout, TimeSpan requestTimeout, bool statelessActors = false) =>
        Akka.Actor.Props.Create(() => new SessionSupervisor(router, idleTimeout, requestTimeout, statelessActors));

    public SessionSupervisor(IActorRef router, TimeSpan idleTimeout, TimeSpan requestTimeout, bool statelessActors)
    {
        _router = router;
        _idleTimeout = idleTimeout;
        _requestTimeout = requestTimeout;
        _statelessActors = statelessActors;

        Receive<IncomingRequest>(r =>
        {
            if (SkipsSessionActor(r.Request, _statelessActors)) { _router.Forward(r); return; }
            var sessionId = SessionIdOf(r);
            if (sessionId is null) { _router.Forward(r); return; }
            if (!_sessions.TryGetValue(sessionId, out var session))
            {
                session = Context.ActorOf(SessionActor.Props(sessionId, _router, _idleTimeout, _requestTimeout).OnDispatcherOf(Context), $"session-{++_created}");
                Context.Watch(session);
                _sessions[sessionId] = session;
                _alive.Add(session);
            }
            session.Forward(r);
        });
        Receive<Idle>(i => Retire(i.SessionId, Sender));
        Receive<EndSession>(e => { if (_sessions.TryGetValue(e.SessionId, out var s)) Retire(e.SessionId, s); });
        Receive<Terminated>(t =>
        {
            _alive.Remove(t.ActorRef);
            foreach (var (id, s) in _sessions.Where(kv => kv.Value.Equals(t.ActorRef)).ToList()) _sessions.Remove(id);
        });
        Receive<CountSessions>(_ => Sender.Tell(_alive.Count));
    }

    /// <summary>RFC 6733 §8.11: a request with Auth-Session-State NO_STATE_MAINTAINED (1) leaves no session state on
    /// this side, so it gets no session actor unless <c>stateless-session-actors</c> asks for one.</summary>
    public static bool SkipsSessionActor(Protocol.DiameterMessage request, bool statelessActors) =>
        !statelessActors && request.TryFindPayload(277, 0, out var state) && state.Length == 4 && BinaryPrimitives.ReadInt32BigEndian(state.Span) == 1;

    private void Retire(string sessionId, IActorRef session)
    {
        if (_sessions.TryGetValue(sessionId, out var current) && current.Equals(session)) _sessions.Remove(sessionId);
        session.Tell(SessionActor.StopWhenIdle.Instance);
    }

    private static string? SessionIdOf(IncomingRequest r)
    {
        try { return r.Request.SessionId; }
        catch (Protocol.DiameterException) { return null; }   // validated already; an unreadable one has no session
    }
}

/// <summary>
/// One Diameter session: its requests reach the handler one at a time, in arrival order, each after the previous
/// one's answer (RFC 6733 §8: a session's messages are processed in order).
/// </summary>
internal sealed class SessionActor : ReceiveActor
{
    public sealed class StopWhenIdle { public static readonly StopWhenIdle Instance = new(); }
    private sealed record InHandTimeout(long Sequence);

    // An idle session holds little: no logger, no queue, no timer until it needs one (measured per idle session in
    // the README's performance section).
    private readonly IActorRef _router;
    private readonly TimeSpan _requestTimeout;
    private readonly string _sessionId;
    private Queue<IncomingRequest>? _queue;
    private IncomingRequest? _inHand;
    private ICancelable? _deadline;
    private long _sequence;
    private bool _retiring;

    public static Props Props(string sessionId, IActorRef router, TimeSpan idleTimeout, TimeSpan requestTimeout) =>
        Akka.Actor.Props.Create(() => new SessionActor(sessionId, router, idleTimeout, requestTimeout));

    public SessionActor(string sessionId, IActorRef router, TimeSpan idleTimeout, TimeSpan requestTimeout)
    {
        _sessionId = sessionId;
        _router = router;
        _requestTimeout = requestTimeout;
        Context.SetReceiveTimeout(idleTimeout);

        Receive<IncomingRequest>(r =>
        {
            if (_inHand is null) Dispatch(r);
            else (_queue ??= new Queue<IncomingRequest>()).Enqueue(r);
        });
        Receive<HandlerAnswer>(a =>
        {
            if (_inHand is null || a.Answer.HopByHopId != _inHand.Request.HopByHopId || a.Answer.EndToEndId != _inHand.Request.EndToEndId)
            {
                // Too late: the node has answered 5012 at the deadline and this session moved on.
                Context.GetLogger().Warning("Session {0}: dropped a late answer {1}", _sessionId, a.Answer);
                return;
            }
            _inHand.ReplyTo.Tell(a);
            Next();
        });
        // A handler that never answers must not block the session: at the deadline (when the node answers the peer
        // 5012) the session moves on to its next request.
        Receive<InHandTimeout>(t => t.Sequence == _sequence && _inHand is not null, _ => Next());
        Receive<InHandTimeout>(_ => { });
        Receive<ReceiveTimeout>(_ =>
        {
            if (Idle) Context.Parent.Tell(new SessionSupervisor.Idle(_sessionId));
        });
        Receive<StopWhenIdle>(_ =>
        {
            _retiring = true;
            if (Idle) Context.Stop(Self);
        });
    }

    private bool Idle => _inHand is null && (_queue is null || _queue.Count == 0);

    private void Next()
    {
        _deadline?.Cancel();
        _deadline = null;
        _inHand = null;
        if (_queue is { Count: > 0 }) Dispatch(_queue.Dequeue());
        else if (_retiring) Context.Stop(Self);
    }

    private void Dispatch(IncomingRequest r)
    {
        _inHand = r;
        _sequence++;
        _deadline = Context.System.Scheduler.ScheduleTellOnceCancelable(_requestTimeout, Self, new InHandTimeout(_sequence), Self);
        _router.Tell(r with { ReplyTo = Self });
    }

    protected override void PostStop() => _deadline?.Cancel();
}
