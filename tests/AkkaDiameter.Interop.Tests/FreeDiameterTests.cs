using Akka.Actor;
using Akka.TestKit.Xunit2;
using AkkaDiameter.Applications;
using AkkaDiameter.Peers;
using AkkaDiameter.Protocol;
using AkkaDiameter.Protocol.Dictionary;
using Xunit;
using Xunit.Abstractions;
using static AkkaDiameter.Interop.Tests.InteropNodes;

namespace AkkaDiameter.Interop.Tests;

/// <summary>
/// AkkaDiameter against freeDiameter 1.2.1 (Debian's freeDiameterd), with AkkaDiameter as initiator and as responder.
/// Every scenario captures its loopback traffic and fails if Wireshark's Diameter dissector flags a frame. Our side is
/// checked through its API, freeDiameter's through its log (dbg_msg_dumps writes every message it sends or receives).
/// </summary>
public sealed class FreeDiameterTests(ITestOutputHelper log) : TestKit("akka.loglevel = INFO", log), IAsyncLifetime
{
    private readonly List<FreeDiameter> _fds = [];
    private readonly List<WireCapture> _captures = [];
    private readonly List<DiameterNode> _nodes = [];

    /// <summary>freeDiameter, with our node listed as a ConnectPeer when freeDiameter is the initiator.</summary>
    private FreeDiameter FreeDiameter(int port, IReadOnlyList<FreeDiameterPeer>? connect = null, int tw = 30, bool relay = true,
        string identity = FdHost, string realm = FdRealm)
    {
        var fd = new FreeDiameter(identity, realm, port, connect, tw: tw, relay: relay);
        _fds.Add(fd);
        return fd;
    }

    private async Task<WireCapture> Capture(string name, params int[] ports)
    {
        var capture = await WireCapture.StartAsync(name, ports);
        _captures.Add(capture);
        return capture;
    }

    private async Task<DiameterNode> Akka(string name, string host, string realm, int? listenPort, string peers, string extra = "",
        DiameterHandlers? handlers = null, string applications = S6aApplication)
    {
        var node = await DiameterNode.StartAsync(Sys, NodeSettings(host, realm, listenPort, peers, extra, applications),
            DiameterDictionary.Default, name, handlers ?? new DiameterHandlers());
        _nodes.Add(node);
        return node;
    }

    /// <summary>One AkkaDiameter node and freeDiameter, connected in the given direction, with the capture running.</summary>
    private async Task<(DiameterNode Node, FreeDiameter Fd, WireCapture Capture, string OursFilter)> Pair(string name, bool akkaInitiates,
        string akkaExtra = "", int fdTw = 30, bool fdRelay = true, bool waitOpen = true)
    {
        var fdPort = FreePort();
        var akkaPort = FreePort();
        var capture = await Capture(name + (akkaInitiates ? "-initiator" : "-responder"), fdPort, akkaPort);
        var fd = FreeDiameter(fdPort, akkaInitiates ? null : [new FreeDiameterPeer(AkkaHost, akkaPort)], fdTw, fdRelay);
        DiameterNode node;
        if (akkaInitiates)
        {
            await fd.StartAsync();
            node = await Akka("akka", AkkaHost, AkkaRealm, null, Peer(FdHost, FdRealm, fdPort, connect: true), akkaExtra);
        }
        else
        {
            node = await Akka("akka", AkkaHost, AkkaRealm, akkaPort, Peer(FdHost, FdRealm, fdPort, connect: false), akkaExtra);
            await fd.StartAsync();
        }
        if (waitOpen)
        {
            await node.WaitUntilOpenAsync(FdHost, TimeSpan.FromSeconds(30));
            await fd.WaitForOpenAsync(AkkaHost);
        }
        // Our messages: towards freeDiameter's port when we connect, from our listening port when it does.
        return (node, fd, capture, akkaInitiates ? $"tcp.dstport == {fdPort}" : $"tcp.srcport == {akkaPort}");
    }

