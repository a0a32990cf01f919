using System.Collections.Concurrent;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using AkkaDiameter.Applications;
using AkkaDiameter.Protocol;
using AkkaDiameter.Protocol.Dictionary;
using AkkaDiameter.Routing;
using Xunit;
using Xunit.Abstractions;
using static AkkaDiameter.Tests.TestNodes;

namespace AkkaDiameter.Tests;

/// <summary>RFC 6733 §6.1 routing between several nodes on loopback: load sharing, failover with the T flag,
/// relay both ways with Route-Record, loop detection, redirect, realms not served.</summary>
public class RoutingTests(ITestOutputHelper output) : TestKit("akka.loglevel = INFO", output)
{
    private const string Dra = "dra.epc.mnc001.mcc001.3gppnetwork.org";

    /// <summary>What each handler saw, per node.</summary>
    private sealed class Journal
    {
        public readonly ConcurrentQueue<DiameterMessage> Requests = new();
        public readonly ConcurrentQueue<IncomingRequest> Parked = new();
    }

    /// <summary>Answers 2001 and records the request; parks requests (never answers) while <see cref="Park"/> is set.</summary>
    private sealed class RecordingHandler(Journal journal, Func<bool> park) : DiameterRequestHandler
    {
        protected override void Handle(IncomingRequest r)
        {
            journal.Requests.Enqueue(r.Request);
            if (park()) { journal.Parked.Enqueue(r); return; }
            var answer = r.CreateAnswer().Add("Auth-Session-State", "NO_STATE_MAINTAINED");
            r.Reply(answer);
        }
    }

    private static DiameterHandlers Handlers(Journal journal, Func<bool>? park = null, params string[] commands)
    {
        var h = new DiameterHandlers();
        foreach (var c in commands.Length > 0 ? commands : ["ULR"])
            h.Add(c, Props.Create(() => new RecordingHandler(journal, park ?? (() => false))));
        return h;
    }

    private static DiameterMessage Ulr(string imsi) => DiameterMessage.CreateRequest("ULR")
        .Add("Auth-Session-State", "NO_STATE_MAINTAINED").Add("Destination-Realm", Realm)
        .Add("User-Name", imsi).Add("RAT-Type", "EUTRAN").Add("ULR-Flags", 34u).Add("Visited-PLMN-Id", new byte[] { 0x00, 0xF1, 0x10 });

    private async Task<(DiameterNode Mme, List<DiameterNode> Hss, List<Journal> Journals)> MmeWithHssPool(int count, Func<int, Func<bool>>? park = null)
    {
        var journals = new List<Journal>();
        var hss = new List<DiameterNode>();
        var peers = new List<string>();
        for (var i = 1; i <= count; i++)
        {
            var journal = new Journal();
            journals.Add(journal);
            var host = $"hss{i}.epc.mnc001.mcc001.3gppnetwork.org";
            var node = await DiameterNode.StartAsync(Sys, NodeSettings(host, 0, Peer(Mme, 1, connect: false)), DiameterDictionary.Default,
                $"hss{i}", Handlers(journal, park?.Invoke(i)));
            hss.Add(node);
            peers.Add(Peer(host, node.ListenEndpoints[0].Port, connect: true));
        }
        var mme = await DiameterNode.StartAsync(Sys, NodeSettings(Mme, null, string.Join(",\n", peers)), DiameterDictionary.Default, "mme");
        for (var i = 1; i <= count; i++) await mme.WaitUntilOpenAsync($"hss{i}.epc.mnc001.mcc001.3gppnetwork.org", TimeSpan.FromSeconds(10));
        return (mme, hss, journals);
    }

    [Fact]
    public async Task Three_peers_serving_one_realm_share_the_load()
    {
        var (mme, hss, journals) = await MmeWithHssPool(3);
        var answers = await Task.WhenAll(Enumerable.Range(0, 300).Select(i => mme.AskAsync(Ulr($"00101{i:D10}"))));
        Assert.All(answers, a => Assert.True(a.IsSuccess, a.Message.ToTreeString()));
        Assert.All(answers, a => Assert.StartsWith("hss", a.Peer));
        var counts = journals.Select(j => j.Requests.Count).ToList();
        Assert.Equal(300, counts.Sum());
        Assert.All(counts, c => Assert.True(c >= 30, $"one peer took only {c} of 300: {string.Join("/", counts)}"));
        // Session-Id, Origin-Host/Realm and End-to-End were filled in by the node.
        Assert.All(journals.SelectMany(j => j.Requests), r => Assert.StartsWith(Mme + ";", r.SessionId));
        await mme.StopAsync();
        foreach (var h in hss) await h.StopAsync();
    }

