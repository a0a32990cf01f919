using System.Net;
using Akka.Streams;
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

    [Fact]
    public async Task Messages_reach_the_owner_one_at_a_time_and_then_within_the_window_it_asked_for()
    {
        await using var peer = ScriptedPeer.Listen();
        var owner = CreateTestProbe();
        var connection = Sys.ActorOf(ConnectionActor.Props(new ConnectionActor.Outgoing(new IPEndPoint(IPAddress.Loopback, peer.Port)),
            owner.Ref, NodeSettings(Hss, null, ""), DiameterDictionary.Default, Sys.Materializer()));
        await peer.AcceptAsync();
        owner.ExpectMsg<ConnectionEvents.Connected>();
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
}
