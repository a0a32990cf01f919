using System.Net;
using System.Threading.Channels;
using Akka.Actor;
using AkkaDiameter.Protocol;

namespace AkkaDiameter.Transport;

/// <summary>
/// What a connection actor tells its owner (the peer table before CER, then the <c>PeerActor</c>). Writes do not go
/// through the connection actor: the owner writes encoded messages straight into <see cref="Outbound"/>, a bounded
/// channel whose full state it sees at once.
/// </summary>
public static class ConnectionEvents
{
    /// <summary>The TCP connection is up (RFC 6733 §5.6 I-Rcv-Conn-Ack for an initiator connection).</summary>
    public sealed record Connected(IActorRef Connection, Outbound Outbound, EndPoint Remote, EndPoint Local);

    /// <summary>The TCP connect failed (I-Rcv-Conn-Nack).</summary>
    public sealed record ConnectFailed(IActorRef Connection, string Reason);

    /// <summary>A message arrived. The owner answers <see cref="ConnectionCommands.Ack"/> when done with it: one message is
    /// in flight per connection, so a slow owner slows the peer down through TCP instead of filling a mailbox.</summary>
    public sealed record Received(IActorRef Connection, DiameterMessage Message);

    /// <summary>Several messages that arrived in order, handed over in one go to an owner that asked for a window
    /// (<see cref="ConnectionCommands.Pipeline"/>); never more than the window. The owner acknowledges them all with one
    /// <see cref="ConnectionCommands.Ack.Of"/>(<c>Messages.Count</c>). Under load a TCP read holds many messages: one
    /// hand-over and one ack per read instead of per message keeps the mailboxes out of the per-request cost.</summary>
    public sealed record ReceivedBatch(IActorRef Connection, IReadOnlyList<DiameterMessage> Messages)
    {
        /// <summary>Where the ack goes: the stream stage that handed the batch over, which saves the connection actor
        /// a message each way; the connection itself when not given.</summary>
        public IActorRef? AckTo { get; init; }

        /// <summary>Acknowledges every message of the batch (from inside the owner actor).</summary>
        public void Acknowledge() => (AckTo ?? Connection).Tell(ConnectionCommands.Ack.Of(Messages.Count));
    }

    /// <summary>A frame could not be decoded; acknowledged like <see cref="Received"/> unless <paramref name="Error"/> is fatal.</summary>
    public sealed record ReceiveFailed(IActorRef Connection, InboundError Error);

    /// <summary>The connection is gone (I-Peer-Disc / R-Peer-Disc, or our own close completing).</summary>
    public sealed record Disconnected(IActorRef Connection, string Reason);
}

/// <summary>What an owner tells a connection actor.</summary>
public static class ConnectionCommands
{
    /// <summary>Done with <see cref="Count"/> more of the messages handed over; deliver the next.</summary>
    public sealed class Ack
    {
        // Shared instances for the counts an open peer's window (128) produces: no allocation per ack.
        private static readonly Ack[] Small = [.. Enumerable.Range(0, 129).Select(n => new Ack(n))];

        /// <summary>Done with one message.</summary>
        public static readonly Ack Instance = Small[1];

        private Ack(int count) => Count = count;

        /// <summary>How many messages this acknowledges.</summary>
        public int Count { get; }

        /// <summary>Done with <paramref name="count"/> messages (a <see cref="ConnectionEvents.ReceivedBatch"/>).</summary>
        public static Ack Of(int count) =>
            count >= 0 && count < Small.Length ? Small[count] : new Ack(count > 0 ? count : throw new ArgumentOutOfRangeException(nameof(count)));
    }

    /// <summary>Take over the connection: events go to <paramref name="Owner"/> from now on.</summary>
    public sealed record SetOwner(IActorRef Owner);

    /// <summary>Hand the owner up to <paramref name="Window"/> messages before its acks (1 until told: one at a time,
    /// so that no message reaches an owner that is handing the connection over). An open peer pipelines: messages
    /// that arrived together come as one <see cref="ConnectionEvents.ReceivedBatch"/>, so its mailbox holds one
    /// hand-over per TCP read instead of one per message, and the stream does not wait for a round trip per message.
    /// Still bounded: past the window the connection waits, and TCP pushes back. A window of 0 pauses reading: nothing
    /// more is handed over until a window is given again, what was read ahead stays queued (at most
    /// <c>InboundHandOver.MaxQueuedBytes</c>), and the peer's further messages wait in TCP. Once the peer has closed
    /// its side the pause no longer holds: what was read is handed over and the close reported.</summary>
    public sealed record Pipeline(int Window);

    /// <summary>Close after the queued writes are sent.</summary>
    public sealed class Close
    {
        /// <summary>The instance.</summary>
        public static readonly Close Instance = new();
        private Close() { }
    }

    /// <summary>Close now, dropping queued writes.</summary>
    public sealed class Abort
    {
        /// <summary>The instance.</summary>
        public static readonly Abort Instance = new();
        private Abort() { }
    }
}

