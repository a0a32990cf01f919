using System.Net;
using Akka.Actor;
using Akka.Event;
using AkkaDiameter.Protocol;
using AkkaDiameter.Protocol.Dictionary;
using AkkaDiameter.Settings;
using AkkaDiameter.Transport;
using static AkkaDiameter.Transport.ConnectionEvents;

namespace AkkaDiameter.Peers;

/// <summary>
/// The peer table (RFC 6733 §2.6): one <see cref="PeerActor"/> per configured peer, plus one per accepted unknown
/// peer when <c>accept-unknown-peers</c> is on. It owns responder connections until their CER names the peer
/// (R-Conn-CER), refuses CERs from hosts it does not know with DIAMETER_UNKNOWN_PEER 3010, keeps each peer's last
/// status for the node to read, and drives the orderly shutdown (DPR to every open peer).
/// </summary>
internal sealed class PeerTable : ReceiveActor, IWithTimers
{
    /// <summary>Disconnect every peer with <paramref name="Cause"/>; the reply is <see cref="ShutdownComplete"/>.</summary>
    public sealed record Shutdown(DisconnectCause Cause);
    /// <summary>Reply to <see cref="Shutdown"/>.</summary>
    public sealed class ShutdownComplete { public static readonly ShutdownComplete Instance = new(); }

    private sealed record CerTimeout(IActorRef Connection);
    private sealed class ShutdownTimeout { public static readonly ShutdownTimeout Instance = new(); }
    private sealed record Responder(Outbound Outbound, EndPoint Remote);

    private readonly DiameterSettings _settings;
    private readonly DiameterDictionary _dictionary;
    private readonly Func<IActorContext, IPEndPoint, IActorRef> _connect;
    private readonly IActorRef _dispatcher;
    private readonly IActorRef _router;
    private readonly Routing.RoutingTable _routing;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, IActorRef> _peers = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, PeerStatus> _status = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<IActorRef, Responder> _responders = [];
    private readonly HashSet<string> _shutdownWaiting = new(StringComparer.OrdinalIgnoreCase);
    // Unconfigured peers being retired (PeerActor.Idle → Retire → stopped or Reinstate), with the CERs that came for
    // their host meanwhile: delivered once the old actor is gone (to a new one) or reinstated.
    private readonly Dictionary<string, (IActorRef Peer, List<(IActorRef Connection, Responder Responder, DiameterMessage Cer)> Held)> _retiring =
        new(StringComparer.OrdinalIgnoreCase);
    private IActorRef? _shutdownReplyTo;
    private bool _shuttingDown;
    private int _dynamic;
    // One bound for all the node's peers (max-pending-requests).
    private readonly InboundLoad _load;
    private readonly IActorRef? _applications;
    private readonly Applications.HandlerDirectory? _handlerDirectory;

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(DiameterSettings settings, DiameterDictionary dictionary, Func<IActorContext, IPEndPoint, IActorRef> connect,
        IActorRef dispatcher, IActorRef router, Routing.RoutingTable routing, IActorRef? applications = null,
        Applications.HandlerDirectory? handlerDirectory = null) =>
        Akka.Actor.Props.Create(() => new PeerTable(settings, dictionary, connect, dispatcher, router, routing, applications, handlerDirectory));

