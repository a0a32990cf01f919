using System.Collections.Concurrent;
using Akka.TestKit.Xunit2;
using AkkaDiameter.Applications;
using AkkaDiameter.Peers;
using AkkaDiameter.Protocol;
using AkkaDiameter.Protocol.Dictionary;
using AkkaDiameter.Protocol.Wire;
using AkkaDiameter.Settings;
using Xunit;
using static AkkaDiameter.Tests.TestNodes;

namespace AkkaDiameter.Tests;

/// <summary>Past its bounds the node answers at once (RFC 6733 §7.1.3 DIAMETER_TOO_BUSY, or 5012 by policy) instead
/// of queueing without limit; places come back as requests are answered.</summary>
public sealed class OverloadTests() : TestKit("akka.loglevel = WARNING")
{
    /// <summary>Holds every request until the test answers it.</summary>
    private sealed class HoldingHandler : DiameterRequestHandler
    {
        public static readonly ConcurrentDictionary<string, ConcurrentQueue<IncomingRequest>> Held = new();

        protected override void Handle(IncomingRequest r) =>
            Held.GetOrAdd(r.Request.GetString("Destination-Realm"), _ => new()).Enqueue(r);
    }

    private static DiameterMessage Ulr(string imsi) => DiameterMessage.CreateRequest("ULR")
        .Add("Session-Id", $"{Mme};1;{imsi}").Add("Auth-Session-State", "NO_STATE_MAINTAINED").Add("Destination-Realm", Realm)
        .Add("User-Name", imsi).Add("RAT-Type", "EUTRAN").Add("ULR-Flags", 34u).Add("Visited-PLMN-Id", new byte[] { 0x00, 0xF1, 0x10 });

    private Task<(DiameterNode Hss, DiameterNode Mme)> Nodes(string overload) => Nodes<HoldingHandler>(overload);

    /// <summary>An HSS with <typeparamref name="THandler"/> for ULR and <paramref name="overload"/> settings, and an MME
    /// connected to it with <paramref name="mmeExtra"/>.</summary>
    private async Task<(DiameterNode Hss, DiameterNode Mme)> Nodes<THandler>(string overload, string mmeExtra = "")
        where THandler : DiameterRequestHandler, new()
    {
        var port = FreePort();
        var hss = await DiameterNode.StartAsync(Sys, NodeSettings(Hss, port, Peer(Mme, 1, connect: false), overload),
            DiameterDictionary.Default, "hss", new DiameterHandlers().Add<THandler>("ULR"));
        var mme = await DiameterNode.StartAsync(Sys, NodeSettings(Mme, null, Peer(Hss, port, connect: true), mmeExtra), DiameterDictionary.Default, "mme");
        await mme.WaitUntilOpenAsync(Hss, TimeSpan.FromSeconds(10));
        return (hss, mme);
    }

    private async Task<List<IncomingRequest>> AwaitHeld(int count)
    {
        var held = HoldingHandler.Held.GetOrAdd(Realm, _ => new());
        await AwaitConditionAsync(() => Task.FromResult(held.Count >= count), TimeSpan.FromSeconds(10));
        var list = new List<IncomingRequest>();
        while (held.TryDequeue(out var r)) list.Add(r);
        return list;
    }

