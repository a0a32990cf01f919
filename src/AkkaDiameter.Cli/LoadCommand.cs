using AkkaDiameter.Load;

namespace AkkaDiameter.Cli;

/// <summary>
/// <c>akka-diameter load</c>: many simulated MMEs against any S6a server (see <see cref="LoadOptions.Usage"/>); a
/// progress line per second, a report at the end, <c>--json</c> and <c>--report</c> files. Exit 0 only when every
/// request got an answer (whatever its Result-Code).
/// </summary>
public static class LoadCommand
{
    /// <summary>Runs the command; returns the exit code.</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (LoadOptions.Parse(args, out var error) is not { } options)
        {
            stderr.WriteLine($"akka-diameter load: {error}");
            stderr.WriteLine(LoadOptions.Usage);
            return CommandLine.UsageError;
        }
        // Ctrl-C stops the sending; what is in flight is still awaited and reported.
        return NodeCommand.RunUntilSignal(stop => RunAsync(options, stdout, stderr, stop));
    }

    /// <summary>Runs a load and writes its report and files.</summary>
    public static async Task<int> RunAsync(LoadOptions options, TextWriter stdout, TextWriter stderr, CancellationToken stop)
    {
        var result = await LoadRun.RunAsync(options, stdout, stop);
        stdout.Write(LoadReport.Text(result));
        try
        {
            if (options.JsonFile is { } json) await File.WriteAllTextAsync(json, LoadReport.Json(result), CancellationToken.None);
            if (options.HtmlFile is { } html) await File.WriteAllTextAsync(html, LoadReport.Html(result), CancellationToken.None);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"akka-diameter load: cannot write the report: {e.Message}");
            return CommandLine.UsageError;
        }
        if (result.AllAnswered) return CommandLine.Ok;
        var warmup = result.WarmupRequests > 0 ? $" (and {result.WarmupRequests - result.WarmupAnswered} of the warm-up's {result.WarmupRequests})" : "";
        stderr.WriteLine($"akka-diameter load: {result.Requests - result.Answered} of {result.Requests} request(s) got no answer{warmup}" +
            (result.Failures.Count > 0 ? $"; {string.Join("; ", result.Failures.Distinct())}" : ""));
        return MmeCommand.AnswerFailed;
    }
}
