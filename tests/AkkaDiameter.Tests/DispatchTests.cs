using Akka.Actor;
using Akka.TestKit.Xunit2;
using AkkaDiameter.Applications;
using AkkaDiameter.Protocol;
using AkkaDiameter.Protocol.Dictionary;
using AkkaDiameter.Sessions;
using Xunit;
using Xunit.Abstractions;
using static AkkaDiameter.Tests.TestNodes;

namespace AkkaDiameter.Tests;

/// <summary>Requests from a peer reaching handler actors: dispatch, validation, supervision, sessions.</summary>
public class DispatchTests(ITestOutputHelper output) : TestKit("akka.loglevel = INFO", output)
{
    /// <summary>Answers ULR with ULA 2001; a User-Name of "crash" makes it throw; "slow-N" answers after N other requests.</summary>
    private sealed class UlrHandler : DiameterRequestHandler
    {
        public static readonly List<string> Seen = [];
        protected override void Handle(IncomingRequest r)
        {
            var imsi = r.Request.GetString("User-Name");
            lock (Seen) Seen.Add($"{r.Request.SessionId}:{imsi}");
            if (imsi == "crash") throw new InvalidOperationException("subscriber store unavailable");
            r.Reply(r.CreateAnswer().Add("Auth-Session-State", "NO_STATE_MAINTAINED").Add("ULA-Flags", 1u));
        }
    }

    /// <summary>A plain actor, not a DiameterRequestHandler: it never answers.</summary>
    private sealed class SilentHandler : ReceiveActor
    {
        public SilentHandler() => ReceiveAny(_ => { });
    }

    private async Task<(DiameterNode Hss, DiameterNode Mme)> Nodes(DiameterHandlers handlers, string hssExtra = "")
    {
        var hssPort = FreePort();
        var hss = await DiameterNode.StartAsync(Sys, NodeSettings(Hss, hssPort, Peer(Mme, 1, connect: false), hssExtra), DiameterDictionary.Default, "hss", handlers);
        var mme = await DiameterNode.StartAsync(Sys, NodeSettings(Mme, null, Peer(Hss, hssPort, connect: true)), DiameterDictionary.Default, "mme");
        await mme.WaitUntilOpenAsync(Hss, TimeSpan.FromSeconds(10));
        return (hss, mme);
    }

    private static DiameterMessage Ulr(string sessionId, string imsi) => DiameterMessage.CreateRequest("ULR")
        .Add("Session-Id", sessionId).Add("Auth-Session-State", "NO_STATE_MAINTAINED").Add("Destination-Realm", Realm)
        .Add("User-Name", imsi).Add("RAT-Type", "EUTRAN").Add("ULR-Flags", 34u).Add("Visited-PLMN-Id", new byte[] { 0x00, 0xF1, 0x10 });

    [Fact]
    public void A_batch_is_handled_in_order_and_answered_together_and_a_request_that_throws_is_answered_5012_without_losing_the_rest()
    {
        var handler = Sys.ActorOf(Props.Create<UlrHandler>());
        var shared = new AnswerAvps(DiameterDictionary.Default, "hss.example.org", "example.org");
        IncomingRequest R(uint hopByHop, string imsi)
        {
            var ulr = Ulr($"mme.example.org;1;{hopByHop}", imsi);
            ulr.HopByHopId = hopByHop;
            return new IncomingRequest(ulr, "mme.example.org", TestActor, "hss.example.org", "example.org") { Shared = shared };
        }

        handler.Tell(new IncomingRequestBatch([R(1, "001010000000001"), R(2, "001010000000002"), R(3, "001010000000003")]));
        var together = ExpectMsg<HandlerAnswers>();
        Assert.Equal([1u, 2u, 3u], together.Answers.Select(a => a.HopByHopId));
        Assert.All(together.Answers, a => Assert.Equal(ResultCodes.Success, a.ResultCode));

        // The second throws: the first's answer leaves before the restart, the second is answered 5012, and the
        // restarted handler answers the last two.
        EventFilter.Exception<InvalidOperationException>().ExpectOne(() =>
            handler.Tell(new IncomingRequestBatch([R(4, "001010000000004"), R(5, "crash"), R(6, "001010000000006"), R(7, "001010000000007")])));
        Assert.Equal(4u, ExpectMsg<HandlerAnswer>().Answer.HopByHopId);
        var failed = ExpectMsg<HandlerAnswer>().Answer;
        Assert.Equal((5u, ResultCodes.UnableToComply), (failed.HopByHopId, failed.ResultCode!.Value));
        Assert.Equal([6u, 7u], ExpectMsg<HandlerAnswers>().Answers.Select(a => a.HopByHopId));
    }

