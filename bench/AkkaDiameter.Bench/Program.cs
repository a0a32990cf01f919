// The end-to-end load figures in one go (README "Performance"): each server in its own process, the load generator
// (src/AkkaDiameter.Load) in this one, every ratio against a baseline measured in the same run.
//
//   bench/run                   the whole suite (about 6 minutes)
//   bench/run --seconds 5       shorter runs
//   bench/run idle              only the 1,000 idle peers
//   bench/run open 330000 3 - DOTNET_GCgen0size=0x4000000     the node in open loop, variants interleaved (A/B)
//   dotnet bench/.../AkkaDiameter.Bench.dll serve node 3868     one server, for akka-diameter load by hand
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using AkkaDiameter.Bench;
using AkkaDiameter.Load;

if (args is ["serve", var kind, var portText, .. var rest])
{
    using var sampler = Environment.GetEnvironmentVariable("BENCH_ALLOC") == "1" ? new AllocationSampler() : null;
    await using var server = await Servers.StartAsync(kind, int.Parse(portText), rest.FirstOrDefault());
    Console.WriteLine("ready");
    // Stops when the driver closes stdin (or on Ctrl-C).
    await Console.In.ReadToEndAsync();
    // For whoever reads the server's stderr: what the run cost in garbage.
    Console.Error.WriteLine($"gc: gen0 {GC.CollectionCount(0)}, gen1 {GC.CollectionCount(1)}, gen2 {GC.CollectionCount(2)}, allocated {GC.GetTotalAllocatedBytes() / (1 << 20)} MiB, paused {GC.GetTotalPauseDuration().TotalMilliseconds:0} ms");
    sampler?.Print(Console.Error);
    return 0;
}

// The generator's sockets complete on the epoll thread, as `akka-diameter load` has them (see LoadRun.ReadSocketsInline).
LoadRun.ReadSocketsInline();
var seconds = args is ["--seconds", var s] ? double.Parse(s, CultureInfo.InvariantCulture) : 10;
var rows = new List<(string Name, LoadResult Result)>();

async Task<LoadResult> Measure(string name, string server, string? option, Func<int, LoadOptions> options, params (string Name, string Value)[] settings)
{
    var port = FreePort();
    var start = new ProcessStartInfo("dotnet", [typeof(Servers).Assembly.Location, "serve", server, port.ToString(), .. option is null ? Array.Empty<string>() : [option]])
    {
        RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false,
    };
    // Runtime settings of README "Runtime settings", given as environment variables: this process's runtimeconfig is
    // the baselines' and the generator's too, and the gen0 budget has no runtimeconfig.json key.
    foreach (var (variable, value) in settings) start.Environment[variable] = value;
    using var child = Process.Start(start)!;
    try
    {
        while (await child.StandardOutput.ReadLineAsync() is { } line && line != "ready") { }
        ShowServerLog(child, server);
        // A short run first for the server's JIT, then the measured run, whose first 2 s on its own connections are
        // --warmup: a new connection's first second (both ends' pipelines starting) is not the steady state.
        await LoadRun.RunAsync(options(port) with { Duration = TimeSpan.FromSeconds(2), Requests = null, JsonFile = null, HtmlFile = null }, TextWriter.Null);
        // BENCH_PROGRESS=1: the generator's line a second, for reading where in a run its tail was.
        var progress = Environment.GetEnvironmentVariable("BENCH_PROGRESS") == "1";
        child.Refresh();
        var cpuBefore = child.TotalProcessorTime;
        var result = await LoadRun.RunAsync(options(port) with { Warmup = TimeSpan.FromSeconds(2), Quiet = !progress }, progress ? Console.Out : TextWriter.Null);
        child.Refresh();
        // The server's CPU a request over the warm-up and the measured run: steadier than the tail from run to run. Not
        // for freeDiameter and the C echo: they run in a process of their own that this one's child only waits for.
        var cpu = server is "freediameter" or "c-echo" ? ""
            : $"  server CPU {(child.TotalProcessorTime - cpuBefore).TotalMicroseconds / Math.Max(1, result.Answered + result.WarmupAnswered):0.00} µs a request";
        rows.Add((name, result));
        Console.WriteLine($"{name,-44} {result.RatePerSecond,10:0}/s  p50 {result.PercentileMs(50),7:0.000}  p99 {result.PercentileMs(99),7:0.000}  p99.9 {result.PercentileMs(99.9),7:0.000} ms  answered {result.Answered}/{result.Requests}{cpu}");
        foreach (var f in result.Failures.Distinct()) Console.WriteLine($"  failure: {f}");
        return result;
    }
    finally
    {
        child.StandardInput.Close();
        if (!child.WaitForExit(10_000)) child.Kill(entireProcessTree: true);
    }
}

