using System.Runtime.InteropServices;
using Akka.Actor;
using Akka.Configuration;
using AkkaDiameter.Protocol;
using AkkaDiameter.Protocol.Dictionary;
using AkkaDiameter.Settings;

namespace AkkaDiameter.Cli;

/// <summary>
/// <c>akka-diameter node CONFIG.conf</c>: runs a Diameter node from a HOCON file (<c>akka.diameter</c>): listens and
/// connects as configured, answers CER/DWR/DPR, answers application requests it has no handler for with
/// DIAMETER_COMMAND_UNSUPPORTED 3001 (3007 for applications not agreed with the peer), logs peer state changes, and
/// on SIGINT or SIGTERM sends DPR (REBOOTING) to every open peer, waits for the DPAs and exits 0.
/// </summary>
public static class NodeCommand
{
    // Defaults under the file's own settings. A peer's connection stopping after DPR may leave a late "Disconnected"
    // in dead letters: not news, so dead letters are not logged unless the file says so.
    private static string LoggingDefaults(string level) => $$"""
        akka {
          loglevel = {{level}}
          stdout-loglevel = {{level}}
          loggers = ["Akka.Event.StandardOutLogger, Akka"]
          log-dead-letters = off
          log-dead-letters-during-shutdown = off
          coordinated-shutdown.run-by-clr-shutdown-hook = off
        }
        """;

    /// <summary>Runs the node until a signal; returns the exit code.</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Length != 1 || args[0].StartsWith("--", StringComparison.Ordinal))
        {
            stderr.WriteLine("usage: akka-diameter node CONFIG.conf");
            return CommandLine.UsageError;
        }
        if (LoadSettings(args[0], stderr) is not var (config, settings)) return CommandLine.UsageError;

        return RunUntilSignal(stop => RunAsync(config, settings, stdout, stderr, stop));
    }

    /// <summary>Runs <paramref name="run"/> with a token cancelled by the first SIGINT or SIGTERM (which then do not
    /// kill the process: the command stops its node in order and returns its exit code).</summary>
    public static int RunUntilSignal(Func<CancellationToken, Task<int>> run)
    {
        using var stop = new CancellationTokenSource();
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
        return run(stop.Token).GetAwaiter().GetResult();
    }

    /// <summary>Reads and checks a node's configuration file; prints why and returns null when it is wrong.</summary>
    public static (Config Config, DiameterSettings Settings)? LoadSettings(string path, TextWriter stderr, string command = "node", string logLevel = "INFO")
    {
        try
        {
            var config = ParseFile(path).WithFallback(ConfigurationFactory.ParseString(LoggingDefaults(logLevel))).WithFallback(DiameterSettings.SystemDefaults);
            return (config, DiameterSettings.Create(config));
        }
        catch (DiameterConfigurationException e)
        {
            stderr.WriteLine($"akka-diameter {command}: {path}: {e.Message}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"akka-diameter {command}: cannot read {path}: {e.Message}");
        }
        // Akka's HOCON parser reports some mistakes as a NullReferenceException.
        catch (Exception e) when (e is Akka.Configuration.ConfigurationException or FormatException or InvalidOperationException or NullReferenceException)
        {
            stderr.WriteLine($"akka-diameter {command}: {path} is not valid HOCON: {e.Message}");
        }
        return null;
    }

    /// <summary>Parses a HOCON file; <c>include "other.conf"</c> is read relative to the including file.</summary>
    public static Config ParseFile(string path)
    {
        var full = Path.GetFullPath(path);
        return ConfigurationFactory.ParseString(File.ReadAllText(full), IncludeFrom(Path.GetDirectoryName(full)!));
    }

    private static Func<string, Akka.Configuration.Hocon.HoconRoot> IncludeFrom(string directory) => name =>
    {
        var file = Path.GetFullPath(Path.Combine(directory, name.Trim('"')));
        return Akka.Configuration.Hocon.Parser.Parse(File.ReadAllText(file), IncludeFrom(Path.GetDirectoryName(file)!));
    };

    private static async Task<int> RunAsync(Config config, DiameterSettings settings, TextWriter stdout, TextWriter stderr, CancellationToken stop)
    {
        var system = ActorSystem.Create("akka-diameter", config);
        try
        {
            DiameterNode node;
            try { node = await DiameterNode.StartAsync(system, settings, DiameterDictionary.Default); }
            catch (DiameterException e)
            {
                stderr.WriteLine($"akka-diameter node: {e.Message}");
                return CommandLine.UsageError;
            }
            var listening = node.ListenEndpoints.Count == 0 ? "not listening" : "listening on " + string.Join(", ", node.ListenEndpoints);
            stdout.WriteLine($"akka-diameter node: {settings.OriginHost} ({settings.OriginRealm}) {listening}; {settings.Peers.Length} peer(s) configured");
            stdout.Flush();
            try { await Task.Delay(Timeout.Infinite, stop); }
            catch (OperationCanceledException) { }
            stdout.WriteLine("akka-diameter node: stopping: DPR (REBOOTING) to every open peer");
            stdout.Flush();
            await node.StopAsync(DisconnectCause.Rebooting);
            stdout.WriteLine("akka-diameter node: stopped");
            return CommandLine.Ok;
        }
        finally
        {
            await system.Terminate();
        }
    }
}
