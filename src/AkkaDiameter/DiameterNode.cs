using System.Collections.Immutable;
using System.Net;
using Akka.Actor;
using Akka.Event;
using Akka.Streams;
using AkkaDiameter.Applications;
using AkkaDiameter.Peers;
using AkkaDiameter.Protocol;
using AkkaDiameter.Protocol.Dictionary;
using AkkaDiameter.Routing;
using AkkaDiameter.Sessions;
using AkkaDiameter.Settings;
using AkkaDiameter.Transport;

namespace AkkaDiameter;

/// <summary>
/// The root of a node, <c>/user/diameter</c>: owns the stream materializer, the <see cref="ApplicationRouter"/>
/// (<c>applications</c>), the <see cref="SessionSupervisor"/> (<c>sessions</c>), the <see cref="PeerTable"/>
/// (<c>peers</c>) and one listener per configured address (<c>listener-N</c>). Every child stops with it, streams
/// included: each connection actor closes its stream when it stops, and the materializer goes after them.
/// </summary>
internal sealed class DiameterNodeActor : ReceiveActor
{
    /// <summary>Ask for the bound listen endpoints: the reply is <c>IReadOnlyList&lt;IPEndPoint&gt;</c> once every
    /// listener is bound, or <see cref="Status.Failure"/> if one could not bind.</summary>
    public sealed class GetListenEndpoints { public static readonly GetListenEndpoints Instance = new(); }

    /// <summary>Ask for what <see cref="DiameterNode.AttachAsync"/> needs: the reply is <see cref="NodeInfo"/> once every
    /// listener is bound.</summary>
    public sealed class GetNodeInfo { public static readonly GetNodeInfo Instance = new(); }

    /// <summary>Reply to <see cref="GetNodeInfo"/>.</summary>
    public sealed record NodeInfo(DiameterSettings Settings, DiameterDictionary Dictionary, IReadOnlyList<IPEndPoint> Endpoints);

    private readonly DiameterSettings _settings;
    private readonly DiameterDictionary _dictionary;
    private readonly DiameterHandlers _handlers;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly List<IPEndPoint> _bound = [];
    private IActorRef _sessions = ActorRefs.Nobody;
    private IActorRef _router = ActorRefs.Nobody;
    private readonly List<IActorRef> _endpointWaiters = [];
    private IActorRef _peers = ActorRefs.Nobody;
    private string? _bindFailure;
    private ActorMaterializer? _materializer;

    public static Props Props(DiameterSettings settings, DiameterDictionary dictionary, DiameterHandlers handlers) =>
        Akka.Actor.Props.Create(() => new DiameterNodeActor(settings, dictionary, handlers));

    public DiameterNodeActor(DiameterSettings settings, DiameterDictionary dictionary, DiameterHandlers handlers)
    {
        _settings = settings;
        _dictionary = dictionary;
        _handlers = handlers;
        // Also done by StartAsync and WithDiameter before this actor is made, so that a wrong path is their exception;
        // here for a root made elsewhere from RootProps.
        NodeDispatchers.Register(Context.System, settings);

        Receive<ListenerActor.Bound>(b => { _bound.Add(b.Endpoint); AnswerEndpointWaiters(); });
        Receive<ListenerActor.BindFailed>(f =>
        {
            _bindFailure = $"cannot listen on {f.Listen.Address}:{f.Listen.Port}: {f.Reason}";
            AnswerEndpointWaiters();
        });
        Receive<GetListenEndpoints>(_ => { _endpointWaiters.Add(Sender); AnswerEndpointWaiters(); });
        Receive<GetNodeInfo>(_ =>
        {
            var asker = Sender;
            var self = Self;
            self.Ask<IReadOnlyList<IPEndPoint>>(GetListenEndpoints.Instance, TimeSpan.FromSeconds(30))
                .PipeTo(asker, success: e => new NodeInfo(_settings, _dictionary, e));
        });
        Receive<SessionSupervisor.CountSessions>(c => _sessions.Forward(c));
        Receive<SessionSupervisor.EndSession>(e => _sessions.Forward(e));
        Receive<DiameterRequest>(r => _router.Forward(r));
        ReceiveAny(m => _peers.Forward(m));
    }

