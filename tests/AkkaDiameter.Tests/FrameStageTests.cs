using Akka.Streams;
using Akka.Streams.Dsl;
using Akka.TestKit.Xunit2;
using AkkaDiameter.Protocol;
using AkkaDiameter.Protocol.Dictionary;
using AkkaDiameter.Transport;
using Xunit;

namespace AkkaDiameter.Tests;

/// <summary>The framing stage on byte streams cut every way: what bromelia's reader gets wrong.</summary>
public class FrameStageTests : TestKit
{
    private readonly IMaterializer _materializer;

    public FrameStageTests() => _materializer = Sys.Materializer();

    private static byte[] Dwr(uint hopByHop)
    {
        var m = DiameterMessage.CreateRequest("DWR").Add("Origin-Host", "a.example").Add("Origin-Realm", "example");
        m.HopByHopId = hopByHop;
        return m.Encode();
    }

    private async Task<List<InboundFrame>> Run(IEnumerable<byte[]> chunks, int max = 1 << 20) =>
        [.. await Source.From(chunks.Select(c => (ReadOnlyMemory<byte>)c))
            .Via(new DiameterFrameStage(max, DiameterDictionary.Default))
            .SelectMany(read => read.Frames)
            .RunWith(Sink.Seq<InboundFrame>(), _materializer)];

    [Fact]
    public async Task A_message_split_into_single_bytes_is_reassembled()
    {
        var frames = await Run(Dwr(1).Select(b => new[] { b }));
        Assert.Equal(1u, Assert.IsType<InboundMessage>(Assert.Single(frames)).Message.HopByHopId);
    }

    [Fact]
    public async Task Several_messages_in_one_chunk_and_one_message_across_chunks_are_cut_at_their_lengths()
    {
        byte[] all = [.. Dwr(1), .. Dwr(2), .. Dwr(3)];
        var cut = all.Length / 2 + 3;
        var frames = await Run([all[..cut], all[cut..]]);
        Assert.Equal([1u, 2u, 3u], frames.Cast<InboundMessage>().Select(f => f.Message.HopByHopId));
    }

    // The array a decoded message's bytes lie in: its Origin-Host's payload is a slice of it.
    private static byte[] ArrayOf(InboundFrame frame) =>
        System.Runtime.InteropServices.MemoryMarshal.TryGetArray(((InboundMessage)frame).Message.Find(264)!.GetBytes(), out var segment)
            ? segment.Array! : throw new InvalidOperationException("not array-backed");

