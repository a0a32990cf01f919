using Akka.Actor;
using Akka.Configuration;
using AkkaDiameter.S6a.Mme;
using AkkaDiameter.Protocol;
using AkkaDiameter.Settings;

namespace AkkaDiameter.Cli;

/// <summary>
/// <c>akka-diameter mme CONFIG.conf --imsi IMSI [--count N] [--procedure attach|air|ulr|pur|notify]</c>: an MME
/// (<c>akka.diameter</c> and <c>akka.diameter.mme</c>) that connects to its configured peer, runs the procedure for N
/// consecutive IMSIs one after the other, prints one line per answer, sends DPR and exits 0 only when every answer was
/// a success (3 otherwise). It sends standard TS 29.272 requests, so any S6a HSS (or a DRA in front of one) serves.
/// </summary>
public static class MmeCommand
{
    /// <summary>Exit code when an answer was not a success, or no peer opened.</summary>
    public const int AnswerFailed = 3;

    private const string UsageText = """
        usage: akka-diameter mme CONFIG.conf --imsi IMSI [--count N] [--procedure attach|air|ulr|pur|notify]
                                 [--connect-timeout SECONDS]
          attach (default): AIR then ULR; air: AIR; ulr: ULR; pur: PUR; notify: NOR
        """;

    private static readonly string[] Procedures = ["attach", "air", "ulr", "pur", "notify"];