    public PeerTable(DiameterSettings settings, DiameterDictionary dictionary, Func<IActorContext, IPEndPoint, IActorRef> connect,
        IActorRef dispatcher, IActorRef router, Routing.RoutingTable routing, IActorRef? applications, Applications.HandlerDirectory? handlerDirectory)
    {
        _applications = applications;
        _handlerDirectory = handlerDirectory;
        _dispatcher = dispatcher;
        _router = router;
        _routing = routing;
        _settings = settings;
        _dictionary = dictionary;
        _connect = connect;
        _load = new InboundLoad(settings.MaxPendingRequests);

        Receive<PeerActor.StatusUpdate>(u =>
        {
            _status[u.Status.OriginHost] = u.Status;
            if (_shuttingDown && u.Status.State == PeerState.Closed) ShutdownProgress(u.Status.OriginHost);
        });

        // ---- responder connections before their CER ----
        Receive<Connected>(c =>
        {
            _responders[c.Connection] = new Responder(c.Outbound, c.Remote);
            Timers.StartSingleTimer(c.Connection, new CerTimeout(c.Connection), _settings.CapabilitiesExchangeTimeout);
        });
        Receive<Received>(r => OnFirstMessage(r.Connection, r.Message));
        Receive<ReceiveFailed>(f =>
        {
            _log.Warning("Undecodable first message from {0}: {1}", _responders.GetValueOrDefault(f.Connection)?.Remote, f.Error.Error);
            if (_responders.TryGetValue(f.Connection, out var resp)
                && ErrorAnswers.ForHeader(f.Error.Error, _dictionary, _settings.OriginHost, _settings.OriginRealm) is { } answer)
                resp.Outbound.TrySend(answer, out _);
            RefuseConnection(f.Connection);
        });
        Receive<Disconnected>(d =>
        {
            _responders.Remove(d.Connection);
            Timers.Cancel(d.Connection);
            foreach (var (_, held) in _retiring.Values) held.RemoveAll(h => h.Connection.Equals(d.Connection));
        });
        Receive<ConnectFailed>(_ => { });
        Receive<CerTimeout>(t =>
        {
            if (!_responders.ContainsKey(t.Connection)) return;
            _log.Warning("No CER within {0} on the connection from {1}; closing it", _settings.CapabilitiesExchangeTimeout, _responders[t.Connection].Remote);
            RefuseConnection(t.Connection);
        });

        // ---- the node's questions ----
        Receive<PeerCommands.GetPeers>(_ => Sender.Tell(_status.Values.OrderBy(s => s.OriginHost, StringComparer.Ordinal).ToList()));
        Receive<PeerCommands.GetPeerStatus>(g => ToPeer(g.OriginHost, g));
        Receive<PeerCommands.GetBaseMessages>(g => ToPeer(g.OriginHost, g));
        Receive<PeerCommands.Disconnect>(d => ToPeer(d.OriginHost, d));
        Receive<PeerCommands.Connect>(c => ToPeer(c.OriginHost, c));
        Receive<PeerCommands.SendRequest>(s =>
        {
            if (_peers.TryGetValue(s.OriginHost, out var peer)) peer.Forward(s);
            else Sender.Tell(ErrorAnswers.For(s.Request, ResultCodes.UnableToDeliver, $"no peer '{s.OriginHost}' is configured or connected",
                _settings.OriginHost, _settings.OriginRealm));
        });
        Receive<Shutdown>(s =>
        {
            _shuttingDown = true;
            _shutdownReplyTo = Sender;
            foreach (var (host, peer) in _peers)
            {
                _shutdownWaiting.Add(host);
                peer.Tell(new PeerActor.Stop(s.Cause, Self));
            }
            foreach (var conn in _responders.Keys.ToList()) RefuseConnection(conn);
            foreach (var (_, held) in _retiring.Values)
            {
                foreach (var (connection, responder, cer) in held) Refuse(connection, responder, cer, ResultCodes.UnableToComply, "this node is shutting down");
                held.Clear();
            }
            Timers.StartSingleTimer(ShutdownTimeout.Instance, ShutdownTimeout.Instance, _settings.DisconnectTimeout + TimeSpan.FromSeconds(1));
            if (_shutdownWaiting.Count == 0) FinishShutdown();
        });
        Receive<PeerCommands.Disconnected>(d => ShutdownProgress(d.OriginHost));
        Receive<ShutdownTimeout>(_ =>
        {
            if (_shutdownWaiting.Count > 0) _log.Warning("Shutdown: no DPA from {0}; closing anyway", string.Join(", ", _shutdownWaiting));
            FinishShutdown();
        });
        Receive<PeerActor.Idle>(i =>
        {
            // Once per retirement; a second Idle from the same peer (closed again before Retire arrived) changes nothing.
            if (_retiring.ContainsKey(i.OriginHost) || !_peers.TryGetValue(i.OriginHost, out var peer) || !peer.Equals(Sender)) return;
            _retiring[i.OriginHost] = (peer, []);
            peer.Tell(PeerActor.Retire.Instance);
        });
        Receive<PeerActor.Reinstate>(r =>
        {
            if (!_retiring.TryGetValue(r.OriginHost, out var retiring) || !retiring.Peer.Equals(Sender)) return;
            _retiring.Remove(r.OriginHost);
            foreach (var (connection, responder, cer) in retiring.Held) Deliver(connection, responder, cer, retiring.Peer);
        });
        Receive<Terminated>(t =>
        {
            var host = _peers.FirstOrDefault(p => p.Value.Equals(t.ActorRef)).Key;
            if (host is null) return;
            _peers.Remove(host);
            _status.Remove(host);
            _router.Tell(new Routing.PeerRemoved(host, t.ActorRef));
            ShutdownProgress(host);
            // The CERs held while the peer retired go to a new one: the first opens it, a second is refused as usual.
            if (!_retiring.Remove(host, out var retiring) || retiring.Held.Count == 0) return;
            var successor = AddUnconfiguredPeer(host, retiring.Held[0].Cer);
            foreach (var (connection, responder, cer) in retiring.Held) Deliver(connection, responder, cer, successor);
        });
    }