// The server's log (Akka's, on stdout, warnings and up) after "ready", shown as it comes: read, so that a server that
// logs much never blocks on a full pipe, and shown, so that a run says what the server complained of.
void ShowServerLog(Process child, string name) => _ = Task.Run(async () =>
{
    while (await child.StandardOutput.ReadLineAsync() is { } line) Console.WriteLine($"  {name}: {line}");
});

LoadOptions Load(int port, LoadScenario scenario, int peers = 8, int outstanding = 64, double? rate = null, long ues = 10_000) => new()
{
    Target = new IPEndPoint(IPAddress.Loopback, port),
    OriginHost = "load.bench.localdomain",
    OriginRealm = Servers.Realm,
    DestinationRealm = Servers.Realm,
    DestinationHost = Servers.Host,
    Peers = peers,
    Outstanding = outstanding,
    Duration = TimeSpan.FromSeconds(seconds),
    Scenario = scenario,
    Ues = ues,
    Rate = rate,
    Quiet = true,
};

Console.WriteLine($"akka-diameter bench: {Environment.ProcessorCount} cores, {seconds} s per run, load --peers 8 --outstanding 64 unless said");
// The node and the HSS as akka-diameter runs them: its runtimeconfig turns thread-pool hill climbing off (README
// "Runtime settings"). The echoes keep the runtime's defaults.
(string, string) NoHillClimbing = ("DOTNET_HillClimbing_Disable", "1");
// bench/run idle: only the idle peers' rows, for an A/B by hand (BENCH_AKKA reaches the server).
if (args is ["idle"])
{
    foreach (var tw in new[] { 6, 30 }) await IdlePeers(1000, TimeSpan.FromSeconds(30), tw);   // each prints its line
    return 0;
}
// bench/run open RATE ROUNDS [VARIANT...]: the node in open loop at RATE, ROUNDS rounds of every variant interleaved,
// for an A/B by hand with the generator warm, as in the full run (a new `akka-diameter load` process starts cold, and
// on these 2 cores its JIT can put a backlog into the node's first seconds). A variant is words separated by spaces:
// NAME=VALUE, an environment variable for the server (%20 in VALUE is a space), or node:SETTING, one akka.diameter
// setting (no spaces); "-" is the node as bench/run runs it.
if (args is ["open", var rateText, var roundsText, .. var variants])
{
    var rate = double.Parse(rateText, CultureInfo.InvariantCulture);
    if (variants.Length == 0) variants = ["-"];
    for (var round = 0; round < int.Parse(roundsText, CultureInfo.InvariantCulture); round++)
        foreach (var variant in variants)
        {
            string? option = null;
            var settings = new List<(string, string)> { NoHillClimbing };
            foreach (var word in variant.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(w => w != "-"))
            {
                var equals = word.IndexOf('=');
                if (word.StartsWith("node:", StringComparison.Ordinal)) option = word["node:".Length..];
                else if (equals > 0) settings.Add((word[..equals], word[(equals + 1)..].Replace("%20", " ")));
                else throw new ArgumentException($"bench open: '{word}' in variant '{variant}' is neither NAME=VALUE nor node:SETTING");
            }
            await Measure($"[{variant}] {rate:0}/s", "node", option, p => Load(p, LoadScenario.Ulr, rate: rate, outstanding: 4096), [.. settings]);
        }
    return 0;
}
var echo = await Measure("Akka.Streams TCP echo of the ULR frames", "echo", null, p => Load(p, LoadScenario.Ulr));
var node = await Measure("node, trivial ULA handler", "node", null, p => Load(p, LoadScenario.Ulr), NoHillClimbing);
// Plain .NET sockets, no Akka, answering each read in one write: what any .NET transport could reach.
var socketEcho = await Measure(".NET socket echo of the ULR frames", "socket-echo", null, p => Load(p, LoadScenario.Ulr));
// freeDiameter with the same trivial handler (bench/freediameter/s6a_ula.c, which bench/run builds when it can).
var fdx = Path.GetFullPath("bench/freediameter/bin/s6a_ula.fdx");
LoadResult? freeDiameter = null;
if (File.Exists(fdx) && OnPath("freeDiameterd") && OnPath("openssl") && File.Exists("/usr/lib/freeDiameter/dict_dcca_3gpp.fdx"))
    freeDiameter = await Measure("freeDiameter 1.2.1, the same handler in C", "freediameter", fdx, p => Load(p, LoadScenario.Ulr));
else
    Console.WriteLine("freeDiameter 1.2.1: not measured (needs Debian's libfreediameter-dev, freediameterd, freediameter-extensions, openssl and gcc)");
