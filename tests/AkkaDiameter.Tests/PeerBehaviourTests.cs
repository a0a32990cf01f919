using System.Net;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using AkkaDiameter.Protocol;
using AkkaDiameter.Protocol.Dictionary;
using Xunit;
using Xunit.Abstractions;
using static AkkaDiameter.Tests.TestNodes;

namespace AkkaDiameter.Tests;

/// <summary>A node against a scripted peer: the cases a well-behaved node cannot produce.</summary>
public class PeerBehaviourTests(ITestOutputHelper output) : TestKit("akka.loglevel = INFO", output)
{
    private static async Task<DiameterMessage> OpenAsHss(ScriptedPeer peer)
    {
        await peer.AcceptAsync();
        var cer = await peer.ExpectAsync(257, request: true);
        await peer.SendAsync(ScriptedPeer.Cea(cer, Hss));
        return cer;
    }

    /// <summary>A scripted peer reads only when a test waits for something: a long Tw keeps the node's watchdog from
    /// closing the connection while the test is busy elsewhere.</summary>
    private const string Quiet = "watchdog-interval = 30s\nwatchdog-jitter = 1s";

    private static DiameterMessage Ulr() => DiameterMessage.CreateRequest("ULR")
        .Add("Session-Id", $"{Mme};1;{Guid.NewGuid():N}").Add("Auth-Session-State", "NO_STATE_MAINTAINED")
        .Add("Destination-Realm", Realm).Add("User-Name", "001010000000001").Add("RAT-Type", "EUTRAN")
        .Add("ULR-Flags", 34u).Add("Visited-PLMN-Id", new byte[] { 0x00, 0xF1, 0x10 });

    [Fact]
    public async Task An_abrupt_close_goes_Closed_fails_pending_requests_3002_and_reconnects_with_backoff()
    {
        await using var peer = ScriptedPeer.Listen();
        var mme = await DiameterNode.StartAsync(Sys, NodeSettings(Mme, null, Peer(Hss, peer.Port, connect: true)), DiameterDictionary.Default, "mme");
        var events = CreateTestProbe();
        Sys.EventStream.Subscribe(events, typeof(PeerStateChanged));
        await OpenAsHss(peer);
        await this.AwaitState(mme, Hss, PeerState.IOpen);
        var answer = mme.SendAsync(Hss, Ulr());
        await peer.ExpectAsync(316, request: true);    // the ULR arrived; the peer dies before answering
        peer.Abort();
        var local = await answer;
        Assert.Equal(ResultCodes.UnableToDeliver, local.ResultCode);
        Assert.True(local.IsError);
        Assert.Contains("closed", local.GetString("Error-Message"));
        events.FishForMessage<PeerStateChanged>(e => e.To == "Closed", TimeSpan.FromSeconds(5));
        events.FishForMessage<PeerStateChanged>(e => e.To == "Wait-Conn-Ack" && e.Reason.StartsWith("reconnect"), TimeSpan.FromSeconds(5));
        await OpenAsHss(peer);                          // the same listener takes the new connection
        await this.AwaitState(mme, Hss, PeerState.IOpen);
        // RFC 3539: a reopened connection carries traffic only after three answered DWRs.
        Assert.Equal(Peers.WatchdogState.Reopen, (await mme.GetPeerStatusAsync(Hss)).Watchdog);
        for (var i = 0; i < 3; i++)
        {
            var dwr = await peer.ExpectAsync(280, request: true, answerDwr: false);
            await peer.SendAsync(ScriptedPeer.Answer(dwr, Hss));
        }
        await AwaitAssertAsync(async () => Assert.True((await mme.GetPeerStatusAsync(Hss)).IsAvailable), TimeSpan.FromSeconds(3));
        await mme.StopAsync();
    }

    [Fact]
    public async Task A_request_that_outlives_request_timeout_completes_with_3002()
    {
        await using var peer = ScriptedPeer.Listen();
        var mme = await DiameterNode.StartAsync(Sys, NodeSettings(Mme, null, Peer(Hss, peer.Port, connect: true), "request-timeout = 300ms\nwatchdog-interval = 30s\nwatchdog-jitter = 1s"),
            DiameterDictionary.Default, "mme");
        await OpenAsHss(peer);
        await this.AwaitState(mme, Hss, PeerState.IOpen);
        var answer = await mme.SendAsync(Hss, Ulr());
        Assert.Equal(ResultCodes.UnableToDeliver, answer.ResultCode);
        Assert.Contains("no answer", answer.GetString("Error-Message"));
        Assert.Equal(0, (await mme.GetPeerStatusAsync(Hss)).PendingRequests);
        await mme.StopAsync();
    }

