using System.Net.Sockets;
using System.Threading.Channels;
using Akka.Streams;
using Akka.Streams.Stage;

namespace AkkaDiameter.Transport;

/// <summary>
/// A connected TCP socket as an Akka.Streams source: the messages queued in the connection's send queue (ranges of
/// <see cref="Outbound"/>'s chunks) are written to the socket, and the bytes read come out.
/// It does what Akka.IO's TCP stream does for a connection, without Akka.IO's connection actor in between: the stage
/// reads and writes the socket itself, non-blocking, from its own actor. A read or a write that the socket can take at
/// once (nearly all of them under load) costs no hand-off between threads; only waiting does, for the socket to
/// become readable (a zero-byte receive, so a waiting connection holds no buffer) or writable again.
/// <para>Open loop at 270k requests/s on loopback, an echo of the same frames behind Akka.IO's stream against plain
/// .NET sockets had p99 1.9-2.9 ms against 0.85-1.0 ms: Akka.IO's connection actor is one hand-off each way, and a
/// write is acknowledged with another.</para>
/// <para>The stage takes the send queue itself, rather than through a channel source in front of it: what the owner
/// queued while the stage was busy is taken in one go and sent in one gathering write, with one wake-up of the
/// stage's actor per batch of writes instead of one per message and another to flush them.</para>
/// <para>Closing follows Akka.IO's with <c>halfClose: false</c>: when the send queue completes, what it held is sent
/// and the write side is shut down (a FIN, RFC 6733 §5.4's transport close after DPA), and the stage completes when
/// the peer closes its side too. When the output is cancelled or the stage fails the socket is closed at once.</para>
/// </summary>
internal sealed class SocketStage : GraphStage<SourceShape<ReadOnlyMemory<byte>>>
{
    /// <summary>The most one read takes: what a connection reads ahead of its framing.</summary>
    public const int ReadSize = 64 * 1024;

    private readonly Socket _socket;
    private readonly ChannelReader<OutboundBytes> _writes;
    private readonly int _maxWriteBytes;

    /// <summary>Makes the stage over a connected socket, which it owns from now on (it closes it when it stops).</summary>
    /// <param name="socket">The socket.</param>
    /// <param name="writes">The send queue: what to write, in order. Completing it closes the write side once what it
    /// held is sent; completing it with an exception fails the stage.</param>
    /// <param name="maxWriteBytes">How many bytes one write gathers at most (<c>write-batch-bytes</c>).</param>
    public SocketStage(Socket socket, ChannelReader<OutboundBytes> writes, int maxWriteBytes)
    {
        _socket = socket;
        _writes = writes;
        _maxWriteBytes = maxWriteBytes;
        Shape = new SourceShape<ReadOnlyMemory<byte>>(Out);
    }

    /// <summary>Bytes read: each read in an array of its own, never written again.</summary>
    public Outlet<ReadOnlyMemory<byte>> Out { get; } = new("Socket.out");
    /// <inheritdoc/>
    public override SourceShape<ReadOnlyMemory<byte>> Shape { get; }

    /// <inheritdoc/>
    protected override GraphStageLogic CreateLogic(Attributes inheritedAttributes) => new Logic(this);

    private sealed class Logic : GraphStageLogic
    {
        // A read takes at most ReadSize bytes into this buffer and copies what it got into an array of its own size
        // (the frame stage keeps the bytes). One per thread: a read is synchronous and copied before it returns.
        [ThreadStatic] private static byte[]? t_readBuffer;

