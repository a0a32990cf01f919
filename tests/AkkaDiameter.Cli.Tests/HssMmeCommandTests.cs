using System.Diagnostics;
using AkkaDiameter.S6a.Hss;
using AkkaDiameter.S6a.Mme;
using Xunit;

namespace AkkaDiameter.Cli.Tests;

/// <summary><c>akka-diameter hss</c> (run, provision, list) and <c>akka-diameter mme</c> against it over loopback; the
/// run with its signal as a child process, stopped by the test.</summary>
public sealed class HssMmeCommandTests : IDisposable
{
    private const string K = "465b5ce8b199b49faa5f0a2ee238a6bc", Opc = "cd63cb71954a9f4e48a5994e37a02baf";   // TS 35.208 set 1
    private readonly string _dir = Directory.CreateTempSubdirectory("akkadiameter-cli-").FullName;
    private readonly int _port = Loopback.FreePort();
    private string HssConf => Path.Combine(_dir, "hss.conf");
    private string MmeConf => Path.Combine(_dir, "mme.conf");
    private static string ConfigDir => Path.Combine(AppContext.BaseDirectory, "TestData", "config");

    public HssMmeCommandTests()
    {
        File.WriteAllText(HssConf, $$"""
            akka.loglevel = WARNING
            akka.diameter {
              node { origin-host = "hss.cli.localdomain", origin-realm = "localdomain" }
              listen = [ { address = "127.0.0.1", port = {{_port}} } ]
              applications = [ { vendor-id = 10415, auth-application-id = 16777251 } ]
              accept-unknown-peers = true
              hss {
                database = "{{Path.Combine(_dir, "hss.db")}}"
                subscribers = [ { imsi = "001010000000001", count = 3, k = "{{K}}", opc = "{{Opc}}", msisdn = "5511900000001" } ]
              }
            }
            """);
        File.WriteAllText(MmeConf, $$"""
            akka.diameter {
              node { origin-host = "mme.cli.localdomain", origin-realm = "localdomain" }
              applications = [ { vendor-id = 10415, auth-application-id = 16777251 } ]
              peers = [ { origin-host = "hss.cli.localdomain", realm = "localdomain", address = "127.0.0.1", port = {{_port}} } ]
              mme { visited-plmn-id = "00101", destination-realm = "localdomain" }
            }
            """);
    }

