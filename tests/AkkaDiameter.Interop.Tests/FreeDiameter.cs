using System.Collections.Concurrent;
using System.Text;

namespace AkkaDiameter.Interop.Tests;

/// <summary>A peer freeDiameter should connect to (a <c>ConnectPeer</c> line, plain TCP).</summary>
public sealed record FreeDiameterPeer(string Identity, int Port);

/// <summary>
/// freeDiameter 1.2.1 (Debian's freeDiameterd) run by a test: a configuration file generated on free loopback
/// ports, a self-signed certificate whose CN is the Identity (1.2.1 will not start without TLS_Cred, TLS_CA and
/// TLS_DH_File even when no connection uses TLS), <c>acl_wl</c> admitting any <c>*.localdomain</c> host, the
/// TS 29.272 dictionary (<c>dict_dcca_3gpp</c>, after <c>dict_nasreq</c> and <c>dict_dcca</c>), and
/// <c>dbg_msg_dumps</c> so that every message it sends or receives is in its log as a decoded tree. Stop() is the
/// orderly shutdown (SIGTERM: DPR to every peer); Kill() the abrupt one.
/// </summary>
public sealed class FreeDiameter : IAsyncDisposable
{
    private static readonly ConcurrentDictionary<string, Task<string>> Credentials = new();
    private readonly string _dir;
    private ExternalProcess? _process;
    private readonly StringBuilder _previousRuns = new();

    public FreeDiameter(string identity, string realm, int port, IReadOnlyList<FreeDiameterPeer>? connectPeers = null,
        int tw = 6, int tc = 2, bool relay = true)
    {
        Identity = identity;
        Realm = realm;
        Port = port;
        _dir = Directory.CreateTempSubdirectory("akkadiameter-fd-").FullName;
        ConnectPeers = connectPeers ?? [];
        Tw = tw;
        Tc = tc;
        Relay = relay;
    }

    public string Identity { get; }
    public string Realm { get; }
    public int Port { get; }
    public int Tw { get; }
    public int Tc { get; }
    public bool Relay { get; }
    public IReadOnlyList<FreeDiameterPeer> ConnectPeers { get; }
    public string ConfigPath => Path.Combine(_dir, "freeDiameter.conf");

    /// <summary>This run's log.</summary>
    public ExternalProcess Process => _process ?? throw new InvalidOperationException("freeDiameter was not started");

    /// <summary>Every run's log so far, for failure messages.</summary>
    public string Log => _previousRuns + (_process?.Output ?? "");

    /// <summary>Writes the configuration and starts freeDiameterd; completes when it reports itself initialized.</summary>
    public async Task StartAsync()
    {
        if (_process is { HasExited: false }) throw new InvalidOperationException("freeDiameter already runs");
        if (_process is not null) _previousRuns.AppendLine(_process.Output).AppendLine("---- restarted ----");
        var credentials = await Credentials.GetOrAdd(Identity, CreateCredentialsAsync);
        await File.WriteAllTextAsync(ConfigPath, Configuration(credentials));
        await File.WriteAllTextAsync(Path.Combine(_dir, "acl_wl.conf"), "ALLOW_IPSEC *.localdomain\n");
        _process = ExternalProcess.Start(ThirdParty.FreeDiameterd!, ["-c", ConfigPath, "-d"], _dir);
        await _process.WaitForLineAsync(l => l.Contains("freeDiameterd daemon initialized"), TimeSpan.FromSeconds(20),
            "'freeDiameterd daemon initialized'");
    }

    /// <summary>The orderly stop: SIGTERM makes freeDiameter send DPR to its peers and exit.</summary>
    public async Task StopAsync()
    {
        if (_process is null || _process.HasExited) return;
        _process.Signal(15);
        await _process.WaitForExitAsync(TimeSpan.FromSeconds(20));
    }

    /// <summary>The abrupt stop: SIGKILL, no DPR; the kernel closes its sockets.</summary>
    public async Task KillAsync()
    {
        if (_process is null) return;
        _process.Kill();
        await _process.WaitForExitAsync(TimeSpan.FromSeconds(10));
    }

