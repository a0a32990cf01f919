using System.Net;
using System.Threading.Channels;
using Akka.Actor;
using Akka.Event;
using Akka.IO;
using Tcp = Akka.Streams.Dsl.Tcp;
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
/// bounded channel ─▶ BatchWeighted(write-batch-bytes) ─▶ TCP ─▶ DiameterFrameStage ─▶ BatchWeighted(64 KiB) ─▶ Sink.ActorRefWithAck(this)
/// </code>
/// Writes are batched so that small answers under load share one socket write. Reads are cut into messages and
/// decoded on the stream; the messages that arrive while this actor is busy are gathered into one batch, so that
/// under load the stream and this actor exchange one message and one ack per batch, not per message. They are handed
/// to the owner one at a time (its <see cref="ConnectionCommands.Ack"/> releases the next) until it asks for a window
/// (<see cref="ConnectionCommands.Pipeline"/>); then up to the window at once, as a
/// <see cref="ConnectionEvents.ReceivedBatch"/>. The next batch is taken from the stream once this one is handed
/// over, so backpressure runs from the owner back to the peer's TCP window with at most one batch held here. The
/// actor reports the connection's life to its owner and stops when the connection is gone.
/// </summary>
internal sealed class ConnectionActor : ReceiveActor, IWithTimers
{
    /// <summary>Where the connection goes.</summary>
    public abstract record Target;
    /// <summary>Connect to a peer (an initiator connection).</summary>
    public sealed record Outgoing(IPEndPoint Remote) : Target;
    /// <summary>A connection a listener accepted (a responder connection).</summary>
    public sealed record Incoming(Tcp.IncomingConnection Connection) : Target;

    private sealed record TcpUp(Tcp.OutgoingConnection Connection);
    private sealed record StreamFailed(Exception Cause);
    private sealed class StreamInit { public static readonly StreamInit Instance = new(); }
    private sealed class StreamAck { public static readonly StreamAck Instance = new(); }
    private sealed class StreamCompleted { public static readonly StreamCompleted Instance = new(); }
    private sealed class LingerExpired { public static readonly LingerExpired Instance = new(); }

    /// <summary>Frames that arrived together: what the stream's batching stage gathered while this actor was busy.</summary>
    private sealed class InboundFrames
    {
        public InboundFrames(InboundFrame first) => Frames = [first];
        public List<InboundFrame> Frames { get; }
        public InboundFrames Add(InboundFrame frame) { Frames.Add(frame); return this; }
    }

    private static readonly TimeSpan Linger = TimeSpan.FromSeconds(2);
    // Bytes of received messages gathered into one batch while the owner is busy. Bounds what a connection holds
    // beyond the owner's window, whatever max-message-size is (a larger message still passes, alone).
    private const long InboundBatchBytes = 64 * 1024;

    private readonly Target _target;
    private readonly DiameterSettings _settings;
    private readonly DiameterDictionary _dictionary;
    private readonly IMaterializer _materializer;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Channel<OutboundBytes> _channel;
    private IActorRef _owner;
    private IActorRef? _streamSender;
    // Messages handed to the owner and not yet acked, and how many may be (ConnectionCommands.Pipeline).
    private int _unacked;
    private int _window = 1;
    // The batch being handed over, from _next on; the stream is acked for the next batch when it is all handed over.
    private InboundFrames? _inbox;
    private int _next;
    private UniqueKillSwitch? _killSwitch;
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
        _channel = Channel.CreateBounded<OutboundBytes>(new BoundedChannelOptions(settings.SendQueueSize)
        {
            SingleReader = true, SingleWriter = false, FullMode = BoundedChannelFullMode.Wait,
        });