    private static (int Code, string Out, string Err) Cli(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = CommandLine.Run(args, TextReader.Null, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void The_shipped_HSS_and_MME_configs_are_valid_and_the_docker_ones_include_them()
    {
        foreach (var dir in new[] { ConfigDir, Path.Combine(ConfigDir, "docker") })
        {
            var hss = NodeCommand.ParseFile(Path.Combine(dir, "hss.conf"));
            var settings = HssSettings.Create(hss);
            Assert.Equal(13, settings.Subscribers.Count);
            Assert.Equal(["internet", "ims"], settings.Subscribers[0].Apns.Select(a => a.Name));
            var mme = MmeSettings.Create(NodeCommand.ParseFile(Path.Combine(dir, "mme.conf")));
            Assert.Equal("00101", mme.VisitedPlmn.ToString());
        }
        Assert.Equal("/data/hss.db", HssSettings.Create(NodeCommand.ParseFile(Path.Combine(ConfigDir, "docker", "hss.conf"))).Database);
    }

    [Fact]
    public void Provision_adds_and_changes_subscribers_and_list_shows_them()
    {
        var added = Cli("hss", "provision", HssConf, "--imsi", "001010000000100", "--count", "2", "--k", K, "--opc", Opc,
            "--msisdn", "5511900000100", "--apn", "internet", "--apn", "ims");
        Assert.True(added.Code == 0, added.Err);
        Assert.Equal(["001010000000100 added", "001010000000101 added"], added.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

        var changed = Cli("hss", "provision", HssConf, "--imsi", "001010000000101", "--k", K, "--opc", Opc, "--apn", "internet");
        Assert.Equal("001010000000101 changed", changed.Out.Trim());   // not registered: nothing owed to an MME

        var list = Cli("hss", "list", HssConf);
        Assert.Equal(0, list.Code);
        var lines = list.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("IMSI", lines[0]);
        Assert.Matches(@"^001010000000100\s+5511900000100\s+000000000000\s+internet,ims\s+-", lines[1]);
        Assert.Matches(@"^001010000000101\s+-\s+000000000000\s+internet\s+-", lines[2]);
    }

    [Theory]
    [InlineData(new[] { "--imsi", "00101x", "--k", K, "--opc", Opc }, "--imsi: '00101x' is not 6-15 digits")]
    [InlineData(new[] { "--imsi", "001010000000001", "--k", "00", "--opc", Opc }, "--k: is 1 octets; 16 expected")]
    [InlineData(new[] { "--imsi", "001010000000001", "--opc", Opc }, "--k: missing")]
    [InlineData(new[] { "--imsi", "001010000000001", "--k", K, "--opc", Opc, "--colour", "red" }, "unknown option '--colour'")]
    [InlineData(new[] { "--imsi", "001010000000001", "--k", K, "--opc", Opc, "--apn" }, "--apn needs a value")]
    public void Provision_names_the_option_at_fault(string[] options, string expected)
    {
        var (code, _, err) = Cli(["hss", "provision", HssConf, .. options]);
        Assert.Equal(1, code);
        Assert.Contains(expected, err);
    }

    [Theory]
    [InlineData(new[] { "--count", "2" }, "--imsi is required")]
    [InlineData(new[] { "--imsi", "001010000000001", "--procedure", "tau" }, "--procedure: 'tau' is not one of attach, air, ulr, pur, notify")]
    [InlineData(new[] { "--imsi", "999999999999999", "--count", "2" }, "--count: 2 IMSIs from 999999999999999 run past 15 digits")]
    public void The_MME_command_names_the_option_at_fault(string[] options, string expected)
    {
        var (code, _, err) = Cli(["mme", MmeConf, .. options]);
        Assert.Equal(1, code);
        Assert.Contains(expected, err);
    }

    [Fact]
    public void The_MME_command_without_a_reachable_peer_exits_3_and_says_so()
    {
        var (code, _, err) = Cli("mme", MmeConf, "--imsi", "001010000000001", "--connect-timeout", "1");
        Assert.Equal(MmeCommand.AnswerFailed, code);
        Assert.Contains("no peer opened within 1 s (hss.cli.localdomain)", err);
    }

    [Fact]
    public async Task The_MME_command_runs_every_procedure_against_the_HSS_command_one_line_per_answer()
    {
        using var stop = new CancellationTokenSource();
        var hssOut = new StringWriter();
        var config = NodeCommand.LoadSettings(HssConf, TextWriter.Null, "hss")!.Value.Config;
        var hss = Task.Run(() => HssCommand.RunAsync(config, TextWriter.Synchronized(hssOut), TextWriter.Null, stop.Token));
        try
        {
            var attach = Cli("mme", MmeConf, "--imsi", "001010000000001", "--count", "2");
            Assert.True(attach.Code == 0, attach.Err + attach.Out);
            var lines = attach.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            Assert.Equal(5, lines.Length);
            Assert.Matches("^AIA 001010000000001 2001 DIAMETER_SUCCESS vector\\[0\\] RAND=[0-9A-F]{32} XRES=[0-9A-F]{16} AUTN=[0-9A-F]{32} KASME=[0-9A-F]{64}$", lines[0]);
            Assert.Equal("ULA 001010000000001 2001 DIAMETER_SUCCESS", lines[1]);
            Assert.StartsWith("AIA 001010000000002 2001", lines[2]);
            Assert.Equal("ULA 001010000000002 2001 DIAMETER_SUCCESS", lines[3]);
            Assert.Equal("akka-diameter mme: 4 of 4 answers successful; disconnecting (DPR)", lines[4]);

            foreach (var (procedure, line) in new[] { ("air", "AIA"), ("ulr", "ULA"), ("notify", "NOA"), ("pur", "PUA") })
            {
                var run = Cli("mme", MmeConf, "--imsi", "001010000000003", "--procedure", procedure);
                Assert.True(run.Code == 0, run.Err + run.Out);
                Assert.StartsWith($"{line} 001010000000003 2001 DIAMETER_SUCCESS", run.Out);
            }

            var unknown = Cli("mme", MmeConf, "--imsi", "001019999999999");
            Assert.Equal(MmeCommand.AnswerFailed, unknown.Code);
            Assert.StartsWith("AIA 001019999999999 5001 DIAMETER_ERROR_USER_UNKNOWN", unknown.Out);
            Assert.Contains("0 of 1 answers successful", unknown.Out);

            var list = Cli("hss", "list", HssConf);
            Assert.Matches(@"001010000000001\s+5511900000001\s+000000000020\s+internet\s+mme.cli.localdomain", list.Out);
            Assert.Matches(@"001010000000003\s+5511900000003\s+000000000020\s+internet\s+mme.cli.localdomain \(purged\)", list.Out);
        }
        finally
        {
            stop.Cancel();
            Assert.Equal(0, await hss.WaitAsync(TimeSpan.FromSeconds(30)));
        }
        Assert.Contains("3 subscriber(s) in", hssOut.ToString());
        Assert.Contains("akka-diameter hss: stopped", hssOut.ToString());
    }

    [Fact]
    public async Task The_HSS_command_stops_on_SIGINT_with_DPR_and_exits_0()
    {
        using var process = HssMmeCommandTestsSupport.Start("akka-diameter.dll", "hss", HssConf, out var output, "listening on");
        try
        {
            await output.Ready.WaitAsync(TimeSpan.FromSeconds(60));
            var attach = Cli("mme", MmeConf, "--imsi", "001010000000002", "--procedure", "ulr");
            Assert.True(attach.Code == 0, attach.Err + attach.Out);
            Assert.Equal(0, Loopback.SendSignal(process.Id, SigInt));
            // Should it not exit, what the HSS said tells where it stood.
            try { await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30)); }
            catch (TimeoutException) { Assert.Fail("the HSS did not exit within 30 s of SIGINT; it said:\n" + string.Join("\n", output.Lines)); }
            Assert.Equal(0, process.ExitCode);
            Assert.Contains(output.Lines, l => l.Contains("akka-diameter hss: stopped"));
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
    }

    private const int SigInt = 2;

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}

/// <summary>samples/Hss and samples/Mme, run as the README says (each a child process, stopped by the test).</summary>
public sealed class SampleTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("akkadiameter-samples-").FullName;

    [Fact]
    public async Task The_MME_sample_sends_five_ULRs_to_the_HSS_sample_and_both_exit_0()
    {
        // The shipped configs, moved to a free port and a temporary database.
        var port = Loopback.FreePort();
        var configDir = Path.Combine(AppContext.BaseDirectory, "TestData", "config");
        var hssConf = Path.Combine(_dir, "hss.conf");
        var mmeConf = Path.Combine(_dir, "mme.conf");
        File.WriteAllText(hssConf, File.ReadAllText(Path.Combine(configDir, "hss.conf")).Replace("port = 3868", $"port = {port}")
            .Replace("database = \"hss.db\"", $"database = \"{Path.Combine(_dir, "hss.db")}\""));
        File.WriteAllText(mmeConf, File.ReadAllText(Path.Combine(configDir, "mme.conf")).Replace("port = 3868", $"port = {port}"));

        using var hss = HssMmeCommandTestsSupport.Start("AkkaDiameter.Samples.Hss.dll", null, hssConf, out var hssLines, "listening on");
        try
        {
            await hssLines.Ready.WaitAsync(TimeSpan.FromSeconds(60));
            using var mme = HssMmeCommandTestsSupport.Start("AkkaDiameter.Samples.Mme.dll", null, mmeConf, out var mmeLines, null);
            await mme.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
            Assert.True(mme.ExitCode == 0, string.Join("\n", mmeLines.Lines));
            var ulas = mmeLines.Lines.Where(l => l.StartsWith("ULA ")).ToList();
            Assert.Equal(5, ulas.Count);
            Assert.All(ulas, l => Assert.EndsWith(" 2001 DIAMETER_SUCCESS", l));
            Assert.Contains("  MSISDN 5511900000005, APNs internet, ims", mmeLines.Lines);

            Assert.Equal(0, Loopback.SendSignal(hss.Id, Loopback.SigTerm));
            await hss.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(0, hss.ExitCode);
            Assert.Contains("stopping", hssLines.Lines);
        }
        finally
        {
            if (!hss.HasExited) hss.Kill(entireProcessTree: true);
        }
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}

/// <summary>Child processes and ports for the CLI and sample tests.</summary>
internal static class HssMmeCommandTestsSupport
{
    public sealed class Output
    {
        public System.Collections.Concurrent.ConcurrentQueue<string> Lines { get; } = new();
        public TaskCompletionSource ReadyTcs { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public Task Ready => ReadyTcs.Task;
    }

    public static Process Start(string dll, string? command, string config, out Output output, string? readyWhen)
    {
        // Through env --default-signal=INT: a test runner started in the background by a non-interactive shell has
        // SIGINT ignored, children inherit that, and .NET then leaves it ignored (as nohup wants), so the SIGINT test
        // would wait for nothing. Seen when .ci/run was started with '&'.
        string[] program = command is null ? [Path.Combine(AppContext.BaseDirectory, dll), config] : [Path.Combine(AppContext.BaseDirectory, dll), command, config];
        var psi = new ProcessStartInfo("env", ["--default-signal=INT", "dotnet", .. program])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        var o = output = new Output();
        var process = Process.Start(psi)!;
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            o.Lines.Enqueue(e.Data);
            if (readyWhen is not null && e.Data.Contains(readyWhen)) o.ReadyTcs.TrySetResult();
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) o.Lines.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }
}

/// <summary>docker-compose.yml cannot be run here (no Docker engine); what can be checked without one is checked.</summary>
public sealed class ComposeFileTests
{
    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "AkkaDiameter.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("AkkaDiameter.sln above " + AppContext.BaseDirectory);
    }

    [Fact]
    public void Every_config_file_and_command_the_compose_file_names_exists()
    {
        var root = RepositoryRoot();
        var compose = File.ReadAllText(Path.Combine(root, "docker-compose.yml"));
        var configs = System.Text.RegularExpressions.Regex.Matches(compose, "\"/config/([^\"]+)\"").Select(m => m.Groups[1].Value).Distinct().ToList();
        Assert.Contains("docker/hss.conf", configs);
        Assert.Contains("docker/mme.conf", configs);
        foreach (var c in configs) Assert.True(File.Exists(Path.Combine(root, "config", c)), $"config/{c} is missing");
        var commands = System.Text.RegularExpressions.Regex.Matches(compose, "command: \\[\"([a-z]+)\"").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(["hss", "mme"], commands);
        var help = new StringWriter();
        CommandLine.Run(["help"], TextReader.Null, help, TextWriter.Null);
        foreach (var c in commands) Assert.Contains($"  {c} CONFIG.conf", help.ToString());
        Assert.Contains("\"hss\", \"provision\"", compose);
        // The MME's config points at the address the compose network gives the HSS.
        Assert.Contains("ipv4_address: 172.28.0.10", compose);
        Assert.Contains("172.28.0.10", File.ReadAllText(Path.Combine(root, "config", "docker", "mme.conf")));
    }
}