    /// <summary>Waits until freeDiameter's log says the connection with <paramref name="peer"/> reached STATE_OPEN,
    /// counting only reports after the first <paramref name="after"/> of them.</summary>
    public Task WaitForOpenAsync(string peer, int after = 0) =>
        WaitForStateAsync(peer, "STATE_OPEN", after);

    /// <summary>Waits for a log line reporting <paramref name="peer"/> entering <paramref name="state"/>
    /// (freeDiameter logs "'STATE_X' -> 'STATE_Y' 'peer'").</summary>
    public async Task WaitForStateAsync(string peer, string state, int after = 0)
    {
        var seen = 0;
        await Process.WaitForLineAsync(l => IsStateChange(l, peer, state) && seen++ >= after, TimeSpan.FromSeconds(30),
            $"{peer} -> {state}");
    }

    /// <summary>How many times the log says <paramref name="peer"/> entered <paramref name="state"/>.</summary>
    public int CountStates(string peer, string state) => Process.Count(l => IsStateChange(l, peer, state));

    private static bool IsStateChange(string line, string peer, string state) =>
        line.Contains($"-> '{state}'") && line.Contains(peer);

    /// <summary>How many messages of this command (dbg_msg_dumps writes the name on its own line, e.g.
    /// <c>'Device-Watchdog-Request'</c>) this run's log shows, sent or received.</summary>
    public int CountMessages(string commandName) => Process.Count(l => IsMessage(l, commandName));

    /// <summary>Waits until this run's log shows <paramref name="count"/> messages of the command.</summary>
    public async Task WaitForMessagesAsync(string commandName, int count, TimeSpan timeout)
    {
        var seen = 0;
        await Process.WaitForLineAsync(l => IsMessage(l, commandName) && ++seen >= count, timeout, $"{count} x '{commandName}'");
    }

    private static bool IsMessage(string line, string commandName) => line.TrimEnd().EndsWith($"'{commandName}'", StringComparison.Ordinal);

    private string Configuration(string credentials)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"""
            Identity = "{Identity}";
            Realm = "{Realm}";
            Port = {Port};
            SecPort = 0;
            No_SCTP;
            No_IPv6;
            TcTimer = {Tc};
            TwTimer = {Tw};
            {(Relay ? "" : "NoRelay;")}
            {credentials}
            LoadExtension = "{ThirdParty.ExtensionDir}/acl_wl.fdx" : "{Path.Combine(_dir, "acl_wl.conf")}";
            LoadExtension = "{ThirdParty.ExtensionDir}/dict_nasreq.fdx";
            LoadExtension = "{ThirdParty.ExtensionDir}/dict_dcca.fdx";
            LoadExtension = "{ThirdParty.ExtensionDir}/dict_dcca_3gpp.fdx";
            LoadExtension = "{ThirdParty.ExtensionDir}/dbg_msg_dumps.fdx" : "0x0080";
            """);
        foreach (var p in ConnectPeers)
            sb.AppendLine($$"""ConnectPeer = "{{p.Identity}}" { ConnectTo = "127.0.0.1"; Port = {{p.Port}}; No_TLS; };""");
        return sb.ToString();
    }

    private static async Task<string> CreateCredentialsAsync(string identity)
    {
        var dir = Directory.CreateTempSubdirectory("akkadiameter-fd-tls-").FullName;
        var cert = Path.Combine(dir, "cert.pem");
        var key = Path.Combine(dir, "key.pem");
        var dh = Path.Combine(dir, "dh.pem");
        await Run(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", $"/CN={identity}"]);
        // 1024-bit DH is enough for a file nobody uses (no TLS connection is made); 2048 takes seconds.
        await Run(["dhparam", "-out", dh, "1024"]);
        return $"""
            TLS_Cred = "{cert}", "{key}";
            TLS_CA = "{cert}";
            TLS_DH_File = "{dh}";
            """;

        static async Task Run(string[] args)
        {
            var (code, _, err) = await ExternalProcess.RunAsync(ThirdParty.Openssl!, args, TimeSpan.FromSeconds(60));
            if (code != 0) throw new InvalidOperationException($"openssl {args[0]} failed ({code}): {err}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is not null) await _process.DisposeAsync();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
