using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Configuration;
using Akka.Event;
using AkkaDiameter.S6a.Hss;
using AkkaDiameter.S6a.Mme;
using AkkaDiameter.Settings;

namespace AkkaDiameter.Cli;

/// <summary>
/// <c>akka-diameter demo</c>: an HSS and two MMEs on loopback in one process, with a temporary database. Attaches
/// three subscribers through mme1 (CER/CEA, AIR/AIA, ULR/ULA), moves one to mme2 (the HSS sends CLR to mme1),
/// changes one's APNs (the HSS sends IDR to mme1), purges one (PUR), prints every message as a one-line summary and the peer states, disconnects (DPR) and exits 0
/// when every answer was what the procedure expects.
/// </summary>
public static class DemoCommand
{
    private const string Realm = "epc.mnc001.mcc001.3gppnetwork.org";
    private const string Hss = "hss.epc.mnc001.mcc001.3gppnetwork.org";

    /// <summary>Runs the demo; returns the exit code.</summary>
    public static int Run(TextWriter stdout, TextWriter stderr) => RunAsync(stdout, stderr).GetAwaiter().GetResult();

    private static async Task<int> RunAsync(TextWriter stdout, TextWriter stderr)
    {
        var port = FreePort();
        var db = Path.Combine(Path.GetTempPath(), $"akka-diameter-demo-{Environment.ProcessId}.db");
        // Messages reach the trace as the peers' Debug log lines ("-> peer summary", log-messages = true); nothing
        // else is printed below Warning.
        var system = ActorSystem.Create("demo", ConfigurationFactory.ParseString("""
            akka.loglevel = DEBUG
            akka.stdout-loglevel = OFF
            akka.loggers = []
            akka.log-dead-letters = off
            akka.log-dead-letters-during-shutdown = off
            """).WithFallback(DiameterSettings.SystemDefaults));
        var trace = system.ActorOf(Props.Create(() => new TraceActor(stdout, stderr)), "trace");
        system.EventStream.Subscribe(trace, typeof(LogEvent));
        var ok = true;
        void Check(bool condition, string what)
        {
            if (condition) return;
            ok = false;
            stderr.WriteLine($"demo: {what}");
        }
        try
        {
            await using var hss = await HssNode.StartAsync(system, HssConfig(port, db), "hss");
            await using var mme1 = await MmeNode.StartAsync(system, MmeConfig("mme1", port), "mme1");
            await using var mme2 = await MmeNode.StartAsync(system, MmeConfig("mme2", port), "mme2");
            await mme1.Node.WaitUntilOpenAsync(Hss, TimeSpan.FromSeconds(20));
            await mme2.Node.WaitUntilOpenAsync(Hss, TimeSpan.FromSeconds(20));
            await Peers(stdout, mme1, mme2, hss);

            var timeout = TimeSpan.FromSeconds(20);
            foreach (var imsi in new[] { "001010000000001", "001010000000002", "001010000000003" })
            {
                stdout.WriteLine($"# mme1 attaches {imsi}");
                var results = await mme1.Actor.Ask<List<MmeProtocol.ProcedureResult>>(new MmeProtocol.Attach(imsi), timeout);
                foreach (var r in results) stdout.WriteLine($"  {r}");
                Check(results.Count == 2 && results.All(r => r.IsSuccess), $"attach of {imsi} failed");
            }
            stdout.WriteLine("# mme2 takes 001010000000002 over: the HSS cancels it at mme1 (CLR, MME_UPDATE_PROCEDURE)");
            var takeover = await mme2.Actor.Ask<List<MmeProtocol.ProcedureResult>>(new MmeProtocol.Attach("001010000000002"), timeout);
            foreach (var r in takeover) stdout.WriteLine($"  {r}");
            Check(takeover.All(r => r.IsSuccess), "the attach at mme2 failed");
            var detached = await Eventually(async () => await mme1.Actor.Ask<object>(new MmeProtocol.GetUe("001010000000002"), timeout) is MmeProtocol.NoUe);
            stdout.WriteLine($"  mme1 holds 001010000000002: {(detached ? "no (detached by CLR)" : "yes")}");
            Check(detached, "mme1 still holds the UE after CLR");
            stdout.WriteLine("# the operator adds APN \"ims\" to 001010000000001: the HSS sends IDR to mme1, which stores it");
            var subscriber = hss.Store.Find("001010000000001")!;
            hss.Provision(subscriber with { Apns = [.. subscriber.Apns, new ApnProfile("ims", Qci: 5, ArpPriority: 1)] });
            IReadOnlyList<string> apns = [];
            await Eventually(async () => (apns = (await mme1.Actor.Ask<MmeProtocol.UeState>(new MmeProtocol.GetUe("001010000000001"), timeout)).Apns).Contains("ims"));
            stdout.WriteLine($"  mme1 holds 001010000000001 with APNs: {string.Join(", ", apns)}");
            Check(apns.Contains("ims"), "mme1 did not receive the IDR");
            stdout.WriteLine("# mme1 purges 001010000000003 (PUR)");
            var pua = await mme1.Actor.Ask<MmeProtocol.ProcedureResult>(new MmeProtocol.Purge("001010000000003"), timeout);
            stdout.WriteLine($"  {pua}");
            Check(pua.IsSuccess, "PUR failed");
            stdout.WriteLine("# registrations in the HSS database");
            foreach (var imsi in new[] { "001010000000001", "001010000000002", "001010000000003" })
            {
                var reg = hss.Store.FindRegistration(imsi);
                stdout.WriteLine($"  {imsi}: {reg?.MmeHost ?? "none"}{(reg?.Purged == true ? " (purged)" : "")}, SQN {hss.Store.Find(imsi)!.Sqn:X12}");
            }
            await Peers(stdout, mme1, mme2, hss);
            stdout.WriteLine("# disconnecting (DPR)");
        }
        catch (Exception e)
        {
            stderr.WriteLine($"demo: {e.GetType().Name}: {e.Message}");
            ok = false;
        }
        finally
        {
            await system.Terminate();
            foreach (var f in new[] { db, db + "-wal", db + "-shm" }) File.Delete(f);
        }
        stdout.WriteLine(ok ? "demo: every answer as expected" : "demo: FAILED");
        return ok ? CommandLine.Ok : CommandLine.UsageError;
    }