    [Fact]
    public async Task A_small_read_is_cut_where_it_lies_and_never_written_while_a_large_one_is_copied_per_message()
    {
        // A read of up to 4 KiB starting at a message boundary: its messages are slices of the read's array. Its
        // partial tail goes to the stage's own buffer, where the next read is appended: the read is never written.
        byte[] all = [.. Dwr(1), .. Dwr(2), .. Dwr(3)];
        var cut = all.Length / 2 + 3;
        byte[] first = all[..cut], second = all[cut..];
        var before = first.ToArray();
        var frames = await Run([first, second]);
        Assert.Equal([1u, 2u, 3u], frames.Cast<InboundMessage>().Select(f => f.Message.HopByHopId));
        Assert.Same(first, ArrayOf(frames[0]));
        Assert.NotSame(first, ArrayOf(frames[1]));   // the message across the two reads is a copy
        Assert.Equal(before, first);

        // Over 4 KiB: each message gets an array of its own, so a kept message does not keep the read alive.
        var many = Enumerable.Range(1, 100).SelectMany(i => Dwr((uint)i)).ToArray();
        Assert.True(many.Length > 4096);
        var large = await Run([many]);
        Assert.Equal(100, large.Count);
        Assert.All(large, f => Assert.NotSame(many, ArrayOf(f)));
        Assert.Equal(Dwr(7).Length, ArrayOf(large[6]).Length);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Messages_of_every_size_cut_into_chunks_of_every_size_come_out_whole_and_in_order(int seed)
    {
        // Sizes from a DWR to a 40 KB message (a Product-Name padded out), chunks from 1 byte to 64 KB: every path of
        // the stage's buffer (append, move to the front, grow, let go of a large buffer once it is all cut).
        var random = new Random(seed);
        var messages = Enumerable.Range(1, 300).Select(i =>
        {
            var m = DiameterMessage.CreateRequest("DWR").Add("Origin-Host", $"host{i}.example").Add("Origin-Realm", "example");
            if (i % 7 == 0) m.Add("Product-Name", new string('p', random.Next(0, 40_000)));
            m.HopByHopId = (uint)i;
            return m.Encode();
        }).ToList();
        byte[] all = [.. messages.SelectMany(m => m)];
        var chunks = new List<byte[]>();
        for (var at = 0; at < all.Length;)
        {
            var n = Math.Min(all.Length - at, random.Next(4) switch { 0 => random.Next(1, 20), 1 => random.Next(20, 600), 2 => random.Next(600, 5000), _ => random.Next(5000, 65536) });
            chunks.Add(all[at..(at + n)]);
            at += n;
        }
        var frames = await Run(chunks);
        Assert.Equal(messages.Count, frames.Count);
        for (var i = 0; i < messages.Count; i++)
            Assert.Equal(messages[i], Assert.IsType<InboundMessage>(frames[i]).Message.Encode());
    }

    [Theory]
    [InlineData(7)]
    [InlineData(2_000_000)]
    [InlineData(30)]
    public async Task A_bad_Message_Length_ends_the_stream_with_5015_and_the_header(int length)
    {
        var bytes = Dwr(9);
        bytes[1] = (byte)(length >> 16); bytes[2] = (byte)(length >> 8); bytes[3] = (byte)length;
        var frames = await Run([bytes, Dwr(10)]);
        var error = Assert.IsType<InboundError>(Assert.Single(frames));
        Assert.True(error.Fatal);
        Assert.Equal(ResultCodes.InvalidMessageLength, error.Error.ResultCode);
        Assert.Equal(9u, error.Error.Header!.Value.HopByHopId);
    }

    [Fact]
    public async Task A_message_over_max_message_size_is_refused_before_it_is_buffered()
    {
        var frames = await Run([Dwr(1)[..4]], max: 40);   // only the length field has arrived
        var error = Assert.IsType<InboundError>(Assert.Single(frames));
        Assert.Contains("over the maximum of 40", error.Error.Reason);
        Assert.Null(error.Error.Header);
    }

    [Fact]
    public async Task An_undecodable_message_with_a_good_length_is_reported_and_the_stream_goes_on()
    {
        var bad = Dwr(5);
        bad[0] = 2;   // version 2
        var frames = await Run([bad, Dwr(6)]);
        var error = Assert.IsType<InboundError>(frames[0]);
        Assert.False(error.Fatal);
        Assert.Equal(ResultCodes.UnsupportedVersion, error.Error.ResultCode);
        Assert.Equal(6u, Assert.IsType<InboundMessage>(frames[1]).Message.HopByHopId);
    }

    [Fact]
    public async Task A_partial_message_at_the_end_of_the_stream_is_dropped_quietly()
    {
        var frames = await Run([Dwr(1), Dwr(2)[..10]]);
        Assert.Equal(1u, Assert.IsType<InboundMessage>(Assert.Single(frames)).Message.HopByHopId);
    }

    [Fact]
    public async Task Queued_messages_lie_side_by_side_in_order_and_the_reader_cuts_them_back_into_frames()
    {
        var queue = System.Threading.Channels.Channel.CreateUnbounded<OutboundBytes>();
        var outbound = new Outbound(queue.Writer, 1 << 20);
        // 400 DWRs of 56 bytes: 22,400 bytes, more than one chunk holds.
        const int N = 400;
        for (uint i = 0; i < N; i++) Assert.True(outbound.TrySend(DiameterMessage.Decode(Dwr(i)), out _));
        var queued = new List<OutboundBytes>();
        while (queue.Reader.TryRead(out var q)) queued.Add(q);
        Assert.Equal(N, queued.Count);
        Assert.Equal(2, queued.Select(q => q.Chunk).Distinct().Count());
        for (var i = 1; i < N; i++)
            if (queued[i].Chunk == queued[i - 1].Chunk) Assert.Equal(queued[i - 1].Offset + queued[i - 1].Length, queued[i].Offset);

        // Every message in order, as the socket stage sends them (SocketStageTests: ranges of a chunk side by side go
        // out as one), cut back by the reader.
        var joined = queued.SelectMany(q => q.Span.ToArray()).ToArray();
        Assert.Equal(Enumerable.Range(0, N).SelectMany(i => Dwr((uint)i)).ToArray(), joined);
        var frames = await Run([joined]);
        Assert.Equal(Enumerable.Range(0, N).Select(i => (uint)i), frames.Select(f => Assert.IsType<InboundMessage>(f).Message.HopByHopId));
    }

    // As many DWRs as fill a chunk; the next one starts another.
    private static readonly int PerChunk = Outbound.ChunkSize / Dwr(0).Length;

    private static List<OutboundBytes> SendDwrs(Outbound outbound, System.Threading.Channels.Channel<OutboundBytes> queue, uint from, int count)
    {
        for (var i = 0u; i < count; i++) Assert.True(outbound.TrySend(DiameterMessage.Decode(Dwr(from + i)), out _));
        var queued = new List<OutboundBytes>();
        while (queue.Reader.TryRead(out var q)) queued.Add(q);
        Assert.Equal(count, queued.Count);
        return queued;
    }

    [Fact]
    public void A_chunk_is_written_again_only_when_every_range_of_it_was_sent_and_the_writer_moved_on()
    {
        var queue = System.Threading.Channels.Channel.CreateUnbounded<OutboundBytes>();
        var outbound = new Outbound(queue.Writer, 1 << 20);
        var first = SendDwrs(outbound, queue, 0, PerChunk);
        var chunkA = Assert.Single(first.Select(q => q.Chunk).Distinct());
        // Every range of A sent (the socket stage releases them): when A is full, the writer leaves it and, as nothing
        // of it is queued any more, takes it again from the start.
        foreach (var q in first) q.Lease!.Release();
        var second = SendDwrs(outbound, queue, 1000, 1);
        Assert.Same(chunkA, second[0].Chunk);
        Assert.Equal(0, second[0].Offset);
        // A fills up while second[0] is still queued: the writer leaves it for a new chunk B, and A is not reused.
        var third = SendDwrs(outbound, queue, 2000, PerChunk);
        Assert.All(third.Take(PerChunk - 1), q => Assert.Same(chunkA, q.Chunk));
        var chunkB = third[^1].Chunk;
        Assert.NotSame(chunkA, chunkB);
        foreach (var q in third.Take(PerChunk - 1)) q.Lease!.Release();
        var fourth = SendDwrs(outbound, queue, 3000, PerChunk);
        Assert.DoesNotContain(fourth, q => q.Chunk == chunkA);
        Assert.Equal(Dwr(1000), second[0].Span.ToArray());   // the range still queued was never written over
        // Its last range sent, A is a spare: the next chunk the writer needs.
        second[0].Lease!.Release();
        var fifth = SendDwrs(outbound, queue, 4000, PerChunk);
        Assert.Same(chunkA, fifth[^1].Chunk);
        Assert.Equal(Dwr(4000 + (uint)PerChunk - 1), fifth[^1].Span.ToArray());
        Assert.Equal(Dwr(3000 + (uint)PerChunk - 1), fourth[^1].Span.ToArray());
        // B: its ranges all sent and the writer gone, it is a spare; one release more is a bug, and says so.
        foreach (var q in fourth.Where(q => q.Chunk == chunkB).Append(third[^1])) q.Lease!.Release();
        Assert.Throws<InvalidOperationException>(() => third[^1].Lease!.Release());
    }

    [Fact]
    public void A_refused_message_gives_its_reference_back_and_a_message_over_the_chunk_size_gets_a_chunk_of_its_own()
    {
        var queue = System.Threading.Channels.Channel.CreateBounded<OutboundBytes>(PerChunk);
        var outbound = new Outbound(queue.Writer, 1 << 20);
        for (var i = 0u; i < PerChunk; i++) Assert.True(outbound.TrySend(DiameterMessage.Decode(Dwr(i)), out _));
        Assert.False(outbound.TrySend(DiameterMessage.Decode(Dwr(9999)), out _));   // queue full
        var queued = new List<OutboundBytes>();
        while (queue.Reader.TryRead(out var q)) queued.Add(q);
        foreach (var q in queued) q.Lease!.Release();
        // The refused one held no reference: with the writer gone to the next chunk, the first is a spare again.
        Assert.True(outbound.TrySend(DiameterMessage.Decode(Dwr(7)), out _));
        Assert.True(queue.Reader.TryRead(out var next));
        Assert.NotSame(queued[0].Chunk, next.Chunk);
        Assert.True(outbound.TrySend(DiameterMessage.Decode(Dwr(8)), out _));
        Assert.True(queue.Reader.TryRead(out var after));
        Assert.Same(next.Chunk, after.Chunk);
        // A message larger than a chunk is encoded into an array of its size, never kept as a spare.
        var big = DiameterMessage.CreateRequest("DWR").Add("Origin-Host", "a.example").Add("Origin-Realm", "example")
            .Add("Class", new byte[Outbound.ChunkSize]);
        Assert.True(outbound.TrySend(big, out _));
        Assert.True(queue.Reader.TryRead(out var large));
        Assert.True(large.Chunk.Length > Outbound.ChunkSize);
    }

    [Fact]
    public void A_message_the_queue_refuses_is_reported_and_its_room_is_used_by_the_next()
    {
        var queue = System.Threading.Channels.Channel.CreateBounded<OutboundBytes>(1);
        var outbound = new Outbound(queue.Writer, 1 << 20);
        Assert.True(outbound.TrySend(DiameterMessage.Decode(Dwr(1)), out _));
        Assert.False(outbound.TrySend(DiameterMessage.Decode(Dwr(2)), out var why));
        Assert.Contains("full", why);
        Assert.True(queue.Reader.TryRead(out var one));
        Assert.True(outbound.TrySend(DiameterMessage.Decode(Dwr(3)), out _));
        Assert.True(queue.Reader.TryRead(out var three));
        Assert.Equal(one.Offset + one.Length, three.Offset);
        Assert.Equal(Dwr(1), one.Span.ToArray());
        Assert.Equal(Dwr(3), three.Span.ToArray());
        Assert.False(new Outbound(queue.Writer, 40).TrySend(DiameterMessage.Decode(Dwr(5)), out why));
        Assert.Contains("max-message-size", why);
    }
}
