using System.Net;
using Akka.Actor;
using Akka.Event;
using AkkaDiameter.Applications;
using AkkaDiameter.Protocol;
using AkkaDiameter.Protocol.Dictionary;
using AkkaDiameter.Routing;
using AkkaDiameter.Settings;
using AkkaDiameter.Transport;
using static AkkaDiameter.Transport.ConnectionEvents;

namespace AkkaDiameter.Peers;

/// <summary>
/// One Diameter peer: the peer state machine of RFC 6733 §5.6, one <c>Become</c> state per row group of its table,
/// over at most one initiator (I-) and one responder (R-) connection; the RFC 3539 watchdog on the open connection;
/// capabilities exchange (§5.3), disconnect (§5.4), reconnect with backoff, and the table of requests waiting for
/// answers. Each state method quotes its rows of the §5.6 table.
/// </summary>
internal sealed class PeerActor : ReceiveActor, IWithTimers
{
    // ---- messages only the node sends ---------------------------------------------------------------------------

    /// <summary>Start: open a connection to the peer (§5.6 "Start").</summary>
    public sealed record Start(string Reason);
    /// <summary>Stop: disconnect with DPR (§5.6 "Stop"); <paramref name="ReplyTo"/> hears <see cref="PeerCommands.Disconnected"/>.</summary>
    public sealed record Stop(DisconnectCause Cause, IActorRef? ReplyTo);
    /// <summary>R-Conn-CER: the peer connected and sent CER; the connection now belongs to this actor.</summary>
    public sealed record IncomingCer(IActorRef Connection, Outbound Outbound, DiameterMessage Cer, EndPoint Remote);
    /// <summary>Sent to the parent whenever state, watchdog or applications change.</summary>
    public sealed record StatusUpdate(PeerStatus Status);
    /// <summary>To the peer table: this unconfigured peer is Closed and has no reason to exist (see <see cref="Retire"/>).</summary>
    public sealed record Idle(string OriginHost);
    /// <summary>From the peer table, after <see cref="Idle"/>: every CER the table routed here has arrived before this, and
    /// the table holds any further ones. Still Closed, the peer stops; opened again by such a CER, it answers
    /// <see cref="Reinstate"/> and stays.</summary>
    public sealed class Retire { public static readonly Retire Instance = new(); }
    /// <summary>To the peer table: <see cref="Retire"/> came after a CER opened the peer again.</summary>
    public sealed record Reinstate(string OriginHost);

    private sealed class WinElection { public static readonly WinElection Instance = new(); }
    private sealed record StateTimeout(int Generation);
    private sealed record WatchdogTick(int Generation);
    private sealed class SweepPending { public static readonly SweepPending Instance = new(); }
    private sealed class Reconnect { public static readonly Reconnect Instance = new(); }

    private sealed class Conn(IActorRef actor)
    {
        public IActorRef Actor { get; } = actor;
        public Outbound? Outbound { get; set; }
        public EndPoint? Remote { get; set; }
    }

    private enum Kind { Cer, Cea, Dwr, Dwa, Dpr, Dpa, Request, Answer }

    private const string StateTimerKey = "state";
    private const string WatchdogTimerKey = "watchdog";
    private const string ReconnectTimerKey = "reconnect";
    private const string SweepTimerKey = "sweep";

    private readonly DiameterSettings _settings;
    private readonly DiameterDictionary _dictionary;
    private readonly AnswerAvps _answerAvps;
    private readonly GatheredRequests _gathered = new();
    private bool _gathering;
    private readonly Func<IActorContext, IPEndPoint, IActorRef> _connect;
    private readonly IActorRef _dispatcher;
    private readonly IActorRef _router;
    private readonly RoutingTable _routing;
    private readonly Dictionary<uint, (DiameterMessage Request, long Deadline)> _inbound = [];
    private readonly InboundLoad _load;
    // The application router: NO_STATE_MAINTAINED requests go to it directly, skipping the session supervisor (one
    // actor every request of the node would otherwise pass through).
    private readonly IActorRef _applications;
    private readonly HandlerDirectory? _handlerDirectory;
    private long _refusedOverload;
    private long _overloadLoggedAt = long.MinValue / 2;
    private bool _readingPaused;   // the open connection was told window 0 (see PauseReadingIfBusy)
    private long _readPauses;
    private readonly PeerSettings? _configured;
    private readonly string _peerHost;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Random _random = new();
    private readonly Watchdog _watchdog = new();
    private readonly PendingRequests _pending = new();
    private readonly HopByHopIdentifier _hopByHop = new();
    private readonly List<IActorRef> _disconnectWaiters = [];

    private string _peerRealm;
    private PeerState _state = PeerState.Closed;
    private int _generation;
    private int _watchdogGeneration;
    private Conn? _i;
    private Conn? _r;
    private Conn? _open;
    private DiameterMessage? _rCer;
    private IReadOnlySet<uint> _common = new HashSet<uint>();
    private long _lastReceived;
    private int _reconnectAttempt;
    private bool _noReconnect;
    private DisconnectCause? _sentCause;
    private BaseMessages _base = new(null, null, null, null, null, null);

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Props for a peer. <paramref name="connect"/> makes the initiator connection, owned by the calling actor:
    /// a TCP <see cref="ConnectionActor"/> in a node, a scripted stand-in in tests. <paramref name="dispatcher"/>
    /// receives the peer's application requests (the session supervisor); without one they are answered
    /// DIAMETER_COMMAND_UNSUPPORTED 3001. <paramref name="router"/> takes requests that are not for this node.</summary>
    public static Props Props(DiameterSettings settings, DiameterDictionary dictionary, string peerHost, string peerRealm,
        PeerSettings? configured, Func<IActorContext, IPEndPoint, IActorRef> connect, IActorRef? dispatcher = null, IActorRef? router = null,
        RoutingTable? routing = null, InboundLoad? load = null, IActorRef? applications = null, HandlerDirectory? handlerDirectory = null) =>
        Akka.Actor.Props.Create(() => new PeerActor(settings, dictionary, peerHost, peerRealm, configured, connect,
            dispatcher ?? ActorRefs.Nobody, router ?? ActorRefs.Nobody, routing ?? new RoutingTable(settings, null),
            load ?? new InboundLoad(settings.MaxPendingRequests), applications ?? dispatcher ?? ActorRefs.Nobody, handlerDirectory));

