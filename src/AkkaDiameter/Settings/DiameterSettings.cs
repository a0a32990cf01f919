using System.Collections.Immutable;
using System.Net;
using Akka.Actor;
using Akka.Configuration;
using AkkaDiameter.Protocol;
using AkkaDiameter.Protocol.DataTypes;

namespace AkkaDiameter.Settings;

/// <summary>The configuration is wrong; the message names the key (<c>akka.diameter.peers[0].port</c>) and why.</summary>
public sealed class DiameterConfigurationException(string key, string reason)
    : DiameterException($"akka.diameter configuration: {key}: {reason}")
{
    /// <summary>The full path of the key at fault.</summary>
    public string Key { get; } = key;
}

/// <summary>Where to listen: an IP literal and a port.</summary>
/// <param name="Address">IP literal.</param>
/// <param name="Port">TCP port; 0 picks a free one (tests).</param>
public sealed record ListenSettings(IPAddress Address, int Port);

/// <summary>An application advertised in CER/CEA.</summary>
/// <param name="ApplicationId">Application-ID.</param>
/// <param name="Accounting">True for Acct-Application-Id, false for Auth-Application-Id.</param>
/// <param name="VendorId">Non-zero: advertised inside Vendor-Specific-Application-Id with this Vendor-Id.</param>
public sealed record ApplicationSettings(uint ApplicationId, bool Accounting, uint VendorId);

/// <summary>A configured peer.</summary>
/// <param name="OriginHost">The peer's DiameterIdentity.</param>
/// <param name="Realm">The peer's realm.</param>
/// <param name="Address">Where to connect.</param>
/// <param name="Port">TCP port.</param>
/// <param name="Connect">True: this node connects and reconnects; false: it waits for the peer.</param>
public sealed record PeerSettings(string OriginHost, string Realm, IPAddress Address, int Port, bool Connect);

/// <summary>What a node does with requests for a realm (RFC 6733 §2.7, the Routing Action of a realm routing table entry).</summary>
public enum RealmAction
{
    /// <summary>Handled by this node's handlers.</summary>
    Local,
    /// <summary>Forwarded unchanged but for routing AVPs to the listed peers (a relay agent, §2.8.1).</summary>
    Relay,
    /// <summary>Forwarded to the listed peers; a proxy may apply policy (§2.8.2); here it forwards as a relay does.</summary>
    Proxy,
    /// <summary>Answered DIAMETER_REDIRECT_INDICATION 3006 naming the listed peers (§2.8.3, §6.13).</summary>
    Redirect,
}

/// <summary>An entry of the realm routing table (RFC 6733 §2.7).</summary>
/// <param name="Realm">Destination-Realm it matches (case-insensitive).</param>
/// <param name="ApplicationId">The application it matches; null for any.</param>
/// <param name="Action">What to do.</param>
/// <param name="Peers">Origin-Hosts of configured peers serving the realm.</param>
public sealed record RealmRoute(string Realm, uint? ApplicationId, RealmAction Action, ImmutableArray<string> Peers);

/// <summary>Reconnect backoff: min doubling to max, with up to <paramref name="RandomFactor"/> added at random.</summary>
/// <param name="MinBackoff">First delay.</param>
/// <param name="MaxBackoff">Longest delay.</param>
/// <param name="RandomFactor">Jitter fraction.</param>
public sealed record ReconnectSettings(TimeSpan MinBackoff, TimeSpan MaxBackoff, double RandomFactor)
{
    /// <summary>The delay before attempt <paramref name="attempt"/> (0-based), with jitter from <paramref name="random"/>.</summary>
    public TimeSpan Delay(int attempt, Random random)
    {
        var baseTicks = Math.Min(MaxBackoff.Ticks, MinBackoff.Ticks * Math.Pow(2, Math.Min(attempt, 30)));
        return TimeSpan.FromTicks((long)(baseTicks * (1 + random.NextDouble() * RandomFactor)));
    }
}

