using Akka.Configuration;
using AkkaDiameter.Settings;

namespace AkkaDiameter.TestSupport;

/// <summary>HOCON for test nodes on loopback.</summary>
public static class TestHocon
{
    /// <summary>An applications entry: S6a (TS 29.272 §7.1.8), vendor 10415.</summary>
    public const string S6aApplication = "{ vendor-id = 10415, auth-application-id = 16777251 }";

    /// <summary>An HSS node (<c>HssNode.StartAsync</c>) on 127.0.0.1:<paramref name="port"/>: S6a, any MME may connect
    /// (<c>accept-unknown-peers</c>), its SQLite database at <paramref name="database"/> and
    /// <paramref name="subscribers"/>, the content of the <c>akka.diameter.hss.subscribers</c> list.</summary>
    public static Config Hss(string host, string realm, int port, string database, string subscribers) =>
        ConfigurationFactory.ParseString($$"""
            akka.diameter {
              node { origin-host = "{{host}}", origin-realm = "{{realm}}" }
              listen = [ { address = "127.0.0.1", port = {{port}} } ]
              applications = [ {{S6aApplication}} ]
              accept-unknown-peers = true
              hss {
                database = "{{database}}"
                subscribers = [ {{subscribers}} ]
              }
            }
            """);

    /// <summary>A peers entry on 127.0.0.1.</summary>
    public static string Peer(string host, string realm, int port, bool connect) =>
        $$"""{ origin-host = "{{host}}", realm = "{{realm}}", address = "127.0.0.1", port = {{port}}, connect = {{(connect ? "true" : "false")}} }""";

    /// <summary>A node's settings, listening on 127.0.0.1:<paramref name="listenPort"/> (none when null; 0 for a free
    /// port), with short timers so that tests of failures end quickly (Tw 400 ms is below RFC 3539's 6 s; the node
    /// warns). <paramref name="peers"/> is HOCON list content; <paramref name="extra"/> comes last, so its keys win.</summary>
    public static DiameterSettings NodeSettings(string host, string realm, int? listenPort, string peers, string extra = "",
        string applications = S6aApplication) =>
        DiameterSettings.Create(ConfigurationFactory.ParseString($$"""
            akka.diameter {
              node { origin-host = "{{host}}", origin-realm = "{{realm}}", host-ip-addresses = ["127.0.0.1"] }
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
}