    public PeerActor(DiameterSettings settings, DiameterDictionary dictionary, string peerHost, string peerRealm,
        PeerSettings? configured, Func<IActorContext, IPEndPoint, IActorRef> connect, IActorRef dispatcher, IActorRef router, RoutingTable routing,
        InboundLoad load, IActorRef applications, HandlerDirectory? handlerDirectory)
    {
        _load = load;
        _applications = applications;
        _handlerDirectory = handlerDirectory;
        _dispatcher = dispatcher;
        _router = router;
        _routing = routing;
        _settings = settings;
        _dictionary = dictionary;
        _answerAvps = new AnswerAvps(dictionary, settings.OriginHost, settings.OriginRealm);
        _peerHost = peerHost;
        _peerRealm = peerRealm;
        _configured = configured;
        _connect = connect;
        Become(Closed);
    }

    protected override void PreStart()
    {
        if (_configured?.Connect == true) Self.Tell(new Start("node started"));
        PublishStatus();
    }

    // Messages from an open connection this actor may hold before acking them (see ConnectionCommands.Pipeline): they
    // come in batches of what arrived together, so the window is sized to a busy TCP read (8 peers x 64 outstanding
    // ULRs gave 32 too few: measured +8-25 % answers/s from 32 to 128). It bounds messages, not requests in progress;
    // those are max-pending-requests.
    private const int PipelineWindow = 128;
    private static readonly ConnectionCommands.Pipeline OpenWindow = new(PipelineWindow);
    private static readonly ConnectionCommands.Pipeline NoWindow = new(0);

    private static TimeSpan SweepInterval(TimeSpan timeout) =>
        TimeSpan.FromMilliseconds(Math.Clamp(timeout.TotalMilliseconds / 10, 10, 1000));

    // The deadline sweep runs only while something waits for one: an idle peer (of a thousand) costs no timer ticks.
    private void EnsureSweep()
    {
        if (!Timers.IsTimerActive(SweepTimerKey))
            Timers.StartPeriodicTimer(SweepTimerKey, SweepPending.Instance, SweepInterval(_settings.RequestTimeout));
    }

    protected override void PostStop()
    {
        FailPending("the peer actor stopped");
        _i?.Actor.Tell(ConnectionCommands.Abort.Instance);
        _r?.Actor.Tell(ConnectionCommands.Abort.Instance);
    }

    // ==== states ==================================================================================================

    // Closed   Start        I-Snd-Conn-Req              Wait-Conn-Ack
    //          R-Conn-CER   R-Accept, Process-CER,      R-Open
    //                       R-Snd-CEA
    private void Closed()
    {
        Receive<Start>(s => { ISndConnReq(); To(PeerState.WaitConnAck, s.Reason); });
        Receive<PeerCommands.Connect>(_ => { _noReconnect = false; ISndConnReq(); To(PeerState.WaitConnAck, "connect requested"); });
        Receive<Reconnect>(_ => !_noReconnect, _ => { ISndConnReq(); To(PeerState.WaitConnAck, $"reconnect attempt {_reconnectAttempt}"); });
        Receive<IncomingCer>(c =>
        {
            RAccept(c);
            if (ProcessCer(c.Cer) is { } refusal) { RSndCea(refusal.Code, refusal.Reason); RDisc(); return; }
            RSndCea(ResultCodes.Success, null);
            Opened(_r!, PeerState.ROpen, "R-Conn-CER");
        });
        Receive<Stop>(s =>
        {
            _noReconnect = true;
            Timers.Cancel(ReconnectTimerKey);
            s.ReplyTo?.Tell(new PeerCommands.Disconnected(_peerHost));
        });
        Receive<Retire>(_ => Context.Stop(Self));
        Common();
    }

    // Wait-Conn-Ack  I-Rcv-Conn-Ack   I-Snd-CER                   Wait-I-CEA
    //                I-Rcv-Conn-Nack  Cleanup                     Closed
    //                R-Conn-CER       R-Accept, Process-CER       Wait-Conn-Ack/Elect
    //                Timeout          Error                       Closed
    private void WaitConnAck()
    {
        Receive<Connected>(c => IsI(c.Connection), c => { Attach(_i!, c); ISndCer(); To(PeerState.WaitICea, "I-Rcv-Conn-Ack"); });
        Receive<ConnectFailed>(c => IsI(c.Connection), c => { _i = null; ToClosed($"I-Rcv-Conn-Nack: {c.Reason}"); });
        Receive<IncomingCer>(c =>
        {
            RAccept(c);
            if (ProcessCer(c.Cer) is { } refusal) { RSndCea(refusal.Code, refusal.Reason); RDisc(); return; }
            _rCer = c.Cer;
            To(PeerState.WaitConnAckElect, "R-Conn-CER");
        });
        Receive<StateTimeout>(t => t.Generation == _generation, _ => ToClosed("Timeout: no TCP connection"));
        StopWithoutOpenConnection();
        Common();
    }

    // Wait-I-CEA  I-Rcv-CEA      Process-CEA                    I-Open
    //             R-Conn-CER     R-Accept, Process-CER, Elect   Wait-Returns
    //             I-Peer-Disc    I-Disc                         Closed
    //             I-Rcv-Non-CEA  Error                          Closed
    //             Timeout        Error                          Closed
    private void WaitICea()
    {
        OnReceived(Kind.Cea, fromI: true, (_, cea) => ProcessCeaThenOpen(cea));
        OnReceivedOther(fromI: true, (_, m) => ToClosed($"I-Rcv-Non-CEA: {m.CommandName} before CEA"));
        Receive<IncomingCer>(c =>
        {
            RAccept(c);
            if (ProcessCer(c.Cer) is { } refusal) { RSndCea(refusal.Code, refusal.Reason); RDisc(); return; }
            _rCer = c.Cer;
            To(PeerState.WaitReturns, "R-Conn-CER");
            Elect();
        });
        Receive<Disconnected>(d => IsI(d.Connection), d => { _i = null; ToClosed($"I-Peer-Disc: {d.Reason}"); });
        Receive<StateTimeout>(t => t.Generation == _generation, _ => ToClosed("Timeout: no CEA"));
        StopWithoutOpenConnection();
        Common();
    }

    // Wait-Conn-Ack/Elect  I-Rcv-Conn-Ack   I-Snd-CER, Elect   Wait-Returns
    //                      I-Rcv-Conn-Nack  R-Snd-CEA          R-Open
    //                      R-Peer-Disc      R-Disc             Wait-Conn-Ack
    //                      R-Conn-CER       R-Reject           Wait-Conn-Ack/Elect
    //                      Timeout          Error              Closed
    private void WaitConnAckElect()
    {
        Receive<Connected>(c => IsI(c.Connection), c => { Attach(_i!, c); ISndCer(); To(PeerState.WaitReturns, "I-Rcv-Conn-Ack"); Elect(); });
        Receive<ConnectFailed>(c => IsI(c.Connection), c =>
        {
            _i = null;
            RSndCea(ResultCodes.Success, null);
            Opened(_r!, PeerState.ROpen, $"I-Rcv-Conn-Nack: {c.Reason}");
        });
        Receive<Disconnected>(d => IsR(d.Connection), d => { _r = null; _rCer = null; To(PeerState.WaitConnAck, $"R-Peer-Disc: {d.Reason}"); });
        Receive<IncomingCer>(RReject);
        Receive<StateTimeout>(t => t.Generation == _generation, _ => ToClosed("Timeout in Wait-Conn-Ack/Elect"));
        StopWithoutOpenConnection();
        Common();
    }

