using Akka.IO;

namespace AkkaDiameter.Transport;

/// <summary>
/// The messages that go out in one socket write, gathered by the connection's <c>BatchWeighted</c> stage. They were
/// encoded one after another into the <see cref="Outbound"/>'s chunk, so a batch is nearly always one range of one
/// chunk, written as it lies; only a batch that runs on into the next chunk is copied, once, into a buffer of exactly
/// its size. (Joining ByteStrings with <c>Concat</c> makes a new segment array per message, quadratic in the batch.)
/// </summary>
internal sealed class WriteBatch
{
    private OutboundBytes _range;            // the last run of adjacent messages
    private List<OutboundBytes>? _earlier;   // runs before it, in other chunks
    private int _length;

    public WriteBatch(OutboundBytes first)
    {
        _range = first;
        _length = first.Length;
    }

    /// <summary>Adds a message after the others.</summary>
    public WriteBatch Add(OutboundBytes message)
    {
        if (ReferenceEquals(message.Chunk, _range.Chunk) && message.Offset == _range.Offset + _range.Length)
            _range = _range with { Length = _range.Length + message.Length };
        else
        {
            (_earlier ??= []).Add(_range);
            _range = message;
        }
        _length += message.Length;
        return this;
    }

    /// <summary>The bytes to write.</summary>
    public ByteString ToByteString()
    {
        if (_earlier is null) return _range.ToByteString();
        var buffer = new byte[_length];
        var at = 0;
        foreach (var r in _earlier)
        {
            r.Span.CopyTo(buffer.AsSpan(at));
            at += r.Length;
        }
        _range.Span.CopyTo(buffer.AsSpan(at));
        return ByteString.FromBytes(buffer);
    }
}