    [Theory]
    [InlineData("max-pending-requests = 5", 3004u)]
    [InlineData("max-pending-requests-per-peer = 5", 3004u)]
    [InlineData("max-pending-requests = 5\noverload-policy = unable-to-comply", 5012u)]
    public async Task Requests_past_the_bound_are_answered_at_once_and_places_come_back_as_answers_go_out(string overload, uint refusedWith)
    {
        HoldingHandler.Held.Clear();
        var (hss, mme) = await Nodes(overload);
        var answers = Enumerable.Range(0, 8).Select(i => mme.SendAsync(Hss, Ulr($"00101000000000{i}"))).ToList();

        // Five are held by the handler; three are refused at once, with the E bit for 3004 (§7.2) and the reason.
        var held = await AwaitHeld(5);
        await AwaitConditionAsync(() => Task.FromResult(answers.Count(a => a.IsCompleted) >= 3), TimeSpan.FromSeconds(10));
        var refused = answers.Where(a => a.IsCompleted).Select(a => a.Result).ToList();
        Assert.Equal(3, refused.Count);
        Assert.All(refused, m =>
        {
            Assert.Equal(refusedWith, m.ResultCode);
            Assert.Equal(refusedWith == 3004, m.Flags.HasFlag(CommandFlags.Error));
            Assert.Contains("overloaded", m.GetString("Error-Message"));
        });
        Assert.Equal(3, (await hss.GetPeerStatusAsync(Mme)).RefusedOverload);
        Assert.Equal(5, (await hss.GetPeerStatusAsync(Mme)).InboundRequests);

        // Answering the held ones gives their places back: the next request is served.
        foreach (var r in held) r.Reply(r.CreateAnswer().Add("Auth-Session-State", "NO_STATE_MAINTAINED"));
        Assert.All(await Task.WhenAll(answers), m => Assert.Contains(m.ResultCode, new uint?[] { 2001, refusedWith }));
        var next = mme.SendAsync(Hss, Ulr("001010000000009"));
        var again = Assert.Single(await AwaitHeld(1));
        again.Reply(again.CreateAnswer().Add("Auth-Session-State", "NO_STATE_MAINTAINED"));
        Assert.Equal(ResultCodes.Success, (await next).ResultCode);
        Assert.Equal(0, (await hss.GetPeerStatusAsync(Mme)).InboundRequests);
        await mme.StopAsync();
        await hss.StopAsync();
    }

    /// <summary>Tells the test actor of every request and holds it, as <see cref="HoldingHandler"/> does.</summary>
    private sealed class ReportingHandler : DiameterRequestHandler
    {
        public static Akka.Actor.IActorRef Probe = Akka.Actor.ActorRefs.Nobody;

        protected override void Handle(IncomingRequest r) => Probe.Tell(r, Self);
    }

    /// <summary>The HSS keeps the tests' Tw of 400 ms and is paused for longer than 2·Tw: its watchdog must not take the
    /// pause for the MME's silence (it was not reading). The MME has Tw 6 s and a request-timeout of 10 s, as in
    /// production: none of its requests is answered during the pause, and a peer's watchdog would fail over after
    /// Tw of that (RFC 3539), which a 400 ms Tw would reach here.</summary>
    [Fact]
    public async Task With_pause_reading_at_requests_in_process_the_connection_is_not_read_until_half_are_answered()
    {
        ReportingHandler.Probe = TestActor;
        var (hss, mme) = await Nodes<ReportingHandler>("pause-reading-at = 4", "watchdog-interval = 6s\nrequest-timeout = 10s");

        // Four in process: the HSS stops reading from the MME.
        var answers = Enumerable.Range(0, 4).Select(i => mme.SendAsync(Hss, Ulr($"00101000000000{i}"))).ToList();
        var held = Enumerable.Range(0, 4).Select(_ => ExpectMsg<IncomingRequest>()).ToList();
        await AwaitAssertAsync(async () => Assert.True((await hss.GetPeerStatusAsync(Mme)).ReadingPaused));

        // Three more wait in TCP: not refused, not handed to the handler.
        answers.AddRange(Enumerable.Range(4, 3).Select(i => mme.SendAsync(Hss, Ulr($"00101000000000{i}"))));
        ExpectNoMsg(TimeSpan.FromMilliseconds(1000));
        var paused = await hss.GetPeerStatusAsync(Mme);
        Assert.Equal((4, 0L, 1L), (paused.InboundRequests, paused.RefusedOverload, paused.ReadPauses));
        Assert.Equal((PeerState.ROpen, WatchdogState.Okay), (paused.State, paused.Watchdog));
        Assert.All(answers, a => Assert.False(a.IsCompleted));

        // One answer is not enough (4 -> 3); the second brings it to half and reading resumes: the three arrive.
        void Answer(IncomingRequest r) => r.Reply(r.CreateAnswer().Add("Auth-Session-State", "NO_STATE_MAINTAINED"));
        Answer(held[0]);
        ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        Answer(held[1]);
        held.AddRange(Enumerable.Range(0, 3).Select(_ => ExpectMsg<IncomingRequest>()));
        foreach (var r in held.Skip(2)) Answer(r);

        // Every request answered 2001, in the order sent; nothing was refused.
        var results = await Task.WhenAll(answers);
        Assert.All(results, m => Assert.Equal(ResultCodes.Success, m.ResultCode));
        Assert.Equal(Enumerable.Range(0, 7).Select(i => $"00101000000000{i}"), held.Select(r => r.Request.GetString("User-Name")));
        var after = await hss.GetPeerStatusAsync(Mme);
        Assert.Equal((0, 0L, false), (after.InboundRequests, after.RefusedOverload, after.ReadingPaused));
        await mme.StopAsync();
        await hss.StopAsync();
    }

