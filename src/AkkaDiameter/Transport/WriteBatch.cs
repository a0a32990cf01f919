using Akka.IO;

namespace AkkaDiameter.Transport;

/// <summary>
/// The messages that go out in one socket write, gathered by the connection's <c>BatchWeighted</c> stage. They are
/// copied into one growing buffer: joining ByteStrings with <c>Concat</c> makes a new segment array per message,
/// quadratic in the batch (measured: a sixth of the node's allocations under load). A batch of one message is passed
/// on as it is, without a copy.
/// </summary>
internal sealed class WriteBatch
{
    private const int InitialCapacity = 4096;
    private ByteString? _single;
    private byte[]? _buffer;
    private int _length;

    public WriteBatch(ByteString first) => _single = first;

    /// <summary>Adds a message after the others.</summary>
    public WriteBatch Add(ByteString message)
    {
        if (_buffer is null)
        {
            var single = _single!;
            _buffer = new byte[Math.Max(InitialCapacity, 2 * (single.Count + message.Count))];
            Append(single);
            _single = null;
        }
        Append(message);
        return this;
    }

    private void Append(ByteString message)
    {
        if (_length + message.Count > _buffer!.Length) Array.Resize(ref _buffer, Math.Max(2 * _buffer.Length, _length + message.Count));
        message.ToReadOnlySpan().CopyTo(_buffer.AsSpan(_length));
        _length += message.Count;
    }

    /// <summary>The bytes to write.</summary>
    public ByteString ToByteString() => _buffer is null ? _single! : ByteString.FromBytes(_buffer, 0, _length);
}