    /// <summary>Runs the command; returns the exit code.</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (Parse(args, stderr) is not { } options) return CommandLine.UsageError;
        // Quiet unless the file sets akka.loglevel: the output is one line per answer.
        if (NodeCommand.LoadSettings(options.Path, stderr, "mme", "WARNING") is not var (config, _)) return CommandLine.UsageError;
        try { MmeSettings.Create(config); }
        catch (DiameterConfigurationException e)
        {
            stderr.WriteLine($"akka-diameter mme: {options.Path}: {e.Message}");
            return CommandLine.UsageError;
        }
        // Ctrl-C stops the run between answers and still sends DPR.
        return NodeCommand.RunUntilSignal(stop => RunAsync(config, options, stdout, stderr, stop));
    }

    /// <summary>The parsed options.</summary>
    /// <param name="Path">CONFIG.conf.</param>
    /// <param name="Imsi">First IMSI.</param>
    /// <param name="Count">How many consecutive IMSIs.</param>
    /// <param name="Procedure">attach, air, ulr, pur or notify.</param>
    /// <param name="ConnectTimeout">How long to wait for the peer to open.</param>
    public sealed record Options(string Path, string Imsi, int Count, string Procedure, TimeSpan ConnectTimeout);

    private static Options? Parse(string[] args, TextWriter stderr)
    {
        string? path = null, imsi = null, procedure = "attach";
        int count = 1, timeout = 10;
        string? Fail(string why)
        {
            stderr.WriteLine($"akka-diameter mme: {why}");
            stderr.WriteLine(UsageText);
            return null;
        }
        for (var i = 0; i < args.Length; i++)
        {
            var a = args[i];
            if (!a.StartsWith("--", StringComparison.Ordinal))
            {
                if (path is not null) { Fail($"unexpected argument '{a}'"); return null; }
                path = a;
                continue;
            }
            if (i + 1 >= args.Length) { Fail($"{a} needs a value"); return null; }
            var v = args[++i];
            switch (a)
            {
                case "--imsi" when v.Length is >= 6 and <= 15 && v.All(char.IsAsciiDigit): imsi = v; break;
                case "--imsi": Fail($"--imsi: '{v}' is not 6-15 digits"); return null;
                case "--count" when int.TryParse(v, out count) && count >= 1: break;
                case "--count": Fail($"--count: '{v}' is not a number of at least 1"); return null;
                case "--procedure" when Procedures.Contains(v): procedure = v; break;
                case "--procedure": Fail($"--procedure: '{v}' is not one of {string.Join(", ", Procedures)}"); return null;
                case "--connect-timeout" when int.TryParse(v, out timeout) && timeout >= 1: break;
                case "--connect-timeout": Fail($"--connect-timeout: '{v}' is not a number of seconds"); return null;
                default: Fail($"unknown option '{a}'"); return null;
            }
        }
        if (path is null) { Fail("CONFIG.conf is missing"); return null; }
        if (imsi is null) { Fail("--imsi is required"); return null; }
        if ((ulong.Parse(imsi) + (ulong)(count - 1)).ToString().Length > imsi.Length) { Fail($"--count: {count} IMSIs from {imsi} run past {imsi.Length} digits"); return null; }
        return new Options(path, imsi, count, procedure, TimeSpan.FromSeconds(timeout));
    }

    /// <summary>Runs the procedures; stops early (still sending DPR) when <paramref name="stop"/> fires.</summary>
    public static async Task<int> RunAsync(Config config, Options options, TextWriter stdout, TextWriter stderr, CancellationToken stop)
    {
        var system = ActorSystem.Create("akka-diameter", config);
        try
        {
            MmeNode mme;
            try { mme = await MmeNode.StartAsync(system, config); }
            catch (DiameterException e)
            {
                stderr.WriteLine($"akka-diameter mme: {e.Message}");
                return CommandLine.UsageError;
            }
            await using var _ = mme;
            var settings = mme.Node.Settings;
            var connecting = settings.Peers.Where(p => p.Connect).Select(p => p.OriginHost).ToList();
            if (connecting.Count == 0)
            {
                stderr.WriteLine("akka-diameter mme: akka.diameter.peers has no peer with connect = true");
                return CommandLine.UsageError;
            }
            try
            {
                // Any open peer will do: the routing table takes the request to the HSS (directly or through a DRA).
                await Task.WhenAny(connecting.Select(h => mme.Node.WaitUntilOpenAsync(h, options.ConnectTimeout)))
                    .Unwrap().WaitAsync(options.ConnectTimeout + TimeSpan.FromSeconds(1), stop);
            }
            catch (Exception e) when (e is TimeoutException or OperationCanceledException or DiameterException)
            {
                stderr.WriteLine($"akka-diameter mme: no peer opened within {options.ConnectTimeout.TotalSeconds:0} s ({string.Join(", ", connecting)}): {e.Message}");
                return AnswerFailed;
            }
            var width = options.Imsi.Length;
            int answers = 0, failures = 0;
            var askTimeout = settings.RequestTimeout * 2 + TimeSpan.FromSeconds(5);
            for (var n = 0; n < options.Count && !stop.IsCancellationRequested; n++)
            {
                var imsi = (ulong.Parse(options.Imsi) + (ulong)n).ToString().PadLeft(width, '0');
                IReadOnlyList<MmeProtocol.ProcedureResult> results = options.Procedure switch
                {
                    "attach" => await mme.Actor.Ask<List<MmeProtocol.ProcedureResult>>(new MmeProtocol.Attach(imsi), askTimeout),
                    "air" => [await mme.Actor.Ask<MmeProtocol.ProcedureResult>(new MmeProtocol.AuthenticationInfo(imsi), askTimeout)],
                    "ulr" => [await mme.Actor.Ask<MmeProtocol.ProcedureResult>(new MmeProtocol.UpdateLocation(imsi), askTimeout)],
                    "pur" => [await mme.Actor.Ask<MmeProtocol.ProcedureResult>(new MmeProtocol.Purge(imsi), askTimeout)],
                    _ => [await mme.Actor.Ask<MmeProtocol.ProcedureResult>(new MmeProtocol.Notify(imsi), askTimeout)],
                };
                foreach (var r in results)
                {
                    answers++;
                    if (!r.IsSuccess) failures++;
                    stdout.WriteLine(r.ToString());
                    // An error answer the node made itself (no route, no answer in time) says why.
                    if (!r.IsSuccess && r.Answer.Error is { } error) stderr.WriteLine($"  {r.Command} {imsi}: {error}");
                }
                stdout.Flush();
            }
            stdout.WriteLine($"akka-diameter mme: {answers - failures} of {answers} answers successful; disconnecting (DPR)");
            return failures == 0 && !stop.IsCancellationRequested ? CommandLine.Ok : AnswerFailed;
        }
        finally
        {
            await system.Terminate();
        }
    }
}