    [Fact]
    public async Task An_answer_reaches_its_asker_by_hop_by_hop_and_an_unmatched_answer_is_dropped()
    {
        await using var peer = ScriptedPeer.Listen();
        var mme = await DiameterNode.StartAsync(Sys, NodeSettings(Mme, null, Peer(Hss, peer.Port, connect: true), Quiet), DiameterDictionary.Default, "mme");
        await OpenAsHss(peer);
        await this.AwaitState(mme, Hss, PeerState.IOpen);
        var first = mme.SendAsync(Hss, Ulr());
        var second = mme.SendAsync(Hss, Ulr());
        var r1 = await peer.ExpectAsync(316, request: true);
        var r2 = await peer.ExpectAsync(316, request: true);
        Assert.NotEqual(r1.HopByHopId, r2.HopByHopId);
        Assert.Equal(Mme, r1.GetString("Origin-Host"));         // filled in by the node
        var stray = ScriptedPeer.Answer(r1, Hss);
        stray.HopByHopId = r1.HopByHopId ^ r2.HopByHopId ^ 0x5A5A;
        await peer.SendAsync(stray);                               // matches nothing: dropped
        await peer.SendAsync(ScriptedPeer.Answer(r2, Hss, 5001));  // answers arrive out of order
        await peer.SendAsync(ScriptedPeer.Answer(r1, Hss));
        Assert.Equal(ResultCodes.Success, (await first).ResultCode);
        Assert.Equal(r1.SessionId, (await first).SessionId);
        Assert.Equal(5001u, (await second).ResultCode);
        await mme.StopAsync();
    }

    [Fact]
    public async Task Requests_to_a_peer_that_is_not_open_are_answered_3002_at_once()
    {
        var mme = await DiameterNode.StartAsync(Sys, NodeSettings(Mme, null, Peer(Hss, FreePort(), connect: false)), DiameterDictionary.Default, "mme");
        var answer = await mme.SendAsync(Hss, Ulr());
        Assert.Equal(ResultCodes.UnableToDeliver, answer.ResultCode);
        Assert.Contains("is not open (Closed)", answer.GetString("Error-Message"));
        var unknown = await mme.SendAsync("nobody.example", Ulr());
        Assert.Contains("no peer 'nobody.example'", unknown.GetString("Error-Message"));
        await Assert.ThrowsAsync<UnknownPeerException>(() => mme.GetPeerStatusAsync("nobody.example"));
        await mme.StopAsync();
    }

    [Fact]
    public async Task A_CER_from_an_unknown_host_is_answered_3010_and_the_connection_closed()
    {
        var hss = await DiameterNode.StartAsync(Sys, NodeSettings(Hss, 0, Peer(Mme, 1, connect: false)), DiameterDictionary.Default, "hss");
        await using var stranger = await ScriptedPeer.ConnectAsync(hss.ListenEndpoints[0].Port);
        await stranger.SendAsync(ScriptedPeer.Cer("stranger.localdomain"));
        var cea = await stranger.ExpectAsync(257, request: false);
        Assert.Equal(ResultCodes.UnknownPeer, cea.ResultCode);
        Assert.True(cea.IsError);
        Assert.Null(cea.Validate());
        Assert.True(await stranger.ClosedByNodeAsync());
        await hss.StopAsync();
    }

    [Fact]
    public async Task An_unknown_host_is_accepted_when_accept_unknown_peers_is_on_and_forgotten_when_it_leaves()
    {
        var hss = await DiameterNode.StartAsync(Sys, NodeSettings(Hss, 0, "", "accept-unknown-peers = true"), DiameterDictionary.Default, "hss");
        await using var stranger = await ScriptedPeer.ConnectAsync(hss.ListenEndpoints[0].Port);
        await stranger.SendAsync(ScriptedPeer.Cer("stranger.localdomain"));
        var cea = await stranger.ExpectAsync(257, request: false);
        Assert.Equal(ResultCodes.Success, cea.ResultCode);
        Assert.Contains(16777251u, cea.GetGroup("Vendor-Specific-Application-Id").FindAll("Auth-Application-Id").Select(a => a.GetUInt32()));
        await this.AwaitState(hss, "stranger.localdomain", PeerState.ROpen);
        stranger.Abort();
        await AwaitAssertAsync(async () => Assert.Empty(await hss.GetPeersAsync()), TimeSpan.FromSeconds(5));
        await hss.StopAsync();
    }

