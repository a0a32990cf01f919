using Akka.Actor;
using Akka.TestKit.Xunit2;
using AkkaDiameter.Applications;
using AkkaDiameter.Protocol;
using AkkaDiameter.Protocol.Dictionary;
using Xunit;
using Xunit.Abstractions;
using static AkkaDiameter.Interop.Tests.InteropNodes;

namespace AkkaDiameter.Interop.Tests;

/// <summary>
/// AkkaDiameter nodes talking to each other on loopback with their traffic captured: every message they put on the
/// wire — capabilities exchange, watchdog, disconnect, answers from handlers, the error answers the node makes itself
/// (validation with Failed-AVP, a failing handler, routing errors, redirect, relay with Route-Record) — must pass
/// Wireshark's Diameter dissector without a complaint.
/// </summary>
public sealed class NodeWireTests(ITestOutputHelper log) : TestKit("akka.loglevel = INFO", log)
{
    private const string Mme = "mme.localdomain", MmeRealm = "mme.localdomain";
    private const string Hss = "hss.localdomain", HssRealm = "hss.localdomain";
    private const string Dra = "dra.localdomain", DraRealm = "dra.localdomain";

    /// <summary>ULA 2001 for any IMSI; an IMSI of "crash" makes it throw (the node answers 5012).</summary>
    private sealed class UlrHandler : DiameterRequestHandler
    {
        protected override void Handle(IncomingRequest r)
        {
            if (r.Request.GetString("User-Name") == "001019999999999") throw new InvalidOperationException("subscriber store unavailable");
            r.Reply(r.CreateAnswer().Add("Auth-Session-State", "NO_STATE_MAINTAINED").Add("ULA-Flags", 1u));
        }
    }

    private static DiameterMessage Ulr(string realm, string imsi = "001010000000001") => DiameterMessage.CreateRequest("ULR")
        .Add("Auth-Session-State", "NO_STATE_MAINTAINED").Add("Destination-Realm", realm)
        .Add("User-Name", imsi).Add("RAT-Type", "EUTRAN").Add("ULR-Flags", 34u).Add("Visited-PLMN-Id", new byte[] { 0x00, 0xF1, 0x10 });

    [CapturedFact]
    public async Task Two_nodes_exchanging_requests_watchdogs_and_error_answers_put_nothing_on_the_wire_the_dissector_flags()
    {
        var hssPort = FreePort();
        await using var capture = await WireCapture.StartAsync("nodes-direct", hssPort);
        var hss = await DiameterNode.StartAsync(Sys, NodeSettings(Hss, HssRealm, hssPort, Peer(Mme, MmeRealm, 1, connect: false),
            "watchdog-interval = 1s, watchdog-jitter = 200ms"), DiameterDictionary.Default, "hss", new DiameterHandlers().Add<UlrHandler>("ULR"));
        var mme = await DiameterNode.StartAsync(Sys, NodeSettings(Mme, MmeRealm, null, Peer(Hss, HssRealm, hssPort, connect: true),
            "watchdog-interval = 1s, watchdog-jitter = 200ms"), DiameterDictionary.Default, "mme");
        await mme.WaitUntilOpenAsync(Hss, TimeSpan.FromSeconds(20));

        Assert.Equal(ResultCodes.Success, (await mme.AskAsync(Ulr(HssRealm))).ResultCode);
        // Validation errors made by the node, each with Failed-AVP (RFC 6733 §7.5).
        var missing = Ulr(HssRealm);
        missing.RemoveAll("User-Name");
        var missingAnswer = await mme.AskAsync(missing);
        Assert.Equal(ResultCodes.MissingAvp, missingAnswer.ResultCode);
        Assert.Equal("User-Name", missingAnswer.Error!.FailedAvp!.Name);
        var twice = Ulr(HssRealm).Add("User-Name", "001010000000002");
        Assert.Equal(ResultCodes.AvpOccursTooManyTimes, (await mme.AskAsync(twice)).ResultCode);
        // A handler that throws: DIAMETER_UNABLE_TO_COMPLY.
        Assert.Equal(ResultCodes.UnableToComply, (await mme.AskAsync(Ulr(HssRealm, "001019999999999"))).ResultCode);
        // Watchdog intervals pass in both directions.
        await AwaitAssertAsync(async () => Assert.NotNull((await hss.GetBaseMessagesAsync(Mme)).Dwa), TimeSpan.FromSeconds(10));
        await AwaitAssertAsync(async () => Assert.NotNull((await mme.GetBaseMessagesAsync(Hss)).Dwa), TimeSpan.FromSeconds(10));

        await mme.StopAsync();
        await hss.StopAsync();
        var frames = await capture.VerifyAsync();
        var commands = (await capture.MessagesAsync("diameter")).Select(m => m.Command).ToHashSet();
        Assert.Superset(new HashSet<uint> { 257, 280, 282, 316 }, commands);
        Output.WriteLine($"{frames.Count} Diameter frames, none flagged");
    }

