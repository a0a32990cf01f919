using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Akka.Actor;
using Akka.Event;
using Akka.Streams;
using Akka.Streams.Dsl;
using AkkaDiameter.Protocol;
using AkkaDiameter.Protocol.Dictionary;
using AkkaDiameter.Settings;
using static AkkaDiameter.Transport.ConnectionEvents;

namespace AkkaDiameter.Transport;

/// <summary>
/// One TCP connection as an Akka.Streams graph:
/// <code>
/// bounded channel ─▶ SocketStage (writes gathered up to write-batch-bytes) ─▶ DiameterFrameStage ─▶ InboundHandOver ─▶ owner
/// </code>
/// Writes are batched so that small answers under load share one socket write. Reads are cut into messages and
/// decoded on the stream, those of one read together, and the stream's last stage (<see cref="InboundHandOver"/>)
/// hands them to the owner itself: one at a time until the owner asks for a window
/// (<see cref="ConnectionCommands.Pipeline"/>), then up to the window at once as a
/// <see cref="ConnectionEvents.ReceivedBatch"/>, which the owner acknowledges to that stage. Backpressure runs from the
/// owner back to the peer's TCP window with at most 64 KiB read ahead. This actor is the connection's identity in
/// every event, forwards what the owner tells it for the read side there, reports the connection's life to its owner
/// and stops when the connection is gone.
/// </summary>
internal sealed class ConnectionActor : ReceiveActor, IWithTimers
{
    /// <summary>Where the connection goes.</summary>
    public abstract record Target;
    /// <summary>Connect to a peer (an initiator connection).</summary>
    public sealed record Outgoing(IPEndPoint Remote) : Target;
    /// <summary>A connection a listener accepted (a responder connection); the connection actor owns the socket.</summary>
    public sealed record Incoming(Socket Socket) : Target
    {
        // Kept: a closed socket no longer says who it was connected to, and the log names the connection after it.
        private readonly EndPoint? _remote = Socket.RemoteEndPoint;

        /// <inheritdoc/>
        public override string ToString() => $"Incoming from {_remote}";
    }

    private sealed record TcpUp(Socket Socket);
    private sealed record StreamFailed(Exception Cause);
    private sealed class LingerExpired { public static readonly LingerExpired Instance = new(); }

    private static readonly TimeSpan Linger = TimeSpan.FromSeconds(2);
    private readonly Target _target;
    private readonly DiameterSettings _settings;
    private readonly DiameterDictionary _dictionary;
    private readonly IMaterializer _materializer;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Channel<OutboundBytes> _channel;
    private IActorRef _owner;
    // The read side's InboundHandOver stage, once it said Ready; what the owner sends for it before then waits here.
    private IActorRef? _handOver;
    private readonly List<object> _forLater = [];
    private UniqueKillSwitch? _killSwitch;
    // Cancels a connect still under way when the actor stops.
    private readonly CancellationTokenSource _stopped = new();
    private bool _connected;
    private bool _reported;
    private string? _closeReason;

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(Target target, IActorRef owner, DiameterSettings settings, DiameterDictionary dictionary, IMaterializer materializer) =>
        Akka.Actor.Props.Create(() => new ConnectionActor(target, owner, settings, dictionary, materializer));