    protected override void PreStart()
    {
        if (_settings.WatchdogInterval < TimeSpan.FromSeconds(6))
            _log.Warning("watchdog-interval {0} is below the 6 s RFC 3539 §3.4.1 allows; fine for tests, not for a network", _settings.WatchdogInterval);
        // Not Context.Materializer(): a child materializer is stopped together with the connection actors when the
        // root is, and its streams are then cut off before the connection actors' PostStop closes them. (With
        // Akka.IO's TCP stage that left the connection open until the peer's watchdog gave up.) Owned by the system,
        // the streams end as their connection actors close them; see PostStop. (So the streams' actors are under
        // /user/StreamSupervisor-N, not under the node's path.)
        // The connections' streams run on the node's dispatcher with its other actors (akka.diameter.dispatcher).
        var materializer = _materializer = ActorMaterializer.Create(Context.System,
            ActorMaterializerSettings.Create(Context.System).WithDispatcher(_settings.Dispatcher), $"diameter-{Self.Path.Name}");
        var directory = new HandlerDirectory();
        var applications = Context.ActorOf(ApplicationRouter.Props(_handlers, directory, _settings).OnNodeDispatcher(_settings), "applications");
        _sessions = Context.ActorOf(SessionSupervisor.Props(applications, _settings.SessionIdleTimeout, _settings.RequestTimeout, _settings.StatelessSessionActors)
            .OnNodeDispatcher(_settings), "sessions");
        var routing = new RoutingTable(_settings, _handlers.Registrations.Select(r => (r.ApplicationId, r.CommandCode)).ToHashSet());
        _router = Context.ActorOf(RouterActor.Props(_settings, routing, _sessions).OnNodeDispatcher(_settings), "router");
        _peers = Context.ActorOf(PeerTable.Props(_settings, _dictionary, (ctx, remote) =>
            ctx.ActorOf(ConnectionActor.Props(new ConnectionActor.Outgoing(remote), ctx.Self, _settings, _dictionary, materializer).OnDispatcherOf(ctx)),
            _sessions, _router, routing, applications, directory).OnNodeDispatcher(_settings), "peers");
        for (var i = 0; i < _settings.Listen.Length; i++)
            Context.ActorOf(ListenerActor.Props(_settings.Listen[i], _peers, _settings, _dictionary, materializer).OnNodeDispatcher(_settings), $"listener-{i}");
    }

    protected override void PostStop()
    {
        // Every child has stopped by now and each connection actor has told its stream to close, which takes the
        // stream a moment; what is still running after disconnect-timeout is aborted with the materializer.
        if (_materializer is not { } m) return;
        try { Context.System.Scheduler.Advanced.ScheduleOnce(_settings.DisconnectTimeout, m.Shutdown); }
        catch (SchedulerException) { m.Shutdown(); }   // the system is terminating: its streams go with it anyway
    }

    private void AnswerEndpointWaiters()
    {
        if (_bindFailure is not null)
        {
            foreach (var w in _endpointWaiters) w.Tell(new Status.Failure(new DiameterConfigurationException("akka.diameter.listen", _bindFailure)));
            _endpointWaiters.Clear();
            return;
        }
        if (_bound.Count < _settings.Listen.Length) return;
        foreach (var w in _endpointWaiters) w.Tell(_bound.ToList());
        _endpointWaiters.Clear();
    }
}

/// <summary>
/// A running Diameter node: listens and connects as configured, holds the RFC 6733 peer state machines, and answers
/// questions about its peers. Start one from HOCON (<c>akka.diameter</c>) or from <see cref="DiameterSettings"/>:
/// <code>
/// var system = ActorSystem.Create("mme", ConfigurationFactory.ParseString(File.ReadAllText("config/mme.conf")));
/// var node = await DiameterNode.StartAsync(system);
/// var status = await node.GetPeerStatusAsync("hss.epc.mnc001.mcc001.3gppnetwork.org");   // status.StateName == "I-Open"
/// </code>
/// </summary>
public sealed class DiameterNode : IAsyncDisposable
{
    private readonly TimeSpan _askTimeout;

    private DiameterNode(ActorSystem system, IActorRef root, DiameterSettings settings, DiameterDictionary dictionary, IReadOnlyList<IPEndPoint> endpoints)
    {
        System = system;
        Ref = root;
        Settings = settings;
        Dictionary = dictionary;
        ListenEndpoints = endpoints;
        _askTimeout = settings.RequestTimeout + TimeSpan.FromSeconds(5);
    }

    /// <summary>The actor system the node runs in.</summary>
    public ActorSystem System { get; }
    /// <summary>The node's root actor (<c>/user/&lt;name&gt;</c>); it answers the <see cref="PeerCommands"/> messages.</summary>
    public IActorRef Ref { get; }
    /// <summary>The settings it runs with.</summary>
    public DiameterSettings Settings { get; }
    /// <summary>The dictionary messages are decoded with.</summary>
    public DiameterDictionary Dictionary { get; }
    /// <summary>Where it listens (real ports, also when 0 was configured).</summary>
    public IReadOnlyList<IPEndPoint> ListenEndpoints { get; }