    [Fact]
    public async Task A_peer_that_closes_its_side_while_reading_is_paused_is_seen_gone_at_once_with_what_it_sent_before()
    {
        // request-timeout 10 s: the pause would otherwise last until the held requests expire.
        ReportingHandler.Probe = TestActor;
        var hss = await DiameterNode.StartAsync(Sys, NodeSettings(Hss, 0, Peer(Mme, 1, connect: false), "pause-reading-at = 2\nrequest-timeout = 10s"),
            DiameterDictionary.Default, "hss", new DiameterHandlers().Add<ReportingHandler>("ULR"));
        await using var mme = await ScriptedPeer.ConnectAsync(hss.ListenEndpoints[0].Port);
        await mme.SendAsync(ScriptedPeer.Cer(Mme));
        Assert.Equal(ResultCodes.Success, (await mme.ExpectAsync(257, request: false)).ResultCode);
        await mme.SendAsync(ScriptedPeer.Ulr(Mme, 1, "001010000000001"));
        await mme.SendAsync(ScriptedPeer.Ulr(Mme, 2, "001010000000002"));
        ExpectMsg<IncomingRequest>();
        ExpectMsg<IncomingRequest>();
        await AwaitAssertAsync(async () => Assert.True((await hss.GetPeerStatusAsync(Mme)).ReadingPaused));

        // A third ULR, then the FIN: the ULR still reaches the handler, and the connection is seen closed without
        // waiting for the first two to be answered.
        await mme.SendAsync(ScriptedPeer.Ulr(Mme, 3, "001010000000003"));
        mme.CloseSend();
        Assert.Equal("001010000000003", ExpectMsg<IncomingRequest>(TimeSpan.FromSeconds(5)).Request.GetString("User-Name"));
        await AwaitAssertAsync(async () => Assert.Equal(PeerState.Closed, (await hss.GetPeerStatusAsync(Mme)).State), TimeSpan.FromSeconds(5));
        await hss.StopAsync();
    }

    [Fact]
    public async Task With_pause_reading_at_0_the_connection_is_read_whatever_is_in_process()
    {
        ReportingHandler.Probe = TestActor;
        var (hss, mme) = await Nodes<ReportingHandler>("pause-reading-at = 0");
        var answers = Enumerable.Range(0, 200).Select(i => mme.SendAsync(Hss, Ulr($"001010000{i:000000}"))).ToList();
        var held = Enumerable.Range(0, 200).Select(_ => ExpectMsg<IncomingRequest>()).ToList();
        var status = await hss.GetPeerStatusAsync(Mme);
        Assert.Equal((200, false, 0L), (status.InboundRequests, status.ReadingPaused, status.ReadPauses));
        foreach (var r in held) r.Reply(r.CreateAnswer().Add("Auth-Session-State", "NO_STATE_MAINTAINED"));
        Assert.All(await Task.WhenAll(answers), m => Assert.Equal(ResultCodes.Success, m.ResultCode));
        await mme.StopAsync();
        await hss.StopAsync();
    }

    [Fact]
    public void The_policy_is_checked_at_start()
    {
        var e = Assert.Throws<DiameterConfigurationException>(() => NodeSettings(Hss, null, Peer(Mme, 1, connect: false), "overload-policy = drop"));
        Assert.Contains("akka.diameter.overload-policy: 'drop' is not too-busy or unable-to-comply", e.Message);
        Assert.Equal(128, NodeSettings(Hss, null, Peer(Mme, 1, connect: false)).PauseReadingAt);
        var negative = Assert.Throws<DiameterConfigurationException>(() => NodeSettings(Hss, null, Peer(Mme, 1, connect: false), "pause-reading-at = -1"));
        Assert.Contains("akka.diameter.pause-reading-at", negative.Message);
    }
}