/// <summary>
/// Settings of a Diameter node, read from <c>akka.diameter</c> with the embedded <c>reference.conf</c> as fallback
/// and checked at start: a wrong key stops the node with a <see cref="DiameterConfigurationException"/> naming it.
/// Immutable; <c>With…</c> methods make changed copies.
/// </summary>
public sealed record DiameterSettings
{
    /// <summary>Origin-Host.</summary>
    public required string OriginHost { get; init; }
    /// <summary>Origin-Realm.</summary>
    public required string OriginRealm { get; init; }
    /// <summary>Host-IP-Address values advertised in CER/CEA.</summary>
    public required ImmutableArray<IPAddress> HostIpAddresses { get; init; }
    /// <summary>Vendor-Id.</summary>
    public uint VendorId { get; init; }
    /// <summary>Product-Name.</summary>
    public string ProductName { get; init; } = "AkkaDiameter";
    /// <summary>Firmware-Revision.</summary>
    public uint FirmwareRevision { get; init; } = 1;
    /// <summary>Origin-State-Id.</summary>
    public uint OriginStateId { get; init; }
    /// <summary>Listeners.</summary>
    public ImmutableArray<ListenSettings> Listen { get; init; } = [];
    /// <summary>Advertised applications.</summary>
    public ImmutableArray<ApplicationSettings> Applications { get; init; } = [];
    /// <summary>Configured peers.</summary>
    public ImmutableArray<PeerSettings> Peers { get; init; } = [];
    /// <summary>The realm routing table (<c>akka.diameter.realms</c>), in the order written.</summary>
    public ImmutableArray<RealmRoute> Realms { get; init; } = [];
    /// <summary>Whether a CER from an unconfigured host is accepted.</summary>
    public bool AcceptUnknownPeers { get; init; }
    /// <summary>Tw.</summary>
    public TimeSpan WatchdogInterval { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>Jitter applied to Tw.</summary>
    public TimeSpan WatchdogJitter { get; init; } = TimeSpan.FromSeconds(2);
    /// <summary>Request timeout.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>Largest message in bytes.</summary>
    public int MaxMessageSize { get; init; } = 1024 * 1024;
    /// <summary>TCP connect timeout.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>CER/CEA timeout.</summary>
    public TimeSpan CapabilitiesExchangeTimeout { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>DPA timeout.</summary>
    public TimeSpan DisconnectTimeout { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>Reconnect backoff.</summary>
    public ReconnectSettings Reconnect { get; init; } = new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), 0.2);
    /// <summary>Per-connection send queue bound, in messages.</summary>
    public int SendQueueSize { get; init; } = 4096;
    /// <summary>The most bytes a connection gathers into one socket write (messages queued while the socket was busy).</summary>
    public int WriteBatchBytes { get; init; } = 64 * 1024;
    /// <summary>Log every message at Debug.</summary>
    public bool LogMessages { get; init; }
    /// <summary>A session actor with no request for this long stops.</summary>
    public TimeSpan SessionIdleTimeout { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>Requests from peers in process at once, node-wide; past it the overload policy answers.</summary>
    public int MaxPendingRequests { get; init; } = 10_000;
    /// <summary>The same bound per peer.</summary>
    public int MaxPendingRequestsPerPeer { get; init; } = 5_000;
    /// <summary>With this many of a peer's requests in process its connection is not read until they are down to half
    /// (TCP flow control instead of queueing in memory); 0 = never paused.</summary>
    public int PauseReadingAt { get; init; } = 128;
    /// <summary>The Result-Code refused requests get: 3004 (too-busy) or 5012 (unable-to-comply).</summary>
    public uint OverloadResultCode { get; init; } = 3004;
    /// <summary>Session actors also for NO_STATE_MAINTAINED requests (off: they go straight to their handler).</summary>
    public bool StatelessSessionActors { get; init; }
    /// <summary>The dispatcher (its configuration path) the node's own actors and connection streams run on:
    /// <c>akka.diameter.node-dispatcher</c>, dedicated threads, unless configured otherwise.</summary>
    public string Dispatcher { get; init; } = DefaultDispatcher;
    /// <summary>The dispatcher of handlers whose Props name none: <c>"node"</c> for <see cref="Dispatcher"/>, a
    /// dispatcher's path, or <c>""</c> for Akka's default dispatcher.</summary>
    public string HandlerDispatcher { get; init; } = NodeDispatchers.Node;

    /// <summary>The dispatcher reference.conf defines for the node: one dedicated thread a core.</summary>
    public const string DefaultDispatcher = "akka.diameter.node-dispatcher";

    /// <summary>The embedded reference.conf.</summary>
    public static Config ReferenceConfig { get; } = LoadReference();

    /// <summary>
    /// Akka settings for an actor system that runs a Diameter node, meant as a fallback under the system's own
    /// configuration (<c>config.WithFallback(DiameterSettings.SystemDefaults)</c>; the CLI, the samples and
    /// <c>WithDiameter</c> use it): <c>akka.scheduler.tick-duration = 50ms</c> instead of Akka's 10 ms.
    /// </summary>
    /// <remarks>
    /// Every tick of Akka's scheduler wakes a thread-pool thread, which then spins before it sleeps again: at 10 ms an
    /// otherwise idle node process burns about 3.8 % of a core, at 50 ms about 1.2 % (measured, README "Performance").
    /// Diameter's timers are seconds apart (Tw of at least 6 s, RFC 3539 §3.4.1; Tc, request and DPR timeouts), so
    /// firing up to 50 ms late changes nothing a peer can see. A key set in the system's own configuration wins.
    /// </remarks>
    public static Config SystemDefaults { get; } = ConfigurationFactory.ParseString("akka.scheduler.tick-duration = 50ms");

    /// <summary>Reads the settings of an actor system.</summary>
    public static DiameterSettings Create(ActorSystem system) => Create(system.Settings.Config);

    /// <summary>Reads <c>akka.diameter</c> from <paramref name="config"/>, falling back to reference.conf.</summary>
    /// <exception cref="DiameterConfigurationException">A key is missing, of the wrong type or out of range.</exception>
    public static DiameterSettings Create(Config config)
    {
        var root = config.WithFallback(ReferenceConfig);
        var c = root.GetConfig("akka.diameter");
        const string P = "akka.diameter";

        var originHost = Identity(c, "node.origin-host", $"{P}.node.origin-host");
        var originRealm = Identity(c, "node.origin-realm", $"{P}.node.origin-realm");
        var listen = Objects(c, "listen").Select((o, i) =>
        {
            var key = $"{P}.listen[{i}]";
            return new ListenSettings(Ip(o, "address", $"{key}.address"), Port(o, "port", $"{key}.port", 3868, allowZero: true));
        }).ToImmutableArray();

        var hostIps = Strings(c, "node.host-ip-addresses", $"{P}.node.host-ip-addresses")
            .Select((s, i) => IPAddress.TryParse(s, out var ip) ? ip
                : throw new DiameterConfigurationException($"{P}.node.host-ip-addresses[{i}]", $"'{s}' is not an IP literal"))
            .ToImmutableArray();
        if (hostIps.IsEmpty) hostIps = DefaultHostIpAddresses(listen);

        var applications = Objects(c, "applications").Select((o, i) =>
        {
            var key = $"{P}.applications[{i}]";
            var hasAuth = o.HasPath("auth-application-id");
            var hasAcct = o.HasPath("acct-application-id");
            if (hasAuth == hasAcct)
                throw new DiameterConfigurationException(key, "give exactly one of auth-application-id and acct-application-id");
            var id = UInt(o, hasAuth ? "auth-application-id" : "acct-application-id", $"{key}.{(hasAuth ? "auth" : "acct")}-application-id");
            var vendor = o.HasPath("vendor-id") ? UInt(o, "vendor-id", $"{key}.vendor-id") : 0;
            return new ApplicationSettings(id, hasAcct, vendor);
        }).ToImmutableArray();

        var peers = Objects(c, "peers").Select((o, i) =>
        {
            var key = $"{P}.peers[{i}]";
            var host = Identity(o, "origin-host", $"{key}.origin-host");
            var realm = Identity(o, "realm", $"{key}.realm");
            var connect = !o.HasPath("connect") || Bool(o, "connect", $"{key}.connect");
            var address = o.HasPath("address") ? Ip(o, "address", $"{key}.address")
                : connect ? throw new DiameterConfigurationException($"{key}.address", "required when connect = true") : IPAddress.Loopback;
            return new PeerSettings(host, realm, address, Port(o, "port", $"{key}.port", 3868, allowZero: false), connect);
        }).ToImmutableArray();
        var duplicate = peers.GroupBy(p => p.OriginHost, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new DiameterConfigurationException($"{P}.peers", $"origin-host '{duplicate.Key}' is listed twice");

        var realms = Objects(c, "realms").Select((o, i) =>
        {
            var key = $"{P}.realms[{i}]";
            var realm = Identity(o, "realm", $"{key}.realm");
            uint? app = o.HasPath("application-id") ? UInt(o, "application-id", $"{key}.application-id") : null;
            var actionText = NonEmpty(o, "action", $"{key}.action");
            if (!Enum.TryParse<RealmAction>(actionText, ignoreCase: true, out var action) || int.TryParse(actionText, out _))
                throw new DiameterConfigurationException($"{key}.action", $"'{actionText}' is not local, relay, proxy or redirect");
            var routePeers = Strings(o, "peers", $"{key}.peers").ToImmutableArray();
            for (var p = 0; p < routePeers.Length; p++)
                if (!peers.Any(x => string.Equals(x.OriginHost, routePeers[p], StringComparison.OrdinalIgnoreCase)))
                    throw new DiameterConfigurationException($"{key}.peers[{p}]", $"'{routePeers[p]}' is not in akka.diameter.peers");
            if (action != RealmAction.Local && routePeers.IsEmpty)
                throw new DiameterConfigurationException($"{key}.peers", $"action {action.ToString().ToLowerInvariant()} needs at least one peer");
            return new RealmRoute(realm, app, action, routePeers);
        }).ToImmutableArray();

        var originStateId = UInt(c, "node.origin-state-id", $"{P}.node.origin-state-id");
        return new DiameterSettings
        {
            OriginHost = originHost,
            OriginRealm = originRealm,
            HostIpAddresses = hostIps,
            VendorId = UInt(c, "node.vendor-id", $"{P}.node.vendor-id"),
            ProductName = NonEmpty(c, "node.product-name", $"{P}.node.product-name"),
            FirmwareRevision = UInt(c, "node.firmware-revision", $"{P}.node.firmware-revision"),
            OriginStateId = originStateId != 0 ? originStateId : (uint)DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            Listen = listen,
            Applications = applications,
            Realms = realms,
            Peers = peers,
            AcceptUnknownPeers = Bool(c, "accept-unknown-peers", $"{P}.accept-unknown-peers"),
            WatchdogInterval = Duration(c, "watchdog-interval", $"{P}.watchdog-interval", TimeSpan.FromMilliseconds(50)),
            WatchdogJitter = Duration(c, "watchdog-jitter", $"{P}.watchdog-jitter", TimeSpan.Zero),
            RequestTimeout = Duration(c, "request-timeout", $"{P}.request-timeout", TimeSpan.FromMilliseconds(1)),
            MaxMessageSize = (int)Size(c, "max-message-size", $"{P}.max-message-size", 20, 0xFF_FFFF),
            ConnectTimeout = Duration(c, "connect-timeout", $"{P}.connect-timeout", TimeSpan.FromMilliseconds(1)),
            CapabilitiesExchangeTimeout = Duration(c, "capabilities-exchange-timeout", $"{P}.capabilities-exchange-timeout", TimeSpan.FromMilliseconds(1)),
            DisconnectTimeout = Duration(c, "disconnect-timeout", $"{P}.disconnect-timeout", TimeSpan.FromMilliseconds(1)),
            Reconnect = new ReconnectSettings(
                Duration(c, "reconnect.min-backoff", $"{P}.reconnect.min-backoff", TimeSpan.FromMilliseconds(1)),
                Duration(c, "reconnect.max-backoff", $"{P}.reconnect.max-backoff", TimeSpan.FromMilliseconds(1)),
                Fraction(c, "reconnect.random-factor", $"{P}.reconnect.random-factor")),
            SendQueueSize = (int)Size(c, "send-queue-size", $"{P}.send-queue-size", 1, 1_000_000),
            WriteBatchBytes = (int)Size(c, "write-batch-bytes", $"{P}.write-batch-bytes", 1024, 16 * 1024 * 1024),
            LogMessages = Bool(c, "log-messages", $"{P}.log-messages"),
            SessionIdleTimeout = Duration(c, "session-idle-timeout", $"{P}.session-idle-timeout", TimeSpan.FromMilliseconds(10)),
            StatelessSessionActors = Bool(c, "stateless-session-actors", $"{P}.stateless-session-actors"),
            MaxPendingRequests = (int)Size(c, "max-pending-requests", $"{P}.max-pending-requests", 1, 10_000_000),
            MaxPendingRequestsPerPeer = (int)Size(c, "max-pending-requests-per-peer", $"{P}.max-pending-requests-per-peer", 1, 10_000_000),
            PauseReadingAt = (int)Size(c, "pause-reading-at", $"{P}.pause-reading-at", 0, 10_000_000),
            Dispatcher = NonEmpty(c, "dispatcher", $"{P}.dispatcher"),
            HandlerDispatcher = Read(c, "handler-dispatcher", $"{P}.handler-dispatcher", () => c.GetString("handler-dispatcher") ?? ""),
            OverloadResultCode = c.GetString("overload-policy") switch
            {
                "too-busy" => 3004u,
                "unable-to-comply" => 5012u,
                var other => throw new DiameterConfigurationException($"{P}.overload-policy", $"'{other}' is not too-busy or unable-to-comply"),
            },
        }.Checked();
    }

    /// <summary>
    /// Host-IP-Address when none is configured (RFC 6733 §5.3: the addresses the node may use for Diameter): the
    /// listen addresses; for a wildcard listener, or a node that only connects, every address of every interface
    /// that is up.
    /// </summary>
    private static ImmutableArray<IPAddress> DefaultHostIpAddresses(ImmutableArray<ListenSettings> listen)
    {
        var specific = listen.Select(l => l.Address).Where(a => !a.Equals(IPAddress.Any) && !a.Equals(IPAddress.IPv6Any)).ToList();
        if (specific.Count > 0 && specific.Count == listen.Length) return [.. specific.Distinct()];
        var all = System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == System.Net.NetworkInformation.OperationalStatus.Up)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses.Select(u => u.Address))
            .Where(a => !a.IsIPv6LinkLocal)
            .Concat(specific)
            .Distinct()
            .ToImmutableArray();
        return all.IsEmpty ? [IPAddress.Loopback] : all;
    }

    private DiameterSettings Checked()
    {
        if (WatchdogJitter >= WatchdogInterval)
            throw new DiameterConfigurationException("akka.diameter.watchdog-jitter", $"{WatchdogJitter} must be shorter than watchdog-interval {WatchdogInterval}");
        if (Reconnect.MaxBackoff < Reconnect.MinBackoff)
            throw new DiameterConfigurationException("akka.diameter.reconnect.max-backoff", "shorter than min-backoff");
        return this;
    }

    /// <summary>True when a realm entry relays or proxies: the node then advertises the relay application
    /// 0xffffffff in CER/CEA (RFC 6733 §2.4) besides its own applications.</summary>
    public bool IsAgent => Realms.Any(r => r.Action is RealmAction.Relay or RealmAction.Proxy);

    /// <summary>The applications advertised in CER/CEA: the configured ones, plus relay when <see cref="IsAgent"/>.</summary>
    public IEnumerable<ApplicationSettings> AdvertisedApplications =>
        IsAgent && Applications.All(a => a.ApplicationId != uint.MaxValue)
            ? Applications.Append(new ApplicationSettings(uint.MaxValue, false, 0))
            : Applications;

    /// <summary>A copy with other peers.</summary>
    public DiameterSettings WithPeers(params PeerSettings[] peers) => this with { Peers = [.. peers] };
    /// <summary>A copy with other listeners.</summary>
    public DiameterSettings WithListen(params ListenSettings[] listen) => this with { Listen = [.. listen] };

    /// <summary>The configured peer with this Origin-Host, or null.</summary>
    public PeerSettings? FindPeer(string originHost) =>
        Peers.FirstOrDefault(p => string.Equals(p.OriginHost, originHost, StringComparison.OrdinalIgnoreCase));

    // ---- readers that name the key ------------------------------------------------------------------------------

    internal static T Read<T>(Config c, string path, string key, Func<T> read)
    {
        if (!c.HasPath(path)) throw new DiameterConfigurationException(key, "missing");
        try { return read(); }
        catch (DiameterConfigurationException) { throw; }
        catch (Exception e) { throw new DiameterConfigurationException(key, $"cannot be read: {e.Message}"); }
    }

    internal static string NonEmpty(Config c, string path, string key)
    {
        var s = Read(c, path, key, () => c.GetString(path));
        return string.IsNullOrWhiteSpace(s) ? throw new DiameterConfigurationException(key, "must not be empty") : s;
    }

    internal static string Identity(Config c, string path, string key)
    {
        var s = NonEmpty(c, path, key);
        return DiameterIdentityRules.IsValid(s, out var why) ? s : throw new DiameterConfigurationException(key, $"'{s}' is not a DiameterIdentity: {why}");
    }

    private static IPAddress Ip(Config c, string path, string key)
    {
        var s = NonEmpty(c, path, key);
        return IPAddress.TryParse(s, out var ip) ? ip : throw new DiameterConfigurationException(key, $"'{s}' is not an IP literal (names are not resolved)");
    }

    private static int Port(Config c, string path, string key, int fallback, bool allowZero)
    {
        if (!c.HasPath(path)) return fallback;
        var v = Read(c, path, key, () => c.GetInt(path));
        return v is >= 0 and <= 65535 && (allowZero || v > 0) ? v : throw new DiameterConfigurationException(key, $"{v} is not a TCP port");
    }

    internal static uint UInt(Config c, string path, string key)
    {
        var v = Read(c, path, key, () => c.GetLong(path));
        return v is >= 0 and <= uint.MaxValue ? (uint)v : throw new DiameterConfigurationException(key, $"{v} is not an unsigned 32-bit number");
    }

    internal static bool Bool(Config c, string path, string key)
    {
        var s = Read(c, path, key, () => c.GetString(path))?.Trim().ToLowerInvariant();
        return s switch
        {
            "true" or "on" or "yes" => true,
            "false" or "off" or "no" => false,
            _ => throw new DiameterConfigurationException(key, $"'{s}' is not true or false"),
        };
    }

    private static TimeSpan Duration(Config c, string path, string key, TimeSpan min)
    {
        var v = Read(c, path, key, () => c.GetTimeSpan(path, null, allowInfinite: false));
        return v >= min ? v : throw new DiameterConfigurationException(key, $"{v} is shorter than {min}");
    }

    private static double Fraction(Config c, string path, string key)
    {
        var v = Read(c, path, key, () => c.GetDouble(path));
        return v is >= 0 and <= 1 ? v : throw new DiameterConfigurationException(key, $"{v} is not between 0 and 1");
    }

    private static long Size(Config c, string path, string key, long min, long max)
    {
        var v = Read(c, path, key, () => c.GetByteSize(path) ?? throw new FormatException("not a size"));
        return v >= min && v <= max ? v : throw new DiameterConfigurationException(key, $"{v} is outside {min}..{max}");
    }

    internal static IEnumerable<string> Strings(Config c, string path, string key) =>
        c.HasPath(path) ? Read(c, path, key, () => c.GetValue(path).GetArray().Where(v => !v.IsEmpty).Select(v => v.GetString()).ToList()) : [];

    internal static IEnumerable<Config> Objects(Config c, string path)
    {
        if (!c.HasPath(path)) return [];
        // Akka's HOCON parser reads "[ ]" (with a space) as one empty element: skip empty elements.
        try { return c.GetValue(path).GetArray().Where(v => !v.IsEmpty).Select(v => new Config(new Akka.Configuration.Hocon.HoconRoot(v))).ToList(); }
        catch (Exception e) { throw new DiameterConfigurationException(path.StartsWith("akka.", StringComparison.Ordinal) ? path : $"akka.diameter.{path}", $"must be a list of objects ({e.Message})"); }
    }

    private static Config LoadReference()
    {
        using var stream = typeof(DiameterSettings).Assembly.GetManifestResourceStream("AkkaDiameter.reference.conf")
            ?? throw new InvalidOperationException("embedded reference.conf is missing");
        using var reader = new StreamReader(stream);
        return ConfigurationFactory.ParseString(reader.ReadToEnd());
    }
}