        private readonly SocketStage _stage;
        private readonly Socket _socket;
        private readonly Action<int> _onReadable;
        private readonly Action<int> _onWritten;
        private readonly Action<bool> _onWritesQueued;
        private readonly Action<Exception> _onError;
        private readonly Action _readableContinuation;
        private readonly Action _writtenContinuation;
        private readonly Action _writesContinuation;
        private ValueTask<int> _waitingRead;
        private ValueTask<int> _pendingWrite;
        private ValueTask<bool> _waitingWrites;
        private List<ArraySegment<byte>> _gathered = [];   // taken from the send queue, not yet sent
        private int _gatheredBytes;
        private List<ArraySegment<byte>> _sending = [];    // what an asynchronous send is sending
        // The Outbound chunks of the ranges gathered or being sent, given back when all of them are sent (a batch is
        // sent whole before the next is taken). On a failed or closed connection they are not given back: the
        // connection's spares go with it.
        private readonly List<OutboundChunk> _leases = [];
        private bool _readWaiting;
        private bool _writesWaiting;   // waiting for the send queue to have something (or to complete)
        private bool _writeSideShut;   // the send queue completed, all it held was sent, and the FIN went out

        public Logic(SocketStage stage) : base(stage.Shape)
        {
            _stage = stage;
            _socket = stage._socket;
            _onReadable = GetAsyncCallback<int>(_ => { _readWaiting = false; if (IsAvailable(_stage.Out)) Read(); });
            _onWritten = GetAsyncCallback<int>(OnWriteCompleted);
            _onWritesQueued = GetAsyncCallback<bool>(OnWritesQueued);
            _onError = GetAsyncCallback<Exception>(Fail);
            _readableContinuation = () => Complete(ref _waitingRead, _onReadable);
            _writtenContinuation = () => Complete(ref _pendingWrite, _onWritten);
            _writesContinuation = () => Complete(ref _waitingWrites, _onWritesQueued);

            SetHandler(stage.Out, onPull: () => { if (!_readWaiting) Read(); }, onDownstreamFinish: _ => CompleteStage());
        }

        // The continuations run on whichever thread completed the operation (a pool thread for the socket's, the
        // owner's for the send queue's, which has synchronous continuations); they only take the result and hand it to
        // the stage's actor.
        private void Complete<T>(ref ValueTask<T> operation, Action<T> then)
        {
            T result;
            try { result = operation.GetAwaiter().GetResult(); }
            catch (Exception ex) { _onError(ex); return; }
            then(result);
        }

        public override void PreStart()
        {
            // Reads and writes that the socket cannot do at once return WouldBlock instead of waiting; waiting is
            // done asynchronously.
            _socket.Blocking = false;
            TakeWrites();
        }

        private void Read()
        {
            var buffer = t_readBuffer ??= new byte[ReadSize];
            var n = _socket.Receive(buffer, SocketFlags.None, out var error);
            switch (error)
            {
                case SocketError.Success when n > 0:
                    Push(_stage.Out, (ReadOnlyMemory<byte>)buffer.AsSpan(0, n).ToArray());
                    break;
                case SocketError.Success:
                    // The peer closed its side (R-Peer-Disc for the owner): the connection is over.
                    CompleteStage();
                    break;
                case SocketError.WouldBlock:
                    // Wait for data without holding a buffer: a zero-byte receive completes when the socket is readable.
                    _readWaiting = true;
                    _waitingRead = _socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None);
                    if (_waitingRead.IsCompleted) _readableContinuation();
                    else _waitingRead.GetAwaiter().UnsafeOnCompleted(_readableContinuation);
                    break;
                default:
                    Fail(new SocketException((int)error));
                    break;
            }
        }

        // Takes what the owner queued, up to write-batch-bytes, and sends it in one gathering write; with nothing queued,
        // waits for the queue. Everything queued while the stage was busy (a handler's answers to one read, as a rule)
        // goes out in the same system call: sent one by one, the answers to one read cost a call each (with the
        // receiver's wake-up on loopback), a third of the node's closed-loop throughput.
        private void TakeWrites()
        {
            if (_writesWaiting || _writeSideShut || _sending.Count > 0) return;
            while (_gatheredBytes < _stage._maxWriteBytes && _stage._writes.TryRead(out var bytes)) Gather(bytes);
            if (_gathered.Count > 0) Send();
            else WaitForWrites();
        }

        private void WaitForWrites()
        {
            _writesWaiting = true;
            _waitingWrites = _stage._writes.WaitToReadAsync();
            if (_waitingWrites.IsCompleted) _writesContinuation();
            else _waitingWrites.GetAwaiter().UnsafeOnCompleted(_writesContinuation);
        }

