using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit.Xunit2;
using AkkaDiameter.S6a;
using AkkaDiameter.S6a.Hss;
using AkkaDiameter.S6a.Mme;
using Xunit;
using Xunit.Abstractions;
using static AkkaDiameter.Interop.Tests.InteropNodes;

namespace AkkaDiameter.Interop.Tests;

/// <summary>
/// The S6a HSS and two MMEs with their traffic captured: all eight TS 29.272 command pairs, both directions (AIR, ULR,
/// PUR, NOR from the MMEs; CLR, IDR, DSR, RSR from the HSS) must pass Wireshark's Diameter dissector without a
/// complaint, which checks our S6a encoding against an independent dictionary.
/// </summary>
public sealed class S6aWireTests(ITestOutputHelper log) : TestKit("akka.loglevel = INFO", log), IDisposable
{
    private const string Realm = "epc.mnc001.mcc001.3gppnetwork.org";
    private const string HssHost = "hss." + Realm;
    private readonly string _db = Path.Combine(Path.GetTempPath(), $"akkadiameter-wire-{Guid.NewGuid():N}.db");
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private static Config Hss(int port, string db) => TestHocon.Hss(HssHost, Realm, port, db, """
        { imsi = "001010000000001", count = 3, k = "465b5ce8b199b49faa5f0a2ee238a6bc",
          opc = "cd63cb71954a9f4e48a5994e37a02baf", msisdn = "5511900000001", apns = [ { name = "internet" }, { name = "ims", qci = 5 } ] }
        """);

    private static Config Mme(string host, int port) => ConfigurationFactory.ParseString($$"""
        akka.diameter {
          node { origin-host = "{{host}}", origin-realm = "{{Realm}}" }
          applications = [ { vendor-id = 10415, auth-application-id = 16777251 } ]
          peers = [ { origin-host = "{{HssHost}}", realm = "{{Realm}}", address = "127.0.0.1", port = {{port}} } ]
          mme { visited-plmn-id = "00101", destination-realm = "{{Realm}}", destination-host = "{{HssHost}}" }
        }
        """);

    [CapturedFact]
    public async Task All_eight_S6a_command_pairs_in_both_directions_pass_the_dissector()
    {
        var port = FreePort();
        await using var capture = await WireCapture.StartAsync("s6a", port);
        await using var hss = await HssNode.StartAsync(Sys, Hss(port, _db), "hss");
        await using var mme1 = await MmeNode.StartAsync(Sys, Mme("mme1." + Realm, port), "mme1");
        await using var mme2 = await MmeNode.StartAsync(Sys, Mme("mme2." + Realm, port), "mme2");
        await mme1.Node.WaitUntilOpenAsync(HssHost, Timeout);
        await mme2.Node.WaitUntilOpenAsync(HssHost, Timeout);

        async Task Ue(MmeNode mme, string imsi, Func<MmeProtocol.UeState?, bool> condition) =>
            await AwaitConditionAsync(async () => condition(await mme.Actor.Ask<object>(new MmeProtocol.GetUe(imsi), Timeout) as MmeProtocol.UeState), Timeout);

        // AIR, ULR; CLR on the move to mme2.
        foreach (var imsi in new[] { "001010000000001", "001010000000002" })
            Assert.All(await mme1.Actor.Ask<List<MmeProtocol.ProcedureResult>>(new MmeProtocol.Attach(imsi), Timeout), r => Assert.True(r.IsSuccess, r.ToString()));
        Assert.All(await mme2.Actor.Ask<List<MmeProtocol.ProcedureResult>>(new MmeProtocol.Attach("001010000000002"), Timeout), r => Assert.True(r.IsSuccess));
        await Ue(mme1, "001010000000002", ue => ue is null);
        // IDR (a QoS change), then DSR (an APN and the MSISDN withdrawn).
        var s = hss.Store.Find("001010000000001")!;
        hss.Provision(s with { Apns = [s.Apns[0] with { Qci = 8 }, s.Apns[1]] });
        await Ue(mme1, "001010000000001", ue => ue?.Subscription?.Apns[0].Profile.Qci == 8);
        hss.Provision(hss.Store.Find("001010000000001")! with { Apns = [new ApnProfile("internet", Qci: 8)], Msisdn = null });
        await Ue(mme1, "001010000000001", ue => ue is { Msisdn: null, Apns.Count: 1 });
        // RSR to both MMEs.
        hss.Reset();
        await Ue(mme1, "001010000000001", ue => ue?.RestorationNeeded == true);
        await Ue(mme2, "001010000000002", ue => ue?.RestorationNeeded == true);
        // NOR, PUR.
        Assert.True((await mme1.Actor.Ask<MmeProtocol.ProcedureResult>(new MmeProtocol.Notify("001010000000001"), Timeout)).IsSuccess);
        Assert.True((await mme1.Actor.Ask<MmeProtocol.ProcedureResult>(new MmeProtocol.Purge("001010000000001"), Timeout)).IsSuccess);

        await mme1.DisposeAsync();
        await mme2.DisposeAsync();
        await hss.DisposeAsync();
        var frames = await capture.VerifyAsync();
        var seen = (await capture.MessagesAsync("diameter.applicationId == 16777251")).Select(m => (m.Request, m.Command)).ToHashSet();
        for (uint code = 316; code <= 323; code++)
        {
            Assert.Contains((true, code), seen);
            Assert.Contains((false, code), seen);
        }
        Output.WriteLine($"{frames.Count} Diameter frames, none flagged");
    }

    void IDisposable.Dispose()
    {
        base.Dispose();
        foreach (var f in new[] { _db, _db + "-wal", _db + "-shm" }) File.Delete(f);
    }
}