    /// <summary>Starts a node with the settings of <paramref name="system"/>'s configuration (<c>akka.diameter</c>).</summary>
    /// <exception cref="DiameterConfigurationException">A key is wrong, or a listen address cannot be bound.</exception>
    public static Task<DiameterNode> StartAsync(ActorSystem system, string name = "diameter") =>
        StartAsync(system, DiameterSettings.Create(system), DiameterDictionary.Default, name);

    /// <summary>Starts a node from the system's configuration with request handlers.</summary>
    public static Task<DiameterNode> StartAsync(ActorSystem system, DiameterHandlers handlers, string name = "diameter") =>
        StartAsync(system, DiameterSettings.Create(system), DiameterDictionary.Default, name, handlers);

    /// <summary>Props of a node's root actor, for hosts that create it themselves (Akka.Hosting's
    /// <c>WithDiameter</c>); <see cref="AttachAsync"/> then gives the same API as <see cref="StartAsync(ActorSystem, string)"/>.</summary>
    public static Props RootProps(DiameterSettings settings, DiameterDictionary? dictionary = null, DiameterHandlers? handlers = null) =>
        DiameterNodeActor.Props(settings, dictionary ?? DiameterDictionary.Default, handlers ?? new DiameterHandlers());

    /// <summary>Makes the dispatchers <paramref name="settings"/> name (<c>akka.diameter.dispatcher</c>,
    /// <c>handler-dispatcher</c>) known to <paramref name="system"/>; <see cref="StartAsync(ActorSystem, string)"/> does
    /// it, and a host that creates the root from <see cref="RootProps"/> calls it first (the root does it again, but a
    /// failure there stops the root rather than the host's start).</summary>
    /// <exception cref="DiameterConfigurationException">No dispatcher is configured at a path named.</exception>
    public static void RegisterDispatchers(ActorSystem system, DiameterSettings settings) => NodeDispatchers.Register(system, settings);

    /// <summary>The API of a node whose root actor was created elsewhere (with <see cref="RootProps"/>); waits until its
    /// listeners are bound.</summary>
    public static async Task<DiameterNode> AttachAsync(ActorSystem system, IActorRef root)
    {
        var info = await root.Ask<DiameterNodeActor.NodeInfo>(DiameterNodeActor.GetNodeInfo.Instance, TimeSpan.FromSeconds(35));
        return new DiameterNode(system, root, info.Settings, info.Dictionary, info.Endpoints);
    }

    /// <summary>Starts a node with explicit settings, dictionary and, optionally, request handlers (without
    /// handlers every application request is answered DIAMETER_COMMAND_UNSUPPORTED 3001).</summary>
    public static async Task<DiameterNode> StartAsync(ActorSystem system, DiameterSettings settings, DiameterDictionary dictionary,
        string name = "diameter", DiameterHandlers? handlers = null)
    {
        RegisterDispatchers(system, settings);
        var root = system.ActorOf(DiameterNodeActor.Props(settings, dictionary, handlers ?? new DiameterHandlers()), name);
        try
        {
            var endpoints = await root.Ask<IReadOnlyList<IPEndPoint>>(DiameterNodeActor.GetListenEndpoints.Instance, TimeSpan.FromSeconds(30));
            return new DiameterNode(system, root, settings, dictionary, endpoints);
        }
        catch
        {
            await root.GracefulStop(TimeSpan.FromSeconds(5));
            throw;
        }
    }

    /// <summary>One peer's status.</summary>
    /// <exception cref="UnknownPeerException">No such peer.</exception>
    public Task<PeerStatus> GetPeerStatusAsync(string originHost) =>
        Ref.Ask<PeerStatus>(new PeerCommands.GetPeerStatus(originHost), _askTimeout);

    /// <summary>Every peer's status.</summary>
    public Task<List<PeerStatus>> GetPeersAsync() => Ref.Ask<List<PeerStatus>>(PeerCommands.GetPeers.Instance, _askTimeout);

    /// <summary>The peers that are open (I-Open or R-Open).</summary>
    public async Task<IReadOnlyList<PeerStatus>> GetOpenPeersAsync() => (await GetPeersAsync()).Where(p => p.State.IsOpen()).ToList();