    // Wait-Returns  Win-Election  I-Disc, R-Snd-CEA   R-Open
    //               I-Peer-Disc   I-Disc, R-Snd-CEA   R-Open
    //               I-Rcv-CEA     R-Disc              I-Open
    //               R-Peer-Disc   R-Disc              Wait-I-CEA
    //               R-Conn-CER    R-Reject            Wait-Returns
    //               Timeout       Error               Closed
    private void WaitReturns()
    {
        Receive<WinElection>(_ => { IDisc(); RSndCea(ResultCodes.Success, null); Opened(_r!, PeerState.ROpen, "Win-Election"); });
        Receive<Disconnected>(d => IsI(d.Connection), d =>
        {
            _i = null;
            RSndCea(ResultCodes.Success, null);
            Opened(_r!, PeerState.ROpen, $"I-Peer-Disc: {d.Reason}");
        });
        OnReceived(Kind.Cea, fromI: true, (_, cea) => { RDisc(); ProcessCeaThenOpen(cea); });
        Receive<Disconnected>(d => IsR(d.Connection), d => { _r = null; _rCer = null; To(PeerState.WaitICea, $"R-Peer-Disc: {d.Reason}"); });
        Receive<IncomingCer>(RReject);
        Receive<StateTimeout>(t => t.Generation == _generation, _ => ToClosed("Timeout in Wait-Returns"));
        StopWithoutOpenConnection();
        Common();
    }

    // R-Open / I-Open  Send-Message   Snd-Message            (same state)
    //                  Rcv-Message    Process
    //                  Rcv-DWR        Process-DWR, Snd-DWA
    //                  Rcv-DWA        Process-DWA
    //                  R-Conn-CER     R-Reject
    //                  Stop           Snd-DPR                Closing
    //                  Rcv-DPR        Snd-DPA, Disc          Closed
    //                  Peer-Disc      Disc                   Closed
    //                  Rcv-CER        Snd-CEA
    //                  Rcv-CEA        Process-CEA
    private void Open()
    {
        Receive<Received>(r => r.Connection.Equals(_open?.Actor), r =>
        {
            try { OnOpenMessageSafely(r.Message); }
            finally { r.Connection.Tell(ConnectionCommands.Ack.Instance); PauseReadingIfBusy(); }
        });
        Receive<ReceivedBatch>(b => b.Connection.Equals(_open?.Actor), OnReceivedBatch);
        Receive<PeerCommands.SendRequest>(s => SendRequest(s.Request, Sender, null));
        Receive<RouteRequest>(r => SendRequest(r.Request, Sender, r.Correlation));
        Receive<IncomingCer>(RReject);
        Receive<Stop>(s =>
        {
            if (s.ReplyTo is not null) _disconnectWaiters.Add(s.ReplyTo);
            SndDpr(s.Cause);
            To(PeerState.Closing, $"Stop ({s.Cause})");
            ResumeReading();   // the DPA must be read, whatever is in process
        });
        Receive<PeerCommands.Disconnect>(d => Self.Forward(new Stop(d.Cause, Sender)));
        Receive<Disconnected>(d => d.Connection.Equals(_open?.Actor), d => ToClosed($"Peer-Disc: {d.Reason}"));
        Receive<WatchdogTick>(t => t.Generation == _watchdogGeneration, _ => OnWatchdogTimer());
        Common();
    }

    // Closing  Rcv-DPA      Disc   Closed
    //          Peer-Disc    Disc   Closed
    //          Timeout      Error  Closed
    private void Closing()
    {
        Receive<Received>(r => r.Connection.Equals(_open?.Actor), r =>
        {
            try { OnClosingMessage(r.Message); }
            finally { r.Connection.Tell(ConnectionCommands.Ack.Instance); }
        });
        Receive<ReceivedBatch>(b => b.Connection.Equals(_open?.Actor), OnReceivedBatch);
        Receive<Disconnected>(d => d.Connection.Equals(_open?.Actor), d => ToClosed($"Peer-Disc: {d.Reason}"));
        Receive<StateTimeout>(t => t.Generation == _generation, _ => ToClosed("Timeout: no DPA"));
        Receive<Stop>(s => { if (s.ReplyTo is not null) _disconnectWaiters.Add(s.ReplyTo); });
        Receive<IncomingCer>(RReject);
        Common();
    }

    /// <summary>Handlers every state shares; registered last, so a state's own handlers win.</summary>
    private void Common()
    {
        // Retire while not Closed: a CER routed before the table began to retire this peer opened it again.
        Receive<Retire>(_ => Context.Parent.Tell(new Reinstate(_peerHost)));
        Receive<PeerCommands.GetPeerStatus>(_ => Sender.Tell(Status()));
        Receive<PeerCommands.GetBaseMessages>(_ => Sender.Tell(_base));
        Receive<PeerCommands.SendRequest>(s => Sender.Tell(LocalError(s.Request, ResultCodes.UnableToDeliver,
            $"peer {_peerHost} is not open ({_state.RfcName()})")));
        Receive<RouteRequest>(r => Sender.Tell(new RoutedAnswer(r.Correlation, LocalError(r.Request, ResultCodes.UnableToDeliver,
            $"peer {_peerHost} is not open ({_state.RfcName()})"), DeliveryFailure.NotSent)));
        Receive<PeerCommands.Disconnect>(d => Self.Forward(new Stop(d.Cause, Sender)));
        Receive<PeerCommands.Connect>(_ => { _noReconnect = false; });
        Receive<SweepPending>(_ => ExpirePending());
        Receive<HandlerAnswer>(OnHandlerAnswer);
        Receive<HandlerAnswers>(OnHandlerAnswers);
        Receive<Reconnect>(_ => { });
        Receive<StateTimeout>(_ => { });
        Receive<WatchdogTick>(_ => { });
        Receive<WinElection>(_ => { });
        // Messages on a connection this state is not reading: a late frame on a connection being closed.
        Receive<Received>(r => r.Connection.Tell(ConnectionCommands.Ack.Instance));
        Receive<ReceivedBatch>(b => b.Acknowledge());
        Receive<ReceiveFailed>(OnReceiveFailed);
        Receive<Connected>(c => c.Connection.Tell(ConnectionCommands.Abort.Instance));
        Receive<ConnectFailed>(_ => { });
        Receive<Disconnected>(d =>
        {
            if (IsI(d.Connection)) _i = null;
            if (IsR(d.Connection)) { _r = null; _rCer = null; }
        });
        Receive<Start>(_ => { });
    }