    [FreeDiameterTheory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task CER_CEA_opens_the_connection_on_both_sides(bool akkaInitiates)
    {
        var (node, fd, capture, _) = await Pair("cer", akkaInitiates);

        var status = await node.GetPeerStatusAsync(FdHost);
        Assert.Equal(akkaInitiates ? PeerState.IOpen : PeerState.ROpen, status.State);
        Assert.Equal(akkaInitiates ? "I-Open" : "R-Open", status.StateName);
        Assert.True(status.IsAvailable);
        // freeDiameter advertises only the relay application (it has no application of its own loaded), which
        // carries every application (RFC 6733 §2.4): S6a is agreed.
        Assert.Contains(16777251u, status.Applications);
        Assert.Equal(1, fd.CountStates(AkkaHost, "STATE_OPEN"));

        var seen = await node.GetBaseMessagesAsync(FdHost);
        var theirs = akkaInitiates ? seen.Cea! : seen.Cer!;
        Assert.Equal("freeDiameter", theirs.GetString("Product-Name"));
        Assert.Equal(FdHost, theirs.GetString("Origin-Host"));
        Assert.Contains(theirs.FindAll("Auth-Application-Id"), a => a.GetUInt32() == 0xFFFFFFFF);
        Assert.Null(theirs.Validate());
        Assert.Equal(ResultCodes.Success, seen.Cea!.ResultCode); // theirs when we initiate, ours when they do

        await node.StopAsync();
        await fd.WaitForStateAsync(AkkaHost, "STATE_CLOSING");
        await VerifyCapture(capture);
    }

    [FreeDiameterTheory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task No_common_application_is_answered_5010_and_no_connection_opens(bool akkaInitiates)
    {
        // freeDiameter with NoRelay and no application loaded advertises nothing; we offer only S6a.
        var (node, fd, capture, _) = await Pair("nocommon", akkaInitiates, fdRelay: false, waitOpen: false);

        // RFC 6733 §5.3: no common application -> CEA DIAMETER_NO_COMMON_APPLICATION, and the connection is closed.
        await AwaitAssertAsync(async () =>
        {
            var seen = await node.GetBaseMessagesAsync(FdHost);
            Assert.NotNull(seen.Cea);
            Assert.Equal(ResultCodes.NoCommonApplication, seen.Cea!.ResultCode);
        }, TimeSpan.FromSeconds(30));
        var status = await node.GetPeerStatusAsync(FdHost);
        Assert.False(status.State.IsOpen());
        // freeDiameter's log has the CEA too: the one it sent (we initiate) or the one it received from us.
        await fd.Process.WaitForLineAsync(l => l.Contains("DIAMETER_NO_COMMON_APPLICATION"), TimeSpan.FromSeconds(10), "5010 in freeDiameter's log");
        Assert.Equal(0, fd.CountStates(AkkaHost, "STATE_OPEN"));
        Assert.Empty(await node.GetOpenPeersAsync());

        await node.StopAsync();
        await fd.StopAsync();
        await VerifyCapture(capture);
    }

    [FreeDiameterTheory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Our_short_watchdog_sends_DWR_every_interval_and_freeDiameter_answers_each(bool akkaInitiates)
    {
        var probe = CreateTestProbe();
        Sys.EventStream.Subscribe(probe, typeof(WatchdogStateChanged));
        // Tw = 1 s on our side (RFC 3539 §3.4.1 says not below 6 s; allowed here for a test), 30 s on freeDiameter's,
        // so that every DWR on the wire is ours: any message received resets the other side's timer.
        var (node, fd, capture, ours) = await Pair("dwr-ours", akkaInitiates, "watchdog-interval = 1s, watchdog-jitter = 200ms");

        await fd.WaitForMessagesAsync("Device-Watchdog-Answer", 5, TimeSpan.FromSeconds(30));
        var status = await node.GetPeerStatusAsync(FdHost);
        Assert.True(status.State.IsOpen());
        Assert.Equal(WatchdogState.Okay, status.Watchdog);
        Assert.Equal(0, fd.CountStates(AkkaHost, "STATE_SUSPECT"));
        var seen = await node.GetBaseMessagesAsync(FdHost);
        Assert.Equal(ResultCodes.Success, seen.Dwa!.ResultCode);
        Assert.Null(seen.Dwa.Validate());

        await node.StopAsync();
        await VerifyCapture(capture);
        // On the wire: every DWR of ours answered by a DWA from freeDiameter with its Hop-by-Hop Identifier.
        var dwrs = (await capture.MessagesAsync(ours)).Where(m => m is { Request: true, Command: 280 }).ToList();
        var dwas = (await capture.MessagesAsync($"!({ours})")).Where(m => m is { Request: false, Command: 280 }).Select(m => m.HopByHop).ToHashSet();
        Assert.True(dwrs.Count >= 5, $"{dwrs.Count} DWRs");
        Assert.All(dwrs, d => Assert.Contains(d.HopByHop, dwas));
        // The watchdog never left OKAY while the peer was open (the one event is OKAY -> INITIAL at the DPR).
        var events = probe.ReceiveWhile(TimeSpan.FromMilliseconds(200), o => (WatchdogStateChanged)o)
            .Where(e => e.LocalHost == AkkaHost && e.Peer == FdHost).ToList();
        Assert.DoesNotContain(events, e => e.To is WatchdogState.Suspect or WatchdogState.Down);
    }

    [FreeDiameterTheory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task FreeDiameters_watchdog_DWRs_are_answered_and_it_keeps_the_connection_open(bool akkaInitiates)
    {
        // freeDiameter's shortest Tw is 6 s (its parser refuses less), jittered by ±2 s; ours is 30 s, so the
        // DWRs on the wire are freeDiameter's. Three intervals.
        var (node, fd, capture, ours) = await Pair("dwr-theirs", akkaInitiates, fdTw: 6);

        await fd.WaitForMessagesAsync("Device-Watchdog-Answer", 3, TimeSpan.FromSeconds(40));
        Assert.Equal(fd.CountMessages("Device-Watchdog-Request"), fd.CountMessages("Device-Watchdog-Answer"));
        Assert.Equal(0, fd.CountStates(AkkaHost, "STATE_SUSPECT"));
        var seen = await node.GetBaseMessagesAsync(FdHost);
        Assert.Equal(FdHost, seen.Dwr!.GetString("Origin-Host"));
        Assert.Null(seen.Dwr.Validate());
        Assert.Equal(ResultCodes.Success, seen.Dwa!.ResultCode);
        Assert.True((await node.GetPeerStatusAsync(FdHost)).State.IsOpen());

        await node.StopAsync();
        await VerifyCapture(capture);
        var theirDwrs = (await capture.MessagesAsync($"!({ours})")).Where(m => m is { Request: true, Command: 280 }).ToList();
        var ourDwas = (await capture.MessagesAsync(ours)).Where(m => m is { Request: false, Command: 280 }).Select(m => m.HopByHop).ToHashSet();
        Assert.True(theirDwrs.Count >= 3);
        Assert.All(theirDwrs, d => Assert.Contains(d.HopByHop, ourDwas));
    }

    [FreeDiameterTheory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Our_DPR_is_answered_DPA_and_both_sides_close_for_good(bool akkaInitiates)
    {
        var (node, fd, capture, _) = await Pair("dpr-ours", akkaInitiates);

        // DO_NOT_WANT_TO_TALK_TO_YOU: neither side reconnects (RFC 6733 §5.4.3).
        await node.DisconnectAsync(FdHost, DisconnectCause.DoNotWantToTalkToYou);
        Assert.Equal(PeerState.Closed, (await node.GetPeerStatusAsync(FdHost)).State);
        var seen = await node.GetBaseMessagesAsync(FdHost);
        Assert.Equal(ResultCodes.Success, seen.Dpa!.ResultCode);
        Assert.Equal(FdHost, seen.Dpa.GetString("Origin-Host"));
        Assert.Null(seen.Dpa.Validate());
        await fd.Process.WaitForLineAsync(l => l.Contains($"Peer '{AkkaHost}' sent a DPR with cause: DO_NOT_WANT_TO_TALK_TO_YOU"),
            TimeSpan.FromSeconds(10), "our DPR in freeDiameter's log");
        await fd.WaitForStateAsync(AkkaHost, "STATE_CLOSING");

        await fd.StopAsync();
        await node.StopAsync();
        await VerifyCapture(capture);
    }

    [FreeDiameterTheory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task FreeDiameters_DPR_on_shutdown_is_answered_and_the_connection_comes_back_when_it_restarts(bool akkaInitiates)
    {
        var (node, fd, capture, _) = await Pair("dpr-theirs", akkaInitiates);

        // SIGTERM: freeDiameter sends DPR (REBOOTING) to its peers before it exits.
        await fd.StopAsync();
        await AwaitAssertAsync(async () =>
        {
            var seen = await node.GetBaseMessagesAsync(FdHost);
            Assert.NotNull(seen.Dpr);
            Assert.Equal((int)DisconnectCause.Rebooting, seen.Dpr!.GetInt32("Disconnect-Cause"));
            Assert.Equal(ResultCodes.Success, seen.Dpa!.ResultCode);
            Assert.False((await node.GetPeerStatusAsync(FdHost)).State.IsOpen());
        }, TimeSpan.FromSeconds(15));

        // REBOOTING means "come back": whoever initiated connects again once freeDiameter is up.
        await fd.StartAsync();
        await node.WaitUntilOpenAsync(FdHost, TimeSpan.FromSeconds(30));
        await fd.WaitForOpenAsync(AkkaHost);

        await node.StopAsync();
        await VerifyCapture(capture);
    }

    [FreeDiameterTheory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task When_freeDiameter_dies_abruptly_we_notice_and_reconnect_when_it_is_back(bool akkaInitiates)
    {
        var (node, fd, capture, _) = await Pair("abrupt", akkaInitiates);

        await fd.KillAsync();   // SIGKILL: no DPR; the kernel closes the socket
        await AwaitAssertAsync(async () => Assert.False((await node.GetPeerStatusAsync(FdHost)).State.IsOpen()), TimeSpan.FromSeconds(15));
        Assert.Null((await node.GetBaseMessagesAsync(FdHost)).Dpr);

        await fd.StartAsync();
        var status = await node.WaitUntilOpenAsync(FdHost, TimeSpan.FromSeconds(30));
        Assert.Equal(akkaInitiates ? PeerState.IOpen : PeerState.ROpen, status.State);
        await fd.WaitForOpenAsync(AkkaHost);

        await node.StopAsync();
        await VerifyCapture(capture);
    }

    /// <summary>Answers ULR with ULA 2001 and remembers what arrived.</summary>
    private sealed class RecordingUlrHandler(IActorRef seen) : DiameterRequestHandler
    {
        protected override void Handle(IncomingRequest r)
        {
            seen.Tell(r.Request.Clone());
            r.Reply(r.CreateAnswer().Add("Auth-Session-State", "NO_STATE_MAINTAINED").Add("ULA-Flags", 1u));
        }
    }

    private static DiameterMessage Ulr(DiameterNode node, string destinationRealm) => DiameterMessage.CreateRequest("ULR")
        .Add("Session-Id", node.NewSessionId()).Add("Auth-Session-State", "NO_STATE_MAINTAINED")
        .Add("Destination-Realm", destinationRealm)
        .Add("User-Name", "001010000000001").Add("RAT-Type", "EUTRAN").Add("ULR-Flags", 34u)
        .Add("Visited-PLMN-Id", new byte[] { 0x00, 0xF1, 0x10 });

    [FreeDiameterTheory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ULR_ULA_through_freeDiameter_as_relay_agent_gets_a_Route_Record_and_a_new_Hop_by_Hop_Identifier(bool akkaInitiates)
    {
        const string MmeHost = "mme.localdomain", MmeRealm = "mme.localdomain";
        const string HssHost = "hss.localdomain", HssRealm = "hss.localdomain";
        var fdPort = FreePort();
        var mmePort = FreePort();
        var hssPort = FreePort();
        var capture = await Capture("relay" + (akkaInitiates ? "-initiator" : "-responder"), fdPort, mmePort, hssPort);
        var fd = FreeDiameter(fdPort, akkaInitiates ? null : [new FreeDiameterPeer(MmeHost, mmePort), new FreeDiameterPeer(HssHost, hssPort)]);
        var seenByHss = CreateTestProbe();
        var handlers = new DiameterHandlers().Add("ULR", Props.Create(() => new RecordingUlrHandler(seenByHss.Ref)));
        if (akkaInitiates) await fd.StartAsync();
        // The MME sends requests for the HSS realm to freeDiameter (a relay entry of its realm table).
        var mmeRealms = $$"""realms = [ { realm = "{{HssRealm}}", action = relay, peers = ["{{FdHost}}"] } ]""";
        var mme = await Akka("mme", MmeHost, MmeRealm, akkaInitiates ? null : mmePort, Peer(FdHost, FdRealm, fdPort, akkaInitiates), mmeRealms);
        var hss = await Akka("hss", HssHost, HssRealm, akkaInitiates ? null : hssPort, Peer(FdHost, FdRealm, fdPort, akkaInitiates), handlers: handlers);
        if (!akkaInitiates) await fd.StartAsync();
        await mme.WaitUntilOpenAsync(FdHost, TimeSpan.FromSeconds(30));
        await hss.WaitUntilOpenAsync(FdHost, TimeSpan.FromSeconds(30));
        await fd.WaitForOpenAsync(MmeHost);
        await fd.WaitForOpenAsync(HssHost);

        var ulr = Ulr(mme, HssRealm);
        var answer = await mme.AskAsync(ulr);

        Assert.True(answer.IsSuccess, answer.Message.ToString());
        Assert.Null(answer.Error);
        Assert.Equal(FdHost, answer.Peer);
        Assert.Equal(HssHost, answer.Message.GetString("Origin-Host"));
        Assert.Equal(1u, answer.Message.GetUInt32("ULA-Flags"));
        Assert.Null(answer.Message.Validate());
        var atHss = seenByHss.ExpectMsg<DiameterMessage>(TimeSpan.FromSeconds(10));
        // RFC 6733 §6.1.9: a relay appends Route-Record with the identity of the peer it received the request from,
        // and replaces the Hop-by-Hop Identifier with one of its own; End-to-End is kept end to end (§3).
        Assert.Equal([MmeHost], atHss.FindAll("Route-Record").Select(a => a.GetString()));
        Assert.Equal(ulr.SessionId, atHss.SessionId);
        Assert.Equal(MmeHost, atHss.GetString("Origin-Host"));
        Assert.Equal(answer.Message.EndToEndId, atHss.EndToEndId);
        Assert.NotEqual(answer.Message.HopByHopId, atHss.HopByHopId);

        await mme.StopAsync();
        await hss.StopAsync();
        await VerifyCapture(capture);
        // On the wire as well: the ULR freeDiameter forwarded carries a Hop-by-Hop Identifier the MME never used, and
        // each ULA carries the Hop-by-Hop Identifier of the ULR it answers on its own connection.
        var ulrs = (await capture.MessagesAsync("diameter.cmd.code == 316 && diameter.flags.request == 1")).Select(m => m.HopByHop).ToList();
        var ulas = (await capture.MessagesAsync("diameter.cmd.code == 316 && diameter.flags.request == 0")).Select(m => m.HopByHop).ToList();
        Assert.Equal(2, ulrs.Count);
        Assert.NotEqual(ulrs[0], ulrs[1]);
        Assert.Equal(ulrs.Order(), ulas.Order());
    }

    [FreeDiameterFact]
    public async Task A_request_for_an_application_freeDiameter_does_not_serve_is_answered_3007_as_a_typed_error()
    {
        var (node, fd, capture, _) = await Pair("unsupported", akkaInitiates: true);

        // Destination-Host is freeDiameter: the request is for its local consumption (RFC 6733 §6.1.4), and it has no
        // S6a application: DIAMETER_APPLICATION_UNSUPPORTED 3007 (§7.1.3), E bit set.
        var answer = await node.AskAsync(Ulr(node, FdRealm).Add("Destination-Host", FdHost));

        Assert.False(answer.IsSuccess);
        Assert.True(answer.ResultCode == ResultCodes.ApplicationUnsupported, answer.Message.ToTreeString());
        Assert.True(answer.Message.IsError);
        Assert.Equal(FdHost, answer.Peer);
        var error = Assert.IsType<DiameterError>(answer.Error);
        Assert.Equal(3007u, error.ResultCode);
        Assert.Equal("DIAMETER_APPLICATION_UNSUPPORTED", error.ResultCodeName);
        Assert.True(error.IsProtocolError);
        Assert.Contains(FdHost, error.Reason);
        Assert.Null(answer.Message.Validate());

        // Without Destination-Host, a request for its realm is local only if it supports the application (§6.1.4);
        // it does not, so it routes the request, finds no peer for it and answers DIAMETER_UNABLE_TO_DELIVER 3002.
        var routed = await node.AskAsync(Ulr(node, FdRealm));
        Assert.Equal(ResultCodes.UnableToDeliver, routed.ResultCode);
        Assert.True(routed.Message.IsError);
        Assert.Equal(3002u, routed.Error!.ResultCode);
        Assert.StartsWith("No suitable candidate to route the message to", routed.Error.Reason);

        await node.StopAsync();
        await VerifyCapture(capture);
    }

    private async Task VerifyCapture(WireCapture capture)
    {
        var frames = await capture.VerifyAsync();
        Output.WriteLine($"capture {capture.File}: {frames.Count} Diameter frame(s), none flagged by the dissector");
    }

    public Task InitializeAsync() => Task.CompletedTask;

    async Task IAsyncLifetime.DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            try { await node.StopAsync(); } catch (Exception) { /* already stopped */ }
        }
        foreach (var fd in _fds)
        {
            Output.WriteLine($"---- freeDiameter {fd.Identity} log ----\n{fd.Log}");
            await fd.DisposeAsync();
        }
        foreach (var c in _captures) await c.DisposeAsync();
    }
}