    protected override void PreStart()
    {
        foreach (var peer in _settings.Peers) AddPeer(peer.OriginHost, peer.Realm, peer);
    }

    // A host not in akka.diameter.peers (accept-unknown-peers): its realm is the one its CER gives (RFC 6733 §6.4).
    private IActorRef AddUnconfiguredPeer(string host, DiameterMessage cer) => AddPeer(host, cer.FindString("Origin-Realm") ?? "", null);

    private IActorRef AddPeer(string host, string realm, PeerSettings? configured)
    {
        var name = configured is not null ? $"peer-{host}" : $"peer-{host}-{++_dynamic}";
        var actor = Context.ActorOf(PeerActor.Props(_settings, _dictionary, host, realm, configured, _connect, _dispatcher, _router, _routing, _load, _applications, _handlerDirectory).OnDispatcherOf(Context), Uri.EscapeDataString(name));
        Context.Watch(actor);
        _peers[host] = actor;
        _router.Tell(new Routing.PeerAdded(host, realm, actor));
        return actor;
    }

    /// <summary>The first message of a responder connection must be a CER (RFC 6733 §5.6: R-Conn-CER).</summary>
    private void OnFirstMessage(IActorRef connection, DiameterMessage message)
    {
        if (!_responders.TryGetValue(connection, out var responder))
        {
            connection.Tell(ConnectionCommands.Ack.Instance);
            return;
        }
        if (message.CommandCode != 257 || !message.IsRequest)
        {
            _log.Warning("First message from {0} is {1}, not CER; closing the connection", responder.Remote, message);
            if (message.IsRequest)
                responder.Outbound.TrySend(ErrorAnswers.For(message, ResultCodes.UnableToComply, "the first message on a connection must be CER",
                    _settings.OriginHost, _settings.OriginRealm), out _);
            RefuseConnection(connection);
            return;
        }
        if (_shuttingDown)
        {
            Refuse(connection, responder, message, ResultCodes.UnableToComply, "this node is shutting down");
            return;
        }
        string host;
        try { host = message.GetString("Origin-Host"); }
        catch (DiameterException e)
        {
            var error = e is DiameterDecodeException d ? d.Error : new DiameterError(ResultCodes.MissingAvp, "CER has no Origin-Host");
            Refuse(connection, responder, message, error.ResultCode, error.Reason);
            return;
        }
        if (!_peers.TryGetValue(host, out var peer))
        {
            if (!_settings.AcceptUnknownPeers)
            {
                Refuse(connection, responder, message, ResultCodes.UnknownPeer, $"{host} is not a configured peer of {_settings.OriginHost}");
                return;
            }
            peer = AddUnconfiguredPeer(host, message);
        }
        _responders.Remove(connection);
        Timers.Cancel(connection);
        if (_retiring.TryGetValue(host, out var retiring)) retiring.Held.Add((connection, responder, message));
        else Deliver(connection, responder, message, peer);
    }

    private static void Deliver(IActorRef connection, Responder responder, DiameterMessage cer, IActorRef peer)
    {
        connection.Tell(new ConnectionCommands.SetOwner(peer));
        peer.Tell(new PeerActor.IncomingCer(connection, responder.Outbound, cer, responder.Remote));
    }

    private void Refuse(IActorRef connection, Responder responder, DiameterMessage cer, uint resultCode, string reason)
    {
        _log.Warning("Refused CER from {0} ({1}): {2} {3}", cer.FindString("Origin-Host") ?? "?", responder.Remote, ResultCodes.NameOf(resultCode), reason);
        responder.Outbound.TrySend(CapabilitiesExchange.BuildCea(_settings, cer, resultCode, reason), out _);
        RefuseConnection(connection);
    }

    private void RefuseConnection(IActorRef connection)
    {
        _responders.Remove(connection);
        Timers.Cancel(connection);
        connection.Tell(ConnectionCommands.Ack.Instance);
        connection.Tell(ConnectionCommands.Close.Instance);
    }

    private void ToPeer(string host, object message)
    {
        if (_peers.TryGetValue(host, out var peer)) peer.Forward(message);
        else Sender.Tell(new Status.Failure(new UnknownPeerException(host)));
    }

    private void ShutdownProgress(string host)
    {
        if (!_shuttingDown || !_shutdownWaiting.Remove(host)) return;
        if (_shutdownWaiting.Count == 0) FinishShutdown();
    }

    private void FinishShutdown()
    {
        Timers.Cancel(ShutdownTimeout.Instance);
        _shutdownReplyTo?.Tell(ShutdownComplete.Instance);
        _shutdownReplyTo = null;
    }
}