    private void StopWithoutOpenConnection() =>
        Receive<Stop>(s =>
        {
            _noReconnect = true;
            if (s.ReplyTo is not null) _disconnectWaiters.Add(s.ReplyTo);
            ToClosed($"Stop ({s.Cause}) before the connection opened");
        });

    // ==== actions =================================================================================================

    private void ISndConnReq()
    {
        Timers.Cancel(ReconnectTimerKey);
        var target = _configured ?? throw new InvalidOperationException($"peer {_peerHost} has no address to connect to");
        _i = new Conn(_connect(Context, new IPEndPoint(target.Address, target.Port)));
    }

    private void Attach(Conn conn, Connected c)
    {
        conn.Outbound = c.Outbound;
        conn.Remote = c.Remote;
    }

    private void ISndCer()
    {
        var cer = CapabilitiesExchange.BuildCer(_settings, _dictionary, _hopByHop.Next(_ => false));
        _base = _base with { Cer = cer };
        Write(_i!, cer);
    }

    private void RAccept(IncomingCer c)
    {
        _r = new Conn(c.Connection) { Outbound = c.Outbound, Remote = c.Remote };
        _rCer = c.Cer;
        _base = _base with { Cer = c.Cer };
        c.Connection.Tell(ConnectionCommands.Ack.Instance);
    }

    /// <summary>Process-CER (§5.3): the identity must be this peer's, and at least one application common.</summary>
    private (uint Code, string Reason)? ProcessCer(DiameterMessage cer)
    {
        if (cer.Validate() is { } invalid) return (invalid.ResultCode, invalid.Reason);
        var caps = CapabilitiesExchange.Read(cer);
        if (!string.Equals(caps.OriginHost, _peerHost, StringComparison.OrdinalIgnoreCase))
            return (ResultCodes.UnknownPeer, $"CER from {caps.OriginHost} reached the peer entry of {_peerHost}");
        var common = CapabilitiesExchange.CommonApplications(_settings, caps);
        if (common.Count == 0)
            return (ResultCodes.NoCommonApplication, $"no application in common (peer offers {string.Join(", ", caps.AllApplications)})");
        _common = common;
        _peerRealm = caps.OriginRealm;
        return null;
    }

    private void RSndCea(uint resultCode, string? reason)
    {
        if (_r?.Outbound is null || _rCer is null) return;
        var cea = CapabilitiesExchange.BuildCea(_settings, _rCer, resultCode, reason);
        _base = _base with { Cea = cea };
        Write(_r, cea);
        if (resultCode != ResultCodes.Success) _log.Warning("Refused CER from {0}: {1} ({2})", _peerHost, ResultCodes.NameOf(resultCode), reason);
    }

    /// <summary>R-Reject: a CER on a further connection while one is being set up or open (§5.6.4) is refused with
    /// DIAMETER_ELECTION_LOST and the connection closed.</summary>
    private void RReject(IncomingCer c)
    {
        c.Connection.Tell(ConnectionCommands.Ack.Instance);
        var cea = CapabilitiesExchange.BuildCea(_settings, c.Cer, ResultCodes.ElectionLost,
            $"a connection with {_peerHost} already exists ({_state.RfcName()})");
        c.Outbound.TrySend(cea, out _);
        c.Connection.Tell(ConnectionCommands.Close.Instance);
    }

    /// <summary>Elect (§5.6.4): the higher Origin-Host, compared as octet strings, wins and keeps the connection the
    /// other side opened.</summary>
    private void Elect()
    {
        if (string.CompareOrdinal(_settings.OriginHost.ToLowerInvariant(), _peerHost.ToLowerInvariant()) > 0)
            Self.Tell(WinElection.Instance);
        else _log.Debug("Election with {0} lost; waiting for its CEA or for it to close our responder connection", _peerHost);
    }

    private void ProcessCeaThenOpen(DiameterMessage cea)
    {
        _base = _base with { Cea = cea };
        var code = cea.ResultCode;
        if (cea.Validate() is { } invalid) { ToClosed($"Process-CEA: invalid CEA: {invalid}"); return; }
        if (code is not (>= 2000 and < 3000))
        {
            if (code == ResultCodes.NoCommonApplication || code == ResultCodes.UnknownPeer) RetryAtSlowestPace();
            ToClosed($"Process-CEA: {ResultCodes.NameOf(code ?? 0)} ({code}) {cea.FindString("Error-Message")}".TrimEnd());
            return;
        }
        var caps = CapabilitiesExchange.Read(cea);
        var common = CapabilitiesExchange.CommonApplications(_settings, caps);
        if (common.Count == 0) { ToClosed("Process-CEA: no application in common"); return; }
        _common = common;
        _peerRealm = caps.OriginRealm;
        Opened(_i!, PeerState.IOpen, "I-Rcv-CEA");
    }

    // A peer that refused us for configuration reasons will refuse again: retry at the slowest pace.
    private void RetryAtSlowestPace() => _reconnectAttempt = Math.Max(_reconnectAttempt, 30);

    private void IDisc()
    {
        _i?.Actor.Tell(ConnectionCommands.Close.Instance);
        _i = null;
    }

    private void RDisc()
    {
        _r?.Actor.Tell(ConnectionCommands.Close.Instance);
        _r = null;
        _rCer = null;
    }

    private void SndDpr(DisconnectCause cause)
    {
        _sentCause = cause;
        if (cause == DisconnectCause.DoNotWantToTalkToYou) _noReconnect = true;
        var dpr = DiameterMessage.CreateRequest("DPR", _dictionary)
            .Add("Origin-Host", _settings.OriginHost).Add("Origin-Realm", _settings.OriginRealm).Add("Disconnect-Cause", (int)cause);
        dpr.HopByHopId = _hopByHop.Next(_pending.Contains);
        dpr.EndToEndId = EndToEndIdentifier.Next();
        _base = _base with { Dpr = dpr };
        Write(_open!, dpr);
    }

