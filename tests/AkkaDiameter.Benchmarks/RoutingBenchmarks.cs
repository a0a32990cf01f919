using Akka.Configuration;
using AkkaDiameter.Protocol;
using AkkaDiameter.Routing;
using AkkaDiameter.Settings;
using BenchmarkDotNet.Attributes;

namespace AkkaDiameter.Benchmarks;

/// <summary>
/// The per-request decisions of the hot path: the RFC 6733 §6.1 routing decision over a table of 8 and 64 peers of a
/// realm (least outstanding first), and what the session layer reads of each request (Auth-Session-State, then the
/// Session-Id for a stateful one). Baseline: reading the request's Destination-Realm, which every decision does.
/// </summary>
[MemoryDiagnoser]
public class RoutingBenchmarks
{
    private const string Realm = "epc.mnc001.mcc001.3gppnetwork.org";
    private RoutingTable _table = null!;
    private Dictionary<string, PeerRoute> _peers = null!;
    private DiameterMessage _ulr = null!;
    private readonly Dictionary<string, int> _sessions = new(StringComparer.Ordinal);

    [Params(8, 64)]
    public int Peers { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var settings = DiameterSettings.Create(ConfigurationFactory.ParseString($$"""
            akka.diameter.node { origin-host = "mme.{{Realm}}", origin-realm = "{{Realm}}" }
            """));
        _table = new RoutingTable(settings);
        _peers = Enumerable.Range(0, Peers).ToDictionary(i => $"hss{i}.{Realm}",
            i => new PeerRoute($"hss{i}.{Realm}", Realm, i % 4 != 0, i * 7 % 13, [16777251u]));
        _ulr = DiameterMessage.Decode(CodecBenchmarks.LoadUlr());
        for (var i = 0; i < 100_000; i++) _sessions[$"mme.{Realm};1;{i}"] = i;
        _sessions[_ulr.SessionId!] = -1;
    }

    [Benchmark(Baseline = true)]
    public string? DestinationRealm() => _ulr.FindString("Destination-Realm");

    [Benchmark]
    public RouteDecision Decide() => _table.Decide(_ulr, _peers, null);

    [Benchmark]
    public int SessionLookup() =>
        AkkaDiameter.Sessions.SessionSupervisor.SkipsSessionActor(_ulr, statelessActors: false) ? 0 : _sessions.TryGetValue(_ulr.SessionId!, out var s) ? s : 0;
}