    [Fact]
    public async Task An_unknown_host_that_reconnects_as_it_leaves_has_every_CER_answered()
    {
        // An MME restarting sends DPR and reconnects at once. The unconfigured peer's actor goes away with the old
        // connection, and a CER the peer table routed to it just before it stopped was lost (dead letters, no CEA:
        // seen once in bench/run as a load generator's peer whose CER timed out). Each round opens a connection, then
        // sends the CER of a second one around the first's DPR, at a point that moves from round to round: before
        // the DPR, right after it, right after the DPA, a little later. Every CER gets a CEA: 2001, or 4003 while the
        // first connection is still open (R-Reject, RFC 6733 §5.6.4).
        var hss = await DiameterNode.StartAsync(Sys, NodeSettings(Hss, 0, "", Quiet + "\naccept-unknown-peers = true"), DiameterDictionary.Default, "hss");
        var port = hss.ListenEndpoints[0].Port;
        const string Host = "restarting.localdomain";
        var accepted = 0;
        for (var round = 0; round < 40; round++)
        {
            await using var first = await ScriptedPeer.ConnectAsync(port);
            await first.SendAsync(ScriptedPeer.Cer(Host));
            Assert.Equal(ResultCodes.Success, (await first.ExpectAsync(257, request: false)).ResultCode);
            await using var second = await ScriptedPeer.ConnectAsync(port);
            var when = round % 4;
            if (when == 0) await second.SendAsync(ScriptedPeer.Cer(Host));
            await first.SendAsync(ScriptedPeer.Dpr(Host));
            if (when == 1) await second.SendAsync(ScriptedPeer.Cer(Host));
            await first.ExpectAsync(282, request: false);
            if (when == 2) await second.SendAsync(ScriptedPeer.Cer(Host));
            if (when == 3)
            {
                await Task.Yield();
                await second.SendAsync(ScriptedPeer.Cer(Host));
            }
            var cea = await second.ExpectAsync(257, request: false);
            Assert.True(cea.ResultCode is ResultCodes.Success or ResultCodes.ElectionLost, $"round {round}: CEA {cea.ResultCode}");
            if (cea.ResultCode == ResultCodes.Success)
            {
                accepted++;
                await this.AwaitState(hss, Host, PeerState.ROpen);
            }
            second.Abort();
            first.Abort();
            await AwaitAssertAsync(async () => Assert.Empty(await hss.GetPeersAsync()), TimeSpan.FromSeconds(5));
        }
        Assert.True(accepted > 0, "no round reconnected after the DPR");
        await hss.StopAsync();
    }

    [Fact]
    public async Task A_CER_with_no_common_application_is_answered_5010_and_the_connection_closed()
    {
        var hss = await DiameterNode.StartAsync(Sys, NodeSettings(Hss, 0, Peer(Mme, 1, connect: false)), DiameterDictionary.Default, "hss");
        await using var mme = await ScriptedPeer.ConnectAsync(hss.ListenEndpoints[0].Port);
        await mme.SendAsync(ScriptedPeer.Cer(Mme, applicationId: 16777999));
        var cea = await mme.ExpectAsync(257, request: false);
        Assert.Equal(ResultCodes.NoCommonApplication, cea.ResultCode);
        Assert.False(cea.IsError);
        Assert.Contains("no application in common", cea.GetString("Error-Message"));
        Assert.True(await mme.ClosedByNodeAsync());
        Assert.Equal(PeerState.Closed, (await hss.GetPeerStatusAsync(Mme)).State);
        await hss.StopAsync();
    }

    [Fact]
    public async Task A_frame_of_garbage_is_answered_5015_and_the_connection_closed()
    {
        var hss = await DiameterNode.StartAsync(Sys, NodeSettings(Hss, 0, Peer(Mme, 1, connect: false)), DiameterDictionary.Default, "hss");
        await using var client = await ScriptedPeer.ConnectAsync(hss.ListenEndpoints[0].Port);
        // A request header whose Message Length (7) is shorter than the header itself: the stream cannot be resynced.
        var garbage = new byte[] { 1, 0, 0, 7, 0x80, 0, 1, 1, 0, 0, 0, 0, 0xDE, 0xAD, 0xBE, 0xEF, 0, 0, 0, 1 };
        await client.SendRawAsync(garbage);
        var answer = await client.ReceiveAsync();
        Assert.NotNull(answer);
        Assert.Equal(ResultCodes.InvalidMessageLength, answer.ResultCode);
        Assert.Equal(0xDEADBEEFu, answer.HopByHopId);
        Assert.True(await client.ClosedByNodeAsync());
        await hss.StopAsync();
    }