var hssUlr = await Measure("HSS, ULR (SQLite, Subscription-Data)", "hss", "10000", p => Load(p, LoadScenario.Ulr), NoHillClimbing);
// 9,999 UEs over 8 peers: each UE's next ULR comes from another peer, so every ULR is a move that writes the
// registration and queues a CLR to the MME the UE left, which the generator answers as an MME does.
var hssMoves = await Measure("HSS, ULR, every UE moving (a CLR each)", "hss", "10000", p => Load(p, LoadScenario.Ulr, ues: 9_999), NoHillClimbing);
var hssAir = await Measure("HSS, AIR (MILENAGE, 1 vector)", "hss", "10000", p => Load(p, LoadScenario.Air), NoHillClimbing);
var half = node.RatePerSecond / 2;
var open = await Measure($"node, open loop at {half:0}/s (half the max)", "node", null, p => Load(p, LoadScenario.Ulr, rate: half, outstanding: 4096), NoHillClimbing);
// The same arrival rate against the echo: what the generator, the kernel and Akka.Streams alone add to the tail.
var openEcho = await Measure($"echo, open loop at {half:0}/s", "echo", null, p => Load(p, LoadScenario.Ulr, rate: half, outstanding: 4096));
// Plain .NET sockets, no Akka, answering each read in one write: the floor of any .NET transport at that rate.
var openSocketEcho = await Measure($".NET socket echo, open loop at {half:0}/s", "socket-echo", null, p => Load(p, LoadScenario.Ulr, rate: half, outstanding: 4096));
// Half as much again: where the tail stands when the 2 cores are not both busy.
var quarter = node.RatePerSecond / 4;
var openQuarter = await Measure($"node, open loop at {quarter:0}/s (a quarter)", "node", null, p => Load(p, LoadScenario.Ulr, rate: quarter, outstanding: 4096), NoHillClimbing);
var openQuarterEcho = await Measure($"echo, open loop at {quarter:0}/s", "echo", null, p => Load(p, LoadScenario.Ulr, rate: quarter, outstanding: 4096));
// The node as README "Runtime settings" recommends deploying it: a 64 MiB gen0 budget (DOTNET_GCgen0size=0x4000000), its own
// maximum and half of it.
(string, string) TunedGen0 = ("DOTNET_GCgen0size", "0x4000000");
var nodeTuned = await Measure("node, gen0 budget 64 MiB", "node", null, p => Load(p, LoadScenario.Ulr), NoHillClimbing, TunedGen0);
var halfTuned = nodeTuned.RatePerSecond / 2;
var openTuned = await Measure($"node, gen0 64 MiB, open loop at {halfTuned:0}/s", "node", null, p => Load(p, LoadScenario.Ulr, rate: halfTuned, outstanding: 4096), NoHillClimbing, TunedGen0);
// The node as it ran before it had a dispatcher of its own: every actor on Akka's default dispatcher (.NET's thread
// pool) with hill climbing on. Its maximum, and the node's half rate, so that its tail is read at the same offered load.
const string OnDefaultDispatcher = "dispatcher = \"akka.actor.default-dispatcher\"";
var nodeBefore = await Measure("node on Akka's default dispatcher", "node", OnDefaultDispatcher, p => Load(p, LoadScenario.Ulr));
var openBefore = await Measure($"node on the default dispatcher, open loop at {half:0}/s", "node", OnDefaultDispatcher, p => Load(p, LoadScenario.Ulr, rate: half, outstanding: 4096));
// And against a C epoll echo that does next to nothing per message: the generator's own floor.
var cEcho = Path.GetFullPath("bench/echo/bin/epoll_echo");
LoadResult? openCEcho = null;
if (File.Exists(cEcho))
    openCEcho = await Measure($"C epoll echo, open loop at {half:0}/s", "c-echo", cEcho, p => Load(p, LoadScenario.Ulr, rate: half, outstanding: 4096));
else
    Console.WriteLine("C epoll echo: not measured (bench/run builds it with gcc)");

// 1,000 connected idle peers with watchdogs: the server's CPU over the hold, as a share of one core.
var idle = await IdlePeers(1000, TimeSpan.FromSeconds(Math.Max(30, seconds)), 6);
var idleDefault = await IdlePeers(1000, TimeSpan.FromSeconds(Math.Max(30, seconds)), 30);

