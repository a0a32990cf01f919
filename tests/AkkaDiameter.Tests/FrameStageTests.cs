using Akka.IO;
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
        [.. await Source.From(chunks.Select(c => ByteString.FromBytes(c)))
            .Via(new DiameterFrameStage(max, DiameterDictionary.Default))
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
    public async Task A_write_batch_passes_one_message_as_it_is_and_joins_many_in_order_into_frames_the_reader_cuts_back()
    {
        var one = ByteString.FromBytes(Dwr(1));
        Assert.Same(one, new WriteBatch(one).ToByteString());
        // 100 DWRs of 56 bytes, joined in order.
        var batch = new WriteBatch(ByteString.FromBytes(Dwr(0)));
        for (uint i = 1; i < 100; i++) batch.Add(ByteString.FromBytes(Dwr(i)));
        var joined = batch.ToByteString();
        Assert.Equal(Enumerable.Range(0, 100).SelectMany(i => Dwr((uint)i)).ToArray(), joined.ToArray());
        var frames = await Run([joined.ToArray()]);
        Assert.Equal(Enumerable.Range(0, 100).Select(i => (uint)i), frames.Select(f => Assert.IsType<InboundMessage>(f).Message.HopByHopId));
    }
}