    [CapturedFact]
    public async Task Relay_redirect_and_routing_errors_through_an_agent_put_nothing_on_the_wire_the_dissector_flags()
    {
        var draPort = FreePort();
        await using var capture = await WireCapture.StartAsync("nodes-agent", draPort);
        const string RedirectRealm = "redirect.localdomain", NowhereRealm = "nowhere.localdomain";
        var dra = await DiameterNode.StartAsync(Sys, NodeSettings(Dra, DraRealm, draPort,
            Peer(Mme, MmeRealm, 1, connect: false) + ",\n" + Peer(Hss, HssRealm, 1, connect: false),
            $$"""
            realms = [
              { realm = "{{HssRealm}}", action = relay, peers = ["{{Hss}}"] },
              { realm = "{{RedirectRealm}}", action = redirect, peers = ["{{Hss}}"] }
            ]
            """), DiameterDictionary.Default, "dra");
        var hss = await DiameterNode.StartAsync(Sys, NodeSettings(Hss, HssRealm, null, Peer(Dra, DraRealm, draPort, connect: true)),
            DiameterDictionary.Default, "hss", new DiameterHandlers().Add<UlrHandler>("ULR"));
        var mme = await DiameterNode.StartAsync(Sys, NodeSettings(Mme, MmeRealm, null, Peer(Dra, DraRealm, draPort, connect: true),
            $$"""
            realms = [
              { realm = "{{HssRealm}}", action = relay, peers = ["{{Dra}}"] },
              { realm = "{{RedirectRealm}}", action = relay, peers = ["{{Dra}}"] },
              { realm = "{{NowhereRealm}}", action = relay, peers = ["{{Dra}}"] }
            ]
            """), DiameterDictionary.Default, "mme");
        await mme.WaitUntilOpenAsync(Dra, TimeSpan.FromSeconds(20));
        await hss.WaitUntilOpenAsync(Dra, TimeSpan.FromSeconds(20));
        await dra.WaitUntilOpenAsync(Hss, TimeSpan.FromSeconds(20));

        var relayed = await mme.AskAsync(Ulr(HssRealm));
        Assert.Equal(ResultCodes.Success, relayed.ResultCode);
        Assert.Equal(Hss, relayed.Message.GetString("Origin-Host"));
        var redirected = await mme.AskAsync(Ulr(RedirectRealm));
        Assert.Equal(ResultCodes.RedirectIndication, redirected.ResultCode);
        Assert.Equal(Hss, redirected.Message.Get("Redirect-Host").GetUri().Fqdn);
        var nowhere = await mme.AskAsync(Ulr(NowhereRealm));
        Assert.Equal(ResultCodes.RealmNotServed, nowhere.ResultCode);
        Assert.Equal(Dra, nowhere.Peer);

        await mme.StopAsync();
        await hss.StopAsync();
        await dra.StopAsync();
        var frames = await capture.VerifyAsync();
        Output.WriteLine($"{frames.Count} Diameter frames, none flagged");
    }
}
