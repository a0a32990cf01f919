using System.Net;

namespace AkkaDiameter.Load;

/// <summary>What a load run sends: one message per request (ulr, air), AIR then ULR per UE (attach), or AIR, ULR, NOR,
/// PUR per UE (mixed).</summary>
public enum LoadScenario
{
    /// <summary>ULR only.</summary>
    Ulr,
    /// <summary>AIR, then ULR once the AIA is in.</summary>
    Attach,
    /// <summary>AIR, ULR, NOR, PUR, each after the previous answer.</summary>
    Mixed,
    /// <summary>AIR only (one E-UTRAN vector each): what vector generation costs the HSS.</summary>
    Air,
}

/// <summary>The options of <c>akka-diameter load</c>.</summary>
public sealed record LoadOptions
{
    /// <summary>--target HOST:PORT (an IP literal: the generator runs on loopback and lab networks, not DNS).</summary>
    public required IPEndPoint Target { get; init; }
    /// <summary>--origin-host: peer i (from 1) is "mme{i}-" + this.</summary>
    public required string OriginHost { get; init; }
    /// <summary>--origin-realm.</summary>
    public required string OriginRealm { get; init; }
    /// <summary>--destination-realm.</summary>
    public required string DestinationRealm { get; init; }
    /// <summary>--destination-host, or null.</summary>
    public string? DestinationHost { get; init; }
    /// <summary>--peers: connections, each its own Origin-Host.</summary>
    public int Peers { get; init; } = 1;
    /// <summary>--outstanding: requests in flight per peer at most.</summary>
    public int Outstanding { get; init; } = 16;
    /// <summary>--requests: messages to send in all (null: bounded by --duration).</summary>
    public long? Requests { get; init; }
    /// <summary>--duration: how long to send (null: bounded by --requests).</summary>
    public TimeSpan? Duration { get; init; }
    /// <summary>--scenario.</summary>
    public LoadScenario Scenario { get; init; } = LoadScenario.Ulr;
    /// <summary>--imsi-start: the first IMSI.</summary>
    public string ImsiStart { get; init; } = "001010000000001";
    /// <summary>--ues: IMSIs from --imsi-start, cycled.</summary>
    public long Ues { get; init; } = 1000;
    /// <summary>--rate: open loop at this many requests (procedures, for attach and mixed) per second in all; null:
    /// closed loop, each peer keeping --outstanding in flight.</summary>
    public double? Rate { get; init; }
    /// <summary>--warmup: how long to send before measuring (default none). The warm-up's requests are sent as the run's
    /// are and must be answered too, but they are counted apart and their latencies are not in the figures: a new
    /// connection's first second carries the JIT and the start of both ends' pipelines, which is not the steady state
    /// the figures describe (wrk2 calibrates the same way). --duration and --requests count from its end.</summary>
    public TimeSpan Warmup { get; init; }
    /// <summary>--timeout: a request unanswered this long counts as a timeout.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>--visited-plmn-id for AIR and ULR.</summary>
    public string VisitedPlmnId { get; init; } = "00101";
    /// <summary>--json FILE.</summary>
    public string? JsonFile { get; init; }
    /// <summary>--report FILE.html.</summary>
    public string? HtmlFile { get; init; }
    /// <summary>--quiet: no progress lines.</summary>
    public bool Quiet { get; init; }

    /// <summary>The usage text.</summary>
    public const string Usage = """
        usage: akka-diameter load --target HOST:PORT --origin-host NAME --origin-realm REALM --destination-realm REALM
                 [--destination-host NAME] [--peers N] [--outstanding K] (--requests R | --duration S | both)
                 [--scenario ulr|attach|mixed|air] [--imsi-start IMSI] [--ues M] [--rate RPS] [--warmup S] [--timeout S]
                 [--visited-plmn-id MCCMNC] [--json FILE] [--report FILE.html] [--quiet]
          --peers N        N connections, Origin-Host mme1-NAME ... mmeN-NAME (default 1)
          --outstanding K  requests in flight per peer (default 16); with --rate, the most allowed to wait
          --rate RPS       open loop: requests (procedures for attach/mixed) per second in all, latency measured from
                           the intended send time; without it, closed loop
          --warmup S       send for S seconds first, on the same connections, and leave those requests out of the
                           figures (they must still be answered); --duration and --requests count after it
          --timeout S      seconds before an unanswered request counts as a timeout (default 5)
        exit codes: 0 every request answered (any Result-Code), 1 usage, 3 a request got no answer or a peer failed
        """;