        private void OnWritesQueued(bool more)
        {
            _writesWaiting = false;
            if (more) { TakeWrites(); return; }
            // The queue completed and all it held is sent: the close's FIN.
            ShutWriteSide();
        }

        private void Gather(OutboundBytes bytes)
        {
            var segment = new ArraySegment<byte>(bytes.Chunk, bytes.Offset, bytes.Length);
            if (bytes.Lease is { } lease) _leases.Add(lease);
            var last = _gathered.Count - 1;
            // Messages encoded side by side in one chunk (Outbound) go out as one range.
            if (last >= 0 && _gathered[last].Array == segment.Array && _gathered[last].Offset + _gathered[last].Count == segment.Offset)
                _gathered[last] = new ArraySegment<byte>(segment.Array!, _gathered[last].Offset, _gathered[last].Count + segment.Count);
            else _gathered.Add(segment);
            _gatheredBytes += segment.Count;
        }

        private void Send()
        {
            var sent = _socket.Send(_gathered, SocketFlags.None, out var error);
            if (error is not (SocketError.Success or SocketError.WouldBlock)) { Fail(new SocketException((int)error)); return; }
            (_gathered, _sending) = (_sending, _gathered);
            _gatheredBytes = 0;
            // All sent: wait for the next writes (a wait completes at once, through the actor, if some are queued).
            if (Drop(_sending, sent)) { ReleaseSent(); WaitForWrites(); return; }
            // The socket's send buffer is full (the peer reads slowly): send the rest asynchronously. Meanwhile nothing
            // more is taken, so the send queue fills, and past send-queue-size the owner is refused (3002).
            _pendingWrite = new ValueTask<int>(_socket.SendAsync(_sending, SocketFlags.None));
            if (_pendingWrite.IsCompleted) _writtenContinuation();
            else _pendingWrite.GetAwaiter().UnsafeOnCompleted(_writtenContinuation);
        }

        private void OnWriteCompleted(int sent)
        {
            if (!Drop(_sending, sent))
            {
                // .NET's asynchronous send on a stream socket returns when all is sent; should it not, send the rest.
                _pendingWrite = new ValueTask<int>(_socket.SendAsync(_sending, SocketFlags.None));
                _pendingWrite.GetAwaiter().UnsafeOnCompleted(_writtenContinuation);
                return;
            }
            ReleaseSent();
            TakeWrites();
        }

        // Every gathered range is on the wire (in the kernel's send buffer): their chunks may be written again.
        private void ReleaseSent()
        {
            foreach (var lease in _leases) lease.Release();
            _leases.Clear();
        }

        // Takes the first sent bytes off the segments; true when nothing is left.
        private static bool Drop(List<ArraySegment<byte>> segments, int sent)
        {
            var whole = 0;
            while (whole < segments.Count && sent >= segments[whole].Count) sent -= segments[whole++].Count;
            segments.RemoveRange(0, whole);
            if (segments.Count > 0 && sent > 0) segments[0] = segments[0][sent..];
            return segments.Count == 0;
        }

        private void ShutWriteSide()
        {
            if (_writeSideShut) return;
            _writeSideShut = true;
            try { _socket.Shutdown(SocketShutdown.Send); }
            catch (SocketException) { CompleteStage(); }   // already gone: nothing more to read either
        }

        private void Fail(Exception cause)
        {
            // After our own close an operation that was waiting fails: that is the stop, not an error.
            if (cause is ObjectDisposedException) { CompleteStage(); return; }
            FailStage(cause);
        }

        public override void PostStop()
        {
            // .NET closes a socket with an operation still waiting on it abortively (RST) unless its write side was
            // shut down first; a FIN lets what was already written (an error CEA, a DPA) reach the peer.
            if (!_writeSideShut)
            {
                try { _socket.Shutdown(SocketShutdown.Both); }
                catch (SocketException) { }   // already reset or gone: nothing left to deliver
            }
            _socket.Dispose();
        }
    }
}