    [Fact]
    public async Task A_peer_killed_mid_run_has_its_pending_requests_completed_through_the_others_with_the_T_flag()
    {
        // hss2 takes requests and never answers; then it dies. Its requests must reach hss1/hss3 with T set.
        var (mme, hss, journals) = await MmeWithHssPool(3, i => () => i == 2);
        var answers = Enumerable.Range(0, 60).Select(i => mme.AskAsync(Ulr($"00101{i:D10}"))).ToList();
        await AwaitConditionAsync(() => Task.FromResult(journals[1].Parked.Count > 0), TimeSpan.FromSeconds(10));
        var parkedOnHss2 = journals[1].Parked.Select(p => p.Request.SessionId).ToHashSet();
        await AwaitConditionAsync(() => Task.FromResult(journals[0].Requests.Count + journals[2].Requests.Count + journals[1].Parked.Count >= 60),
            TimeSpan.FromSeconds(10));
        parkedOnHss2 = journals[1].Parked.Select(p => p.Request.SessionId).ToHashSet();
        Assert.NotEmpty(parkedOnHss2);
        Sys.Stop(hss[1].Ref);                                     // abrupt: connections drop, no DPR

        var all = await Task.WhenAll(answers);
        Assert.All(all, a => Assert.True(a.IsSuccess, a.Message.ToTreeString()));   // none lost
        var retried = journals[0].Requests.Concat(journals[2].Requests).Where(r => parkedOnHss2.Contains(r.SessionId)).ToList();
        Assert.Equal(parkedOnHss2.Count, retried.Count);
        Assert.All(retried, r => Assert.True(r.IsRetransmit(), $"{r.SessionId} was sent again without the T flag"));
        Assert.All(all.Where(a => parkedOnHss2.Contains(a.Message.SessionId)), a => Assert.NotEqual("hss2.epc.mnc001.mcc001.3gppnetwork.org", a.Peer));
        await mme.StopAsync();
        await hss[0].StopAsync();
        await hss[2].StopAsync();
    }

    private async Task<(DiameterNode Mme, DiameterNode Dra, DiameterNode Hss, Journal MmeJournal, Journal HssJournal)> MmeDraHss(string draRealmEntry)
    {
        var mmeJournal = new Journal();
        var hssJournal = new Journal();
        var dra = await DiameterNode.StartAsync(Sys, NodeSettings(Dra, 0,
            Peer(Mme, 1, connect: false) + ",\n" + Peer(Hss, 1, connect: false),
            $"realms = [ {draRealmEntry} ]"), DiameterDictionary.Default, "dra");
        var draPort = dra.ListenEndpoints[0].Port;
        var extraApps = "{ vendor-id = 10415, auth-application-id = 16777251 }, { auth-application-id = 16777999 }";
        var hss = await DiameterNode.StartAsync(Sys, NodeSettings(Hss, null, Peer(Dra, draPort, connect: true), "", extraApps), DiameterDictionary.Default, "hss",
            Handlers(hssJournal, null, "ULR").Add(16777999, 9000, Props.Create(() => new RecordingHandler(hssJournal, () => false))));
        var mme = await DiameterNode.StartAsync(Sys, NodeSettings(Mme, null, Peer(Dra, draPort, connect: true), "", extraApps), DiameterDictionary.Default, "mme",
            Handlers(mmeJournal, null, "CLR"));
        await mme.WaitUntilOpenAsync(Dra, TimeSpan.FromSeconds(10));
        await hss.WaitUntilOpenAsync(Dra, TimeSpan.FromSeconds(10));
        await dra.WaitUntilOpenAsync(Mme, TimeSpan.FromSeconds(10));
        await dra.WaitUntilOpenAsync(Hss, TimeSpan.FromSeconds(10));
        return (mme, dra, hss, mmeJournal, hssJournal);
    }

    private static readonly string RelayToHss =
        $"{{ realm = \"{Realm}\", application-id = 16777251, action = relay, peers = [\"{Hss}\"] }}, " +
        $"{{ realm = \"{Realm}\", application-id = 16777999, action = relay, peers = [\"{Hss}\"] }}";

