using System.Diagnostics;
using Akka.Actor;
using Akka.Configuration;
using AkkaDiameter.Protocol.Dictionary;
using AkkaDiameter.Settings;
using Xunit;

namespace AkkaDiameter.Cli.Tests;

/// <summary><c>akka-diameter node</c>: configuration errors in-process; the whole run, signal included, as a child
/// process (stopped by the test).</summary>
public class NodeCommandTests() : Akka.TestKit.Xunit2.TestKit("akka.loglevel = WARNING")
{
    private static string ConfigDir => Path.Combine(AppContext.BaseDirectory, "TestData", "config");

    [Fact]
    public void The_shipped_node_configs_are_valid()
    {
        foreach (var file in new[] { "hss-node.conf", "mme-node.conf" })
        {
            var loaded = NodeCommand.LoadSettings(Path.Combine(ConfigDir, file), TextWriter.Null);
            Assert.NotNull(loaded);
            Assert.Single(loaded.Value.Settings.Peers);
        }
        var dra = NodeCommand.LoadSettings(Path.Combine(ConfigDir, "dra-node.conf"), TextWriter.Null)!.Value.Settings;
        Assert.Equal(3, dra.Peers.Length);
        var route = Assert.Single(dra.Realms);
        Assert.Equal((RealmAction.Relay, 2), (route.Action, route.Peers.Length));
        Assert.True(dra.IsAgent);
    }

    [Theory]
    [InlineData(null, 50)]      // DiameterSettings.SystemDefaults: a node process's scheduler ticks every 50 ms
    [InlineData(20, 20)]        // unless the file says otherwise
    public void A_node_process_gets_the_node_scheduler_tick_unless_its_file_sets_one(int? fileTickMs, int expectedMs)
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "akka.diameter.node { origin-host = \"x.example\", origin-realm = \"example\" }\n"
                + (fileTickMs is { } t ? $"akka.scheduler.tick-duration = {t}ms" : ""));
            var config = NodeCommand.LoadSettings(path, TextWriter.Null)!.Value.Config;
            Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), config.GetTimeSpan("akka.scheduler.tick-duration"));
            Assert.Equal("INFO", config.GetString("akka.loglevel"));
        }
        finally { File.Delete(path); }
    }

    [Theory]
    [InlineData("akka.diameter.node { origin-host = \"x.example\", origin-realm = \"example\" }\nakka.diameter.peers = [ { origin-host = \"p.example\", realm = \"example\", address = \"127.0.0.1\", port = 0 } ]",
        "akka.diameter.peers[0].port: 0 is not a TCP port")]
    [InlineData("akka.diameter.node { origin-realm = \"example\" }", "akka.diameter.node.origin-host: must not be empty")]
    [InlineData(null, "cannot read")]
    [InlineData("akka.diameter.node { origin-host = \"x.example\", origin-realm = \"example\" }\nakka.diameter.realms = [ { realm = \"example\", action = relay, peers = [\"nobody.example\"] } ]",
        "akka.diameter.realms[0].peers[0]: 'nobody.example' is not in akka.diameter.peers")]
    [InlineData("akka.diameter.node { origin-host = \"x.example\", origin-realm = \"example\" }\nakka.diameter.realms = [ { realm = \"example\", action = forward } ]",
        "akka.diameter.realms[0].action: 'forward' is not local, relay, proxy or redirect")]
    public void A_wrong_key_stops_the_node_at_start_with_a_message_naming_it(string? hocon, string expected)
    {
        var path = Path.GetTempFileName();
        try
        {
            if (hocon is null) File.Delete(path);
            else File.WriteAllText(path, hocon);
            var stderr = new StringWriter();
            Assert.Equal(1, CommandLine.Run(["node", path], TextReader.Null, TextWriter.Null, stderr));
            Assert.Contains(expected, stderr.ToString());
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public async Task A_node_run_from_a_config_file_opens_with_a_peer_and_on_SIGTERM_sends_DPR_and_exits_0()
    {
        var port = FreePort();
        var confPath = Path.GetTempFileName();
        File.WriteAllText(confPath, $$"""
            akka.diameter {
              node { origin-host = "hss.cli.localdomain", origin-realm = "localdomain", host-ip-addresses = ["127.0.0.1"] }
              listen = [ { address = "127.0.0.1", port = {{port}} } ]
              applications = [ { vendor-id = 10415, auth-application-id = 16777251 } ]
              peers = [ { origin-host = "mme.cli.localdomain", realm = "localdomain", connect = false } ]
            }
            """);
        var psi = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "akka-diameter.dll"), "node", confPath])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        using var process = Process.Start(psi)!;
        var stdout = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var listening = new TaskCompletionSource();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            stdout.Enqueue(e.Data);
            if (e.Data.Contains("listening on")) listening.TrySetResult();
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await listening.Task.WaitAsync(TimeSpan.FromSeconds(60));
            var settings = DiameterSettings.Create(ConfigurationFactory.ParseString($$"""
                akka.diameter {
                  node { origin-host = "mme.cli.localdomain", origin-realm = "localdomain" }
                  applications = [ { vendor-id = 10415, auth-application-id = 16777251 } ]
                  peers = [ { origin-host = "hss.cli.localdomain", realm = "localdomain", address = "127.0.0.1", port = {{port}}, connect = true } ]
                  reconnect { min-backoff = 30s, max-backoff = 30s }
                }
                """));
            var mme = await DiameterNode.StartAsync(Sys, settings, DiameterDictionary.Default, "mme");
            await AwaitAssertAsync(async () => Assert.Equal("I-Open", (await mme.GetPeerStatusAsync("hss.cli.localdomain")).StateName),
                TimeSpan.FromSeconds(20));

            Assert.Equal(0, SendSignal(process.Id, SigTerm));
            Assert.True(await process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token).ContinueWith(t => t.IsCompletedSuccessfully));
            Assert.Equal(0, process.ExitCode);
            var seen = await mme.GetBaseMessagesAsync("hss.cli.localdomain");
            Assert.Equal(0, seen.Dpr!.GetInt32("Disconnect-Cause"));          // REBOOTING
            Assert.Contains(stdout, l => l.Contains("stopped"));
            await mme.StopAsync();
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            File.Delete(confPath);
        }
    }

}