    [Fact]
    public void Answers_share_the_node_identity_AVPs_and_encode_as_if_built_from_the_strings()
    {
        var shared = new AnswerAvps(DiameterDictionary.Default, "hss.example.org", "example.org");
        var ulr = DiameterMessage.CreateRequest("ULR").Add("Session-Id", "mme.example.org;1;1");
        IncomingRequest From(string host, AnswerAvps? avps) => new(ulr, "mme.example.org", ActorRefs.Nobody, host, "example.org") { Shared = avps };

        var a = From("hss.example.org", shared).CreateAnswer().Add("ULA-Flags", 1u);
        var b = From("hss.example.org", shared).CreateAnswer(ResultCodes.UnableToComply);
        Assert.Same(a.Find(264), b.Find(264));
        Assert.Equal(2001u, a.GetUInt32("Result-Code"));
        Assert.Equal(5012u, b.GetUInt32("Result-Code"));
        Assert.Null(b.Find("ULA-Flags"));
        Assert.Equal(From("hss.example.org", null).CreateAnswer().Add("ULA-Flags", 1u).Encode(), a.Encode());
        // Another identity than the shared AVPs carry: made from the strings.
        Assert.Equal("other.example.org", From("other.example.org", shared).CreateAnswer().GetString("Origin-Host"));
    }

    [Fact]
    public void The_application_router_publishes_the_handlers_it_supervises_so_peers_hand_stateless_requests_straight_to_them()
    {
        var directory = new HandlerDirectory();
        Assert.Null(directory.Find(16777251, 316));    // not yet published: peers fall back to the router
        var router = Sys.ActorOf(ApplicationRouter.Props(new DiameterHandlers().Add<UlrHandler>("ULR"), directory), "applications-directory");
        AwaitCondition(() => directory.Find(16777251, 316) is not null);
        // The router's own child: restarted by the router's strategy, under the same ActorRef.
        Assert.Equal(router.Path / "handler-16777251-316", directory.Find(16777251, 316)!.Path);
        Assert.Null(directory.Find(16777251, 318));    // AIR: no handler; the router answers 3001
    }

    [Fact]
    public async Task A_request_reaches_the_handler_registered_for_its_application_and_command_and_its_answer_comes_back()
    {
        var (hss, mme) = await Nodes(new DiameterHandlers().Add<UlrHandler>("ULR"));
        var sessionId = mme.NewSessionId();
        var ula = await mme.SendAsync(Hss, Ulr(sessionId, "001010000000001"));
        Assert.Equal(ResultCodes.Success, ula.ResultCode);
        Assert.Equal(sessionId, ula.SessionId);
        Assert.Equal(Hss, ula.GetString("Origin-Host"));
        Assert.Equal(1u, ula.GetUInt32("ULA-Flags"));
        Assert.Null(ula.Validate());
        await mme.StopAsync();
        await hss.StopAsync();
    }

    [Fact]
    public async Task A_handler_that_throws_is_answered_5012_and_serves_the_next_request()
    {
        var (hss, mme) = await Nodes(new DiameterHandlers().Add<UlrHandler>("ULR"));
        var crashed = await mme.SendAsync(Hss, Ulr(mme.NewSessionId(), "crash"));
        Assert.Equal(ResultCodes.UnableToComply, crashed.ResultCode);
        Assert.Contains("subscriber store unavailable", crashed.GetString("Error-Message"));
        var next = await mme.SendAsync(Hss, Ulr(mme.NewSessionId(), "001010000000002"));
        Assert.Equal(ResultCodes.Success, next.ResultCode);
        await mme.StopAsync();
        await hss.StopAsync();
    }