    [Fact]
    public async Task A_message_split_into_single_bytes_and_messages_sharing_a_segment_are_reassembled()
    {
        var hss = await DiameterNode.StartAsync(Sys, NodeSettings(Hss, 0, Peer(Mme, 1, connect: false)), DiameterDictionary.Default, "hss");
        await using var mme = await ScriptedPeer.ConnectAsync(hss.ListenEndpoints[0].Port);
        foreach (var b in ScriptedPeer.Cer(Mme).Encode()) await mme.SendRawAsync([b]);    // bromelia cannot do this
        Assert.Equal(ResultCodes.Success, (await mme.ExpectAsync(257, request: false)).ResultCode);
        var dwr1 = DiameterMessage.CreateRequest("DWR").Add("Origin-Host", Mme).Add("Origin-Realm", Realm);
        var dwr2 = DiameterMessage.CreateRequest("DWR").Add("Origin-Host", Mme).Add("Origin-Realm", Realm);
        dwr1.HopByHopId = 1;
        dwr2.HopByHopId = 2;
        await mme.SendRawAsync([.. dwr1.Encode(), .. dwr2.Encode()]);
        Assert.Equal(1u, (await mme.ExpectAsync(280, request: false)).HopByHopId);
        Assert.Equal(2u, (await mme.ExpectAsync(280, request: false)).HopByHopId);
        await hss.StopAsync();
    }

    [Fact]
    public async Task Requests_without_a_handler_are_answered_3001_and_for_an_application_not_agreed_3007()
    {
        var hss = await DiameterNode.StartAsync(Sys, NodeSettings(Hss, 0, Peer(Mme, 1, connect: false)), DiameterDictionary.Default, "hss");
        await using var mme = await ScriptedPeer.ConnectAsync(hss.ListenEndpoints[0].Port);
        await mme.SendAsync(ScriptedPeer.Cer(Mme));
        await mme.ExpectAsync(257, request: false);
        var ulr = Ulr().Add("Origin-Host", Mme).Add("Origin-Realm", Realm);
        ulr.HopByHopId = 77;
        await mme.SendAsync(ulr);
        var ula = await mme.ExpectAsync(316, request: false);
        Assert.Equal((ResultCodes.CommandUnsupported, true, 77u), (ula.ResultCode!.Value, ula.IsError, ula.HopByHopId));
        var other = new DiameterMessage(316, 16777999, Protocol.Wire.CommandFlags.Request | Protocol.Wire.CommandFlags.Proxiable)
            .Add("Session-Id", "x;1").Add("Origin-Host", Mme).Add("Origin-Realm", Realm);
        await mme.SendAsync(other);
        Assert.Equal(ResultCodes.ApplicationUnsupported, (await mme.ExpectAsync(316, request: false)).ResultCode);
        await hss.StopAsync();
    }

    [Fact]
    public async Task Stopping_the_node_sends_DPR_REBOOTING_and_leaves_no_actor_behind()
    {
        await using var peer = ScriptedPeer.Listen();
        var mme = await DiameterNode.StartAsync(Sys, NodeSettings(Mme, 0, Peer(Hss, peer.Port, connect: true), Quiet), DiameterDictionary.Default, "mme");
        await OpenAsHss(peer);
        await this.AwaitState(mme, Hss, PeerState.IOpen);
        var watcher = CreateTestProbe();
        watcher.Watch(mme.Ref);
        var peerActor = await Sys.ActorSelection($"/user/mme/peers/peer-{Hss}").Ask<ActorIdentity>(new Identify(1), TimeSpan.FromSeconds(3));
        Assert.NotNull(peerActor.Subject);
        watcher.Watch(peerActor.Subject);
        var stopping = mme.StopAsync();
        var dpr = await peer.ExpectAsync(282, request: true);
        Assert.Equal((int)DisconnectCause.Rebooting, dpr.GetInt32("Disconnect-Cause"));
        await peer.SendAsync(ScriptedPeer.Answer(dpr, Hss));
        await stopping;
        watcher.ExpectTerminated(peerActor.Subject);
        watcher.ExpectTerminated(mme.Ref);
        var left = await Sys.ActorSelection("/user/mme/**").Ask<ActorIdentity>(new Identify(1), TimeSpan.FromSeconds(1));
        Assert.Null(left.Subject);
        Assert.True(await peer.ClosedByNodeAsync());
    }

