using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using AkkaDiameter.Protocol;

namespace AkkaDiameter.Load;

/// <summary>A run's result as text, as JSON (the keys are a public contract) and as a self-contained HTML page.</summary>
public static class LoadReport
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>The end-of-run report.</summary>
    public static string Text(LoadResult r)
    {
        var o = r.Options;
        var sb = new StringBuilder();
        var mode = o.Rate is { } rate ? $"open loop at {rate.ToString("0.###", Invariant)}/s" : "closed loop";
        sb.AppendLine(Invariant, $"load: {o.Peers} peer(s) to {o.Target}, {o.Outstanding} outstanding each, {mode}, scenario {o.Scenario.ToString().ToLowerInvariant()}, {o.Ues} UE(s)");
        if (o.Warmup > TimeSpan.Zero)
            sb.AppendLine(Invariant, $"  warm-up     {o.Warmup.TotalSeconds:0.###} s first: {r.WarmupRequests} requests, {r.WarmupAnswered} answered, {r.WarmupTimeouts} timeouts (not in the figures below)");
        sb.AppendLine(Invariant, $"  requests    {r.Requests}");
        sb.AppendLine(Invariant, $"  answered    {r.Answered}");
        sb.AppendLine(Invariant, $"  timeouts    {r.Timeouts}");
        foreach (var (code, n) in r.ResultCodes.OrderBy(kv => kv.Key))
            sb.AppendLine(Invariant, $"  {code,-10}  {n,-10} {Name(code, r.ExperimentalResultCodes.Contains(code))}");
        sb.AppendLine(Invariant, $"  duration    {r.Duration.TotalSeconds:0.000} s");
        sb.AppendLine(Invariant, $"  throughput  {r.RatePerSecond:0} answers/s");
        sb.AppendLine(Invariant, $"  latency ms  p50 {r.PercentileMs(50):0.000}  p90 {r.PercentileMs(90):0.000}  p99 {r.PercentileMs(99):0.000}  p99.9 {r.PercentileMs(99.9):0.000}  max {r.MaxMs:0.000}");
        foreach (var f in r.Failures) sb.AppendLine($"  failure: {f}");
        return sb.ToString();
    }

    private static string Name(uint code, bool experimental) =>
        code == 0 ? "(no Result-Code)" : experimental ? ResultCodes.ExperimentalNameOf(code) : ResultCodes.NameOf(code);

    /// <summary><c>{"requests","answered","timeouts","resultCodes":{"2001":n},"durationSeconds","ratePerSecond",
    /// "latencyMs":{"p50","p90","p99","p999","max"}}</c>, and with --warmup
    /// <c>"warmup":{"seconds","requests","answered","timeouts"}</c> as well.</summary>
    public static string Json(LoadResult r)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteNumber("requests", r.Requests);
            w.WriteNumber("answered", r.Answered);
            w.WriteNumber("timeouts", r.Timeouts);
            w.WriteStartObject("resultCodes");
            foreach (var (code, n) in r.ResultCodes.OrderBy(kv => kv.Key)) w.WriteNumber(code.ToString(Invariant), n);
            w.WriteEndObject();
            w.WriteNumber("durationSeconds", Math.Round(r.Duration.TotalSeconds, 3));
            w.WriteNumber("ratePerSecond", Math.Round(r.RatePerSecond, 1));
            if (r.Options.Warmup > TimeSpan.Zero)
            {
                // Not one of the contract's keys: there only when --warmup was given.
                w.WriteStartObject("warmup");
                w.WriteNumber("seconds", r.Options.Warmup.TotalSeconds);
                w.WriteNumber("requests", r.WarmupRequests);
                w.WriteNumber("answered", r.WarmupAnswered);
                w.WriteNumber("timeouts", r.WarmupTimeouts);
                w.WriteEndObject();
            }
            w.WriteStartObject("latencyMs");
            w.WriteNumber("p50", Math.Round(r.PercentileMs(50), 3));
            w.WriteNumber("p90", Math.Round(r.PercentileMs(90), 3));
            w.WriteNumber("p99", Math.Round(r.PercentileMs(99), 3));
            w.WriteNumber("p999", Math.Round(r.PercentileMs(99.9), 3));
            w.WriteNumber("max", Math.Round(r.MaxMs, 3));
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>A page with no external resources: the summary, and throughput and latency per second as SVG charts.</summary>
    public static string Html(LoadResult r)
    {
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>akka-diameter load</title><style>")
            .Append("body{font-family:sans-serif;margin:2em;color:#222}pre{background:#f4f4f4;padding:1em}")
            .Append("svg{background:#fafafa;border:1px solid #ddd;margin-bottom:1.5em}.axis{stroke:#999}.label{font-size:11px;fill:#555}")
            .Append("</style></head><body>\n<h1>akka-diameter load</h1>\n<pre>").Append(WebUtility.HtmlEncode(Text(r))).Append("</pre>\n");
        var s = r.Seconds;
        sb.Append("<h2>Throughput (answers per second)</h2>\n")
            .Append(Chart(s.Select(x => (x.Second, (double)x.Answered)).ToList(), [("answers/s", "#1f77b4")], _ => null));
        sb.Append("<h2>Latency per second (ms)</h2>\n")
            .Append(Chart(s.Select(x => (x.Second, x.P99Ms)).ToList(), [("p99", "#d62728"), ("p50", "#2ca02c"), ("max", "#aaaaaa")],
                name => name switch
                {
                    "p50" => s.Select(x => (x.Second, x.P50Ms)).ToList(),
                    "max" => s.Select(x => (x.Second, x.MaxMs)).ToList(),
                    _ => null,
                }));
        sb.Append("<h2>Errors and timeouts per second</h2>\n")
            .Append(Chart(s.Select(x => (x.Second, (double)x.Errors)).ToList(), [("errors", "#ff7f0e"), ("timeouts", "#9467bd")],
                name => name == "timeouts" ? s.Select(x => (x.Second, (double)x.Timeouts)).ToList() : null));
        sb.Append("</body></html>\n");
        return sb.ToString();
    }

    private static string Chart(List<(int X, double Y)> first, (string Name, string Colour)[] series, Func<string, List<(int X, double Y)>?> others)
    {
        const int W = 800, H = 240, L = 60, B = 30, T = 10, R = 100;
        var all = series.Select((se, i) => (se.Name, se.Colour, Points: i == 0 ? first : others(se.Name) ?? [])).ToList();
        var maxX = Math.Max(1, all.SelectMany(a => a.Points).Select(p => p.X).DefaultIfEmpty(1).Max());
        var maxY = all.SelectMany(a => a.Points).Select(p => p.Y).DefaultIfEmpty(0).Max();
        maxY = maxY <= 0 ? 1 : maxY * 1.1;
        double Px(int x) => L + (W - L - R) * (x / (double)maxX);
        double Py(double y) => T + (H - T - B) * (1 - y / maxY);
        var sb = new StringBuilder();
        sb.Append(Invariant, $"<svg width=\"{W}\" height=\"{H}\" xmlns=\"http://www.w3.org/2000/svg\">");
        sb.Append(Invariant, $"<line class=\"axis\" x1=\"{L}\" y1=\"{H - B}\" x2=\"{W - R}\" y2=\"{H - B}\"/><line class=\"axis\" x1=\"{L}\" y1=\"{T}\" x2=\"{L}\" y2=\"{H - B}\"/>");
        for (var i = 0; i <= 4; i++)
        {
            var y = maxY * i / 4;
            sb.Append(Invariant, $"<text class=\"label\" x=\"{L - 5}\" y=\"{Py(y) + 4:0.0}\" text-anchor=\"end\">{y:0.###}</text>");
        }
        sb.Append(Invariant, $"<text class=\"label\" x=\"{W - R}\" y=\"{H - 10}\" text-anchor=\"end\">{maxX} s</text>");
        for (var i = 0; i < all.Count; i++)
        {
            var (name, colour, points) = all[i];
            if (points.Count == 0) continue;
            var path = string.Join(" ", points.Select(p => string.Create(Invariant, $"{Px(p.X):0.0},{Py(p.Y):0.0}")));
            sb.Append(Invariant, $"<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{path}\"/>");
            sb.Append(Invariant, $"<text class=\"label\" x=\"{W - R + 10}\" y=\"{T + 15 + 15 * i}\" fill=\"{colour}\">{name}</text>");
        }
        sb.Append("</svg>\n");
        return sb.ToString();
    }
}