        Receive<StreamInit>(_ => Sender.Tell(StreamAck.Instance));
        Receive<InboundFrames>(batch =>
        {
            _streamSender = Sender;
            _inbox = batch;
            _next = 0;
            HandOver();
        });
        Receive<ConnectionCommands.Ack>(a =>
        {
            _unacked = Math.Max(0, _unacked - a.Count);
            HandOver();
        });
        Receive<ConnectionCommands.Pipeline>(p =>
        {
            _window = Math.Max(1, p.Window);
            HandOver();
        });
        Receive<ConnectionCommands.SetOwner>(s => _owner = s.Owner);
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
            _connected = true;
            _owner.Tell(new Connected(Self, new Outbound(_channel.Writer, _settings.MaxMessageSize), up.Connection.RemoteAddress, up.Connection.LocalAddress));
        });
        Receive<StreamCompleted>(_ => Gone(_closeReason ?? "closed by the peer"));
        Receive<StreamFailed>(f => Gone(_closeReason ?? f.Cause.Message));
    }

    // Hands the owner what the window allows, in order: an error alone, messages one at a time in window 1 and as a
    // batch of consecutive messages otherwise; then, once the batch is all handed over, takes the stream's next.
    private void HandOver()
    {
        while (_inbox is { } inbox && _next < inbox.Frames.Count && _unacked < _window)
        {
            var frames = inbox.Frames;
            if (frames[_next] is InboundError e)
            {
                _owner.Tell(new ReceiveFailed(Self, e));
                if (e.Fatal) _closeReason = e.Error.ToString();
                _next++;
                _unacked++;
                continue;
            }
            var end = _next + 1;
            var room = _window - _unacked;
            while (end < frames.Count && end - _next < room && frames[end] is InboundMessage) end++;
            if (end - _next == 1)
                _owner.Tell(new Received(Self, ((InboundMessage)frames[_next]).Message));
            else
            {
                var messages = new DiameterMessage[end - _next];
                for (var i = 0; i < messages.Length; i++) messages[i] = ((InboundMessage)frames[_next + i]).Message;
                _owner.Tell(new ReceivedBatch(Self, messages));
            }
            _unacked += end - _next;
            _next = end;
        }
        if (_inbox is not null && _next == _inbox.Frames.Count)
        {
            _inbox = null;
            _streamSender?.Tell(StreamAck.Instance);
        }
    }

    protected override void PreStart()
    {
        var source = ChannelSource.FromReader(_channel.Reader)
            .BatchWeighted(_settings.WriteBatchBytes, b => b.Length, b => new WriteBatch(b), (batch, b) => batch.Add(b))
            .Select(batch => batch.ToByteString());
        var sink = Flow.Create<InboundFrame>()
            .BatchWeighted(InboundBatchBytes, f => f.Size, f => new InboundFrames(f), (batch, f) => batch.Add(f))
            // The sink pulls as many elements ahead as its input buffer holds (16 by default), one batch each: with
            // a buffer of one, what arrives while this actor is busy gathers in the batch stage instead.
            .To(Sink.ActorRefWithAck<InboundFrames>(Self, StreamInit.Instance, StreamAck.Instance, StreamCompleted.Instance,
                ex => new StreamFailed(ex)).WithAttributes(Attributes.CreateInputBuffer(1, 1)));
        var frames = new DiameterFrameStage(_settings.MaxMessageSize, _dictionary);
        var self = Self;
        switch (_target)
        {
            case Outgoing o:
                var tcp = Context.System.TcpStream().OutgoingConnection(o.Remote, null, null, halfClose: false,
                    connectionTimeout: _settings.ConnectTimeout, idleTimeout: null);
                var (connected, killSwitch) = source
                    .ViaMaterialized(tcp, Keep.Right)
                    .ViaMaterialized(KillSwitches.Single<ByteString>(), Keep.Both)
                    .Via(frames)
                    .To(sink)
                    .Run(_materializer);
                _killSwitch = killSwitch;
                connected.PipeTo(self, success: c => new TcpUp(c), failure: ex => new StreamFailed(ex));
                break;
            case Incoming i:
                _killSwitch = source
                    .Via(i.Connection.Flow)
                    .ViaMaterialized(KillSwitches.Single<ByteString>(), Keep.Right)
                    .Via(frames)
                    .To(sink)
                    .Run(_materializer);
                _connected = true;
                _owner.Tell(new Connected(Self, new Outbound(_channel.Writer, _settings.MaxMessageSize), i.Connection.RemoteAddress, i.Connection.LocalAddress));
                break;
        }
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