    private void Opened(Conn conn, PeerState state, string reason)
    {
        _open = conn;
        // Open: this actor owns the connection until it closes, so it may take several messages at a time.
        conn.Actor.Tell(OpenWindow);
        _reconnectAttempt = 0;
        _lastReceived = Environment.TickCount64;
        // The watchdog comes up first, so that the status published with the open state already says whether the
        // connection may carry traffic.
        var before = _watchdog.State;
        var actions = _watchdog.ConnectionUp();
        To(state, reason);
        WatchdogChanged(before);
        if ((actions & WatchdogActions.SendWatchdog) != 0) SendDwr();
        SetWatchdog();
    }

    // ==== the open connection =====================================================================================

    /// <summary>A value that cannot be read where the peer state machine needs it (a Disconnect-Cause of the wrong
    /// length, an unreadable Destination-Host) is answered with its Result-Code instead of failing the actor, which
    /// would drop the connection for one bad message.</summary>
    private void OnOpenMessageSafely(DiameterMessage m)
    {
        try { OnOpenMessage(m); }
        catch (DiameterDecodeException e)
        {
            _log.Warning("Could not process {0} from {1}: {2}", m, _peerHost, e.Error);
            if (m.IsRequest && _open is not null) Write(_open, m.CreateErrorAnswer(e.Error, _settings.OriginHost, _settings.OriginRealm));
        }
    }

    private void OnClosingMessage(DiameterMessage m)
    {
        if (Classify(m) == Kind.Dpa) { _base = _base with { Dpa = m }; ToClosed("Rcv-DPA", orderly: true); }
        else OnOpenMessageSafely(m);   // answers still complete their requests; DWR is still answered
    }

    /// <summary>Messages that arrived together on the open connection (the window of
    /// <see cref="ConnectionCommands.Pipeline"/>), each handled as if it had come alone: by the state the previous one
    /// left. Once one ends the connection (DPR, DPA), the rest are dropped as a closed connection's late frames are.</summary>
    private void OnReceivedBatch(ReceivedBatch b)
    {
        // Requests of the batch for the same handler go to it as one IncomingRequestBatch, sent when the batch is done.
        _gathering = true;
        try
        {
            var messages = b.Messages;
            for (var i = 0; i < messages.Count; i++)   // not foreach: an IReadOnlyList's enumerator is an object
            {
                var m = messages[i];
                if (!b.Connection.Equals(_open?.Actor)) break;
                if (_state == PeerState.Closing) OnClosingMessage(m);
                else if (_state.IsOpen()) OnOpenMessageSafely(m);
                else break;
            }
        }
        finally
        {
            _gathering = false;
            _gathered.SendAll();
            b.Acknowledge();
            PauseReadingIfBusy();
        }
    }

    /// <summary>
    /// Flow control on the connection: once <c>pause-reading-at</c> of the peer's requests are in process, the stream
    /// hands this actor nothing more (window 0) until they are down to half of it. A burst then waits in TCP — the
    /// peer's send buffer and ours, where it costs the node nothing — instead of in mailboxes and in the handler's
    /// queue, where every garbage collection walks it: measured, a node at capacity whose backlog sat in memory fell
    /// behind for good, and one that left it in TCP caught up. Nothing is refused; a peer whose requests are answered
    /// slowly is read slowly. Off (0) leaves max-pending-requests-per-peer and its refusals as the only bound.
    /// </summary>
    private void PauseReadingIfBusy()
    {
        if (_readingPaused || _settings.PauseReadingAt == 0 || _inbound.Count < _settings.PauseReadingAt
            || _state == PeerState.Closing || _open is null) return;
        _readingPaused = true;
        _readPauses++;
        _open.Actor.Tell(NoWindow);
        if (_log.IsDebugEnabled) _log.Debug("Reading from {0} paused: {1} of its requests in process", _peerHost, _inbound.Count);
    }

    // Half the bound, so that a busy peer is not paused and resumed at every answer (each a message to the stream).
    private void ResumeReadingIfRoom()
    {
        if (_readingPaused && _inbound.Count <= _settings.PauseReadingAt / 2) ResumeReading();
    }

    private void ResumeReading()
    {
        if (!_readingPaused) return;
        _readingPaused = false;
        _lastReceived = Environment.TickCount64;   // Tw starts again from here (see OnWatchdogTimer)
        _open?.Actor.Tell(OpenWindow);
    }

    private void OnOpenMessage(DiameterMessage m)
    {
        _lastReceived = Environment.TickCount64;
        var kind = Classify(m);
        var before = _watchdog.State;
        var actions = _watchdog.Receive(kind == Kind.Dwa);
        WatchdogChanged(before);
        if (_settings.LogMessages) _log.Debug("<- {0} {1}", _peerHost, m);
        switch (kind)
        {
            case Kind.Dwr:
                _base = _base with { Dwr = m };
                var dwa = m.CreateAnswer().Add("Result-Code", ResultCodes.Success)
                    .Add("Origin-Host", _settings.OriginHost).Add("Origin-Realm", _settings.OriginRealm)
                    .Add("Origin-State-Id", _settings.OriginStateId);
                _base = _base with { Dwa = dwa };
                Write(_open!, dwa);
                return;
            case Kind.Dwa:
                _base = _base with { Dwa = m };
                return;
            case Kind.Dpr:
                _base = _base with { Dpr = m };
                var cause = m.FindInt32("Disconnect-Cause") is { } c && Enum.IsDefined(typeof(DisconnectCause), c) ? (DisconnectCause)c : DisconnectCause.Rebooting;
                var dpa = m.CreateAnswer().Add("Result-Code", ResultCodes.Success)
                    .Add("Origin-Host", _settings.OriginHost).Add("Origin-Realm", _settings.OriginRealm);
                _base = _base with { Dpa = dpa };
                Write(_open!, dpa);
                // §5.4: DO_NOT_WANT_TO_TALK_TO_YOU means do not reconnect; BUSY means later.
                if (cause == DisconnectCause.DoNotWantToTalkToYou) _noReconnect = true;
                if (cause == DisconnectCause.Busy) _reconnectAttempt = Math.Max(_reconnectAttempt, 3);
                ToClosed($"Rcv-DPR ({cause})", orderly: true);
                return;
            case Kind.Cer:
                var cea = CapabilitiesExchange.BuildCea(_settings, m, ResultCodes.Success);
                _base = _base with { Cer = m, Cea = cea };
                Write(_open!, cea);
                return;
            case Kind.Cea:
            case Kind.Dpa:
                return;
        }
        if ((actions & WatchdogActions.Throwaway) != 0)
        {
            _log.Debug("Discarded {0} from {1}: the connection is in watchdog REOPEN (RFC 3539 Throwaway)", m, _peerHost);
            return;
        }
        if (kind == Kind.Answer) { CompleteRequest(m); return; }
        DispatchRequest(m);
    }