/// <summary>An encoded message in a connection's send queue: a range of a chunk <see cref="Outbound"/> encodes into.
/// Nothing writes the range again once it is queued.</summary>
/// <param name="Chunk">The chunk.</param>
/// <param name="Offset">Where the message starts.</param>
/// <param name="Length">The message length.</param>
public readonly record struct OutboundBytes(byte[] Chunk, int Offset, int Length)
{
    /// <summary>The bytes.</summary>
    public ReadOnlySpan<byte> Span => Chunk.AsSpan(Offset, Length);

    /// <summary>The <see cref="Outbound"/> chunk the range is in, when it is one: the writer gives it back with
    /// <see cref="OutboundChunk.Release"/> once the range is sent, so that the chunk can be written again. A range
    /// without one (null) is never reused.</summary>
    internal OutboundChunk? Lease { get; init; }
}

/// <summary>A chunk <see cref="Outbound"/> encodes into, counted: one reference while it is the chunk being written,
/// one for each range queued and not yet sent. At none it goes back to its connection's spares and is written again,
/// instead of a new 16 KiB array every few dozen messages: those arrays were a tenth of what a node allocated under
/// load, and the chunk being filled was a good part of what each gen0 collection had to keep and copy.</summary>
internal sealed class OutboundChunk(byte[] bytes, Outbound owner)
{
    private int _references = 1;

    /// <summary>The bytes.</summary>
    public byte[] Bytes { get; } = bytes;

    /// <summary>A queued range of it.</summary>
    public void Retain() => Interlocked.Increment(ref _references);

    /// <summary>A queued range of it was sent, or the writer moved on to another chunk.</summary>
    public void Release()
    {
        var left = Interlocked.Decrement(ref _references);
        if (left == 0) owner.Reuse(this);
        else if (left < 0) throw new InvalidOperationException("an outbound chunk was released more often than it was retained");
    }

    /// <summary>Taken again from the spares: the writer's reference.</summary>
    public void Renew() => Volatile.Write(ref _references, 1);
}

/// <summary>
/// The write side of a connection: a bounded queue in front of the gathering TCP writer. Messages are encoded one
/// after another into a chunk of <see cref="ChunkSize"/> bytes, so consecutive messages lie side by side and the
/// writer sends those queued together from the chunk itself, as one range (<c>SocketStage</c>): no array per
/// message and no copy into a batch buffer, which were a tenth of the node's allocations under load.
/// </summary>
public sealed class Outbound(ChannelWriter<OutboundBytes> writer, int maxMessageSize)
{
    /// <summary>The chunk size: a few dozen typical messages, and what a connection keeps when idle.</summary>
    public const int ChunkSize = 16 * 1024;

    // Chunks every range of which was sent, kept for the next ones: at most a few (a connection that sent a burst does
    // not keep its size). A chunk is given back from the writer's thread and taken on the owner's.
    private const int SpareChunks = 4;

    // The owner writes; before the hand-over the peer table may too. A lock nobody contends costs next to nothing.
    private readonly Lock _gate = new();
    private readonly System.Collections.Concurrent.ConcurrentQueue<OutboundChunk> _spares = new();
    private int _spareCount;
    private OutboundChunk? _chunk;
    private int _used;

    /// <summary>Encodes and queues a message. False when the queue is full (the peer reads too slowly) or closed,
    /// or the message is over <c>max-message-size</c>; the caller turns that into an error answer.</summary>
    public bool TrySend(DiameterMessage message, out string? why)
    {
        var length = message.GetEncodedLength();
        if (length > maxMessageSize) { why = $"{message.CommandName} is {length} bytes, over max-message-size {maxMessageSize}"; return false; }
        lock (_gate)
        {
            if (_chunk is null || _chunk.Bytes.Length - _used < length)
            {
                _chunk?.Release();
                _chunk = length <= ChunkSize ? TakeSpare() : null;
                _chunk ??= new OutboundChunk(new byte[Math.Max(ChunkSize, length)], this);
                _used = 0;
            }
            message.Encode(_chunk.Bytes.AsSpan(_used, length));
            _chunk.Retain();
            // Refused: the range was never handed out, and the next message may take it.
            if (!writer.TryWrite(new OutboundBytes(_chunk.Bytes, _used, length) { Lease = _chunk }))
            {
                _chunk.Release();
                why = "the connection's send queue is full or closed";
                return false;
            }
            _used += length;
        }
        why = null;
        return true;
    }

    /// <summary>Ends the write side; the connection closes once the queue is flushed.</summary>
    public void Complete() => writer.TryComplete();

    /// <summary>The chunk being written, for tests.</summary>
    internal byte[]? CurrentChunk => _chunk?.Bytes;

    private OutboundChunk? TakeSpare()
    {
        if (!_spares.TryDequeue(out var chunk)) return null;
        Interlocked.Decrement(ref _spareCount);
        chunk.Renew();
        return chunk;
    }

    // From OutboundChunk.Release, on whichever thread let the last reference go. Only chunks of the usual size are
    // kept, and at most SpareChunks of them; the garbage collector takes the rest.
    internal void Reuse(OutboundChunk chunk)
    {
        if (chunk.Bytes.Length != ChunkSize) return;
        if (Interlocked.Increment(ref _spareCount) > SpareChunks) { Interlocked.Decrement(ref _spareCount); return; }
        _spares.Enqueue(chunk);
    }
}