    public ConnectionActor(Target target, IActorRef owner, DiameterSettings settings, DiameterDictionary dictionary, IMaterializer materializer)
    {
        _target = target;
        _owner = owner;
        _settings = settings;
        _dictionary = dictionary;
        _materializer = materializer;
        // Synchronous continuations: the socket stage, waiting for a message, wakes on the writer's thread (the
        // owner's, which only tells the stream's actor to take the writes) instead of as a work item on the thread
        // pool's global queue, one hand-off between threads per write fewer. Open loop at 142k/s (a quarter of the
        // closed-loop max), A/B, the five of six runs each where neither fell behind: p99.9 3.7-5.8 ms against
        // 6.2-12.7 ms, max 6.9-8.9 against 14.7-19 ms; closed loop unchanged.
        _channel = Channel.CreateBounded<OutboundBytes>(new BoundedChannelOptions(settings.SendQueueSize)
        {
            SingleReader = true, SingleWriter = false, FullMode = BoundedChannelFullMode.Wait, AllowSynchronousContinuations = true,
        });

        Receive<InboundHandOver.Ready>(r =>
        {
            _handOver = r.HandOver;
            foreach (var m in _forLater) _handOver.Tell(m);
            _forLater.Clear();
        });
        // The owner's acks, window and hand-over of the connection are the read side's business.
        Receive<ConnectionCommands.Ack>(ToHandOver);
        Receive<ConnectionCommands.Pipeline>(ToHandOver);
        Receive<ConnectionCommands.SetOwner>(s =>
        {
            _owner = s.Owner;
            ToHandOver(s);
        });
        Receive<InboundHandOver.Fatal>(f => _closeReason ??= f.Reason);
        Receive<ConnectionCommands.Close>(_ =>
        {
            _closeReason ??= "closed by this node";
            _channel.Writer.TryComplete();
            Timers.StartSingleTimer(LingerExpired.Instance, LingerExpired.Instance, Linger);
        });
        Receive<LingerExpired>(_ => _killSwitch?.Shutdown());
        Receive<ConnectionCommands.Abort>(_ =>
        {
            _closeReason ??= "aborted by this node";
            _killSwitch?.Shutdown();
        });
        Receive<TcpUp>(up =>
        {
            // Closed or aborted while connecting: the connection is not wanted any more.
            if (_closeReason is not null) { up.Socket.Dispose(); Gone(_closeReason); }
            else Run(up.Socket);
        });
        Receive<InboundHandOver.Completed>(_ => Gone(_closeReason ?? "closed by the peer"));
        Receive<InboundHandOver.Failed>(f => Gone(_closeReason ?? f.Cause.Message));
        Receive<StreamFailed>(f => Gone(_closeReason ?? f.Cause.Message));
    }

    private void ToHandOver(object command)
    {
        if (_handOver is null) _forLater.Add(command);
        else _handOver.Tell(command);
    }

    protected override void PreStart()
    {
        switch (_target)
        {
            case Outgoing o:
                Connect(o.Remote).PipeSocketTo(Self, _stopped.Token, success: socket => new TcpUp(socket), failure: ex => new StreamFailed(ex));
                break;
            case Incoming i:
                Run(i.Socket);
                break;
        }
    }

    private async Task<Socket> Connect(IPEndPoint remote)
    {
        var socket = new Socket(remote.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopped.Token);
        timeout.CancelAfter(_settings.ConnectTimeout);
        try
        {
            await socket.ConnectAsync(remote, timeout.Token);
            return socket;
        }
        catch (OperationCanceledException)
        {
            socket.Dispose();
            throw new TimeoutException($"connecting to {remote} timed out after {_settings.ConnectTimeout.TotalSeconds:0.#} s");
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private void Run(Socket socket)
    {
        EndPoint remote, local;
        try
        {
            // Diameter messages are small and the writer gathers them itself: Nagle's delay would only add latency.
            socket.NoDelay = true;
            remote = socket.RemoteEndPoint!;
            local = socket.LocalEndPoint!;
        }
        catch (SocketException ex)
        {
            // Reset between the accept (or connect) and now.
            socket.Dispose();
            Gone(ex.Message);
            return;
        }
        _killSwitch = Source.FromGraph(new SocketStage(socket, _channel.Reader, _settings.WriteBatchBytes))
            .ViaMaterialized(KillSwitches.Single<ReadOnlyMemory<byte>>(), Keep.Right)
            .Via(new DiameterFrameStage(_settings.MaxMessageSize, _dictionary))
            .To(Sink.FromGraph(new InboundHandOver(Self, _owner)))
            .Run(_materializer);
        _connected = true;
        _owner.Tell(new Connected(Self, new Outbound(_channel.Writer, _settings.MaxMessageSize), remote, local));
        // Only now may the read side hand messages over: the owner must hear of the connection first.
        ToHandOver(InboundHandOver.Start.Instance);
    }

    private void Gone(string reason)
    {
        if (!_reported)
        {
            _reported = true;
            if (_connected) _owner.Tell(new Disconnected(Self, reason));
            else _owner.Tell(new ConnectFailed(Self, reason));
            _log.Debug("Connection {0} ended: {1}", _target, reason);
        }
        Context.Stop(Self);
    }

    protected override void PostStop()
    {
        _stopped.Cancel();
        _channel.Writer.TryComplete();
        _killSwitch?.Shutdown();
        if (!_reported)
        {
            _reported = true;
            if (_connected) _owner.Tell(new Disconnected(Self, _closeReason ?? "connection actor stopped"));
            else _owner.Tell(new ConnectFailed(Self, "connection actor stopped"));
        }
    }
}