    // What the HSS sends (CLR, IDR) reaches the MME a moment after the answer that caused it: asked again every
    // 50 ms, for up to 5 s.
    private static async Task<bool> Eventually(Func<Task<bool>> condition)
    {
        for (var i = 0; i < 100; i++)
        {
            if (await condition()) return true;
            await Task.Delay(50);
        }
        return false;
    }

    private static async Task Peers(TextWriter stdout, MmeNode mme1, MmeNode mme2, HssNode hss)
    {
        stdout.WriteLine("# peer states");
        foreach (var (name, node) in new[] { ("mme1", mme1.Node), ("mme2", mme2.Node), ("hss", hss.Node) })
            foreach (var p in await node.GetPeersAsync())
                stdout.WriteLine($"  {name}: {p.OriginHost} {p.StateName}, watchdog {p.Watchdog}");
    }

    private static Config HssConfig(int port, string db) => ConfigurationFactory.ParseString($$"""
        akka.diameter {
          node { origin-host = "{{Hss}}", origin-realm = "{{Realm}}" }
          listen = [ { address = "127.0.0.1", port = {{port}} } ]
          applications = [ { vendor-id = 10415, auth-application-id = 16777251 } ]
          accept-unknown-peers = true
          log-messages = true
          hss {
            database = "{{db.Replace("\\", "\\\\")}}"
            subscribers = [
              { imsi = "001010000000001", count = 3, k = "465b5ce8b199b49faa5f0a2ee238a6bc", opc = "cd63cb71954a9f4e48a5994e37a02baf",
                amf = "8000", sqn = "000000000020", msisdn = "5511900000001", apns = [ { name = "internet" } ] }
            ]
          }
        }
        """);

    private static Config MmeConfig(string name, int port) => ConfigurationFactory.ParseString($$"""
        akka.diameter {
          node { origin-host = "{{name}}.{{Realm}}", origin-realm = "{{Realm}}" }
          applications = [ { vendor-id = 10415, auth-application-id = 16777251 } ]
          peers = [ { origin-host = "{{Hss}}", realm = "{{Realm}}", address = "127.0.0.1", port = {{port}} } ]
          log-messages = true
          mme { visited-plmn-id = "00101", destination-realm = "{{Realm}}", destination-host = "{{Hss}}" }
        }
        """);

    private static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var p = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return p;
    }

    /// <summary>Prints the messages each node sends ("-> peer summary" Debug lines) and every warning or error.</summary>
    private sealed class TraceActor : ReceiveActor
    {
        public TraceActor(TextWriter stdout, TextWriter stderr)
        {
            Receive<Debug>(d =>
            {
                var text = d.Message?.ToString() ?? "";
                if (!text.StartsWith("-> ", StringComparison.Ordinal)) return;
                var node = d.LogSource.Split('/').SkipWhile(s => s != "user").Skip(1).FirstOrDefault() ?? "?";
                stdout.WriteLine($"    {node,-4} {text}");
            });
            Receive<Warning>(w => stderr.WriteLine($"    warning: {w.LogSource}: {w.Message}"));
            Receive<Error>(e => stderr.WriteLine($"    error: {e.LogSource}: {e.Message}"));
            ReceiveAny(_ => { });
        }
    }
}
