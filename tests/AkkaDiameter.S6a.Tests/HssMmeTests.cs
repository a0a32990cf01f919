using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit.Xunit2;
using AkkaDiameter.Applications;
using AkkaDiameter.Protocol;
using AkkaDiameter.S6a.Hss;
using AkkaDiameter.S6a.Mme;
using AkkaDiameter.S6a.Security;
using Xunit;
using Xunit.Abstractions;

namespace AkkaDiameter.S6a.Tests;

/// <summary>MME actors and an HSS node over loopback: every S6a procedure the MME and HSS run, both directions.</summary>
public sealed class HssMmeTests(ITestOutputHelper output) : TestKit("akka.loglevel = INFO", output), IAsyncLifetime
{
    private const string Realm = "epc.mnc001.mcc001.3gppnetwork.org";
    private const string HssHost = "hss.epc.mnc001.mcc001.3gppnetwork.org";
    // TS 35.208 test set 1: K and OPc.
    private const string K = "465b5ce8b199b49faa5f0a2ee238a6bc", Opc = "cd63cb71954a9f4e48a5994e37a02baf";
    private readonly string _db = Path.Combine(Path.GetTempPath(), $"akkadiameter-hss-{Guid.NewGuid():N}.db");
    private readonly int _hssPort = Loopback.FreePort();
    private readonly List<IAsyncDisposable> _running = [];


    private Config HssConfig() => TestHocon.Hss(HssHost, Realm, _hssPort, _db, $$"""
        { imsi = "001010000000001", count = 3, k = "{{K}}", opc = "{{Opc}}", amf = "8000", sqn = "000000000020",
          msisdn = "5511900000001", apns = [ { name = "internet" }, { name = "ims", qci = 5, arp-priority = 1 } ] }
        { imsi = "001010000000010", k = "{{K}}", opc = "{{Opc}}", roaming-allowed = false }
        { imsi = "001010000000011", k = "{{K}}", opc = "{{Opc}}", rat-not-allowed = ["eutran"] }
        { imsi = "001010000000012", k = "{{K}}", opc = "{{Opc}}", eps-subscription = false }
        """);

    private Config MmeConfig(string host, string plmn = "00101") => ConfigurationFactory.ParseString($$"""
        akka.diameter {
          node { origin-host = "{{host}}", origin-realm = "{{Realm}}" }
          applications = [ { vendor-id = 10415, auth-application-id = 16777251 } ]
          peers = [ { origin-host = "{{HssHost}}", realm = "{{Realm}}", address = "127.0.0.1", port = {{_hssPort}} } ]
          reconnect { min-backoff = 100ms, max-backoff = 500ms }
          mme { visited-plmn-id = "{{plmn}}", destination-realm = "{{Realm}}", destination-host = "{{HssHost}}" }
        }
        """);

    private async Task<HssNode> Hss()
    {
        var hss = await HssNode.StartAsync(Sys, HssConfig(), $"hss-{_running.Count}");
        _running.Add(hss);
        return hss;
    }

    private async Task<MmeNode> Mme(string host, string plmn = "00101")
    {
        var mme = await MmeNode.StartAsync(Sys, MmeConfig(host, plmn), host.Split('.')[0] + "-" + _running.Count);
        _running.Add(mme);
        await mme.Node.WaitUntilOpenAsync(HssHost, TimeSpan.FromSeconds(20));
        return mme;
    }

    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Attach_runs_AIR_then_ULR_and_returns_MILENAGE_vectors_and_the_subscription()
    {
        await Hss();
        var mme = await Mme("mme1.epc.mnc001.mcc001.3gppnetwork.org");
        var results = await mme.Actor.Ask<List<MmeProtocol.ProcedureResult>>(new MmeProtocol.Attach("001010000000001"), AskTimeout);

        Assert.Equal(["AIR", "ULR"], results.Select(r => r.Command));
        Assert.All(results, r => Assert.Equal(2001u, r.ResultCode));
        var vector = Assert.Single(results[0].Vectors);
        // The UE side checks the vector: with K/OPc of TS 35.208 set 1, XRES = f2(RAND), AUTN = SQN^AK || AMF || f1.
        using var milenage = new Milenage(Convert.FromHexString(K), Convert.FromHexString(Opc));
        var (res, ck, ik, ak) = milenage.F2345(vector.Rand);
        Assert.Equal(res, vector.Xres);
        var sqn = vector.Autn[..6].Zip(ak, (a, b) => (byte)(a ^ b)).ToArray();
        Assert.Equal(AuthenticationVectors.Next(0x20), AuthenticationVectors.FromSqnBytes(sqn));   // first after the provisioned SQN
        Assert.Equal(new byte[] { 0x80, 0x00 }, vector.Autn[6..8]);
        Assert.Equal(milenage.F1(vector.Rand, sqn, vector.Autn[6..8]).MacA, vector.Autn[8..]);
        Assert.Equal(Kasme.Derive(ck, ik, PlmnId.Parse("00101").ToBytes(), vector.Autn[..6]), vector.Kasme);
        Assert.Null(results[0].Answer.Message.Validate());

        var ula = results[1].Answer.Message;
        Assert.Null(ula.Validate());
        Assert.Equal((uint)UlaFlags.SeparationIndication, ula.GetUInt32("ULA-Flags"));
        var ue = await mme.Actor.Ask<MmeProtocol.UeState>(new MmeProtocol.GetUe("001010000000001"), AskTimeout);
        Assert.True(ue.Registered);
        Assert.Equal("5511900000001", ue.Msisdn);
        Assert.Equal(["internet", "ims"], ue.Apns);
        Assert.Contains("ULA 001010000000001 2001 DIAMETER_SUCCESS", results[1].ToString());
    }

