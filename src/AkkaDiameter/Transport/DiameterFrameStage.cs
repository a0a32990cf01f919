using System.Runtime.InteropServices;
using Akka.Streams;
using Akka.Streams.Stage;
using AkkaDiameter.Protocol;
using AkkaDiameter.Protocol.Dictionary;
using AkkaDiameter.Protocol.Wire;

namespace AkkaDiameter.Transport;

/// <summary>What the framing stage hands on: a decoded message, or an error.</summary>
public abstract record InboundFrame
{
    /// <summary>The frame's length on the wire (its Message Length); 0 when no length could be trusted. What the
    /// connection's inbound batches are weighed by.</summary>
    public int Size { get; init; }
}

/// <summary>The frames cut from what one read made complete, in order: the stage hands on everything it can cut at
/// once, so that a reader of the stream gets one element per TCP read, not per message.</summary>
/// <param name="Frames">The frames; a fatal error, if any, is the last.</param>
/// <param name="Size">Their length on the wire in all.</param>
public sealed record InboundFrames(IReadOnlyList<InboundFrame> Frames, long Size);

/// <summary>A complete, structurally valid message.</summary>
/// <param name="Message">The message.</param>
public sealed record InboundMessage(DiameterMessage Message) : InboundFrame;

/// <summary>
/// A frame that could not be decoded. <paramref name="Fatal"/> is true when the byte stream cannot be trusted any more
/// (a Message Length under 20, over the maximum or not a multiple of 4: the next message's start is unknown): the
/// owner answers it and closes the connection; otherwise the connection may carry on after answering.
/// </summary>
/// <param name="Error">The error, with the header when 20 bytes could be read.</param>
/// <param name="Fatal">Whether the stream ends here.</param>
public sealed record InboundError(DiameterError Error, bool Fatal) : InboundFrame;

/// <summary>
/// Cuts a TCP byte stream into Diameter messages by the 24-bit Message Length of each header (RFC 6733 §3) and
/// decodes them. Split and coalesced TCP segments are reassembled; a length field under 20, over
/// <c>max-message-size</c> or not a multiple of 4 is DIAMETER_INVALID_MESSAGE_LENGTH 5015 and ends the stream (the
/// bytes that follow have no known boundary). The declared length is checked before anything is buffered, so a
/// hostile length never makes the stage wait for or hold more than the maximum. After a fatal error the stage
/// discards input and stays open, so that the owner can answer before it closes the connection.
/// </summary>
public sealed class DiameterFrameStage : GraphStage<FlowShape<ReadOnlyMemory<byte>, InboundFrames>>
{
    private readonly int _maxMessageSize;
    private readonly DiameterDictionary _dictionary;

    /// <summary>Makes the stage.</summary>
    public DiameterFrameStage(int maxMessageSize, DiameterDictionary dictionary)
    {
        _maxMessageSize = maxMessageSize;
        _dictionary = dictionary;
        Shape = new FlowShape<ReadOnlyMemory<byte>, InboundFrames>(In, Out);
    }

    /// <summary>Bytes in, as read: a chunk is never written again once pushed (the stage may keep slices of it).</summary>
    public Inlet<ReadOnlyMemory<byte>> In { get; } = new("DiameterFrame.in");
    /// <summary>Frames out, those of one read together.</summary>
    public Outlet<InboundFrames> Out { get; } = new("DiameterFrame.out");
    /// <inheritdoc/>
    public override FlowShape<ReadOnlyMemory<byte>, InboundFrames> Shape { get; }

    /// <inheritdoc/>
    protected override GraphStageLogic CreateLogic(Attributes inheritedAttributes) => new Logic(this);

    private sealed class Logic : InAndOutGraphStageLogic
    {
        private readonly DiameterFrameStage _stage;
        // Received bytes not yet cut: _pending[_start.._end]. Reads are appended to our own buffer and messages copied
        // out of it, one array each (the decoded message keeps its bytes); ByteString.Concat and two Slices per message
        // cost more than the copy (a segment array and a ByteString each).
        private const int KeptBufferBytes = 16 * 1024;
        // A read of at most this many bytes that starts at a message boundary (nothing pending) is cut where it lies:
        // its messages are slices of the read's own array, not copies. A message kept long (a handler may keep one)
        // then keeps at most this much alive. Open loop, a read carries a few requests (about 1.3 KB at 340k/s): one
        // array and one copy per request fewer. Larger reads, under heavy load, are copied per message as before.
        private const int SliceReadBytes = 4 * 1024;
        private byte[] _own = [];
        private byte[] _pending = [];
        private bool _sliced;   // _pending is a read's array (see SliceReadBytes); never written
        private int _start, _end;
        private bool _failed;

        public Logic(DiameterFrameStage stage) : base(stage.Shape)
        {
            _stage = stage;
            SetHandlers(stage.In, stage.Out, this);
        }

