using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Configuration;
using AkkaDiameter.Protocol;
using AkkaDiameter.Protocol.Dictionary;
using AkkaDiameter.Settings;
using BenchmarkDotNet.Attributes;

namespace AkkaDiameter.Benchmarks;

/// <summary>
/// Request/answer round trips between two nodes over loopback TCP: 4,000 ULRs, 64 in flight, through
/// <c>DiameterNode.SendAsync</c> (Ask), the MME's PeerActor, the transport, the HSS's PeerActor (which answers
/// 3001: no handler yet) and back. Baseline, measured in the same run: the same ULR bytes echoed by a plain
/// socket server with the same 64 in flight, i.e. what the loopback itself costs.
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
        _hss = DiameterNode.StartAsync(_system, hssSettings, DiameterDictionary.Default, "hss").Result;
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
        var sent = 0;
        var received = 0;
        var header = new byte[4];
        var body = new byte[_ulrBytes.Length];
        for (; sent < InFlight; sent++) await _echoClient.SendAsync(_ulrBytes, SocketFlags.None);
        while (received < Requests)
        {
            await ReadExactly(header);
            var length = (int)(BinaryPrimitives.ReadUInt32BigEndian(header) & 0xFF_FFFF);
            await ReadExactly(body.AsMemory(0, length - 4));
            received++;
            if (sent < Requests) { await _echoClient.SendAsync(_ulrBytes, SocketFlags.None); sent++; }
        }
        return received;
    }

    private async Task ReadExactly(Memory<byte> buffer)
    {
        var read = 0;
        while (read < buffer.Length) read += await _echoClient.ReceiveAsync(buffer[read..], SocketFlags.None);
    }

    [Benchmark(OperationsPerInvoke = Requests, Description = "node to node ULR -> answer, 64 in flight")]
    public async Task<int> NodeRoundTrip()
    {
        var sent = 0;
        var answered = 0;
        var inFlight = new List<Task<DiameterMessage>>(InFlight);
        for (; sent < InFlight; sent++) inFlight.Add(_mme.SendAsync("hss.bench.localdomain", Ulr(sent)));
        while (inFlight.Count > 0)
        {
            var done = await Task.WhenAny(inFlight);
            inFlight.Remove(done);
            if ((await done).ResultCode != ResultCodes.CommandUnsupported) throw new InvalidOperationException((await done).ToTreeString());
            answered++;
            if (sent < Requests) inFlight.Add(_mme.SendAsync("hss.bench.localdomain", Ulr(sent++)));
        }
        return answered;
    }

    private static DiameterMessage Ulr(int n) => DiameterMessage.CreateRequest("ULR")
        .Add("Session-Id", "mme.bench.localdomain;1;" + n).Add("Auth-Session-State", 1).Add("Destination-Realm", "localdomain")
        .Add("User-Name", "001010000000001").Add("RAT-Type", 1004).Add("ULR-Flags", 34u).Add("Visited-PLMN-Id", new byte[] { 0, 0xF1, 0x10 });
}
