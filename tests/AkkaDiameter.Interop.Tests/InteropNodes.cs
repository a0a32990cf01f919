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
    public const string S6aApplication = TestHocon.S6aApplication;

    /// <summary>A peers entry.</summary>
    public static string Peer(string host, string realm, int port, bool connect) => TestHocon.Peer(host, realm, port, connect);

    // Against real stacks and their real timers: RFC 3539 watchdogs, room for freeDiameterd to start, and every
    // message logged for the failure reports.
    private const string InteropTimers = """
        watchdog-interval = 30s
        watchdog-jitter = 2s
        request-timeout = 5s
        connect-timeout = 5s
        capabilities-exchange-timeout = 10s
        disconnect-timeout = 5s
        reconnect { min-backoff = 200ms, max-backoff = 1s, random-factor = 0.1 }
        log-messages = true
        """;

    /// <summary>A node's settings for the interop scenarios; <paramref name="extra"/>'s keys win.</summary>
    public static DiameterSettings NodeSettings(string host, string realm, int? listenPort, string peers, string extra = "",
        string applications = S6aApplication) =>
        TestHocon.NodeSettings(host, realm, listenPort, peers, InteropTimers + "\n" + extra, applications);
}