    /// <summary>A handler whose constructor throws: its subscriber store is misconfigured.</summary>
    private sealed class BrokenHandler : DiameterRequestHandler
    {
        public BrokenHandler() => throw new InvalidOperationException("subscriber database path not set");
        protected override void Handle(IncomingRequest r) => r.Reply(r.CreateAnswer());
    }

    [Fact]
    public async Task A_handler_that_cannot_be_created_is_stopped_not_restarted_in_a_loop_and_its_requests_are_answered_5012_saying_why()
    {
        var (hss, mme) = await Nodes(new DiameterHandlers().Add<UlrHandler>("ULR").Add<BrokenHandler>("AIR"));
        DiameterMessage Air() => DiameterMessage.CreateRequest("AIR").Add("Session-Id", mme.NewSessionId())
            .Add("Auth-Session-State", "NO_STATE_MAINTAINED").Add("Destination-Realm", Realm)
            .Add("User-Name", "001010000000001").Add("Visited-PLMN-Id", new byte[] { 0x00, 0xF1, 0x10 });
        // The first AIRs may still have been handed to the handler before it was stopped (then the node's deadline
        // answers them 5012); from then on the router answers at once, saying why.
        await AwaitAssertAsync(async () =>
        {
            var aia = await mme.SendAsync(Hss, Air());
            Assert.Equal(ResultCodes.UnableToComply, aia.ResultCode);
            Assert.Contains("could not be created: subscriber database path not set", aia.GetString("Error-Message"));
        }, TimeSpan.FromSeconds(15), TimeSpan.FromMilliseconds(100));
        // The node and its other handlers carry on.
        var ula = await mme.SendAsync(Hss, Ulr(mme.NewSessionId(), "001010000000002"));
        Assert.Equal(ResultCodes.Success, ula.ResultCode);
        await mme.StopAsync();
        await hss.StopAsync();
    }

    [Fact]
    public async Task A_handler_that_never_answers_is_answered_5012_at_request_timeout_and_its_session_moves_on()
    {
        var (hss, mme) = await Nodes(new DiameterHandlers().Add("ULR", Props.Create<SilentHandler>()), "request-timeout = 500ms");
        var sessionId = mme.NewSessionId();
        var first = mme.SendAsync(Hss, Ulr(sessionId, "001010000000001"));
        var second = mme.SendAsync(Hss, Ulr(sessionId, "001010000000001"));
        Assert.Equal(ResultCodes.UnableToComply, (await first).ResultCode);
        Assert.Contains("no answer from the ULR handler", (await first).GetString("Error-Message"));
        Assert.Equal(ResultCodes.UnableToComply, (await second).ResultCode);
        await mme.StopAsync();
        await hss.StopAsync();
    }

    [Fact]
    public async Task A_command_without_a_handler_is_3001_and_a_request_failing_validation_never_reaches_the_handler()
    {
        var (hss, mme) = await Nodes(new DiameterHandlers().Add<UlrHandler>("ULR"));
        var air = DiameterMessage.CreateRequest("AIR").Add("Session-Id", mme.NewSessionId()).Add("Auth-Session-State", 1)
            .Add("Destination-Realm", Realm).Add("User-Name", "001010000000001").Add("Visited-PLMN-Id", new byte[] { 0, 0xF1, 0x10 });
        var aia = await mme.SendAsync(Hss, air);
        Assert.Equal((ResultCodes.CommandUnsupported, true), (aia.ResultCode!.Value, aia.IsError));

        var sessionId = mme.NewSessionId();
        var noUser = Ulr(sessionId, "x");
        noUser.RemoveAll("User-Name");
        var rejected = await mme.SendAsync(Hss, noUser);
        Assert.Equal(ResultCodes.MissingAvp, rejected.ResultCode);
        Assert.Equal("User-Name", Assert.Single(rejected.GetGroup("Failed-AVP").Avps).Name);
        lock (UlrHandler.Seen) Assert.DoesNotContain(UlrHandler.Seen, s => s.StartsWith(sessionId));
        await mme.StopAsync();
        await hss.StopAsync();
    }