    /// <summary>Parses the arguments; null with the reason in <paramref name="error"/> when they are wrong.</summary>
    public static LoadOptions? Parse(string[] args, out string? error)
    {
        error = null;
        var values = new Dictionary<string, string>();
        var quiet = false;
        string[] known = ["--target", "--origin-host", "--origin-realm", "--destination-realm", "--destination-host", "--peers",
            "--outstanding", "--requests", "--duration", "--scenario", "--imsi-start", "--ues", "--rate", "--warmup", "--timeout",
            "--visited-plmn-id", "--json", "--report"];
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--quiet") { quiet = true; continue; }
            if (!known.Contains(args[i])) { error = $"unknown option '{args[i]}'"; return null; }
            if (i + 1 >= args.Length) { error = $"{args[i]} needs a value"; return null; }
            values[args[i]] = args[++i];
        }
        string? Get(string key) => values.GetValueOrDefault(key);
        foreach (var required in new[] { "--target", "--origin-host", "--origin-realm", "--destination-realm" })
            if (Get(required) is null) { error = $"{required} is required"; return null; }
        if (Get("--requests") is null && Get("--duration") is null) { error = "--requests or --duration is required"; return null; }
        try
        {
            var options = new LoadOptions
            {
                Target = IPEndPoint.TryParse(Get("--target")!, out var ep) && ep.Port > 0 ? ep
                    : throw new FormatException($"--target: '{Get("--target")}' is not IP:PORT"),
                OriginHost = Get("--origin-host")!,
                OriginRealm = Get("--origin-realm")!,
                DestinationRealm = Get("--destination-realm")!,
                DestinationHost = Get("--destination-host"),
                Peers = Int("--peers", 1, 1, 10_000),
                Outstanding = Int("--outstanding", 16, 1, 1_000_000),
                Requests = Get("--requests") is null ? null : Long("--requests", 1),
                Duration = Get("--duration") is null ? null : TimeSpan.FromSeconds(Number("--duration", 0.001)),
                Scenario = Get("--scenario") switch
                {
                    null or "ulr" => LoadScenario.Ulr,
                    "attach" => LoadScenario.Attach,
                    "mixed" => LoadScenario.Mixed,
                    "air" => LoadScenario.Air,
                    var s => throw new FormatException($"--scenario: '{s}' is not ulr, attach, mixed or air"),
                },
                ImsiStart = Get("--imsi-start") is { } imsi
                    ? imsi.Length is >= 6 and <= 15 && imsi.All(char.IsAsciiDigit) ? imsi : throw new FormatException($"--imsi-start: '{imsi}' is not 6-15 digits")
                    : "001010000000001",
                Ues = Get("--ues") is null ? 1000 : Long("--ues", 1),
                Rate = Get("--rate") is null ? null : Number("--rate", 0.001),
                Warmup = Get("--warmup") is null ? TimeSpan.Zero : TimeSpan.FromSeconds(Number("--warmup", 0)),
                Timeout = Get("--timeout") is null ? TimeSpan.FromSeconds(5) : TimeSpan.FromSeconds(Number("--timeout", 0.001)),
                VisitedPlmnId = Get("--visited-plmn-id") is { } plmn
                    ? plmn.Length is 5 or 6 && plmn.All(char.IsAsciiDigit) ? plmn : throw new FormatException($"--visited-plmn-id: '{plmn}' is not MCC+MNC digits")
                    : "00101",
                JsonFile = Get("--json"),
                HtmlFile = Get("--report"),
                Quiet = quiet,
            };
            var last = ulong.Parse(options.ImsiStart) + (ulong)(options.Ues - 1);
            if (last.ToString().Length > options.ImsiStart.Length)
                throw new FormatException($"--ues: {options.Ues} IMSIs from {options.ImsiStart} run past {options.ImsiStart.Length} digits");
            return options;
        }
        catch (FormatException e)
        {
            error = e.Message;
            return null;
        }

        int Int(string key, int fallback, int min, int max) =>
            Get(key) is not { } v ? fallback
            : int.TryParse(v, out var n) && n >= min && n <= max ? n
            : throw new FormatException($"{key}: '{v}' is not a whole number from {min} to {max}");
        long Long(string key, long min) =>
            long.TryParse(Get(key), out var n) && n >= min ? n : throw new FormatException($"{key}: '{Get(key)}' is not a whole number of at least {min}");
        double Number(string key, double min) =>
            double.TryParse(Get(key), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var n) && n >= min
                ? n : throw new FormatException($"{key}: '{Get(key)}' is not a number of at least {min}");
    }

    /// <summary>Messages per UE procedure.</summary>
    public int Steps => Scenario switch { LoadScenario.Ulr or LoadScenario.Air => 1, LoadScenario.Attach => 2, _ => 4 };

    /// <summary>The Origin-Host of peer <paramref name="index"/> (from 0): mme1-NAME, mme2-NAME, ...</summary>
    public string PeerHost(int index) => $"mme{index + 1}-{OriginHost}";
}
