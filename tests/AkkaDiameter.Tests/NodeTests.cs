using Akka.Actor;
using Akka.TestKit.Xunit2;
using AkkaDiameter.Peers;
using AkkaDiameter.Protocol;
using AkkaDiameter.Protocol.Dictionary;
using Xunit;
using Xunit.Abstractions;
using static AkkaDiameter.Tests.TestNodes;

namespace AkkaDiameter.Tests;

/// <summary>Two AkkaDiameter nodes, or a node and a scripted peer, over loopback TCP.</summary>
public class NodeTests(ITestOutputHelper output) : TestKit("akka.loglevel = INFO", output)
{
    private async Task<(DiameterNode Hss, DiameterNode Mme)> HssAndMme(string mmeExtra = "", string hssExtra = "")
    {
        var hssPort = FreePort();
        var hss = await DiameterNode.StartAsync(Sys, NodeSettings(Hss, hssPort, Peer(Mme, 1, connect: false), hssExtra), DiameterDictionary.Default, "hss");
        var mme = await DiameterNode.StartAsync(Sys, NodeSettings(Mme, null, Peer(Hss, hssPort, connect: true), mmeExtra), DiameterDictionary.Default, "mme");
        return (hss, mme);
    }

    [Fact]
    public async Task CER_CEA_opens_I_Open_on_the_initiator_and_R_Open_on_the_responder()
    {
        var (hss, mme) = await HssAndMme();
        await this.AwaitState(mme, Hss, PeerState.IOpen);
        await this.AwaitState(hss, Mme, PeerState.ROpen);
        var status = await mme.GetPeerStatusAsync(Hss);
        Assert.Equal("I-Open", status.StateName);
        Assert.Equal([16777251u], status.Applications);
        Assert.True(status.IsAvailable);
        var open = await hss.GetOpenPeersAsync();
        Assert.Equal(Mme, Assert.Single(open).OriginHost);
        var seen = await mme.GetBaseMessagesAsync(Hss);
        Assert.Equal("<Diameter Message: 257 [CER] REQ, 0 [Diameter-Common-Messages], 10 AVP(s)>", seen.Cer!.ToString());
        Assert.Equal(ResultCodes.Success, seen.Cea!.ResultCode);
        Assert.Equal(Hss, seen.Cea.GetString("Origin-Host"));
        Assert.Null(seen.Cea.Validate());
        await mme.StopAsync();
        await hss.StopAsync();
    }

    [Fact]
    public async Task Simultaneous_connect_is_resolved_to_one_connection_and_an_election_is_won_by_the_higher_Origin_Host()
    {
        // Both sides connect to each other at once (RFC 6733 §5.6.4). Whether the CERs cross (an election) or one
        // side finishes first (the later CER is rejected) depends on timing; either way exactly one connection
        // remains, I-Open on the side that opened it and R-Open on the other. When an election is held, the higher
        // Origin-Host ("mme..." > "hss..." as octets) wins and keeps the connection the other side opened.
        var probe = CreateTestProbe();
        Sys.EventStream.Subscribe(probe, typeof(PeerStateChanged));
        var hssPort = FreePort();
        var mmePort = FreePort();
        var hssTask = DiameterNode.StartAsync(Sys, NodeSettings(Hss, hssPort, Peer(Mme, mmePort, connect: true)), DiameterDictionary.Default, "hss");
        var mmeTask = DiameterNode.StartAsync(Sys, NodeSettings(Mme, mmePort, Peer(Hss, hssPort, connect: true)), DiameterDictionary.Default, "mme");
        var hss = await hssTask;
        var mme = await mmeTask;
        await AwaitAssertAsync(async () =>
        {
            Assert.True((await mme.GetPeerStatusAsync(Hss)).State.IsOpen());
            Assert.True((await hss.GetPeerStatusAsync(Mme)).State.IsOpen());
        }, TimeSpan.FromSeconds(10));
        var mmeSide = await mme.GetPeerStatusAsync(Hss);
        var hssSide = await hss.GetPeerStatusAsync(Mme);
        Assert.NotEqual(mmeSide.State, hssSide.State);
        // The one connection: the initiator's remote port is the responder's listen port.
        if (mmeSide.State == PeerState.IOpen) Assert.Equal(hssPort, ((System.Net.IPEndPoint)mmeSide.Remote!).Port);
        else Assert.Equal(mmePort, ((System.Net.IPEndPoint)hssSide.Remote!).Port);
        var events = probe.ReceiveWhile(TimeSpan.FromMilliseconds(300), o => o as PeerStateChanged);
        if (events.Any(e => e?.To == "Wait-Returns"))
            Assert.Equal((PeerState.IOpen, PeerState.ROpen), (hssSide.State, mmeSide.State));
        await mme.StopAsync();
        await hss.StopAsync();
    }

    [Fact]
    public async Task DWR_DWA_flow_both_ways_with_a_short_Tw_and_the_watchdog_stays_OKAY()
    {
        var (hss, mme) = await HssAndMme();
        await this.AwaitState(mme, Hss, PeerState.IOpen);
        var probe = CreateTestProbe();
        Sys.EventStream.Subscribe(probe, typeof(WatchdogStateChanged));
        // Tw = 400 ms ± 50 ms: within 3 s both sides have sent and answered DWRs.
        await AwaitAssertAsync(async () =>
        {
            var m = await mme.GetBaseMessagesAsync(Hss);
            var h = await hss.GetBaseMessagesAsync(Mme);
            Assert.NotNull(m.Dwr);
            Assert.NotNull(m.Dwa);
            Assert.NotNull(h.Dwr);
            Assert.NotNull(h.Dwa);
            Assert.Equal(ResultCodes.Success, m.Dwa!.ResultCode);
        }, TimeSpan.FromSeconds(5));
        probe.ExpectNoMsg(TimeSpan.FromMilliseconds(1500));   // several Tw pass with no watchdog change
        Assert.Equal(WatchdogState.Okay, (await mme.GetPeerStatusAsync(Hss)).Watchdog);
        await mme.StopAsync();
        await hss.StopAsync();
    }