        private int Buffered => _end - _start;
        private ReadOnlySpan<byte> Bytes => _pending.AsSpan(_start, Buffered);

        public override void OnPush()
        {
            var chunk = Grab(_stage.In);
            if (_failed) { Pull(_stage.In); return; }   // after a fatal error: read and discard until the close
            if (Buffered == 0 && chunk.Length <= SliceReadBytes && MemoryMarshal.TryGetArray(chunk, out var read))
                (_pending, _start, _end, _sliced) = (read.Array!, read.Offset, read.Offset + read.Count, true);
            else Append(chunk);
            Deliver();
        }

        private void Append(ReadOnlyMemory<byte> chunk)
        {
            if (_sliced)
            {
                // The rest of a sliced read is a partial message: it moves to our own buffer, to be appended to.
                var rest = Buffered;
                if (_own.Length < rest + chunk.Length) _own = new byte[Math.Max(rest + chunk.Length, 4096)];
                Bytes.CopyTo(_own);
                (_pending, _start, _end, _sliced) = (_own, 0, rest, false);
            }
            if (_pending.Length - _end < chunk.Length)
            {
                // Move what is left to the front, and grow only when that is not room enough. A partial message is
                // at most max-message-size (checked before it is waited for), so this stays bounded.
                var need = Buffered + chunk.Length;
                var moved = need <= _pending.Length ? _pending : new byte[Math.Max(need, Math.Max(4096, _pending.Length * 2))];
                Bytes.CopyTo(moved);
                (_pending, _end, _start) = (moved, Buffered, 0);
                _own = moved;
            }
            chunk.Span.CopyTo(_pending.AsSpan(_end));
            _end += chunk.Length;
        }

        public override void OnPull() => Deliver();

        public override void OnUpstreamFinish()
        {
            if (Buffered == 0 || _failed) CompleteStage();
            else Deliver();   // emits what is complete, then completes: a partial message at the end is dropped
        }

        private void Deliver()
        {
            if (_failed) return;
            if (!IsAvailable(_stage.Out)) return;
            List<InboundFrame>? frames = null;
            long size = 0;
            while (!_failed && TryCut(out var frame))
            {
                (frames ??= []).Add(frame);
                size += frame.Size;
            }
            if (frames is not null)
            {
                Push(_stage.Out, new InboundFrames(frames, size));
                // A fatal error does not complete the stage: completing would cancel the TCP read side and close the
                // connection before the owner's DIAMETER_INVALID_MESSAGE_LENGTH answer is written. The owner closes
                // it after the answer; until then input is discarded.
                if (_failed && !IsClosed(_stage.In) && !HasBeenPulled(_stage.In)) Pull(_stage.In);
                else if (_failed) CompleteStage();
                return;
            }
            if (IsClosed(_stage.In)) CompleteStage();
            else if (!HasBeenPulled(_stage.In)) Pull(_stage.In);
        }

        private bool TryCut(out InboundFrame frame)
        {
            frame = null!;
            var bytes = Bytes;
            if (bytes.Length < 4) return false;
            var length = DiameterHeader.ReadUInt24(bytes[1..]);
            if (length < DiameterHeader.Size || length > _stage._maxMessageSize || length % 4 != 0)
            {
                // The header is needed to answer; wait for it unless the stream has ended.
                if (bytes.Length < DiameterHeader.Size && !IsClosed(_stage.In)) return false;
                DiameterHeader? header = bytes.Length >= DiameterHeader.Size ? DiameterHeader.Read(bytes[..DiameterHeader.Size]) : null;
                var why = length > _stage._maxMessageSize
                    ? $"Message Length {length} is over the maximum of {_stage._maxMessageSize} bytes"
                    : length < DiameterHeader.Size ? $"Message Length {length} is shorter than the header"
                    : $"Message Length {length} is not a multiple of 4";
                frame = new InboundError(new DiameterError(ResultCodes.InvalidMessageLength, why) { Header = header }, Fatal: true);
                _failed = true;
                (_own, _pending, _start, _end, _sliced) = ([], [], 0, 0, false);
                return true;
            }
            if (bytes.Length < length) return false;
            ReadOnlyMemory<byte> message = _sliced ? _pending.AsMemory(_start, length) : bytes[..length].ToArray();
            _start += length;
            if (_start == _end)
            {
                // All cut: back to our own buffer, and an idle connection keeps no more than a small one.
                if (_own.Length > KeptBufferBytes) _own = [];
                (_pending, _start, _end, _sliced) = (_own, 0, 0, false);
            }
            frame = DiameterMessage.TryDecode(message, _stage._dictionary, out var decoded, out var error)
                ? new InboundMessage(decoded!) { Size = length }
                : new InboundError(error!, Fatal: false) { Size = length };
            return true;
        }
    }
}
