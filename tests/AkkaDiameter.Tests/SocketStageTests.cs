using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Akka.Actor;
using Akka.IO;
using Akka.Streams;
using Akka.Streams.Dsl;
using Akka.TestKit.Xunit2;
using AkkaDiameter.Protocol.Dictionary;
using AkkaDiameter.Transport;
using Xunit;
using static AkkaDiameter.Tests.TestNodes;

namespace AkkaDiameter.Tests;

/// <summary>The connection's TCP stage over a real loopback socket: what goes in comes out at the other end in order,
/// whatever the socket's buffers take at once; a slow side is waited for, not buffered without bound; and each way a
/// connection can end (our close, the peer's close, a reset, a cancelled read side) ends the stream the right way.</summary>
public class SocketStageTests : TestKit
{
    private const int WriteBatchBytes = 64 * 1024;

    /// <summary>A connected pair on loopback: the stage's socket and the peer's.</summary>
    private static async Task<(Socket Ours, Socket Peer)> Pair()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var ours = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await ours.ConnectAsync(listener.LocalEndPoint!);
        return (ours, await listener.AcceptAsync());
    }

    /// <summary>The stage over <paramref name="socket"/>, written from a send queue (a channel) and read into a pull-based queue that
    /// asks for one read at a time.</summary>
    private (Channel<OutboundBytes> Writes, ISinkQueue<ReadOnlyMemory<byte>> Reads, UniqueKillSwitch Switch) Run(Socket socket)
    {
        var writes = Channel.CreateUnbounded<OutboundBytes>();
        var (killSwitch, reads) = Source.FromGraph(new SocketStage(socket, writes.Reader, WriteBatchBytes))
            .ViaMaterialized(KillSwitches.Single<ReadOnlyMemory<byte>>(), Keep.Right)
            .ToMaterialized(Sink.Queue<ReadOnlyMemory<byte>>().WithAttributes(Attributes.CreateInputBuffer(1, 1)), Keep.Both)
            .Run(Sys.Materializer());
        return (writes, reads, killSwitch);
    }

    private static byte[] Pattern(int length, int seed) => [.. Enumerable.Range(0, length).Select(i => (byte)(i * 7 + seed))];

    private static async Task<byte[]> ReadExactly(Socket socket, int length)
    {
        var buffer = new byte[length];
        var at = 0;
        while (at < length)
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(at), SocketFlags.None);
            if (n == 0) throw new EndOfStreamException($"the stream ended after {at} of {length} bytes");
            at += n;
        }
        return buffer;
    }

    private static async Task<byte[]> ReadAll(ISinkQueue<ReadOnlyMemory<byte>> reads, int length)
    {
        var got = new List<byte>();
        while (got.Count < length)
        {
            var next = await reads.PullAsync();
            if (!next.HasValue) throw new EndOfStreamException($"the stream ended after {got.Count} of {length} bytes");
            got.AddRange(next.Value.ToArray());
        }
        return [.. got];
    }

    [Fact]
    public async Task Outbound_chunks_are_given_back_once_sent_and_what_is_written_into_them_again_arrives_intact()
    {
        var (ours, peer) = await Pair();
        using var peerSocket = peer;
        var (writes, _, killSwitch) = Run(ours);
        var outbound = new Outbound(writes.Writer, 1 << 20);
        // 20 rounds of 200 DWRs (about 11 KB a round, some 14 chunks in all), each round read by the peer before the
        // next: the stage sends each round and gives its chunks back, and the writer writes into them again.
        var chunks = new HashSet<byte[]>(ReferenceEqualityComparer.Instance);
        for (var round = 0u; round < 20; round++)
        {
            var roundBytes = new List<byte>();
            for (var i = 0u; i < 200; i++)
            {
                var dwr = Protocol.DiameterMessage.CreateRequest("DWR").Add("Origin-Host", "a.example").Add("Origin-Realm", "example");
                dwr.HopByHopId = round * 1000 + i;
                roundBytes.AddRange(dwr.Encode());
                Assert.True(outbound.TrySend(dwr, out var why), why);
            }
            // What the peer receives is what was written, though the chunks under it are written over for later rounds.
            Assert.Equal(roundBytes.ToArray(), await ReadExactly(peer, roundBytes.Count));
            AwaitCondition(() => writes.Reader.Count == 0);
            chunks.Add(outbound.CurrentChunk!);
        }
        // Without reuse each of the 14 chunks would be a new array; with it, two or three take turns (a chunk the stage
        // has not given back yet when the writer needs one, by microseconds, makes one more).
        Assert.InRange(chunks.Count, 1, 6);
        killSwitch.Shutdown();
    }

    [Fact]
    public async Task Writes_arrive_in_order_even_when_the_peer_reads_nothing_until_the_socket_buffers_are_full()
    {
        var (ours, peer) = await Pair();
        using var _ = peer;
        var (writes, _, killSwitch) = Run(ours);
        // 2,000 writes of 16 KiB (32 MB): far past what loopback's send and receive buffers hold, so most of them
        // wait for the socket (the asynchronous send) while the peer reads nothing.
        const int Count = 2_000, Size = 16 * 1024;
        var all = Enumerable.Range(0, Count).Select(i => Pattern(Size, i)).ToArray();
        foreach (var w in all) Assert.True(writes.Writer.TryWrite(new OutboundBytes(w, 0, w.Length)));
        // Some are taken until the socket is full; then the stage waits for it, and the rest wait in the queue (it
        // takes no more meanwhile: at most one write-batch-bytes gather is in the send).
        AwaitCondition(() => peer.Available > 0);
        int before;
        do
        {
            before = writes.Reader.Count;
            ExpectNoMsg(TimeSpan.FromMilliseconds(200));   // a window for the queue to move on, if it does
        }
        while (before - writes.Reader.Count > WriteBatchBytes / Size + 1);
        Assert.True(writes.Reader.Count > 0, "the stage took every write while the socket could take none");
        var received = await ReadExactly(peer, Count * Size);
        Assert.Equal(all.SelectMany(b => b).ToArray(), received);
        killSwitch.Shutdown();
    }

    [Fact]
    public async Task Writes_queued_together_are_gathered_and_adjacent_ranges_of_one_array_are_sent_as_they_lie()
    {
        var (ours, peer) = await Pair();
        using var _ = peer;
        var (writes, _, killSwitch) = Run(ours);
        // Ranges of one array side by side (as Outbound encodes them) and ranges of others, interleaved.
        var chunk = Pattern(4000, 1);
        var other = Pattern(300, 2);
        OutboundBytes[] parts = [new(chunk, 0, 100), new(chunk, 100, 900), new(other, 0, 300), new(chunk, 1000, 3000), new(other, 10, 20)];
        foreach (var p in parts) Assert.True(writes.Writer.TryWrite(p));
        var expected = parts.SelectMany(p => p.Span.ToArray()).ToArray();
        Assert.Equal(expected, await ReadExactly(peer, expected.Length));
        killSwitch.Shutdown();
    }

    [Fact]
    public async Task What_the_peer_sends_comes_out_in_order_and_is_read_only_as_fast_as_the_stream_asks()
    {
        var (ours, peer) = await Pair();
        using var _ = peer;
        var (_, reads, killSwitch) = Run(ours);
        // 32 MB while the stream asks for at most one read: the peer's send must wait for it.
        var data = Pattern(32 * 1024 * 1024, 3);
        var send = peer.SendAsync(data, SocketFlags.None);
        // A window in which a stage that read without being asked would drain it all.
        ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        Assert.False(send.IsCompleted, "the stage read far past what the stream asked for");
        Assert.Equal(data, await ReadAll(reads, data.Length));
        Assert.Equal(data.Length, await send);
        killSwitch.Shutdown();
    }

    [Fact]
    public async Task Completing_the_writes_sends_what_is_queued_then_shuts_the_write_side_and_the_stream_ends_when_the_peer_closes()
    {
        var (ours, peer) = await Pair();
        using var _ = peer;
        var (writes, reads, _) = Run(ours);
        var data = Pattern(200_000, 4);
        Assert.True(writes.Writer.TryWrite(new OutboundBytes(data, 0, data.Length)));
        writes.Writer.Complete();
        Assert.Equal(data, await ReadExactly(peer, data.Length));
        Assert.Equal(0, await peer.ReceiveAsync(new byte[1], SocketFlags.None));   // our FIN (RFC 6733 §5.4: close after DPA)
        // Our read side stays open for what the peer still sends (a DPA after its own DPR, say) until it closes.
        await peer.SendAsync(Pattern(10, 5), SocketFlags.None);
        Assert.Equal(Pattern(10, 5), await ReadAll(reads, 10));
        peer.Shutdown(SocketShutdown.Both);
        Assert.False((await reads.PullAsync()).HasValue);
    }

    [Fact]
    public async Task The_peer_closing_ends_the_stream_after_what_it_sent_before()
    {
        var (ours, peer) = await Pair();
        var (_, reads, _) = Run(ours);
        await peer.SendAsync(Pattern(1000, 6), SocketFlags.None);
        peer.Dispose();
        Assert.Equal(Pattern(1000, 6), await ReadAll(reads, 1000));
        Assert.False((await reads.PullAsync()).HasValue);
    }

    [Fact]
    public async Task A_reset_fails_the_stream_with_the_socket_error()
    {
        var (ours, peer) = await Pair();
        var (_, reads, _) = Run(ours);
        // Linger 0: close sends RST instead of FIN.
        peer.LingerState = new LingerOption(true, 0);
        peer.Dispose();
        var failure = await Assert.ThrowsAsync<SocketException>(async () => await reads.PullAsync());
        Assert.Equal(SocketError.ConnectionReset, failure.SocketErrorCode);
    }

    [Fact]
    public async Task Cancelling_the_read_side_closes_the_socket()
    {
        var (ours, peer) = await Pair();
        using var _ = peer;
        var (_, _, killSwitch) = Run(ours);
        killSwitch.Shutdown();
        Assert.Equal(0, await peer.ReceiveAsync(new byte[1], SocketFlags.None));
    }

    [Fact]
    public async Task A_connection_actor_that_cannot_connect_says_why()
    {
        // A port nobody listens on: refused at once on loopback (I-Rcv-Conn-Nack for the owner).
        var owner = CreateTestProbe();
        var port = FreePort();
        Sys.ActorOf(ConnectionActor.Props(new ConnectionActor.Outgoing(new IPEndPoint(IPAddress.Loopback, port)), owner.Ref,
            NodeSettings(Hss, null, ""), DiameterDictionary.Default, Sys.Materializer()));
        var failed = owner.ExpectMsg<ConnectionEvents.ConnectFailed>();
        Assert.Contains("refused", failed.Reason, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_listener_hands_each_accepted_socket_to_a_connection_and_once_stopped_frees_its_port_without_dead_letters()
    {
        var deadLetters = CreateTestProbe();
        Sys.EventStream.Subscribe(deadLetters.Ref, typeof(Akka.Event.DeadLetter));
        var parent = CreateTestProbe();
        var peerTable = CreateTestProbe();
        var listener = parent.ChildActorOf(ListenerActor.Props(new AkkaDiameter.Settings.ListenSettings(IPAddress.Loopback, 0), peerTable.Ref,
            NodeSettings(Hss, null, ""), DiameterDictionary.Default, Sys.Materializer()));
        var bound = parent.ExpectMsg<ListenerActor.Bound>();
        Assert.NotEqual(0, bound.Endpoint.Port);

        // The accepted connection's events go to the peer table, naming both ends.
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(bound.Endpoint);
        var connected = peerTable.ExpectMsg<ConnectionEvents.Connected>();
        Assert.Equal(client.LocalEndPoint, connected.Remote);
        Assert.Equal(bound.Endpoint, connected.Local);

        Watch(listener);
        Sys.Stop(listener);
        ExpectTerminated(listener);
        // Its connections stop with it (a node's listener stops only with the node).
        peerTable.ExpectMsg<ConnectionEvents.Disconnected>();
        // Stopped, the accept under way ends quietly, and the port takes no more connections.
        var refused = await Assert.ThrowsAsync<SocketException>(async () =>
        {
            using var late = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await late.ConnectAsync(bound.Endpoint);
        });
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        // (The connection stopped at once may leave its own, as any stopped actor does: not the listener's business.)
        var letters = deadLetters.ReceiveWhile(TimeSpan.FromMilliseconds(300), m => (Akka.Event.DeadLetter)m);
        Assert.DoesNotContain(letters, d => d.Message.GetType().DeclaringType == typeof(ListenerActor));
    }
}
