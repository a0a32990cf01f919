using Akka.Actor;
using Akka.Event;
using AkkaDiameter.Applications;
using AkkaDiameter.Peers;
using AkkaDiameter.Protocol;
using AkkaDiameter.Protocol.Wire;
using AkkaDiameter.Settings;

namespace AkkaDiameter.Routing;

/// <summary>
/// The router (RFC 6733 §6.1): routes requests the node originates and requests it relays. It keeps each peer's
/// availability (from the peer table) and outstanding count (its own), asks <see cref="RoutingTable"/> for a
/// decision, sends, and on the way back restores the Hop-by-Hop Identifier of a relayed request (§6.1.9). A request
/// whose peer failed before answering (connection lost, watchdog failover, §5.5.4) is sent to another peer of the
/// same route with the T flag set; when none is left the caller gets DIAMETER_UNABLE_TO_DELIVER 3002.
/// </summary>
internal sealed class RouterActor : ReceiveActor
{
    private sealed class Peer(IActorRef actor, string realm)
    {
        public IActorRef Actor { get; set; } = actor;
        public string Realm { get; set; } = realm;
        public PeerStatus? Status { get; set; }
        public int Outstanding { get; set; }
    }

    private sealed record Routed(DiameterMessage Request, IActorRef ReplyTo, string? FromPeer, uint OriginalHopByHop,
        HashSet<string> Tried, string CurrentPeer);

    private readonly DiameterSettings _settings;
    private readonly RoutingTable _table;
    private readonly IActorRef _sessions;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, Peer> _peers = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<long, Routed> _routed = [];
    private readonly Dictionary<uint, IActorRef> _local = [];   // End-to-End → caller, for requests handled here
    private long _correlation;

    public static Props Props(DiameterSettings settings, RoutingTable table, IActorRef sessions) =>
        Akka.Actor.Props.Create(() => new RouterActor(settings, table, sessions));

    public RouterActor(DiameterSettings settings, RoutingTable table, IActorRef sessions)
    {
        _settings = settings;
        _table = table;
        _sessions = sessions;

        Receive<PeerAdded>(p => { if (!_peers.ContainsKey(p.Host)) _peers[p.Host] = new Peer(p.Peer, p.Realm); });
        Receive<PeerRemoved>(p => { if (_peers.TryGetValue(p.Host, out var peer) && peer.Actor.Equals(p.Peer)) _peers.Remove(p.Host); });
        Receive<PeerActor.StatusUpdate>(u =>
        {
            // Updates come straight from the peer actor, so one may arrive before the table's PeerAdded.
            if (!_peers.TryGetValue(u.Status.OriginHost, out var peer)) _peers[u.Status.OriginHost] = peer = new Peer(Sender, u.Status.Realm);
            if (!Sender.IsNobody() && !peer.Actor.Equals(Sender)) { peer.Actor = Sender; peer.Outstanding = 0; }   // a new actor for the host
            peer.Status = u.Status;
            peer.Realm = u.Status.Realm;
        });
        Receive<DiameterRequest>(r => Originate(r.Message, Sender));
        Receive<RelayRequest>(Relay);
        Receive<RoutedAnswer>(OnRoutedAnswer);
        Receive<HandlerAnswer>(a =>
        {
            if (_local.Remove(a.Answer.EndToEndId, out var caller)) caller.Tell(new DiameterAnswer(a.Answer, null));
            else _log.Warning("Dropped a local answer nobody waits for: {0}", a.Answer);
        });
    }

    private void Originate(DiameterMessage request, IActorRef caller)
    {
        if (!request.IsRequest)
        {
            caller.Tell(new Status.Failure(new ArgumentException($"{request.CommandName} is an answer, not a request")));
            return;
        }
        FillIn(request);
        switch (SafeDecide(request, null))
        {
            case RouteLocally:
                _local[request.EndToEndId] = caller;
                _sessions.Tell(new IncomingRequest(request, _settings.OriginHost, Self, _settings.OriginHost, _settings.OriginRealm));
                break;
            case RouteToPeers to:
                Send(new Routed(request, caller, null, request.HopByHopId, new HashSet<string>(StringComparer.OrdinalIgnoreCase), to.Candidates[0]), to.Candidates[0]);
                break;
            case RouteRedirect redirect:
                caller.Tell(new DiameterAnswer(RedirectAnswer(request, redirect), null));
                break;
            case RouteError e:
                caller.Tell(new DiameterAnswer(Error(request, e.ResultCode, e.Reason), null));
                break;
        }
    }