    [Theory]
    [InlineData("001019999999999", S6aResultCodes.UserUnknown, "AIR")]
    [InlineData("001010000000012", S6aResultCodes.UnknownEpsSubscription, "AIR")]
    [InlineData("001010000000011", S6aResultCodes.RatNotAllowed, "ULR")]
    public async Task Subscribers_the_HSS_must_refuse_get_the_TS_29_272_Experimental_Result(string imsi, uint code, string failingCommand)
    {
        await Hss();
        var mme = await Mme("mme1.epc.mnc001.mcc001.3gppnetwork.org");
        var results = await mme.Actor.Ask<List<MmeProtocol.ProcedureResult>>(new MmeProtocol.Attach(imsi), AskTimeout);
        var failed = results.Last();
        Assert.Equal(failingCommand, failed.Command);
        Assert.Equal(code, failed.ResultCode);
        Assert.Null(failed.Answer.Message.ResultCode);
        Assert.Equal(10415u, failed.Answer.Message.Get("Experimental-Result").GetUInt32("Vendor-Id"));
        Assert.Null(failed.Answer.Message.Validate());
        Assert.IsType<MmeProtocol.NoUe>(await mme.Actor.Ask<object>(new MmeProtocol.GetUe(imsi), AskTimeout));
    }

    [Fact]
    public async Task A_subscriber_without_roaming_is_refused_5004_in_a_visited_PLMN_and_served_at_home()
    {
        await Hss();
        var visited = await Mme("mme9.epc.mnc002.mcc001.3gppnetwork.org", plmn: "00102");
        var abroad = await visited.Actor.Ask<MmeProtocol.ProcedureResult>(new MmeProtocol.UpdateLocation("001010000000010"), AskTimeout);
        Assert.Equal(S6aResultCodes.RoamingNotAllowed, abroad.ResultCode);
        var home = await Mme("mme1.epc.mnc001.mcc001.3gppnetwork.org");
        Assert.Equal(2001u, (await home.Actor.Ask<MmeProtocol.ProcedureResult>(new MmeProtocol.UpdateLocation("001010000000010"), AskTimeout)).ResultCode);
    }

    [Fact]
    public async Task A_synchronisation_failure_is_resolved_from_AUTS_and_the_next_vector_follows_the_USIMs_SQN()
    {
        await Hss();
        var mme = await Mme("mme1.epc.mnc001.mcc001.3gppnetwork.org");
        var first = await mme.Actor.Ask<MmeProtocol.ProcedureResult>(new MmeProtocol.AuthenticationInfo("001010000000002"), AskTimeout);
        var rand = first.Vectors[0].Rand;
        const ulong sqnMs = 0x000000100000;   // the USIM is ahead of the HSS
        var auts = AuthenticationVectors.Auts(Convert.FromHexString(K), Convert.FromHexString(Opc), rand, sqnMs);
        var resynced = await mme.Actor.Ask<MmeProtocol.ProcedureResult>(new MmeProtocol.AuthenticationInfo("001010000000002", 2, [.. rand, .. auts]), AskTimeout);
        Assert.Equal(2001u, resynced.ResultCode);
        Assert.Equal(2, resynced.Vectors.Count);
        using var milenage = new Milenage(Convert.FromHexString(K), Convert.FromHexString(Opc));
        var sqns = resynced.Vectors.Select(v =>
            AuthenticationVectors.FromSqnBytes(v.Autn[..6].Zip(milenage.F2345(v.Rand).Ak, (a, b) => (byte)(a ^ b)).ToArray())).ToList();
        Assert.Equal([AuthenticationVectors.Next(sqnMs), AuthenticationVectors.Next(AuthenticationVectors.Next(sqnMs))], sqns);

        // A forged AUTS is refused: DIAMETER_AUTHENTICATION_DATA_UNAVAILABLE.
        auts[13] ^= 0xFF;
        var forged = await mme.Actor.Ask<MmeProtocol.ProcedureResult>(new MmeProtocol.AuthenticationInfo("001010000000002", 1, [.. rand, .. auts]), AskTimeout);
        Assert.Equal(S6aResultCodes.AuthenticationDataUnavailable, forged.ResultCode);
    }