Console.WriteLine();
Console.WriteLine($"node / echo              {node.RatePerSecond / echo.RatePerSecond,6:0.00}   (target >= 0.70)");
Console.WriteLine($"node / .NET socket echo  {node.RatePerSecond / socketEcho.RatePerSecond,6:0.00}   (no target: no Akka, no Diameter work)");
Console.WriteLine($"HSS ULR answers/s        {hssUlr.RatePerSecond,8:0}   (target >= 30000)");
Console.WriteLine($"HSS ULR, moving UEs      {hssMoves.RatePerSecond,8:0}   (no target: every ULR a registration change and a CLR)");
Console.WriteLine($"HSS AIR answers/s        {hssAir.RatePerSecond,8:0}   (target >= 15000)");
Console.WriteLine($"p99 at half the max      {open.PercentileMs(99),8:0.000} ms (target < 2 ms; at the same rate the echo: {openEcho.PercentileMs(99):0.000} ms" +
    $", the .NET socket echo: {openSocketEcho.PercentileMs(99):0.000} ms" + (openCEcho is { } c ? $", the C echo: {c.PercentileMs(99):0.000} ms)" : ")"));
Console.WriteLine($"gen0 64 MiB: max         {nodeTuned.RatePerSecond,8:0}/s ({nodeTuned.RatePerSecond / node.RatePerSecond:0.00} of the default's), p99 at half of it {openTuned.PercentileMs(99):0.000} ms (target < 2 ms)");
Console.WriteLine($"default dispatcher: max  {nodeBefore.RatePerSecond,8:0}/s (the node makes {node.RatePerSecond / nodeBefore.RatePerSecond:0.00} of it), p99 at the node's half {openBefore.PercentileMs(99):0.000} ms (the node's: {open.PercentileMs(99):0.000} ms)");
Console.WriteLine($"p99 at a quarter         {openQuarter.PercentileMs(99),8:0.000} ms (the echo at the same rate: {openQuarterEcho.PercentileMs(99):0.000} ms)");
Console.WriteLine(freeDiameter is { } fd
    ? $"node / freeDiameter      {node.RatePerSecond / fd.RatePerSecond,6:0.00}   (freeDiameter 1.2.1 measured in this run; target >= 5)"
    : $"node / freeDiameter      {node.RatePerSecond / 15000,6:0.00}   (freeDiameter 1.2.1 not measured: about 15k/s on this machine, from the issue; target >= 5)");
Console.WriteLine($"1000 idle peers           {idle * 100,8:0.00} % of one core (watchdog-interval 6 s; target < 5 %)");
Console.WriteLine($"1000 idle peers           {idleDefault * 100,8:0.00} % of one core (watchdog-interval 30 s, the default)");
Console.WriteLine("sessions                 see README: SessionMemory, 100,000 sessions");
return rows.All(r => r.Result.AllAnswered) ? 0 : 3;

async Task<double> IdlePeers(int count, TimeSpan hold, int tw)
{
    var port = FreePort();
    // Tw of 6 s (the shortest RFC 3539 allows) is five times the default 30 s watchdog traffic.
    var start = new ProcessStartInfo("dotnet", [typeof(Servers).Assembly.Location, "serve", "node", port.ToString(), $"watchdog-interval = {tw}s"])
    {
        RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false,
    };
    start.Environment[NoHillClimbing.Item1] = NoHillClimbing.Item2;
    using var child = Process.Start(start)!;
    try
    {
        while (await child.StandardOutput.ReadLineAsync() is { } line && line != "ready") { }
        ShowServerLog(child, "idle node");
        var options = Load(port, LoadScenario.Ulr, peers: count, outstanding: 1);
        var holding = LoadRun.HoldIdleAsync(options, hold + TimeSpan.FromSeconds(5));
        // Measured after the capabilities exchanges are over (5 s), for the hold.
        await Task.Delay(TimeSpan.FromSeconds(5));
        child.Refresh();
        var cpu0 = child.TotalProcessorTime;
        var t0 = Stopwatch.GetTimestamp();
        await Task.Delay(hold);
        child.Refresh();
        var share = (child.TotalProcessorTime - cpu0).TotalSeconds / Stopwatch.GetElapsedTime(t0).TotalSeconds;
        var failures = await holding;
        Console.WriteLine($"{count} idle peers, watchdogs every {tw} s, {hold.TotalSeconds:0} s     server CPU {share * 100,6:0.00} % of one core" +
            (failures.Count > 0 ? $"  ({failures.Count} peer(s) failed: {failures[0]})" : ""));
        return share;
    }
    finally
    {
        child.StandardInput.Close();
        if (!child.WaitForExit(10_000)) child.Kill(entireProcessTree: true);
    }
}

static bool OnPath(string program) =>
    (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, program)));

static int FreePort()
{
    var l = new TcpListener(IPAddress.Loopback, 0);
    l.Start();
    var port = ((IPEndPoint)l.LocalEndpoint).Port;
    l.Stop();
    return port;
}
