using System.Net;
using System.Net.Sockets;
using Akka.Configuration;
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

    /// <summary>A port nobody listens on now (bound to 0, read, released).</summary>
    public static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    /// <summary>A node's settings. <paramref name="peers"/> is HOCON list content.</summary>
    public static DiameterSettings NodeSettings(string host, int? listenPort, string peers, string extra = "",
        string applications = "{ vendor-id = 10415, auth-application-id = 16777251 }") =>
        DiameterSettings.Create(ConfigurationFactory.ParseString($$"""
            akka.diameter {
              node { origin-host = "{{host}}", origin-realm = "{{Realm}}", host-ip-addresses = ["127.0.0.1"] }
              listen = [ {{(listenPort is { } p ? $"{{ address = \"127.0.0.1\", port = {p} }}" : "")}} ]
              applications = [ {{applications}} ]
              peers = [ {{peers}} ]
              watchdog-interval = 400ms
              watchdog-jitter = 50ms
              request-timeout = 2s
              connect-timeout = 5s
              capabilities-exchange-timeout = 5s
              disconnect-timeout = 2s
              reconnect { min-backoff = 100ms, max-backoff = 400ms, random-factor = 0.1 }
              {{extra}}
            }
            """));

    public static string Peer(string host, int port, bool connect) =>
        $$"""{ origin-host = "{{host}}", realm = "{{Realm}}", address = "127.0.0.1", port = {{port}}, connect = {{(connect ? "true" : "false")}} }""";

    /// <summary>Waits (TestKit AwaitAssert) until the node reports <paramref name="state"/> for <paramref name="peer"/>.</summary>
    public static Task AwaitState(this TestKitBase kit, DiameterNode node, string peer, PeerState state, TimeSpan? within = null) =>
        kit.AwaitAssertAsync(async () => Assert.Equal(state, (await node.GetPeerStatusAsync(peer)).State), within ?? TimeSpan.FromSeconds(10));
}
