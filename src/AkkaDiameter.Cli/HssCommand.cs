using System.Text;
using Akka.Actor;
using Akka.Configuration;
using AkkaDiameter.S6a;
using AkkaDiameter.S6a.Hss;
using AkkaDiameter.Protocol;
using AkkaDiameter.Settings;

namespace AkkaDiameter.Cli;

/// <summary>
/// <c>akka-diameter hss CONFIG.conf</c> runs the S6a HSS of a HOCON file (<c>akka.diameter</c> and
/// <c>akka.diameter.hss</c>) until SIGINT or SIGTERM, then sends DPR and exits 0.
/// <c>hss provision CONFIG.conf --imsi ...</c> adds or changes subscribers in its database (a running HSS sends the IDR,
/// DSR or CLR that a change owes the serving MME within <c>notifications.interval</c>); <c>hss list CONFIG.conf</c>
/// prints them.
/// </summary>
public static class HssCommand
{
    private const string UsageText = """
        usage: akka-diameter hss CONFIG.conf
               akka-diameter hss provision CONFIG.conf --imsi IMSI [--count N] --k K --opc OPC [--amf AMF] [--sqn SQN]
                                 [--msisdn MSISDN] [--apn NAME]...
               akka-diameter hss list CONFIG.conf
        """;

    /// <summary>Runs the subcommand; returns the exit code.</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        switch (args)
        {
            case ["provision", var path, .. var options]: return Provision(path, options, stdout, stderr);
            case ["list", var path]: return List(path, stdout, stderr);
            case [var path] when !path.StartsWith("--", StringComparison.Ordinal) && path is not ("provision" or "list"):
                if (Load(path, stderr) is not var (config, _)) return CommandLine.UsageError;
                return NodeCommand.RunUntilSignal(stop => RunAsync(config, stdout, stderr, stop));
            default:
                stderr.WriteLine(UsageText);
                return CommandLine.UsageError;
        }
    }

    /// <summary>Reads the file and checks both <c>akka.diameter</c> and <c>akka.diameter.hss</c>.</summary>
    private static (Config Config, HssSettings Hss)? Load(string path, TextWriter stderr)
    {
        if (NodeCommand.LoadSettings(path, stderr, "hss") is not var (config, _)) return null;
        try
        {
            return (config, HssSettings.Create(config));
        }
        catch (DiameterConfigurationException e)
        {
            stderr.WriteLine($"akka-diameter hss: {path}: {e.Message}");
            return null;
        }
    }

    /// <summary>Runs the HSS until <paramref name="stop"/>; then DPR (REBOOTING) to every peer.</summary>
    public static async Task<int> RunAsync(Config config, TextWriter stdout, TextWriter stderr, CancellationToken stop)
    {
        var system = ActorSystem.Create("akka-diameter", config);
        try
        {
            HssNode hss;
            try { hss = await HssNode.StartAsync(system, config); }
            catch (Exception e) when (e is DiameterException or Microsoft.Data.Sqlite.SqliteException or InvalidOperationException)
            {
                stderr.WriteLine($"akka-diameter hss: {e.Message}");
                return CommandLine.UsageError;
            }
            var node = hss.Node;
            stdout.WriteLine($"akka-diameter hss: {node.Settings.OriginHost} ({node.Settings.OriginRealm}) listening on " +
                $"{string.Join(", ", node.ListenEndpoints)}; {hss.Store.List().Count} subscriber(s) in {hss.Settings.Database}");
            stdout.Flush();
            try { await Task.Delay(Timeout.Infinite, stop); }
            catch (OperationCanceledException) { }
            stdout.WriteLine("akka-diameter hss: stopping: DPR (REBOOTING) to every open peer");
            stdout.Flush();
            await hss.DisposeAsync();
            stdout.WriteLine("akka-diameter hss: stopped");
            return CommandLine.Ok;
        }
        finally
        {
            await system.Terminate();
        }
    }

    private static int Provision(string path, string[] options, TextWriter stdout, TextWriter stderr)
    {
        if (Load(path, stderr) is not var (_, settings)) return CommandLine.UsageError;
        // The options become one subscriber entry, checked by the same code as the configuration's (HssSettings).
        var entry = new StringBuilder();
        var apns = new List<string>();
        string[] known = ["--imsi", "--count", "--k", "--opc", "--amf", "--sqn", "--msisdn", "--apn"];
        for (var i = 0; i < options.Length; i++)
        {
            var option = options[i];
            if (!known.Contains(option) || i + 1 >= options.Length)
            {
                stderr.WriteLine(known.Contains(option) ? $"akka-diameter hss provision: {option} needs a value" : $"akka-diameter hss provision: unknown option '{option}'");
                stderr.WriteLine(UsageText);
                return CommandLine.UsageError;
            }
            var value = options[++i];
            if (option == "--apn") apns.Add(value);
            else entry.Append($"{option[2..]} = {Quote(value)}\n");
        }
        if (apns.Count > 0) entry.Append($"apns = [{string.Join(", ", apns.Select(a => $"{{ name = {Quote(a)} }}"))}]\n");
        List<Subscriber> subscribers;
        try
        {
            subscribers = HssSettings.Expand(ConfigurationFactory.ParseString(entry.ToString()), "provision").ToList();
        }
        catch (DiameterConfigurationException e)
        {
            var option = "--" + e.Key.Split('.', 2)[^1].Split('[')[0].Replace("apns", "apn");
            stderr.WriteLine($"akka-diameter hss provision: {option}: {e.Message[(e.Message.IndexOf(e.Key, StringComparison.Ordinal) + e.Key.Length + 2)..]}");
            return CommandLine.UsageError;
        }
        using var store = OpenStore(settings.Database, stderr);
        if (store is null) return CommandLine.UsageError;
        foreach (var s in subscribers)
        {
            var result = store.Upsert(s);
            var queued = result.Queued.Count == 0 ? "" : $"; queued for the serving MME: {string.Join(", ", result.Queued.Select(k => k.Abbreviation()))}";
            stdout.WriteLine($"{s.Imsi} {result.Outcome.ToString().ToLowerInvariant()}{queued}");
        }
        return CommandLine.Ok;
    }

    private static SubscriberStore? OpenStore(string database, TextWriter stderr)
    {
        try { return SubscriberStore.Open(database); }
        catch (Exception e) when (e is Microsoft.Data.Sqlite.SqliteException or InvalidOperationException)
        {
            stderr.WriteLine($"akka-diameter hss: cannot open the database {Path.GetFullPath(database)}: {e.Message}");
            return null;
        }
    }

    private static string Quote(string value) => "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

    private static int List(string path, TextWriter stdout, TextWriter stderr)
    {
        if (Load(path, stderr) is not var (_, settings)) return CommandLine.UsageError;
        using var store = OpenStore(settings.Database, stderr);
        if (store is null) return CommandLine.UsageError;
        stdout.WriteLine($"{"IMSI",-15}  {"MSISDN",-15}  {"SQN",-12}  {"APNs",-24}  SERVING MME");
        foreach (var s in store.List())
        {
            var reg = store.FindRegistration(s.Imsi);
            var serving = reg is null ? "-" : reg.MmeHost + (reg.Purged ? " (purged)" : "");
            var apns = string.Join(",", s.Apns.Select(a => a.Name)) + (s.EpsSubscription ? "" : " (no EPS subscription)");
            stdout.WriteLine($"{s.Imsi,-15}  {s.Msisdn ?? "-",-15}  {s.Sqn.ToString("X12"),-12}  {apns,-24}  {serving}");
        }
        return CommandLine.Ok;
    }
}
