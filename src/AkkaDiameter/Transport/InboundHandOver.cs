using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Stage;
using AkkaDiameter.Protocol;
using static AkkaDiameter.Transport.ConnectionEvents;

namespace AkkaDiameter.Transport;

/// <summary>
/// The end of a connection's read side: hands received messages to the connection's owner straight from the stream.
/// Up to <see cref="MaxQueuedBytes"/> of messages are read ahead while the owner is busy, and handed over as the
/// owner's window allows: one at a time until it asks for a window (<see cref="ConnectionCommands.Pipeline"/>), then
/// consecutive messages as one <see cref="ReceivedBatch"/>. The owner acknowledges a batch to the stage itself
/// (<see cref="ReceivedBatch.AckTo"/>): one message to the owner and one back per TCP read, where a connection actor
/// in between took four. Every event names the connection actor, which forwards what the owner tells it (acks,
/// the window, a new owner) here and keeps the connection's life: the stage tells it when the stream ends.
/// </summary>
internal sealed class InboundHandOver : GraphStage<SinkShape<InboundFrames>>
{
    /// <summary>Bytes of received messages read ahead of the owner. Bounds what a connection holds beyond the owner's
    /// window, whatever max-message-size is (a larger message is still read, alone).</summary>
    public const long MaxQueuedBytes = 64 * 1024;

    /// <summary>The stage's actor, for the connection actor to forward acks, the window and a new owner to.</summary>
    public sealed record Ready(IActorRef HandOver);
    /// <summary>The owner has been told the connection is up: hand-over may begin. Until then nothing is handed over,
    /// so that no message reaches the owner before its <see cref="Connected"/> (they come from different actors).</summary>
    public sealed class Start { public static readonly Start Instance = new(); private Start() { } }
    /// <summary>The stream ended (the peer closed, or our close completed).</summary>
    public sealed class Completed { public static readonly Completed Instance = new(); private Completed() { } }
    /// <summary>The stream failed.</summary>
    public sealed record Failed(Exception Cause);
    /// <summary>A fatal framing error was handed over: the connection closes for this reason once the owner answered.</summary>
    public sealed record Fatal(string Reason);

    private readonly IActorRef _connection;
    private readonly IActorRef _owner;

    public InboundHandOver(IActorRef connection, IActorRef owner)
    {
        _connection = connection;
        _owner = owner;
        Shape = new SinkShape<InboundFrames>(In);
    }

    public Inlet<InboundFrames> In { get; } = new("InboundHandOver.in");
    public override SinkShape<InboundFrames> Shape { get; }

    protected override GraphStageLogic CreateLogic(Attributes inheritedAttributes) => new Logic(this);

    private sealed class Logic : InGraphStageLogic
    {
        private readonly InboundHandOver _stage;
        private readonly Queue<InboundFrame> _queued = new();
        private long _queuedBytes;
        private IActorRef _owner;
        private IActorRef _self = ActorRefs.Nobody;
        private int _unacked;
        private int _window;   // 0 until Start: see Start
        private bool _paused;  // Pipeline(0): the owner takes nothing more until it gives a window again

        public Logic(InboundHandOver stage) : base(stage.Shape)
        {
            _stage = stage;
            _owner = stage._owner;
            SetHandler(stage.In, this);
        }

        public override void PreStart()
        {
            _self = GetStageActor(OnMessage).Ref;
            _stage._connection.Tell(new Ready(_self));
            Pull(_stage.In);
        }

        private void OnMessage((IActorRef Sender, object Message) m)
        {
            switch (m.Message)
            {
                case Start: _window = Math.Max(_window, 1); break;
                case ConnectionCommands.Ack a: _unacked = Math.Max(0, _unacked - a.Count); break;
                case ConnectionCommands.Pipeline { Window: <= 0 }: _paused = true; break;
                case ConnectionCommands.Pipeline p: (_window, _paused) = (p.Window, false); break;
                case ConnectionCommands.SetOwner s: _owner = s.Owner; break;
                default: return;
            }
            HandOver();
        }

        public override void OnPush()
        {
            var read = Grab(_stage.In);
            foreach (var frame in read.Frames) _queued.Enqueue(frame);
            _queuedBytes += read.Size;
            HandOver();
        }

        public override void OnUpstreamFinish()
        {
            if (_queued.Count == 0) { Finish(); return; }
            // What was read before the end still goes to the owner, within its window, before the connection reports
            // itself gone: nothing that arrived vanishes. A pause no longer holds it back: nothing more can be read,
            // and the owner must learn of the close.
            SetKeepGoing(true);
            HandOver();
        }

        private void Finish()
        {
            _stage._connection.Tell(Completed.Instance);
            CompleteStage();
        }

        public override void OnUpstreamFailure(Exception e)
        {
            _stage._connection.Tell(new Failed(e));
            FailStage(e);
        }

        // Hands the owner what the window allows, in order: an error alone, messages one at a time in window 1 and as
        // a batch of consecutive messages otherwise; then reads on while less than MaxQueuedBytes wait.
        private void HandOver()
        {
            while (_queued.Count > 0 && _unacked < _window && (!_paused || IsClosed(_stage.In)))
            {
                if (_queued.Peek() is InboundError e)
                {
                    Dequeue();
                    _owner.Tell(new ReceiveFailed(_stage._connection, e), _self);
                    if (e.Fatal) _stage._connection.Tell(new Fatal(e.Error.ToString()));
                    _unacked++;
                    continue;
                }
                var room = _window - _unacked;
                var first = ((InboundMessage)Dequeue()).Message;
                if (room == 1 || _queued.Count == 0 || _queued.Peek() is not InboundMessage)
                {
                    _owner.Tell(new Received(_stage._connection, first), _self);
                    _unacked++;
                    continue;
                }
                var messages = new List<DiameterMessage>(Math.Min(room, _queued.Count + 1)) { first };
                while (messages.Count < room && _queued.Count > 0 && _queued.Peek() is InboundMessage) messages.Add(((InboundMessage)Dequeue()).Message);
                _owner.Tell(new ReceivedBatch(_stage._connection, messages) { AckTo = _self }, _self);
                _unacked += messages.Count;
            }
            if (IsClosed(_stage.In))
            {
                if (_queued.Count == 0) Finish();
                return;
            }
            if (_queuedBytes < MaxQueuedBytes && !HasBeenPulled(_stage.In)) Pull(_stage.In);
        }

        private InboundFrame Dequeue()
        {
            var f = _queued.Dequeue();
            _queuedBytes -= f.Size;
            return f;
        }
    }
}
