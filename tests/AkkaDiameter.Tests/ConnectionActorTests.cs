using System.Net;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using AkkaDiameter.Protocol;
using AkkaDiameter.Protocol.Dictionary;
using AkkaDiameter.Transport;
using Xunit;
using static AkkaDiameter.Tests.TestNodes;

namespace AkkaDiameter.Tests;

/// <summary>The connection actor's hand-over of received messages to its owner: one at a time until the owner asks
/// for a window, then no more than the window before the owner's acks, messages that arrived together handed over
/// together.</summary>
public class ConnectionActorTests : TestKit
{
    private static DiameterMessage Dwr(uint hopByHop) => ScriptedPeer.Dwr(Mme, hopByHop);

    /// <summary>A connection actor connected to <paramref name="peer"/>, and the probe that owns it (Connected seen).</summary>
    private async Task<(TestProbe Owner, IActorRef Connection)> ConnectTo(ScriptedPeer peer)
    {
        var owner = CreateTestProbe();
        var connection = Sys.ActorOf(ConnectionActor.Props(new ConnectionActor.Outgoing(new IPEndPoint(IPAddress.Loopback, peer.Port)),
            owner.Ref, NodeSettings(Hss, null, ""), DiameterDictionary.Default, Sys.Materializer()));
        await peer.AcceptAsync();
        owner.ExpectMsg<ConnectionEvents.Connected>();
        return (owner, connection);
    }

    [Fact]
    public async Task Messages_reach_the_owner_one_at_a_time_and_then_within_the_window_it_asked_for()
    {
        await using var peer = ScriptedPeer.Listen();
        var (owner, connection) = await ConnectTo(peer);
        // Eight messages in one TCP write: the stream has them all at once.
        await peer.SendRawAsync([.. Enumerable.Range(1, 8).SelectMany(i => Dwr((uint)i).Encode())]);

        uint Next() => owner.ExpectMsg<ConnectionEvents.Received>().Message.HopByHopId;
        uint[] NextBatch() => [.. owner.ExpectMsg<ConnectionEvents.ReceivedBatch>().Messages.Select(m => m.HopByHopId)];
        void Ack(int n = 1) => connection.Tell(ConnectionCommands.Ack.Of(n), owner.Ref);

        Assert.Equal(1u, Next());
        owner.ExpectNoMsg(TimeSpan.FromMilliseconds(300));     // window 1: the next waits for the ack
        Ack();
        Assert.Equal(2u, Next());
        connection.Tell(new ConnectionCommands.Pipeline(3), owner.Ref);
        Assert.Equal([3u, 4u], NextBatch());                    // 2 unacked, so 3 and 4 fill the window, in one go
        owner.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        Ack();
        Assert.Equal(5u, Next());                               // in order, one more per ack
        owner.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        Ack(3);                                                 // one ack for 3, 4 and 5
        Assert.Equal([6u, 7u, 8u], NextBatch());
        owner.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        connection.Tell(ConnectionCommands.Abort.Instance, owner.Ref);
    }

    [Fact]
    public async Task A_batch_is_acknowledged_to_the_stream_stage_that_handed_it_over_and_that_ack_releases_the_next()
    {
        await using var peer = ScriptedPeer.Listen();
        var (owner, connection) = await ConnectTo(peer);
        connection.Tell(new ConnectionCommands.Pipeline(4), owner.Ref);
        await peer.SendRawAsync([.. Enumerable.Range(1, 9).SelectMany(i => Dwr((uint)i).Encode())]);

        // Whatever the first read held comes as batches of up to 4; each is acked where it says, not to the connection.
        var seen = new List<uint>();
        while (seen.Count < 9)
        {
            var m = owner.ExpectMsg<object>();
            if (m is ConnectionEvents.Received r) { Assert.Equal(connection, r.Connection); seen.Add(r.Message.HopByHopId); connection.Tell(ConnectionCommands.Ack.Instance, owner.Ref); continue; }
            var b = Assert.IsType<ConnectionEvents.ReceivedBatch>(m);
            Assert.Equal(connection, b.Connection);
            Assert.NotNull(b.AckTo);
            Assert.NotEqual(connection, b.AckTo);
            Assert.InRange(b.Messages.Count, 2, 4);
            seen.AddRange(b.Messages.Select(x => x.HopByHopId));
            // A full window holds the rest back until this ack, which goes to the stage alone.
            if (b.Messages.Count == 4 && seen.Count < 9) owner.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
            b.AckTo!.Tell(ConnectionCommands.Ack.Of(b.Messages.Count), owner.Ref);
        }
        Assert.Equal(Enumerable.Range(1, 9).Select(i => (uint)i), seen);
        connection.Tell(ConnectionCommands.Abort.Instance, owner.Ref);
    }

    [Fact]
    public void Nothing_is_handed_over_before_the_connection_actor_says_the_owner_knows_the_connection()
    {
        // The owner hears Connected from the connection actor and messages from the stream's last stage: two senders.
        // Without the Start the connection actor sends after Connected, a CER read at once could reach the peer table
        // first (seen: 1 connection in 1,000 refused).
        var connection = CreateTestProbe();
        var owner = CreateTestProbe();
        Source.From(new[] { new InboundFrames([new InboundMessage(Dwr(1)) { Size = 56 }, new InboundMessage(Dwr(2)) { Size = 56 }], 112) })
            .Concat(Source.Never<InboundFrames>())
            .RunWith(Sink.FromGraph(new InboundHandOver(connection.Ref, owner.Ref)), Sys.Materializer());
        var stage = connection.ExpectMsg<InboundHandOver.Ready>().HandOver;
        owner.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        stage.Tell(InboundHandOver.Start.Instance, connection.Ref);
        Assert.Equal(1u, owner.ExpectMsg<ConnectionEvents.Received>().Message.HopByHopId);
        owner.ExpectNoMsg(TimeSpan.FromMilliseconds(100));       // window 1
        stage.Tell(ConnectionCommands.Ack.Instance, owner.Ref);
        Assert.Equal(2u, owner.ExpectMsg<ConnectionEvents.Received>().Message.HopByHopId);
    }

    [Fact]
    public void What_was_read_before_the_stream_ended_reaches_the_owner_before_the_end_is_reported()
    {
        var connection = CreateTestProbe();
        var owner = CreateTestProbe();
        Source.Single(new InboundFrames([new InboundMessage(Dwr(1)) { Size = 56 }, new InboundMessage(Dwr(2)) { Size = 56 }], 112))
            .RunWith(Sink.FromGraph(new InboundHandOver(connection.Ref, owner.Ref)), Sys.Materializer());
        var stage = connection.ExpectMsg<InboundHandOver.Ready>().HandOver;
        stage.Tell(InboundHandOver.Start.Instance, connection.Ref);
        Assert.Equal(1u, owner.ExpectMsg<ConnectionEvents.Received>().Message.HopByHopId);
        connection.ExpectNoMsg(TimeSpan.FromMilliseconds(200));  // the stream has ended, but message 2 waits for the ack
        stage.Tell(ConnectionCommands.Ack.Instance, owner.Ref);
        Assert.Equal(2u, owner.ExpectMsg<ConnectionEvents.Received>().Message.HopByHopId);
        connection.ExpectMsg<InboundHandOver.Completed>();
    }
}