    /// <summary>§6.1.9 relaying: Route-Record with the identity of the peer the request came from, a new Hop-by-Hop on
    /// the way out (the outbound peer assigns it), the original restored on the answer.</summary>
    private void Relay(RelayRequest r)
    {
        switch (SafeDecide(r.Request, r.FromPeer))
        {
            case RouteToPeers to:
                var copy = r.Request.Clone();
                copy.Add("Route-Record", r.FromPeer);
                Send(new Routed(copy, r.ReplyTo, r.FromPeer, r.Request.HopByHopId, new HashSet<string>(StringComparer.OrdinalIgnoreCase), to.Candidates[0]), to.Candidates[0]);
                break;
            case RouteLocally:
                r.ReplyTo.Tell(new HandlerAnswer(Error(r.Request, ResultCodes.UnableToDeliver, "the request came back to its own node")));
                break;
            case RouteRedirect redirect:
                r.ReplyTo.Tell(new HandlerAnswer(RedirectAnswer(r.Request, redirect)));
                break;
            case RouteError e:
                r.ReplyTo.Tell(new HandlerAnswer(Error(r.Request, e.ResultCode, e.Reason)));
                break;
        }
    }

    /// <summary>A routing AVP that cannot be read (a Route-Record that is not a DiameterIdentity) is an answer with
    /// its Result-Code, not a router failure.</summary>
    private RouteDecision SafeDecide(DiameterMessage request, string? fromPeer)
    {
        try { return _table.Decide(request, Routes(), fromPeer); }
        catch (DiameterDecodeException e) { return new RouteError(e.Error.ResultCode, e.Error.Reason); }
    }

    private void Send(Routed routed, string host)
    {
        var peer = _peers[host];
        routed.Tried.Add(host);
        var id = ++_correlation;
        _routed[id] = routed with { CurrentPeer = host };
        peer.Outstanding++;
        peer.Actor.Tell(new RouteRequest(id, routed.Request));
    }

    private void OnRoutedAnswer(RoutedAnswer a)
    {
        if (!_routed.Remove(a.Correlation, out var routed)) return;
        if (_peers.TryGetValue(routed.CurrentPeer, out var peer)) peer.Outstanding--;
        if (a.Failure is DeliveryFailure.NotSent or DeliveryFailure.ConnectionLost)
        {
            // §5.5.4 failover: another peer of the same route, T flag set when the first may have received it.
            var next = SafeDecide(routed.Request, routed.FromPeer) is RouteToPeers to
                ? to.Candidates.FirstOrDefault(c => !routed.Tried.Contains(c)) : null;
            if (next is not null)
            {
                if (a.Failure == DeliveryFailure.ConnectionLost) routed.Request.Flags |= CommandFlags.Retransmit;
                _log.Info("Failover: {0} to {1} after {2} ({3})", routed.Request, next, routed.CurrentPeer, a.Failure);
                Send(routed, next);
                return;
            }
        }
        var answer = a.Answer;
        if (routed.FromPeer is null)
        {
            routed.ReplyTo.Tell(new DiameterAnswer(answer, a.Failure == DeliveryFailure.None ? routed.CurrentPeer : null));
            return;
        }
        answer.HopByHopId = routed.OriginalHopByHop;
        routed.ReplyTo.Tell(new HandlerAnswer(answer));
    }

    private IReadOnlyDictionary<string, PeerRoute> Routes() =>
        _peers.ToDictionary(p => p.Key, p => new PeerRoute(p.Key, p.Value.Realm, p.Value.Status?.IsAvailable == true, p.Value.Outstanding,
            p.Value.Status?.Applications ?? []), StringComparer.OrdinalIgnoreCase);

    private void FillIn(DiameterMessage request)
    {
        if (request.EndToEndId == 0) request.EndToEndId = EndToEndIdentifier.Next();
        if (request.Find(263) is null && request.Command?.RequestLayout?.Rules is [{ AvpName: "Session-Id" }, ..])
            request.Insert(0, new Avp(263, 0, AvpFlags.Mandatory, System.Text.Encoding.UTF8.GetBytes(Sessions.SessionIds.New(_settings.OriginHost)), request.Dictionary));
        if (request.Find(264) is null) request.Add("Origin-Host", _settings.OriginHost);
        if (request.Find(296) is null) request.Add("Origin-Realm", _settings.OriginRealm);
    }

    private DiameterMessage Error(DiameterMessage request, uint code, string reason) =>
        ErrorAnswers.For(request, code, reason, _settings.OriginHost, _settings.OriginRealm);

    /// <summary>§6.13 redirect: DIAMETER_REDIRECT_INDICATION with a Redirect-Host per peer.</summary>
    private DiameterMessage RedirectAnswer(DiameterMessage request, RouteRedirect redirect)
    {
        var answer = Error(request, ResultCodes.RedirectIndication, $"redirected to {string.Join(", ", redirect.Hosts)}");
        foreach (var host in redirect.Hosts)
        {
            var configured = _settings.FindPeer(host);
            answer.Add("Redirect-Host", $"aaa://{host}:{configured?.Port ?? 3868};transport=tcp");
        }
        answer.Add("Redirect-Host-Usage", "DONT_CACHE");
        return answer;
    }
}
