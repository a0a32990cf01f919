using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Configuration;
using AkkaDiameter.Applications;
using AkkaDiameter.Protocol;
using AkkaDiameter.Protocol.Dictionary;
using AkkaDiameter.Settings;
using BenchmarkDotNet.Attributes;

namespace AkkaDiameter.Benchmarks;

/// <summary>
/// Request/answer round trips between two nodes over loopback TCP: 4,000 ULRs, 64 in flight. "Direct":
/// <c>DiameterNode.SendAsync</c> (Ask) to a named peer, the MME's PeerActor, the transport, the HSS's PeerActor,
/// validation, its session actor and a ULA handler, and back. "Routed": the same through <c>AskAsync</c> and the
/// MME's router (§6.1 realm routing, least outstanding). Baseline, measured in the same run: the same ULR bytes
/// echoed by a plain socket server with the same 64 in flight, i.e. what the loopback itself costs.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(warmupCount: 2, iterationCount: 8)]
public class LoopbackBenchmarks
{
    private const int Requests = 4_000;
    private const int InFlight = 64;
    private ActorSystem _system = null!;
    private DiameterNode _hss = null!;
    private DiameterNode _mme = null!;
    private byte[] _ulrBytes = [];
    private TcpListener _echo = null!;
    private Socket _echoClient = null!;

    [GlobalSetup]
    public void Setup()
    {
        _system = ActorSystem.Create("loopback-bench", "akka.loglevel = WARNING");
        var hssSettings = Settings("hss.bench.localdomain", "listen = [ { address = \"127.0.0.1\", port = 0 } ]",
            "{ origin-host = \"mme.bench.localdomain\", realm = \"localdomain\", connect = false }");
        _hss = DiameterNode.StartAsync(_system, hssSettings, DiameterDictionary.Default, "hss", new DiameterHandlers().Add<UlaHandler>("ULR")).Result;
        var port = _hss.ListenEndpoints[0].Port;
        _mme = DiameterNode.StartAsync(_system, Settings("mme.bench.localdomain", "",
            $"{{ origin-host = \"hss.bench.localdomain\", realm = \"localdomain\", address = \"127.0.0.1\", port = {port}, connect = true }}"),
            DiameterDictionary.Default, "mme").Result;
        _mme.WaitUntilOpenAsync("hss.bench.localdomain", TimeSpan.FromSeconds(10)).Wait();
        _ulrBytes = CodecBenchmarks.LoadUlr();

        _echo = new TcpListener(IPAddress.Loopback, 0);
        _echo.Start();
        _ = Task.Run(async () =>
        {
            using var s = await _echo.AcceptSocketAsync();
            var buffer = new byte[64 * 1024];
            while (true)
            {
                var n = await s.ReceiveAsync(buffer, SocketFlags.None);
                if (n == 0) return;
                await s.SendAsync(buffer.AsMemory(0, n), SocketFlags.None);
            }
        });
        _echoClient = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        _echoClient.Connect(IPAddress.Loopback, ((IPEndPoint)_echo.LocalEndpoint).Port);
    }

    private static DiameterSettings Settings(string host, string listen, string peer) =>
        DiameterSettings.Create(ConfigurationFactory.ParseString($$"""
            akka.diameter {
              node { origin-host = "{{host}}", origin-realm = "localdomain", host-ip-addresses = ["127.0.0.1"] }
              {{listen}}
              applications = [ { vendor-id = 10415, auth-application-id = 16777251 } ]
              peers = [ {{peer}} ]
            }
            """));

    [GlobalCleanup]
    public void Cleanup()
    {
        _echoClient.Dispose();
        _echo.Stop();
        _mme.StopAsync().Wait();
        _hss.StopAsync().Wait();
        _system.Terminate().Wait();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Requests, Description = "socket echo of ULR bytes, 64 in flight")]
    public async Task<int> SocketEcho()
    {
        // Reads in 64 KiB chunks, counts whole frames, and sends one replacement per frame answered, batched in one
        // write: the loopback round trip with the same pipelining the node gets from its write batching.
        var buffer = new byte[64 * 1024];
        var pending = 0;                 // bytes of a partial frame carried over
        var sent = InFlight;
        var received = 0;
        await _echoClient.SendAsync(Repeat(InFlight), SocketFlags.None);
        while (received < Requests)
        {
            var n = await _echoClient.ReceiveAsync(buffer.AsMemory(pending), SocketFlags.None);
            var total = pending + n;
            var frames = total / _ulrBytes.Length;
            pending = total % _ulrBytes.Length;
            received += frames;
            var more = Math.Min(frames, Requests - sent);
            if (more > 0) { await _echoClient.SendAsync(Repeat(more), SocketFlags.None); sent += more; }
        }
        return received;
    }

    private byte[] Repeat(int count)
    {
        var bytes = new byte[_ulrBytes.Length * count];
        for (var i = 0; i < count; i++) _ulrBytes.CopyTo(bytes, i * _ulrBytes.Length);
        return bytes;
    }

    private sealed class UlaHandler : DiameterRequestHandler
    {
        protected override void Handle(IncomingRequest r) => r.Reply(r.CreateAnswer().Add("Auth-Session-State", 1).Add("ULA-Flags", 1u));
    }

    [Benchmark(OperationsPerInvoke = Requests, Description = "node to node ULR -> ULA handler, direct, 64 in flight")]
    public Task<int> NodeRoundTrip() => Drive(n => _mme.SendAsync("hss.bench.localdomain", Ulr(n)));

    [Benchmark(OperationsPerInvoke = Requests, Description = "node to node ULR -> ULA handler, routed, 64 in flight")]
    public Task<int> RoutedRoundTrip() => Drive(async n => (await _mme.AskAsync(Ulr(n))).Message);

    private static async Task<int> Drive(Func<int, Task<DiameterMessage>> send)
    {
        var sent = 0;
        var answered = 0;
        var inFlight = new List<Task<DiameterMessage>>(InFlight);
        for (; sent < InFlight; sent++) inFlight.Add(send(sent));
        while (inFlight.Count > 0)
        {
            var done = await Task.WhenAny(inFlight);
            inFlight.Remove(done);
            if ((await done).ResultCode != ResultCodes.Success) throw new InvalidOperationException((await done).ToTreeString());
            answered++;
            if (sent < Requests) inFlight.Add(send(sent++));
        }
        return answered;
    }

    private static DiameterMessage Ulr(int n) => DiameterMessage.CreateRequest("ULR")
        .Add("Session-Id", "mme.bench.localdomain;1;" + n).Add("Auth-Session-State", 1).Add("Destination-Realm", "localdomain")
        .Add("User-Name", "001010000000001").Add("RAT-Type", 1004).Add("ULR-Flags", 34u).Add("Visited-PLMN-Id", new byte[] { 0, 0xF1, 0x10 });
}
