using Akka.TestKit;
using AkkaDiameter.Settings;
using Xunit;

namespace AkkaDiameter.Tests;

/// <summary>HOCON for test nodes on loopback, with ports chosen free at run time and short timers.</summary>
public static class TestNodes
{
    public const string Realm = "epc.mnc001.mcc001.3gppnetwork.org";
    public const string Hss = "hss.epc.mnc001.mcc001.3gppnetwork.org";
    public const string Mme = "mme.epc.mnc001.mcc001.3gppnetwork.org";

    /// <summary>A node's settings in <see cref="Realm"/>, with <see cref="TestHocon"/>'s short timers.
    /// <paramref name="peers"/> is HOCON list content.</summary>
    public static DiameterSettings NodeSettings(string host, int? listenPort, string peers, string extra = "",
        string applications = TestHocon.S6aApplication) => TestHocon.NodeSettings(host, Realm, listenPort, peers, extra, applications);

    /// <summary>A peers entry in <see cref="Realm"/>.</summary>
    public static string Peer(string host, int port, bool connect) => TestHocon.Peer(host, Realm, port, connect);

    /// <summary>Waits (TestKit AwaitAssert) until the node reports <paramref name="state"/> for <paramref name="peer"/>.</summary>
    public static Task AwaitState(this TestKitBase kit, DiameterNode node, string peer, PeerState state, TimeSpan? within = null) =>
        kit.AwaitAssertAsync(async () => Assert.Equal(state, (await node.GetPeerStatusAsync(peer)).State), within ?? TimeSpan.FromSeconds(10));
}