    [Fact]
    public async Task When_a_second_MME_registers_the_UE_the_HSS_sends_CLR_to_the_first_which_detaches_it()
    {
        var hss = await Hss();
        var mme1 = await Mme("mme1.epc.mnc001.mcc001.3gppnetwork.org");
        var mme2 = await Mme("mme2.epc.mnc001.mcc001.3gppnetwork.org");
        const string imsi = "001010000000003";
        Assert.Equal(2001u, (await mme1.Actor.Ask<List<MmeProtocol.ProcedureResult>>(new MmeProtocol.Attach(imsi), AskTimeout))[^1].ResultCode);
        Assert.True((await mme1.Actor.Ask<MmeProtocol.UeState>(new MmeProtocol.GetUe(imsi), AskTimeout)).Registered);

        Assert.Equal(2001u, (await mme2.Actor.Ask<List<MmeProtocol.ProcedureResult>>(new MmeProtocol.Attach(imsi), AskTimeout))[^1].ResultCode);

        await AwaitAssertAsync(async () =>
            Assert.IsType<MmeProtocol.NoUe>(await mme1.Actor.Ask<object>(new MmeProtocol.GetUe(imsi), AskTimeout)), TimeSpan.FromSeconds(10));
        Assert.True((await mme2.Actor.Ask<MmeProtocol.UeState>(new MmeProtocol.GetUe(imsi), AskTimeout)).Registered);
        Assert.Equal("mme2.epc.mnc001.mcc001.3gppnetwork.org", hss.Store.FindRegistration(imsi)!.MmeHost);
    }