    /// <summary>
    /// Process (§5.6) for a request of an application: one not agreed in CER/CEA is DIAMETER_APPLICATION_UNSUPPORTED
    /// 3007; one that fails validation is answered with the codec's Result-Code and Failed-AVP and never reaches a
    /// handler (§7.1); the rest go to their handler (through the session supervisor and a session actor when the
    /// request keeps session state), with a deadline of
    /// <c>request-timeout</c> after which the node answers DIAMETER_UNABLE_TO_COMPLY 5012.
    /// </summary>
    private void DispatchRequest(DiameterMessage request)
    {
        if (!_common.Contains(request.ApplicationId) && !_common.Contains(CapabilitiesExchange.RelayApplicationId))
        {
            Write(_open!, LocalError(request, ResultCodes.ApplicationUnsupported, $"application {request.ApplicationId} was not agreed with {_peerHost}"));
            return;
        }
        if (!Admit(request)) return;
        if (!_router.IsNobody() && !_routing.IsLocal(request))
        {
            // Not for this node: the router relays, redirects or refuses it. Only the header and the routing AVPs
            // are read, so applications without a dictionary are relayed too. The deadline covers the outbound one.
            Track(request, 2 * (long)_settings.RequestTimeout.TotalMilliseconds);
            _router.Tell(new RelayRequest(request, _peerHost, Self));
            return;
        }
        if (request.Validate() is { } invalid)
        {
            _load.Release();
            Write(_open!, request.CreateErrorAnswer(invalid, _settings.OriginHost, _settings.OriginRealm));
            return;
        }
        if (_dispatcher.IsNobody())
        {
            _load.Release();
            Write(_open!, LocalError(request, ResultCodes.CommandUnsupported, ErrorAnswers.NoHandler(request)));
            return;
        }
        Track(request, (long)_settings.RequestTimeout.TotalMilliseconds);
        // NO_STATE_MAINTAINED: no session actor, and straight to the handler when the directory names it.
        var incoming = new IncomingRequest(request, _peerHost, Self, _settings.OriginHost, _settings.OriginRealm) { Shared = _answerAvps };
        if (!Sessions.SessionSupervisor.SkipsSessionActor(request, _settings.StatelessSessionActors)) { _dispatcher.Tell(incoming); return; }
        var handler = _handlerDirectory?.FindEntry(request.ApplicationId, request.CommandCode);
        if (handler is null) _applications.Tell(incoming);
        else if (handler.TakesBatches && _gathering) _gathered.Add(handler.Actor, incoming);
        else handler.Actor.Tell(incoming);
    }

    /// <summary>RFC 6733 §7.1.3: past <c>max-pending-requests</c> (node) or <c>max-pending-requests-per-peer</c> the
    /// request is answered at once with the overload policy's Result-Code (3004 DIAMETER_TOO_BUSY by default) rather
    /// than queued without limit. A place taken here is given back when the request leaves <c>_inbound</c>.</summary>
    private bool Admit(DiameterMessage request)
    {
        if (_inbound.Count < _settings.MaxPendingRequestsPerPeer && _load.TryAcquire()) return true;
        _refusedOverload++;
        var now = Environment.TickCount64;
        if (now - _overloadLoggedAt >= 1000)
        {
            _overloadLoggedAt = now;
            _log.Warning("Overloaded: {0} from {1} refused {2} ({3} in process from this peer, {4} in the node; {5} refused so far)",
                request.CommandName, _peerHost, _settings.OverloadResultCode, _inbound.Count, _load.Count, _refusedOverload);
        }
        Write(_open!, LocalError(request, _settings.OverloadResultCode,
            $"overloaded: {_load.Count} requests in process (max-pending-requests {_settings.MaxPendingRequests}, per peer {_settings.MaxPendingRequestsPerPeer})"));
        return false;
    }

    // A peer reusing a Hop-by-Hop still in process replaces the entry: its place is given back, not leaked.
    private void Track(DiameterMessage request, long timeoutMs)
    {
        if (_inbound.ContainsKey(request.HopByHopId)) _load.Release();
        _inbound[request.HopByHopId] = (request, Environment.TickCount64 + timeoutMs);
        EnsureSweep();
    }

    private void OnHandlerAnswers(HandlerAnswers a)
    {
        foreach (var answer in a.Answers) OnHandlerAnswer(answer);
    }

    private void OnHandlerAnswer(HandlerAnswer a) => OnHandlerAnswer(a.Answer);

    private void OnHandlerAnswer(DiameterMessage answer)
    {
        if (_inbound.Remove(answer.HopByHopId, out var entry)) { _load.Release(); ResumeReadingIfRoom(); }
        if (entry.Request is null || entry.Request.EndToEndId != answer.EndToEndId)
        {
            _log.Warning("Dropped {0} for {1}: no request from it waits for hop-by-hop 0x{2:X8} (answered at its deadline, or the connection is gone)",
                answer, _peerHost, answer.HopByHopId);
            return;
        }
        if (answer.IsRequest)
        {
            _log.Error("The handler for {0} replied with a request ({1}); answering 5012", entry.Request.CommandName, answer);
            answer = LocalError(entry.Request, ResultCodes.UnableToComply, "the handler did not produce an answer");
        }
        // §6.2: answers carry Origin-Host and Origin-Realm.
        if (answer.Find(264) is null) answer.Add("Origin-Host", _settings.OriginHost);
        if (answer.Find(296) is null) answer.Add("Origin-Realm", _settings.OriginRealm);
        if (_open is not null) Write(_open, answer);
    }

    private void SendRequest(DiameterMessage request, IActorRef replyTo, long? correlation)
    {
        if (!request.IsRequest)
        {
            replyTo.Tell(new Status.Failure(new ArgumentException($"{request.CommandName} is an answer, not a request")));
            return;
        }
        if (!_watchdog.Available || _open?.Outbound is null)
        {
            Reply(replyTo, correlation, LocalError(request, ResultCodes.UnableToDeliver,
                $"peer {_peerHost} is not available ({_state.RfcName()}, watchdog {_watchdog.State})"), DeliveryFailure.NotSent);
            return;
        }
        request.HopByHopId = _hopByHop.Next(_pending.Contains);
        if (request.EndToEndId == 0) request.EndToEndId = EndToEndIdentifier.Next();
        if (request.Find(264) is null) request.Add("Origin-Host", _settings.OriginHost);
        if (request.Find(296) is null) request.Add("Origin-Realm", _settings.OriginRealm);
        _pending.Add(request.HopByHopId, replyTo, request, _settings.RequestTimeout, correlation);
        EnsureSweep();
        if (!Write(_open, request, out var why))
        {
            _pending.Complete(request.HopByHopId);
            Reply(replyTo, correlation, LocalError(request, ResultCodes.UnableToDeliver, $"cannot send to {_peerHost}: {why}"), DeliveryFailure.NotSent);
        }
    }