    [Fact]
    public async Task Stopping_the_root_actor_without_StopAsync_still_closes_its_connections_both_ways()
    {
        // No DPR (that is StopAsync's part), but no connection may stay open until the peer's watchdog gives up: one
        // the node opened (to the HSS) and one it accepted (from a second MME).
        await using var peer = ScriptedPeer.Listen();
        var mme = await DiameterNode.StartAsync(Sys, NodeSettings(Mme, 0, Peer(Hss, peer.Port, connect: true), Quiet + "\naccept-unknown-peers = true"),
            DiameterDictionary.Default, "mme");
        await OpenAsHss(peer);
        await this.AwaitState(mme, Hss, PeerState.IOpen);
        await using var inbound = await ScriptedPeer.ConnectAsync(mme.ListenEndpoints[0].Port);
        await inbound.SendAsync(ScriptedPeer.Cer("mme2.localdomain"));
        Assert.Equal(ResultCodes.Success, (await inbound.ExpectAsync(257, request: false)).ResultCode);
        await this.AwaitState(mme, "mme2.localdomain", PeerState.ROpen);
        Sys.Stop(mme.Ref);
        Assert.True(await peer.ClosedByNodeAsync());
        Assert.True(await inbound.ClosedByNodeAsync());
    }

    [Fact]
    public async Task A_peer_that_stops_reading_fills_a_bounded_send_queue_and_further_requests_are_refused_3002_at_once()
    {
        await using var peer = ScriptedPeer.Listen();
        var mme = await DiameterNode.StartAsync(Sys, NodeSettings(Mme, null, Peer(Hss, peer.Port, connect: true),
            "send-queue-size = 8\nrequest-timeout = 20s\nwatchdog-interval = 30s\nwatchdog-jitter = 1s"), DiameterDictionary.Default, "mme");
        await OpenAsHss(peer);
        await this.AwaitState(mme, Hss, PeerState.IOpen);
        // The peer now reads nothing. 64 KiB requests fill the kernel's socket buffers, then the 8-message queue.
        var bulk = new byte[64 * 1024];
        var answers = Enumerable.Range(0, 400)
            .Select(_ => mme.SendAsync(Hss, Ulr().Add(new Avp(65000, 99999, Protocol.Wire.AvpFlags.None, bulk))))
            .ToList();
        var refused = await Task.WhenAny(answers.Select(async a => await a)).Unwrap();
        Assert.Equal(ResultCodes.UnableToDeliver, refused.ResultCode);
        Assert.Contains("send queue is full", refused.GetString("Error-Message"));
        Assert.True((await mme.GetPeerStatusAsync(Hss)).PendingRequests < 400);
        await mme.StopAsync();
    }

    [Fact]
    public async Task A_value_the_state_machine_cannot_read_is_answered_with_its_Result_Code_and_the_connection_stays_open()
    {
        var hss = await DiameterNode.StartAsync(Sys, NodeSettings(Hss, 0, Peer(Mme, 1, connect: false), Quiet), DiameterDictionary.Default, "hss");
        await using var mme = await ScriptedPeer.ConnectAsync(hss.ListenEndpoints[0].Port);
        await mme.SendAsync(ScriptedPeer.Cer(Mme));
        await mme.ExpectAsync(257, request: false);
        // A DPR whose Disconnect-Cause is 8 bytes long: DIAMETER_INVALID_AVP_LENGTH, not a crash.
        var dpr = DiameterMessage.CreateRequest("DPR").Add("Origin-Host", Mme).Add("Origin-Realm", Realm)
            .Add(new Avp(273, 0, Protocol.Wire.AvpFlags.Mandatory, new byte[8]));
        await mme.SendAsync(dpr);
        var dpa = await mme.ExpectAsync(282, request: false);
        Assert.Equal(ResultCodes.InvalidAvpLength, dpa.ResultCode);
        Assert.Equal("Disconnect-Cause", Assert.Single(dpa.GetGroup("Failed-AVP").Avps).Name);
        var dwr = DiameterMessage.CreateRequest("DWR").Add("Origin-Host", Mme).Add("Origin-Realm", Realm);
        await mme.SendAsync(dwr);
        Assert.Equal(ResultCodes.Success, (await mme.ExpectAsync(280, request: false)).ResultCode);
        Assert.Equal(PeerState.ROpen, (await hss.GetPeerStatusAsync(Mme)).State);
        await hss.StopAsync();
    }
}