    [Fact]
    public async Task A_CLR_a_move_caused_is_logged_at_Debug_and_one_provisioning_caused_at_Info()
    {
        var infos = CreateTestProbe();
        Sys.EventStream.Subscribe(infos.Ref, typeof(Akka.Event.Info));
        var hss = await Hss();
        var mme1 = await Mme("mme1.epc.mnc001.mcc001.3gppnetwork.org");
        var mme2 = await Mme("mme2.epc.mnc001.mcc001.3gppnetwork.org");
        const string moving = "001010000000003", withdrawn = "001010000000001";
        await mme1.Actor.Ask<List<MmeProtocol.ProcedureResult>>(new MmeProtocol.Attach(moving), AskTimeout);
        await mme1.Actor.Ask<List<MmeProtocol.ProcedureResult>>(new MmeProtocol.Attach(withdrawn), AskTimeout);
        await mme2.Actor.Ask<List<MmeProtocol.ProcedureResult>>(new MmeProtocol.Attach(moving), AskTimeout);
        await AwaitAssertAsync(async () =>
            Assert.IsType<MmeProtocol.NoUe>(await mme1.Actor.Ask<object>(new MmeProtocol.GetUe(moving), AskTimeout)), TimeSpan.FromSeconds(10));

        hss.Provision(Provisioned(hss, withdrawn) with { EpsSubscription = false });
        // The notifier logs a round's outcomes before it starts the next, so the move's CLR, answered before the
        // withdrawal was queued, is logged before the withdrawal's: at Info it would be among these.
        var seen = new List<string>();
        infos.FishForMessage(m =>
        {
            var text = ((Akka.Event.Info)m).Message?.ToString() ?? "";
            seen.Add(text);
            return text.StartsWith($"CLR {withdrawn} to mme1", StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(10));
        Assert.DoesNotContain(seen, t => t.StartsWith($"CLR {moving}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Purge_and_notify_are_answered_and_a_purge_from_a_non_serving_MME_leaves_the_registration()
    {
        var hss = await Hss();
        var mme1 = await Mme("mme1.epc.mnc001.mcc001.3gppnetwork.org");
        var mme2 = await Mme("mme2.epc.mnc001.mcc001.3gppnetwork.org");
        const string imsi = "001010000000001";
        await mme1.Actor.Ask<List<MmeProtocol.ProcedureResult>>(new MmeProtocol.Attach(imsi), AskTimeout);
        var nor = await mme1.Actor.Ask<MmeProtocol.ProcedureResult>(new MmeProtocol.Notify(imsi), AskTimeout);
        Assert.Equal(2001u, nor.ResultCode);
        Assert.Null(nor.Answer.Message.Validate());

        var foreign = await mme2.Actor.Ask<MmeProtocol.ProcedureResult>(new MmeProtocol.Purge(imsi), AskTimeout);
        Assert.Equal(2001u, foreign.ResultCode);
        Assert.Null(foreign.Answer.Message.FindUInt32("PUA-Flags"));
        Assert.False(hss.Store.FindRegistration(imsi)!.Purged);

        var pua = await mme1.Actor.Ask<MmeProtocol.ProcedureResult>(new MmeProtocol.Purge(imsi), AskTimeout);
        Assert.Equal(2001u, pua.ResultCode);
        Assert.Equal(1u, pua.Answer.Message.GetUInt32("PUA-Flags"));
        Assert.True(hss.Store.FindRegistration(imsi)!.Purged);
        Assert.IsType<MmeProtocol.NoUe>(await mme1.Actor.Ask<object>(new MmeProtocol.GetUe(imsi), AskTimeout));
    }

    [Fact]
    public async Task A_restarted_HSS_keeps_its_SQNs_and_registrations()
    {
        var hss = await Hss();
        var mme = await Mme("mme1.epc.mnc001.mcc001.3gppnetwork.org");
        const string imsi = "001010000000001";
        await mme.Actor.Ask<List<MmeProtocol.ProcedureResult>>(new MmeProtocol.Attach(imsi), AskTimeout);
        var sqnBefore = hss.Store.Find(imsi)!.Sqn;
        Assert.Equal(AuthenticationVectors.Next(0x20), sqnBefore);
        await hss.DisposeAsync();
        _running.Remove(hss);

        // Same database, same configuration (which provisions SQN 0x20 again: the stored, larger SQN wins).
        var again = await Hss();
        Assert.Equal(sqnBefore, again.Store.Find(imsi)!.Sqn);
        Assert.Equal("mme1.epc.mnc001.mcc001.3gppnetwork.org", again.Store.FindRegistration(imsi)!.MmeHost);
        await mme.Node.WaitUntilOpenAsync(HssHost, TimeSpan.FromSeconds(20));
        var next = await mme.Actor.Ask<MmeProtocol.ProcedureResult>(new MmeProtocol.AuthenticationInfo(imsi), AskTimeout);
        using var milenage = new Milenage(Convert.FromHexString(K), Convert.FromHexString(Opc));
        var v = next.Vectors[0];
        Assert.Equal(AuthenticationVectors.Next(sqnBefore),
            AuthenticationVectors.FromSqnBytes(v.Autn[..6].Zip(milenage.F2345(v.Rand).Ak, (a, b) => (byte)(a ^ b)).ToArray()));
    }

    private static Subscriber Provisioned(HssNode hss, string imsi) => hss.Store.Find(imsi)!;

    private async Task<MmeProtocol.UeState> Ue(MmeNode mme, string imsi) => await mme.Actor.Ask<MmeProtocol.UeState>(new MmeProtocol.GetUe(imsi), AskTimeout);

    [Fact]
    public async Task Changing_a_registered_subscribers_profile_sends_IDR_and_the_MME_stores_the_new_subscription()
    {
        var hss = await Hss();
        var mme = await Mme("mme1.epc.mnc001.mcc001.3gppnetwork.org");
        const string imsi = "001010000000001";
        await mme.Actor.Ask<List<MmeProtocol.ProcedureResult>>(new MmeProtocol.Attach(imsi), AskTimeout);
        var before = Provisioned(hss, imsi);

        // A third APN and a new QCI for "internet": nothing to delete, so an IDR with the complete data (TS 29.272 §5.2.2.1).
        var result = hss.Provision(before with { Apns = [before.Apns[0] with { Qci = 8 }, before.Apns[1], new ApnProfile("mms", Qci: 7)] });
        Assert.Equal([NotificationKind.InsertSubscriberData], result.Queued);
        await AwaitAssertAsync(async () => Assert.Equal(["internet", "ims", "mms"], (await Ue(mme, imsi)).Apns), TimeSpan.FromSeconds(10));
        var stored = (await Ue(mme, imsi)).Subscription!;
        Assert.Equal(8, stored.Apns[0].Profile.Qci);
        Assert.Equal(3u, stored.Apns[2].ContextIdentifier);
        await AwaitConditionAsync(() => Task.FromResult(hss.Store.CountNotifications() == 0), TimeSpan.FromSeconds(10));

        // Provisioning the same profile again owes the MME nothing.
        Assert.Equal(ProvisioningOutcome.Unchanged, hss.Provision(Provisioned(hss, imsi)).Outcome);
    }

    [Fact]
    public async Task Withdrawing_an_APN_and_the_MSISDN_sends_DSR_and_the_MME_deletes_them()
    {
        var hss = await Hss();
        var mme = await Mme("mme1.epc.mnc001.mcc001.3gppnetwork.org");
        const string imsi = "001010000000002";
        await mme.Actor.Ask<List<MmeProtocol.ProcedureResult>>(new MmeProtocol.Attach(imsi), AskTimeout);
        Assert.Equal(["internet", "ims"], (await Ue(mme, imsi)).Apns);

        var result = hss.Provision(Provisioned(hss, imsi) with { Apns = [new ApnProfile("internet")], Msisdn = null });
        // "ims" was context 2 and "internet" keeps context 1: the DSR alone brings the MME up to date.
        Assert.Equal([NotificationKind.DeleteSubscriberData], result.Queued);
        await AwaitAssertAsync(async () =>
        {
            var ue = await Ue(mme, imsi);
            Assert.Equal(["internet"], ue.Apns);
            Assert.Null(ue.Msisdn);
        }, TimeSpan.FromSeconds(10));

        // Withdrawing the first APN renumbers the rest: DSR for it, then IDR with the renumbered list, in that order.
        hss.Provision(Provisioned(hss, imsi) with { Apns = [new ApnProfile("internet"), new ApnProfile("ims")] });
        await AwaitAssertAsync(async () => Assert.Equal(["internet", "ims"], (await Ue(mme, imsi)).Apns), TimeSpan.FromSeconds(10));
        var both = hss.Provision(Provisioned(hss, imsi) with { Apns = [new ApnProfile("ims")] });
        Assert.Equal([NotificationKind.DeleteSubscriberData, NotificationKind.InsertSubscriberData], both.Queued);
        await AwaitAssertAsync(async () =>
        {
            var apn = Assert.Single((await Ue(mme, imsi)).Subscription!.Apns);
            Assert.Equal(("ims", 1u), (apn.ServiceSelection, apn.ContextIdentifier));
        }, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Withdrawing_the_EPS_subscription_sends_CLR_SUBSCRIPTION_WITHDRAWAL_and_the_HSS_forgets_the_registration()
    {
        var hss = await Hss();
        var mme = await Mme("mme1.epc.mnc001.mcc001.3gppnetwork.org");
        const string imsi = "001010000000003";
        await mme.Actor.Ask<List<MmeProtocol.ProcedureResult>>(new MmeProtocol.Attach(imsi), AskTimeout);

        Assert.Equal([NotificationKind.CancelLocation], hss.Provision(Provisioned(hss, imsi) with { EpsSubscription = false }).Queued);
        await AwaitAssertAsync(async () =>
            Assert.IsType<MmeProtocol.NoUe>(await mme.Actor.Ask<object>(new MmeProtocol.GetUe(imsi), AskTimeout)), TimeSpan.FromSeconds(10));
        await AwaitConditionAsync(() => Task.FromResult(hss.Store.FindRegistration(imsi) is null), TimeSpan.FromSeconds(10));
        var again = await mme.Actor.Ask<List<MmeProtocol.ProcedureResult>>(new MmeProtocol.Attach(imsi), AskTimeout);
        Assert.Equal(S6aResultCodes.UnknownEpsSubscription, again[^1].ResultCode);
    }

    [Fact]
    public async Task RSR_marks_the_named_UEs_for_restoration_and_their_next_ULR_clears_it()
    {
        var hss = await Hss();
        var mme = await Mme("mme1.epc.mnc001.mcc001.3gppnetwork.org");
        await mme.Actor.Ask<List<MmeProtocol.ProcedureResult>>(new MmeProtocol.Attach("001010000000001"), AskTimeout);
        await mme.Actor.Ask<MmeProtocol.ProcedureResult>(new MmeProtocol.UpdateLocation("001010000000010"), AskTimeout);

        hss.Reset("00101000000000");      // User-Id: leading IMSI digits; matches ...0001 but not ...0010
        await AwaitAssertAsync(async () => Assert.True((await Ue(mme, "001010000000001")).RestorationNeeded), TimeSpan.FromSeconds(10));
        Assert.False((await Ue(mme, "001010000000010")).RestorationNeeded);

        var ula = await mme.Actor.Ask<MmeProtocol.ProcedureResult>(new MmeProtocol.UpdateLocation("001010000000001", UlrFlags.S6aS6dIndicator), AskTimeout);
        Assert.Equal(2001u, ula.ResultCode);
        Assert.False((await Ue(mme, "001010000000001")).RestorationNeeded);
        var typed = Assert.IsType<UpdateLocationAnswer>(ula.Typed);
        Assert.Equal("5511900000001", typed.Subscription!.Msisdn);
    }

    [Theory]
    [InlineData("IDR")]
    [InlineData("DSR")]
    public async Task The_MME_answers_IDR_and_DSR_for_a_UE_it_does_not_hold_with_USER_UNKNOWN(string command)
    {
        var hss = await Hss();
        const string host = "mme1.epc.mnc001.mcc001.3gppnetwork.org";
        await Mme(host);
        await hss.Node.WaitUntilOpenAsync(host, TimeSpan.FromSeconds(20));
        var request = command == "IDR"
            ? new InsertSubscriberDataRequest("001010000000001", SubscriptionData.Of(Provisioned(hss, "001010000000001"))).ToMessage(host, Realm)
            : new DeleteSubscriberDataRequest("001010000000001", DsrFlags.MsisdnWithdrawal, []).ToMessage(host, Realm);
        var answer = S6aAnswer.Parse((await hss.Node.AskAsync(request)).Message);
        Assert.Equal(new S6aResult(S6aResultCodes.UserUnknown, true), answer.Result);
        Assert.Null(answer.Message.Validate());
    }

    [Fact]
    public async Task A_change_provisioned_by_another_process_while_the_HSS_is_down_reaches_the_MME_after_the_restart()
    {
        var hss = await Hss();
        var mme = await Mme("mme1.epc.mnc001.mcc001.3gppnetwork.org");
        // Not one of the configured subscribers: those are provisioned again from the configuration at every start.
        const string imsi = "001010000000020";
        var subscriber = Provisioned(hss, "001010000000001") with { Imsi = imsi };
        Assert.Equal(ProvisioningOutcome.Added, hss.Provision(subscriber).Outcome);
        await mme.Actor.Ask<List<MmeProtocol.ProcedureResult>>(new MmeProtocol.Attach(imsi), AskTimeout);
        await hss.DisposeAsync();
        _running.Remove(hss);

        // What `akka-diameter hss provision` does: open the database and upsert; the IDR waits in the outbox.
        using (var store = SubscriberStore.Open(_db))
        {
            Assert.Equal([NotificationKind.InsertSubscriberData], store.Upsert(subscriber with { Apns = [.. subscriber.Apns, new ApnProfile("iot")] }).Queued);
            Assert.Equal(1, store.CountNotifications());
        }
        var again = await Hss();
        await AwaitAssertAsync(async () => Assert.Equal(["internet", "ims", "iot"], (await Ue(mme, imsi)).Apns), TimeSpan.FromSeconds(20));
        await AwaitConditionAsync(() => Task.FromResult(again.Store.CountNotifications() == 0), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Without_a_reachable_HSS_an_attach_is_answered_with_the_nodes_error_and_its_reason()
    {
        // No HSS listens on the port: the peer never opens and the node answers the AIR itself (RFC 6733 §6.1.4 3002).
        var mme = await MmeNode.StartAsync(Sys, MmeConfig("mme1.epc.mnc001.mcc001.3gppnetwork.org"), "mme-alone");
        _running.Add(mme);
        var results = await mme.Actor.Ask<List<MmeProtocol.ProcedureResult>>(new MmeProtocol.Attach("001010000000001"), AskTimeout);
        var air = Assert.Single(results);
        Assert.Equal(ResultCodes.UnableToDeliver, air.ResultCode);
        Assert.False(air.IsSuccess);
        Assert.Null(air.Answer.Peer);
        Assert.NotNull(air.Answer.Error);
        Assert.StartsWith("AIA 001010000000001 3002 DIAMETER_UNABLE_TO_DELIVER", air.ToString());
        Assert.IsType<MmeProtocol.NoUe>(await mme.Actor.Ask<object>(new MmeProtocol.GetUe("001010000000001"), AskTimeout));
    }

    [Fact]
    public async Task The_stores_cache_sees_a_change_another_process_wrote_and_SQNs_stay_increasing()
    {
        var hss = await Hss();
        const string imsi = "001010000000001";
        Assert.Equal("5511900000001", hss.Store.Find(imsi)!.Msisdn);      // now cached
        using (var other = SubscriberStore.Open(_db))                       // what `hss provision` does
            other.Upsert(other.Find(imsi)! with { Msisdn = "5511999999999" });
        // PRAGMA data_version tells the HSS's connection; the cache is checked against it every 100 ms.
        await AwaitAssertAsync(() => Assert.Equal("5511999999999", hss.Store.Find(imsi)!.Msisdn), TimeSpan.FromSeconds(5));
        // SQNs taken through the cache are written through.
        var first = hss.Store.TakeSqns(imsi, 2)!;
        var next = hss.Store.TakeSqns(imsi, 1)!;
        Assert.True(next[0] > first[1]);
        using var reopened = SubscriberStore.Open(_db);
        Assert.Equal(next[0], reopened.Find(imsi)!.Sqn);
    }

    [Fact]
    public async Task AIRs_that_arrive_together_take_their_SQNs_in_one_transaction_in_the_order_received()
    {
        var hss = await Hss();
        var handler = Sys.ActorOf(Props.Create(() => new HssHandler(new HssContext(hss.Store))));
        const string one = "001010000000001", two = "001010000000002";
        IncomingRequest Air(string imsi, uint vectors, uint hopByHop)
        {
            var air = S6aMessages.Air(imsi, PlmnId.Parse("00101"), Realm, HssHost, vectors);
            air.HopByHopId = hopByHop;
            return new IncomingRequest(air, "mme1.epc.mnc001.mcc001.3gppnetwork.org", TestActor, HssHost, Realm);
        }
        var start = hss.Store.Find(one)!.Sqn;
        handler.Tell(new IncomingRequestBatch([Air(one, 2, 1), Air("001019999999999", 1, 2), Air(two, 1, 3), Air(one, 1, 4)]));

        var answers = ExpectMsg<HandlerAnswers>().Answers;
        Assert.Equal([1u, 2u, 3u, 4u], answers.Select(a => a.HopByHopId));
        Assert.Equal(S6aResultCodes.UserUnknown, answers[1].GetGroup("Experimental-Result").GetUInt32("Experimental-Result-Code"));
        using var milenage = new Milenage(Convert.FromHexString(K), Convert.FromHexString(Opc));
        ulong Sqn(EutranVector v) =>
            AuthenticationVectors.FromSqnBytes(v.Autn[..6].Zip(milenage.F2345(v.Rand).Ak, (a, b) => (byte)(a ^ b)).ToArray());
        // The subscriber named twice gets consecutive SQNs, in the order its AIRs came; each vector verifies.
        var n1 = AuthenticationVectors.Next(start);
        var n2 = AuthenticationVectors.Next(n1);
        var n3 = AuthenticationVectors.Next(n2);
        Assert.Equal([n1, n2, n3], S6aMessages.Vectors(answers[0]).Concat(S6aMessages.Vectors(answers[3])).Select(Sqn));
        Assert.Single(S6aMessages.Vectors(answers[2]));
        // Committed before the answers left: another connection sees the last SQN.
        using var reopened = SubscriberStore.Open(_db);
        Assert.Equal(n3, reopened.Find(one)!.Sqn);
        Assert.True(reopened.Find(two)!.Sqn > 0x20);
    }

    [Fact]
    public async Task ULRs_that_arrive_together_register_in_one_transaction_in_order_and_the_refused_ones_register_nothing()
    {
        var hss = await Hss();
        var handler = Sys.ActorOf(Props.Create(() => new HssHandler(new HssContext(hss.Store))));
        const string one = "001010000000001", two = "001010000000002", noRoaming = "001010000000010";
        const string mme0 = "mme0.epc.mnc001.mcc001.3gppnetwork.org", mme1 = "mme1.epc.mnc001.mcc001.3gppnetwork.org",
            mme2 = "mme2.epc.mnc001.mcc001.3gppnetwork.org";
        IncomingRequest Ulr(string imsi, string mme, uint hopByHop, string plmn = "00101")
        {
            var ulr = S6aMessages.Ulr(imsi, PlmnId.Parse(plmn), Realm, HssHost).Add("Origin-Host", mme).Add("Origin-Realm", Realm);
            ulr.HopByHopId = hopByHop;
            return new IncomingRequest(ulr, mme, TestActor, HssHost, Realm);
        }
        Assert.Null(hss.Store.Register(one, mme0, Realm));
        handler.Tell(new IncomingRequestBatch([Ulr(one, mme1, 1), Ulr("001019999999999", mme1, 2), Ulr(two, mme2, 3), Ulr(one, mme2, 4),
            Ulr(noRoaming, mme1, 5, plmn: "00202")]));

        var answers = ExpectMsg<HandlerAnswers>().Answers;
        Assert.Equal([1u, 2u, 3u, 4u, 5u], answers.Select(a => a.HopByHopId));
        uint? Experimental(DiameterMessage a) => a.Find("Experimental-Result") is null ? null : a.GetGroup("Experimental-Result").GetUInt32("Experimental-Result-Code");
        Assert.Equal([null, S6aResultCodes.UserUnknown, null, null, S6aResultCodes.RoamingNotAllowed], answers.Select(Experimental));
        Assert.All(new[] { answers[0], answers[2], answers[3] }, a => Assert.NotNull(a.Find("Subscription-Data")));
        // In order: the UE went from mme0 to mme1 and then to mme2, so each of those two is owed a CLR
        // (MME_UPDATE_PROCEDURE); the refused ULRs registered nothing. Committed before the answers left.
        using var reopened = SubscriberStore.Open(_db);
        Assert.Equal((mme2, mme2), (reopened.FindRegistration(one)!.MmeHost, reopened.FindRegistration(two)!.MmeHost));
        Assert.Null(reopened.FindRegistration(noRoaming));
        Assert.Equal([(one, mme0), (one, mme1)], reopened.DueNotifications(DateTimeOffset.UtcNow.AddDays(1), 10)
            .Where(n => n.Kind == NotificationKind.CancelLocation).Select(n => (n.Imsi, n.MmeHost!)).Order());
    }

    [Fact]
    public async Task Registrations_in_one_batch_see_each_other_and_the_same_MME_again_writes_nothing()
    {
        var hss = await Hss();
        const string one = "001010000000001";
        const string mme1 = "mme1.epc.mnc001.mcc001.3gppnetwork.org", mme2 = "mme2.epc.mnc001.mcc001.3gppnetwork.org";
        // mme1, mme2, mme1 again: each replaces the one before, even though the cache knew none of them.
        var replaced = hss.Store.Register([(one, mme1, Realm), (one, mme2, Realm), (one, mme1, Realm)]);
        Assert.Equal([null, mme1, mme2], replaced.Select(r => r?.MmeHost));
        Assert.Equal(mme1, hss.Store.FindRegistration(one)!.MmeHost);
        // The CLR to mme1 queued by the second was dropped by the third (the UE came back before it went out).
        Assert.Equal([mme2], hss.Store.DueNotifications(DateTimeOffset.UtcNow.AddDays(1), 10).Select(n => n.MmeHost!));
        var since = hss.Store.FindRegistration(one)!.Since;
        hss.Store.CompleteNotification(hss.Store.DueNotifications(DateTimeOffset.UtcNow.AddDays(1), 10)[0].Id);
        Assert.Equal([null, null], hss.Store.Register([(one, mme1, Realm), (one, mme1, Realm)]));
        using var reopened = SubscriberStore.Open(_db);
        Assert.Equal(since, reopened.FindRegistration(one)!.Since);   // nothing written
    }

    [Fact]
    public async Task Answered_requests_leave_the_outbox_together_and_the_others_stay()
    {
        var hss = await Hss();
        const string mme1 = "mme1.epc.mnc001.mcc001.3gppnetwork.org", mme2 = "mme2.epc.mnc001.mcc001.3gppnetwork.org";
        string[] imsis = ["001010000000001", "001010000000002", "001010000000003"];
        // Three UEs move from mme1 to mme2: three CLRs to mme1 queued.
        hss.Store.Register([.. imsis.Select(i => (i, mme1, Realm))]);
        hss.Store.Register([.. imsis.Select(i => (i, mme2, Realm))]);
        var queued = hss.Store.DueNotifications(DateTimeOffset.UtcNow.AddDays(1), 10);
        Assert.Equal(imsis, queued.Select(n => n.Imsi).Order());
        hss.Store.CompleteNotifications([queued[0].Id, queued[2].Id]);
        using var reopened = SubscriberStore.Open(_db);
        Assert.Equal([queued[1].Id], reopened.DueNotifications(DateTimeOffset.UtcNow.AddDays(1), 10).Select(n => n.Id));
    }

    [Fact]
    public async Task SQNs_for_several_requests_are_taken_in_order_in_one_commit_and_an_unknown_IMSI_gets_none()
    {
        var hss = await Hss();
        const string one = "001010000000001", two = "001010000000002";
        var (a, b) = (hss.Store.Find(one)!.Sqn, hss.Store.Find(two)!.Sqn);
        var taken = hss.Store.TakeSqns([(one, 2), (two, 1), ("001019999999999", 1), (one, 1)]);
        ulong Next(ulong s, int n) { for (var i = 0; i < n; i++) s = AuthenticationVectors.Next(s); return s; }
        Assert.Equal([Next(a, 1), Next(a, 2)], taken[0]);
        Assert.Equal([Next(b, 1)], taken[1]);
        Assert.Null(taken[2]);
        Assert.Equal([Next(a, 3)], taken[3]);
        using var reopened = SubscriberStore.Open(_db);
        Assert.Equal((Next(a, 3), Next(b, 1)), (reopened.Find(one)!.Sqn, reopened.Find(two)!.Sqn));
        Assert.Equal([Next(a, 4)], hss.Store.TakeSqns(one, 1));   // the single take carries on from there
    }

    public Task InitializeAsync() => Task.CompletedTask;

    async Task IAsyncLifetime.DisposeAsync()
    {
        foreach (var r in Enumerable.Reverse(_running)) await r.DisposeAsync();
        foreach (var f in new[] { _db, _db + "-wal", _db + "-shm" }) File.Delete(f);
    }
}