    /// <summary>Answers whoever asked: a plain answer to a direct sender, a <see cref="RoutedAnswer"/> to the router.</summary>
    private static void Reply(IActorRef replyTo, long? correlation, DiameterMessage answer, DeliveryFailure failure) =>
        replyTo.Tell(correlation is { } c ? new RoutedAnswer(c, answer, failure) : answer);

    private void CompleteRequest(DiameterMessage answer)
    {
        if (_pending.Complete(answer.HopByHopId) is { } entry)
        {
            Reply(entry.ReplyTo, entry.Correlation, answer, DeliveryFailure.None);
            return;
        }
        // §6.2.1 hop-by-hop: an answer that matches no request is discarded.
        _log.Warning("Dropped {0} from {1}: no request is waiting for hop-by-hop 0x{2:X8}", answer, _peerHost, answer.HopByHopId);
    }

    private void OnReceiveFailed(ReceiveFailed f)
    {
        var error = f.Error.Error;
        _log.Warning("Undecodable message from {0}: {1}", _peerHost, error);
        if (ErrorAnswers.ForHeader(error, _dictionary, _settings.OriginHost, _settings.OriginRealm) is { } answer)
            Writable(f.Connection)?.TrySend(answer, out _);
        else if (error.Header is { IsRequest: false } h && _pending.Complete(h.HopByHopId) is { } entry)
            Reply(entry.ReplyTo, entry.Correlation, LocalError(entry.Request, error.ResultCode,
                $"the answer from {_peerHost} could not be decoded: {error.Reason}", error.FailedAvp), DeliveryFailure.None);
        if (f.Error.Fatal) f.Connection.Tell(ConnectionCommands.Close.Instance);   // after the answer is flushed
        else f.Connection.Tell(ConnectionCommands.Ack.Instance);
    }

    private Outbound? Writable(IActorRef connection) =>
        connection.Equals(_i?.Actor) ? _i!.Outbound : connection.Equals(_r?.Actor) ? _r!.Outbound : null;

    // ==== watchdog (RFC 3539) =====================================================================================

    private void SetWatchdog()
    {
        _watchdogGeneration++;
        Timers.StartSingleTimer(WatchdogTimerKey, new WatchdogTick(_watchdogGeneration),
            Watchdog.NextInterval(_settings.WatchdogInterval, _settings.WatchdogJitter, _random));
    }

    private void OnWatchdogTimer()
    {
        // "Receive non-DWA → SetWatchdog()": rather than re-arming Tw at every message, a timer that fires less than
        // Tw after the last message re-arms for the rest of Tw.
        var sinceLast = TimeSpan.FromMilliseconds(Environment.TickCount64 - _lastReceived);
        var tw = _settings.WatchdogInterval - _settings.WatchdogJitter;
        if (_readingPaused)
        {
            // Reading is paused because the peer sent more than is in process here: its silence is ours, not its own,
            // and a DWA would wait behind its requests. The pause ends when they are answered or expire at
            // request-timeout; the watchdog goes on from there.
            _watchdogGeneration++;
            Timers.StartSingleTimer(WatchdogTimerKey, new WatchdogTick(_watchdogGeneration), tw);
            return;
        }
        if (_watchdog.State == WatchdogState.Okay && !_watchdog.Pending && sinceLast < tw)
        {
            _watchdogGeneration++;
            Timers.StartSingleTimer(WatchdogTimerKey, new WatchdogTick(_watchdogGeneration), tw - sinceLast);
            return;
        }
        var before = _watchdog.State;
        var actions = _watchdog.TimerExpired();
        WatchdogChanged(before);
        if ((actions & WatchdogActions.Failover) != 0)
            FailPending($"peer {_peerHost} did not answer DWR within Tw (RFC 3539 failover)");
        if ((actions & WatchdogActions.CloseConnection) != 0)
        {
            ToClosed("watchdog: no answer for 2·Tw, connection closed (RFC 3539)");
            return;
        }
        if ((actions & WatchdogActions.SendWatchdog) != 0) SendDwr();
        SetWatchdog();
    }

    private void SendDwr()
    {
        var dwr = DiameterMessage.CreateRequest("DWR", _dictionary)
            .Add("Origin-Host", _settings.OriginHost).Add("Origin-Realm", _settings.OriginRealm).Add("Origin-State-Id", _settings.OriginStateId);
        dwr.HopByHopId = _hopByHop.Next(_pending.Contains);
        dwr.EndToEndId = EndToEndIdentifier.Next();
        _base = _base with { Dwr = dwr };
        Write(_open!, dwr);
    }

    private void WatchdogChanged(WatchdogState before)
    {
        if (before == _watchdog.State) return;
        _log.Info("Peer {0} watchdog {1} -> {2}", _peerHost, before, _watchdog.State);
        PublishStatus();   // the router and peer table first, then anyone listening to events
        Context.System.EventStream.Publish(new WatchdogStateChanged(_peerHost, before, _watchdog.State) { LocalHost = _settings.OriginHost });
    }

    // ==== transitions =============================================================================================

    private void To(PeerState state, string reason)
    {
        var from = _state;
        _state = state;
        _generation++;
        Timers.Cancel(StateTimerKey);
        var timeout = state switch
        {
            PeerState.WaitConnAck => _settings.ConnectTimeout * 1.5,   // the connection reports first; this is the backstop
            PeerState.WaitICea or PeerState.WaitConnAckElect or PeerState.WaitReturns => _settings.CapabilitiesExchangeTimeout,
            PeerState.Closing => _settings.DisconnectTimeout,
            _ => (TimeSpan?)null,
        };
        if (timeout is { } t) Timers.StartSingleTimer(StateTimerKey, new StateTimeout(_generation), t);
        Become(state switch
        {
            PeerState.Closed => Closed,
            PeerState.WaitConnAck => WaitConnAck,
            PeerState.WaitICea => WaitICea,
            PeerState.WaitConnAckElect => WaitConnAckElect,
            PeerState.WaitReturns => WaitReturns,
            PeerState.ROpen or PeerState.IOpen => Open,
            PeerState.Closing => Closing,
            _ => throw new InvalidOperationException(state.ToString()),
        });
        PublishStatus();   // the router and peer table first, then anyone listening to events
        if (from != state)
        {
            _log.Info("Peer {0} {1} -> {2} ({3})", _peerHost, from.RfcName(), state.RfcName(), reason);
            Context.System.EventStream.Publish(new PeerStateChanged(_peerHost, from.RfcName(), state.RfcName(), reason) { LocalHost = _settings.OriginHost });
        }
    }

