using Akka.IO;

namespace AkkaDiameter.Transport;

/// <summary>
/// The messages that go out in one socket write, gathered by the connection's <c>BatchWeighted</c> stage and copied
/// once into a buffer of exactly their size. Joining ByteStrings with <c>Concat</c> makes a new segment array per
/// message, quadratic in the batch (measured: a sixth of the node's allocations under load); a buffer grown by
/// doubling allocates twice what it keeps, and a fixed first size (4 KiB) costs small batches, the common case in open
/// loop, more than their bytes. A batch of one message is passed on as it is.
/// </summary>
internal sealed class WriteBatch
{
    private readonly List<ByteString> _messages;
    private int _length;

    public WriteBatch(ByteString first)
    {
        _messages = [first];
        _length = first.Count;
    }

    /// <summary>Adds a message after the others.</summary>
    public WriteBatch Add(ByteString message)
    {
        _messages.Add(message);
        _length += message.Count;
        return this;
    }

    /// <summary>The bytes to write.</summary>
    public ByteString ToByteString()
    {
        if (_messages.Count == 1) return _messages[0];
        var buffer = new byte[_length];
        var at = 0;
        foreach (var m in _messages)
        {
            m.ToReadOnlySpan().CopyTo(buffer.AsSpan(at));
            at += m.Count;
        }
        return ByteString.FromBytes(buffer);
    }
}