    [Fact]
    public async Task A_relay_forwards_both_ways_with_Route_Record_and_its_own_hop_by_hop_identifiers()
    {
        var (mme, dra, hss, mmeJournal, hssJournal) = await MmeDraHss(RelayToHss);
        // The relay advertises the relay application (RFC 6733 §2.4).
        var draCea = (await mme.GetBaseMessagesAsync(Dra)).Cea!;
        Assert.Contains(0xFFFF_FFFFu, draCea.FindAll("Auth-Application-Id").Select(a => a.GetUInt32()));

        // MME → DRA → HSS and back.
        var sent = Ulr("001010000000001");
        var ula = await mme.AskAsync(sent);
        Assert.True(ula.IsSuccess, ula.Message.ToTreeString());
        Assert.Equal(Dra, ula.Peer);
        Assert.Equal(Hss, ula.Message.GetString("Origin-Host"));
        var atHss = Assert.Single(hssJournal.Requests);
        Assert.Equal([Mme], atHss.FindAll("Route-Record").Select(r => r.GetString()));
        Assert.Equal(Mme, atHss.GetString("Origin-Host"));
        Assert.Equal(sent.EndToEndId, atHss.EndToEndId);                   // End-to-End kept,
        Assert.NotEqual(sent.HopByHopId, atHss.HopByHopId);                // Hop-by-Hop swapped on the DRA's connection,
        Assert.Equal(sent.HopByHopId, ula.Message.HopByHopId);             // and restored on the way back

        // HSS → DRA → MME: a CLR for the MME by Destination-Host.
        var clr = DiameterMessage.CreateRequest("CLR").Add("Auth-Session-State", "NO_STATE_MAINTAINED")
            .Add("Destination-Host", Mme).Add("Destination-Realm", Realm).Add("User-Name", "001010000000001")
            .Add("Cancellation-Type", "MME_UPDATE_PROCEDURE");
        var cla = await hss.AskAsync(clr);
        Assert.True(cla.IsSuccess, cla.Message.ToTreeString());
        var atMme = Assert.Single(mmeJournal.Requests);
        Assert.Equal([Hss], atMme.FindAll("Route-Record").Select(r => r.GetString()));
        Assert.Equal(clr.EndToEndId, atMme.EndToEndId);          // End-to-End is kept end to end

        // An application the relay has no dictionary for is relayed all the same.
        var privateRequest = new DiameterMessage(9000, 16777999, Protocol.Wire.CommandFlags.Request | Protocol.Wire.CommandFlags.Proxiable)
            .Add("Session-Id", mme.NewSessionId()).Add("Destination-Realm", Realm)
            .Add(new Avp(1, 99999, Protocol.Wire.AvpFlags.Mandatory, new byte[] { 1, 2, 3, 4 }));
        var privateAnswer = await mme.AskAsync(privateRequest);
        Assert.Equal(ResultCodes.AvpUnsupported, privateAnswer.ResultCode);   // the HSS, not the relay, judged the AVP
        Assert.Equal(Hss, privateAnswer.Message.GetString("Origin-Host"));
        await mme.StopAsync();
        await hss.StopAsync();
        await dra.StopAsync();
    }

    [Fact]
    public async Task A_request_whose_Route_Record_holds_the_relay_is_answered_3005()
    {
        var (mme, dra, hss, _, hssJournal) = await MmeDraHss(RelayToHss);
        var looping = Ulr("001010000000001").Add("Route-Record", Dra);
        var answer = await mme.AskAsync(looping);
        Assert.Equal(ResultCodes.LoopDetected, answer.ResultCode);
        Assert.True(answer.Message.IsError);
        Assert.Equal(Dra, answer.Message.GetString("Origin-Host"));
        Assert.Empty(hssJournal.Requests);
        await mme.StopAsync();
        await hss.StopAsync();
        await dra.StopAsync();
    }

    [Fact]
    public async Task A_redirect_agent_answers_3006_with_a_Redirect_Host_per_peer()
    {
        var (mme, dra, hss, _, hssJournal) = await MmeDraHss($$"""{ realm = "{{Realm}}", action = redirect, peers = ["{{Hss}}"] }""");
        var answer = await mme.AskAsync(Ulr("001010000000001"));
        Assert.Equal(ResultCodes.RedirectIndication, answer.ResultCode);
        var uri = answer.Message.Get("Redirect-Host").GetUri();
        Assert.Equal(Hss, uri.Fqdn);
        Assert.Null(answer.Message.Validate());
        Assert.Empty(hssJournal.Requests);
        await mme.StopAsync();
        await hss.StopAsync();
        await dra.StopAsync();
    }

    [Fact]
    public async Task Unknown_realms_are_3003_and_a_server_that_does_not_relay_refuses_other_realms()
    {
        var (mme, hss, _) = await MmeWithHssPool(1);
        var elsewhere = Ulr("001010000000001");
        elsewhere.RemoveAll("Destination-Realm");
        elsewhere.Add("Destination-Realm", "elsewhere.example.org");
        var local = await mme.AskAsync(elsewhere);
        Assert.Equal(ResultCodes.RealmNotServed, local.ResultCode);
        Assert.Null(local.Peer);
        // Straight to the HSS, which serves only its own realm.
        var direct = await mme.SendAsync("hss1.epc.mnc001.mcc001.3gppnetwork.org", Ulr("001010000000001").Add("Destination-Host", "hss9.example.org"));
        Assert.Equal(ResultCodes.UnableToDeliver, direct.ResultCode);
        Assert.Contains("does not relay", direct.GetString("Error-Message"));
        await mme.StopAsync();
        await hss[0].StopAsync();
    }
}

internal static class MessageTestExtensions
{
    public static bool IsRetransmit(this DiameterMessage m) => (m.Flags & Protocol.Wire.CommandFlags.Retransmit) != 0;
}
