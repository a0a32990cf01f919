using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Configuration;
using Akka.Event;
using Akka.TestKit.Xunit2;
using AkkaDiameter.Protocol;
using AkkaDiameter.S6a.Hss;
using AkkaDiameter.S6a.Mme;
using Xunit;
using Xunit.Abstractions;

namespace AkkaDiameter.S6a.Tests;

/// <summary>
/// Multi-peer load in TestKit: N MME nodes (each its own node and TCP connection) attach and detach M UEs each against
/// one HSS node, while one MME's connection is killed (TCP reset, no DPR) midway and comes back. Every procedure ends
/// with an answer, the HSS's or the node's own error answer with its Result-Code: none vanishes. Sized for CI; set
/// <c>AKKADIAMETER_LOADSIM="mmes=8 ues=2000 concurrency=32"</c> for a bigger run.
/// </summary>
public sealed class LoadSimulationTests(ITestOutputHelper output) : TestKit("""
    akka.loglevel = WARNING
    akka.log-dead-letters = off
    """, output), IAsyncLifetime
{
    private const string Realm = "epc.mnc001.mcc001.3gppnetwork.org";
    private const string HssHost = "hss." + Realm;
    private readonly string _db = Path.Combine(Path.GetTempPath(), $"akkadiameter-sim-{Guid.NewGuid():N}.db");
    private readonly int _port = Loopback.FreePort();
    private readonly List<IAsyncDisposable> _running = [];

    private static Dictionary<string, int> Size()
    {
        var size = new Dictionary<string, int> { ["mmes"] = 4, ["ues"] = 60, ["concurrency"] = 8 };
        foreach (var part in (Environment.GetEnvironmentVariable("AKKADIAMETER_LOADSIM") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries))
            if (part.Split('=') is [var k, var v] && size.ContainsKey(k) && int.TryParse(v, out var n) && n > 0) size[k] = n;
        return size;
    }


    private Config HssConfig(int ues) => TestHocon.Hss(HssHost, Realm, _port, _db, $$"""
        { imsi = "001010000000001", count = {{ues}}, k = "465b5ce8b199b49faa5f0a2ee238a6bc",
          opc = "cd63cb71954a9f4e48a5994e37a02baf", msisdn = "5511900000001" }
        """);

    private Config MmeConfig(int index) => ConfigurationFactory.ParseString($$"""
        akka.diameter {
          node { origin-host = "mme{{index}}.{{Realm}}", origin-realm = "{{Realm}}" }
          applications = [ { vendor-id = 10415, auth-application-id = 16777251 } ]
          peers = [ { origin-host = "{{HssHost}}", realm = "{{Realm}}", address = "127.0.0.1", port = {{_port}} } ]
          reconnect { min-backoff = 100ms, max-backoff = 500ms }
          request-timeout = 2s
          mme { visited-plmn-id = "00101", destination-realm = "{{Realm}}", destination-host = "{{HssHost}}" }
        }
        """);

    private sealed record Outcome(int Mme, string Imsi, string Procedure, IReadOnlyList<MmeProtocol.ProcedureResult> Results);

    [Fact]
    public async Task MMEs_attach_and_detach_their_UEs_while_one_peer_connection_is_killed_and_comes_back_and_every_request_gets_an_answer()
    {
        var size = Size();
        var (mmes, uesPerMme, concurrency) = (size["mmes"], size["ues"], size["concurrency"]);
        var deadLetters = new ConcurrentQueue<DeadLetter>();
        var watcher = Sys.ActorOf(Props.Create(() => new DeadLetterCollector(deadLetters)));
        Sys.EventStream.Subscribe(watcher, typeof(DeadLetter));

        var hss = await HssNode.StartAsync(Sys, HssConfig(mmes * uesPerMme), "hss");
        _running.Add(hss);
        var nodes = new MmeNode[mmes];
        for (var i = 0; i < mmes; i++)
        {
            nodes[i] = await MmeNode.StartAsync(Sys, MmeConfig(i + 1), $"mme{i + 1}");
            await nodes[i].Node.WaitUntilOpenAsync(HssHost, TimeSpan.FromSeconds(20));
        }
        var outcomes = new ConcurrentBag<Outcome>();
        var askTimeout = TimeSpan.FromSeconds(30);
        var killedAt = uesPerMme / 4;

        async Task RunMme(int index)
        {
            using var slots = new SemaphoreSlim(concurrency);
            var tasks = Enumerable.Range(0, uesPerMme).Select(async u =>
            {
                await slots.WaitAsync();
                try
                {
                    var imsi = (1010000000001L + index * uesPerMme + u).ToString().PadLeft(15, '0');
                    if (index == 0 && u == killedAt)
                    {
                        // Midway, mme1's connection is killed (TCP reset, no DPR): what it had in flight comes back as
                        // the node's own error answers; it reconnects with backoff and carries on.
                        var connection = await Sys.ActorSelection($"/user/mme1/peers/*/*").ResolveOne(TimeSpan.FromSeconds(5));
                        connection.Tell(AkkaDiameter.Transport.ConnectionCommands.Abort.Instance);
                    }
                    var attach = await nodes[index].Actor.Ask<List<MmeProtocol.ProcedureResult>>(new MmeProtocol.Attach(imsi), askTimeout);
                    outcomes.Add(new Outcome(index, imsi, "attach", attach));
                    var purge = await nodes[index].Actor.Ask<MmeProtocol.ProcedureResult>(new MmeProtocol.Purge(imsi), askTimeout);
                    outcomes.Add(new Outcome(index, imsi, "purge", [purge]));
                }
                finally { slots.Release(); }
            }).ToList();
            await Task.WhenAll(tasks);
        }

        await Task.WhenAll(Enumerable.Range(0, mmes).Select(RunMme));

        // Every procedure came back: attach is AIA then ULA (or AIA alone when it failed), purge is PUA; each answer is
        // an answer to the command sent, for that UE.
        Assert.Equal(mmes * uesPerMme * 2, outcomes.Count);
        foreach (var o in outcomes)
        {
            var expected = o.Procedure == "attach" ? new uint[] { 318, 316 } : [321];
            Assert.Equal(expected.Take(o.Results.Count), o.Results.Select(r => r.Answer.Message.CommandCode));
            Assert.All(o.Results, r =>
            {
                Assert.Equal(o.Imsi, r.Imsi);
                Assert.False(r.Answer.Message.IsRequest);
                Assert.True(r.ResultCode > 0, $"{r} has no Result-Code");
            });
            if (o.Procedure == "attach" && o.Results.Count == 1) Assert.False(o.Results[0].IsSuccess);
        }
        var failed = outcomes.SelectMany(o => o.Results).Where(r => !r.IsSuccess).ToList();
        Output?.WriteLine($"{mmes} MMEs x {uesPerMme} UEs: {outcomes.Sum(o => o.Results.Count)} answers, {failed.Count} errors " +
            $"({string.Join(", ", failed.GroupBy(r => r.ResultCode).Select(g => $"{g.Key}: {g.Count()}"))})");
        // Only mme1's requests may fail, and only with its node's own error (connection lost, no route: 3002); and it
        // came back: its peer is open again.
        await nodes[0].Node.WaitUntilOpenAsync(HssHost, TimeSpan.FromSeconds(20));
        Assert.All(failed, r => Assert.Equal(ResultCodes.UnableToDeliver, r.ResultCode));
        Assert.All(outcomes.Where(o => o.Mme != 0), o => Assert.All(o.Results, r => Assert.True(r.IsSuccess, r.ToString())));
        // Nothing is left in process at the HSS, and it holds no session actors (S6a is NO_STATE_MAINTAINED).
        await AwaitAssertAsync(async () => Assert.All(await hss.Node.GetPeersAsync(), p => Assert.Equal(0, p.InboundRequests)), TimeSpan.FromSeconds(10));
        Assert.Equal(0, await hss.Node.CountSessionsAsync());
        // Every UE whose purge succeeded is purged in the HSS's database.
        foreach (var o in outcomes.Where(o => o.Procedure == "purge" && o.Results[0].IsSuccess && o.Results[0].Answer.Message.FindUInt32("PUA-Flags") == 1))
            Assert.True(hss.Store.FindRegistration(o.Imsi)!.Purged, o.Imsi);
        // Dead letters, only the expected ones: what crossed the killed connection's end (Disconnected, Close, Abort,
        // Ack), the HSS's answers to
        // requests that came over it, alone or as a batch's (the peer actor that would send them back is gone with
        // it, RFC 6733 §6.2: an answer goes back the way its request came) and peer events to a watcher that had just
        // stopped.
        Assert.All(deadLetters, d => Assert.True(
            d.Message is AkkaDiameter.Transport.ConnectionEvents.Disconnected or AkkaDiameter.Transport.ConnectionCommands.Close
                or AkkaDiameter.Transport.ConnectionCommands.Abort or AkkaDiameter.Transport.ConnectionCommands.Ack
                or PeerStateChanged or WatchdogStateChanged
            || (d.Message is AkkaDiameter.Applications.HandlerAnswer or AkkaDiameter.Applications.HandlerAnswers
                && d.Recipient.Path.Name.StartsWith("peer-mme1.", StringComparison.Ordinal)),
            $"unexpected dead letter: {d}"));
        _running.AddRange(nodes);
    }

    private sealed class DeadLetterCollector : ReceiveActor
    {
        public DeadLetterCollector(ConcurrentQueue<DeadLetter> into) => Receive<DeadLetter>(into.Enqueue);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    async Task IAsyncLifetime.DisposeAsync()
    {
        foreach (var r in Enumerable.Reverse(_running)) await r.DisposeAsync();
        foreach (var f in new[] { _db, _db + "-wal", _db + "-shm" }) File.Delete(f);
    }
}
