using System.Net;
using System.Net.Sockets;
using Akka.Configuration;
using AkkaDiameter.Settings;

namespace AkkaDiameter.Interop.Tests;

/// <summary>AkkaDiameter node settings for the interop scenarios. Hosts end in <c>.localdomain</c>, which
/// freeDiameter's acl_wl admits; every port is chosen free at run time.</summary>
public static class InteropNodes
{
    public const string FdHost = "fd.localdomain";
    public const string FdRealm = "localdomain";
    public const string AkkaHost = "akka.localdomain";
    /// <summary>Our node's realm: not freeDiameter's, so that a request for freeDiameter's realm is not ours to handle.</summary>
    public const string AkkaRealm = "akka.localdomain";
    public const string S6aApplication = "{ vendor-id = 10415, auth-application-id = 16777251 }";

    public static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    /// <summary>A peers entry.</summary>
    public static string Peer(string host, string realm, int port, bool connect) =>
        $$"""{ origin-host = "{{host}}", realm = "{{realm}}", address = "127.0.0.1", port = {{port}}, connect = {{(connect ? "true" : "false")}} }""";

    public static DiameterSettings NodeSettings(string host, string realm, int? listenPort, string peers, string extra = "",
        string applications = S6aApplication) =>
        DiameterSettings.Create(ConfigurationFactory.ParseString($$"""
            akka.diameter {
              node { origin-host = "{{host}}", origin-realm = "{{realm}}", host-ip-addresses = ["127.0.0.1"] }
              listen = [ {{(listenPort is { } p ? $"{{ address = \"127.0.0.1\", port = {p} }}" : "")}} ]
              applications = [ {{applications}} ]
              peers = [ {{peers}} ]
              watchdog-interval = 30s
              watchdog-jitter = 2s
              request-timeout = 5s
              connect-timeout = 5s
              capabilities-exchange-timeout = 10s
              disconnect-timeout = 5s
              reconnect { min-backoff = 200ms, max-backoff = 1s, random-factor = 0.1 }
              log-messages = true
              {{extra}}
            }
            """));
}