    /// <summary>Into Closed: Error / Cleanup / Disc — close every connection, complete every pending request with
    /// 3002, take the watchdog down, and schedule the reconnect a configured initiator owes.</summary>
    private void ToClosed(string reason, bool orderly = false)
    {
        var wasOpen = _state.IsOpen() || _state == PeerState.Closing;
        _i?.Actor.Tell(ConnectionCommands.Close.Instance);
        _r?.Actor.Tell(ConnectionCommands.Close.Instance);
        _i = _r = _open = null;
        _rCer = null;
        Timers.Cancel(WatchdogTimerKey);
        _watchdogGeneration++;
        if (wasOpen)
        {
            var before = _watchdog.State;
            if (orderly) _watchdog.Reset();
            else _watchdog.ConnectionDown();
            WatchdogChanged(before);
        }
        FailPending($"connection to {_peerHost} closed: {reason}");
        _load.Release(_inbound.Count);
        _inbound.Clear();   // the peer that asked is gone; late handler answers are dropped
        _readingPaused = false;   // the next connection starts with the full window
        To(PeerState.Closed, reason);
        foreach (var w in _disconnectWaiters) w.Tell(new PeerCommands.Disconnected(_peerHost));
        _disconnectWaiters.Clear();

        if (_configured?.Connect == true && !_noReconnect && _sentCause is null)
        {
            var delay = _settings.Reconnect.Delay(_reconnectAttempt++, _random);
            _log.Info("Reconnecting to {0} in {1:0.###} s", _peerHost, delay.TotalSeconds);
            Timers.StartSingleTimer(ReconnectTimerKey, Reconnect.Instance, delay);
        }
        _sentCause = null;
        // An unconfigured peer exists only while connected. It does not stop itself: a CER the table routed here a moment
        // ago (the peer reconnecting at once, as an MME after DPR does) would go to dead letters and never be answered.
        // The table retires it instead, holding new CERs for the host until it is gone (see Retire).
        if (_configured is null) Context.Parent.Tell(new Idle(_peerHost));
    }

    /// <summary>Completes every pending request with 3002; routed ones tell the router the connection was lost, so
    /// that it can fail them over to another peer (§5.5.4).</summary>
    private void FailPending(string reason)
    {
        foreach (var e in _pending.DrainAll())
            Reply(e.ReplyTo, e.Correlation, LocalError(e.Request, ResultCodes.UnableToDeliver, reason), DeliveryFailure.ConnectionLost);
    }

    private void ExpirePending()
    {
        if (_inbound.Count > 0)
        {
            var now = Environment.TickCount64;
            foreach (var (hopByHop, entry) in _inbound.Where(kv => kv.Value.Deadline <= now).ToList())
            {
                _inbound.Remove(hopByHop);
                _load.Release();
                ResumeReadingIfRoom();
                if (_open is not null)
                    Write(_open, LocalError(entry.Request, ResultCodes.UnableToComply,
                        $"no answer from the {entry.Request.CommandName} handler within {_settings.RequestTimeout.TotalSeconds:0.###} s"));
            }
        }
        foreach (var e in _pending.Expired())
            Reply(e.ReplyTo, e.Correlation, LocalError(e.Request, ResultCodes.UnableToDeliver,
                $"no answer from {_peerHost} within {_settings.RequestTimeout.TotalSeconds:0.###} s"), DeliveryFailure.Timeout);
        if (_inbound.Count == 0 && _pending.Count == 0) Timers.Cancel(SweepTimerKey);
    }

    // ==== helpers =================================================================================================

    private DiameterMessage LocalError(DiameterMessage request, uint code, string reason, Avp? failed = null) =>
        ErrorAnswers.For(request, code, reason, _settings.OriginHost, _settings.OriginRealm, failed);

    private bool Write(Conn conn, DiameterMessage m) => Write(conn, m, out _);

    private bool Write(Conn? conn, DiameterMessage m, out string? why)
    {
        if (conn?.Outbound is null) { why = "no connection"; return false; }
        if (_settings.LogMessages) _log.Debug("-> {0} {1}", _peerHost, m);
        if (conn.Outbound.TrySend(m, out why)) return true;
        _log.Warning("Could not send {0} to {1}: {2}", m, _peerHost, why);
        return false;
    }

    private bool IsI(IActorRef connection) => _i is not null && connection.Equals(_i.Actor);
    private bool IsR(IActorRef connection) => _r is not null && connection.Equals(_r.Actor);

    private static Kind Classify(DiameterMessage m) => (m.CommandCode, m.IsRequest) switch
    {
        (257, true) => Kind.Cer,
        (257, false) => Kind.Cea,
        (280, true) => Kind.Dwr,
        (280, false) => Kind.Dwa,
        (282, true) => Kind.Dpr,
        (282, false) => Kind.Dpa,
        (_, true) => Kind.Request,
        _ => Kind.Answer,
    };

    private void OnReceived(Kind kind, bool fromI, Action<Received, DiameterMessage> handle) =>
        Receive<Received>(r => (fromI ? IsI(r.Connection) : IsR(r.Connection)) && Classify(r.Message) == kind, r =>
        {
            try { handle(r, r.Message); } finally { r.Connection.Tell(ConnectionCommands.Ack.Instance); }
        });

    private void OnReceivedOther(bool fromI, Action<Received, DiameterMessage> handle) =>
        Receive<Received>(r => fromI ? IsI(r.Connection) : IsR(r.Connection), r =>
        {
            try { handle(r, r.Message); } finally { r.Connection.Tell(ConnectionCommands.Ack.Instance); }
        });

    private PeerStatus Status() => new(_peerHost, _peerRealm, _state, _watchdog.State,
        _state.IsOpen() ? _common.Order().ToList() : [], _open?.Remote, _pending.Count)
    {
        InboundRequests = _inbound.Count,
        RefusedOverload = _refusedOverload,
        ReadingPaused = _readingPaused,
        ReadPauses = _readPauses,
    };

    /// <summary>The peer table and the router hear every change directly from the peer, before anyone who asks the
    /// peer's status hears the answer: a caller that saw the peer open and then sends a request finds the router
    /// already knowing it.</summary>
    private void PublishStatus()
    {
        var update = new StatusUpdate(Status());
        Context.Parent.Tell(update);
        if (!_router.IsNobody()) _router.Tell(update);
    }
}