    [Fact]
    public async Task A_peer_that_stops_answering_DWR_is_failed_over_within_2Tw_and_its_connection_closed()
    {
        await using var peer = ScriptedPeer.Listen();
        var mme = await DiameterNode.StartAsync(Sys, NodeSettings(Mme, null, Peer(Hss, peer.Port, connect: true)), DiameterDictionary.Default, "mme");
        var probe = CreateTestProbe();
        Sys.EventStream.Subscribe(probe, typeof(WatchdogStateChanged));
        await peer.AcceptAsync();
        var cer = await peer.ExpectAsync(257, request: true);
        await peer.SendAsync(ScriptedPeer.Cea(cer, Hss));
        probe.ExpectMsg<WatchdogStateChanged>(w => w.To == WatchdogState.Okay);
        // Now the peer reads but never answers: DWR at Tw, failover (SUSPECT) at 2·Tw, close (DOWN) at 3·Tw.
        var dwr = await peer.ExpectAsync(280, request: true, answerDwr: false);
        Assert.Equal(Mme, dwr.GetString("Origin-Host"));
        var suspect = probe.ExpectMsg<WatchdogStateChanged>(TimeSpan.FromSeconds(2));
        Assert.Equal((WatchdogState.Okay, WatchdogState.Suspect), (suspect.From, suspect.To));
        Assert.Equal((WatchdogState.Suspect, WatchdogState.Down), (probe.ExpectMsg<WatchdogStateChanged>(TimeSpan.FromSeconds(2)) is var d ? (d.From, d.To) : default));
        await this.AwaitState(mme, Hss, PeerState.Closed, TimeSpan.FromSeconds(1));
        await mme.StopAsync();
    }

    [Fact]
    public async Task DPR_DPA_closes_both_sides_and_REBOOTING_brings_the_initiator_back()
    {
        var (hss, mme) = await HssAndMme();
        await this.AwaitState(mme, Hss, PeerState.IOpen);
        await this.AwaitState(hss, Mme, PeerState.ROpen);
        var probe = CreateTestProbe();
        Sys.EventStream.Subscribe(probe, typeof(PeerStateChanged));
        // The HSS sends DPR REBOOTING: the MME answers DPA, closes, and reconnects after its backoff (§5.4.3).
        await hss.DisconnectAsync(Mme, DisconnectCause.Rebooting);
        Assert.Equal(PeerState.Closed, (await hss.GetPeerStatusAsync(Mme)).State);
        var hssSaw = await hss.GetBaseMessagesAsync(Mme);
        Assert.Equal(0, hssSaw.Dpr!.GetInt32("Disconnect-Cause"));
        Assert.Equal(ResultCodes.Success, hssSaw.Dpa!.ResultCode);
        probe.FishForMessage<PeerStateChanged>(e => e.Peer == Hss && e.To == "Closed" && e.Reason.Contains("Rcv-DPR"), TimeSpan.FromSeconds(5));
        await this.AwaitState(mme, Hss, PeerState.IOpen, TimeSpan.FromSeconds(10));
        // An orderly disconnect is not a failure: the new connection carries traffic at once (no RFC 3539 REOPEN).
        Assert.True((await mme.GetPeerStatusAsync(Hss)).IsAvailable);
        await mme.StopAsync();
        await hss.StopAsync();
    }

    [Fact]
    public async Task DPR_DO_NOT_WANT_TO_TALK_TO_YOU_is_not_followed_by_a_reconnect()
    {
        var (hss, mme) = await HssAndMme();
        await this.AwaitState(mme, Hss, PeerState.IOpen);
        var probe = CreateTestProbe();
        Sys.EventStream.Subscribe(probe, typeof(PeerStateChanged));
        await hss.DisconnectAsync(Mme, DisconnectCause.DoNotWantToTalkToYou);
        probe.FishForMessage<PeerStateChanged>(e => e.Peer == Mme && e.To == "Closed", TimeSpan.FromSeconds(5));
        await this.AwaitState(mme, Hss, PeerState.Closed, TimeSpan.FromSeconds(5));
        probe.ReceiveWhile(TimeSpan.FromMilliseconds(100), o => o as PeerStateChanged is { To: "Closed" } e ? e : null);
        // The MME's backoff is 100-400 ms: a reconnect attempt would show as Wait-Conn-Ack within 2 s.
        probe.ExpectNoMsg(TimeSpan.FromSeconds(2));
        Assert.Equal(PeerState.Closed, (await mme.GetPeerStatusAsync(Hss)).State);
        await mme.StopAsync();
        await hss.StopAsync();
    }

    [Fact]
    public async Task A_listen_address_that_cannot_be_bound_stops_the_start_with_an_error_naming_the_key()
    {
        var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        try
        {
            var port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;
            var e = await Assert.ThrowsAsync<Settings.DiameterConfigurationException>(() =>
                DiameterNode.StartAsync(Sys, NodeSettings(Hss, port, ""), DiameterDictionary.Default, "hss"));
            Assert.Equal("akka.diameter.listen", e.Key);
            Assert.Contains($"127.0.0.1:{port}", e.Message);
        }
        finally { taken.Stop(); }
    }
}