    /// <summary>Waits until a peer is open (I-Open or R-Open) and returns its status.</summary>
    /// <exception cref="TimeoutException">It did not open within <paramref name="timeout"/>.</exception>
    /// <exception cref="UnknownPeerException">No such peer.</exception>
    public async Task<PeerStatus> WaitUntilOpenAsync(string originHost, TimeSpan timeout)
    {
        var changes = global::System.Threading.Channels.Channel.CreateUnbounded<bool>();
        var watcher = System.ActorOf(Props.Create(() => new StateWatcher(Settings.OriginHost, originHost, changes.Writer)));
        System.EventStream.Subscribe(watcher, typeof(PeerStateChanged));
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            // Each change of this node's peer is checked against the peer's own answer.
            while (true)
            {
                var status = await GetPeerStatusAsync(originHost);
                if (status.State.IsOpen()) return status;
                await changes.Reader.ReadAsync(deadline.Token);
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            throw new TimeoutException($"peer {originHost} did not open within {timeout} (it is {(await GetPeerStatusAsync(originHost)).StateName})");
        }
        finally
        {
            // Unsubscribed first, so events published from now on do not end in dead letters.
            System.EventStream.Unsubscribe(watcher);
            System.Stop(watcher);
        }
    }

    private sealed class StateWatcher : ReceiveActor
    {
        public StateWatcher(string localHost, string originHost, global::System.Threading.Channels.ChannelWriter<bool> changes) =>
            Receive<PeerStateChanged>(e =>
            {
                if (string.Equals(e.LocalHost, localHost, StringComparison.OrdinalIgnoreCase)
                    && string.Equals(e.Peer, originHost, StringComparison.OrdinalIgnoreCase)) changes.TryWrite(true);
            });
    }

    /// <summary>The last CER/CEA/DWR/DWA/DPR/DPA exchanged with a peer.</summary>
    public Task<BaseMessages> GetBaseMessagesAsync(string originHost) =>
        Ref.Ask<BaseMessages>(new PeerCommands.GetBaseMessages(originHost), _askTimeout);

    /// <summary>Sends a request where RFC 6733 §6.1 routing takes it — Destination-Host, the realm table,
    /// the peers of Destination-Realm (least outstanding first), or this node's own handlers — and returns the
    /// answer. A peer lost before answering is replaced by another of the same route, the request sent again with
    /// the T flag; when none is left, or the realm is unknown, the answer is a local 3002 or 3003.</summary>
    public Task<DiameterAnswer> AskAsync(DiameterMessage request) => Ref.Ask<DiameterAnswer>(new DiameterRequest(request), _askTimeout * 2);

    /// <summary>Sends a request to a peer and returns its answer; a peer that is not open, does not answer in
    /// <c>request-timeout</c>, or loses the connection gives a local DIAMETER_UNABLE_TO_DELIVER 3002 answer.</summary>
    public Task<DiameterMessage> SendAsync(string originHost, DiameterMessage request) =>
        Ref.Ask<DiameterMessage>(new PeerCommands.SendRequest(originHost, request), _askTimeout);

    /// <summary>How many session actors are alive (one per Session-Id in use).</summary>
    public Task<int> CountSessionsAsync() => Ref.Ask<int>(SessionSupervisor.CountSessions.Instance, _askTimeout);

    /// <summary>Ends a session: its actor stops once its queued requests are answered.</summary>
    public void EndSession(string sessionId) => Ref.Tell(new SessionSupervisor.EndSession(sessionId));

    /// <summary>A new Session-Id for this node (RFC 6733 §8.8).</summary>
    public string NewSessionId(string? optional = null) => SessionIds.New(Settings.OriginHost, optional);

    /// <summary>Disconnects a peer with DPR and waits until it is Closed.</summary>
    public Task DisconnectAsync(string originHost, DisconnectCause cause = DisconnectCause.Rebooting) =>
        Ref.Ask<PeerCommands.Disconnected>(new PeerCommands.Disconnect(originHost, cause), _askTimeout);

    /// <summary>Sends DPR with <paramref name="cause"/> to every open peer, waits for the DPAs (or
    /// <c>disconnect-timeout</c>), then stops the node's actors and streams.</summary>
    public Task StopAsync(DisconnectCause cause = DisconnectCause.Rebooting)
    {
        // Once: a second call (a test's cleanup, DisposeAsync after StopAsync) waits for the first instead of asking
        // an actor that is gone and waiting out the ask timeout.
        lock (_stopLock) return _stopping ??= StopOnceAsync(cause);
    }

    private async Task StopOnceAsync(DisconnectCause cause)
    {
        if (Ref.IsNobody()) return;
        try { await Ref.Ask<PeerTable.ShutdownComplete>(new PeerTable.Shutdown(cause), Settings.DisconnectTimeout + TimeSpan.FromSeconds(5)); }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException) { }
        await Ref.GracefulStop(TimeSpan.FromSeconds(10));
    }

    private readonly object _stopLock = new();
    private Task? _stopping;

    /// <summary>Same as <see cref="StopAsync"/> with REBOOTING.</summary>
    public async ValueTask DisposeAsync() => await StopAsync();
}
