using Akka.Actor;
using Akka.Configuration;
using AkkaDiameter.Applications;
using AkkaDiameter.Protocol;
using AkkaDiameter.Protocol.Dictionary;
using AkkaDiameter.Settings;

namespace AkkaDiameter.Benchmarks;

/// <summary>
/// Memory held per idle session: <c>dotnet run -c Release --project tests/AkkaDiameter.Benchmarks -- sessions-memory 100000</c>.
/// Opens N sessions through the node's own router (a local handler answers each session's first request), waits
/// until every session actor exists and is idle, and divides the growth of the managed heap (after full
/// collections) by N, and reports the process's working set. The baseline is the same node with no session open,
/// measured in the same run. The requests say STATE_MAINTAINED: a NO_STATE_MAINTAINED one gets no session actor.
/// </summary>
public static class SessionMemory
{
    private sealed class Answer : DiameterRequestHandler
    {
        protected override void Handle(IncomingRequest r) => r.Reply(r.CreateAnswer().Add("Auth-Session-State", "NO_STATE_MAINTAINED"));
    }

    public static async Task<int> RunAsync(int sessions)
    {
        var system = ActorSystem.Create("sessions", "akka.loglevel = WARNING");
        var settings = DiameterSettings.Create(ConfigurationFactory.ParseString("""
            akka.diameter {
              node { origin-host = "hss.bench.localdomain", origin-realm = "localdomain" }
              applications = [ { vendor-id = 10415, auth-application-id = 16777251 } ]
              session-idle-timeout = 1h
            }
            """));
        var node = await DiameterNode.StartAsync(system, settings, DiameterDictionary.Default, "hss", new DiameterHandlers().Add<Answer>("ULR"));
        var before = Heap();
        const int window = 256;
        var inFlight = new List<Task>(window);
        for (var i = 0; i < sessions; i++)
        {
            inFlight.Add(node.AskAsync(Ulr(node.NewSessionId())));
            if (inFlight.Count == window) { await Task.WhenAll(inFlight); inFlight.Clear(); }
        }
        await Task.WhenAll(inFlight);
        var open = await node.CountSessionsAsync();
        var after = Heap();
        Console.WriteLine($"sessions open: {open}");
        Console.WriteLine($"managed heap: {before / 1048576.0:0.0} MiB before, {after / 1048576.0:0.0} MiB after");
        Console.WriteLine($"per idle session: {(after - before) / (double)open:0} bytes");
        Console.WriteLine($"process working set: {Environment.WorkingSet / 1048576.0:0.0} MiB");
        await node.StopAsync();
        await system.Terminate();
        return open == sessions ? 0 : 1;
    }

    private static long Heap()
    {
        for (var i = 0; i < 3; i++) { GC.Collect(); GC.WaitForPendingFinalizers(); }
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    private static DiameterMessage Ulr(string sessionId) => DiameterMessage.CreateRequest("ULR")
        .Add("Session-Id", sessionId).Add("Auth-Session-State", 0).Add("Destination-Realm", "localdomain")
        .Add("User-Name", "001010000000001").Add("RAT-Type", 1004).Add("ULR-Flags", 34u).Add("Visited-PLMN-Id", new byte[] { 0, 0xF1, 0x10 });
}