    [Fact]
    public async Task Session_actors_are_created_by_the_first_request_reused_kept_in_order_and_passivated_when_idle()
    {
        var (hss, mme) = await Nodes(new DiameterHandlers().Add<UlrHandler>("ULR"), "session-idle-timeout = 1s");
        var a = mme.NewSessionId("a");
        var b = mme.NewSessionId("b");
        var answers = new List<Task<DiameterMessage>>();
        for (var i = 0; i < 20; i++)
        {
            answers.Add(mme.SendAsync(Hss, Stateful(Ulr(a, $"a{i:D2}"))));
            answers.Add(mme.SendAsync(Hss, Stateful(Ulr(b, $"b{i:D2}"))));
        }
        Assert.All(await Task.WhenAll(answers), m => Assert.Equal(ResultCodes.Success, m.ResultCode));
        List<string> seen;
        lock (UlrHandler.Seen) seen = [.. UlrHandler.Seen];
        // Each session's requests reached the handler in the order they were sent.
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"{a}:a{i:D2}"), seen.Where(s => s.StartsWith(a + ":")));
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"{b}:b{i:D2}"), seen.Where(s => s.StartsWith(b + ":")));
        // Two session actors served forty requests, and both stop once idle.
        await AwaitAssertAsync(async () => Assert.Equal(0, await hss.CountSessionsAsync()), TimeSpan.FromSeconds(5));
        var again = await mme.SendAsync(Hss, Stateful(Ulr(a, "a20")));
        Assert.Equal(ResultCodes.Success, again.ResultCode);
        Assert.Equal(1, await hss.CountSessionsAsync());
        hss.EndSession(a);
        await AwaitAssertAsync(async () => Assert.Equal(0, await hss.CountSessionsAsync()), TimeSpan.FromSeconds(5));
        await mme.StopAsync();
        await hss.StopAsync();
    }

    private static DiameterMessage Stateful(DiameterMessage request)
    {
        request.RemoveAll("Auth-Session-State");
        return request.Add("Auth-Session-State", "STATE_MAINTAINED");
    }

    [Theory]
    [InlineData(false, 0)]
    [InlineData(true, 1)]
    public async Task A_NO_STATE_MAINTAINED_request_gets_no_session_actor_unless_configured(bool actors, int sessions)
    {
        var (hss, mme) = await Nodes(new DiameterHandlers().Add<UlrHandler>("ULR"), $"stateless-session-actors = {(actors ? "on" : "off")}");
        var id = mme.NewSessionId();
        Assert.Equal(ResultCodes.Success, (await mme.SendAsync(Hss, Ulr(id, "s1"))).ResultCode);
        Assert.Equal(ResultCodes.Success, (await mme.SendAsync(Hss, Ulr(id, "s2"))).ResultCode);
        Assert.Equal(sessions, await hss.CountSessionsAsync());
        await mme.StopAsync();
        await hss.StopAsync();
    }

    [Fact]
    public void Session_ids_follow_RFC_6733_section_8_8()
    {
        var first = SessionIds.New(Mme);
        var second = SessionIds.New(Mme, "attach");
        var p1 = first.Split(';');
        var p2 = second.Split(';');
        Assert.Equal(3, p1.Length);
        Assert.Equal(Mme, p1[0]);
        Assert.Equal(p1[1], p2[1]);                                   // high 32 bits: boot time
        Assert.Equal(uint.Parse(p1[2]) + 1, uint.Parse(p2[2]));       // low 32 bits: incremented
        Assert.Equal("attach", p2[3]);
        Assert.InRange(uint.Parse(p1[1]), (uint)DateTimeOffset.UtcNow.AddDays(-1).ToUnixTimeSeconds(), (uint)DateTimeOffset.UtcNow.ToUnixTimeSeconds());
    }
}
