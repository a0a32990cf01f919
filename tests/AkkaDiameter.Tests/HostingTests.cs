using Akka.Actor;
using Akka.Hosting;
using Akka.TestKit.Xunit2;
using AkkaDiameter.Applications;
using AkkaDiameter.Hosting;
using AkkaDiameter.Protocol;
using AkkaDiameter.Protocol.Dictionary;
using AkkaDiameter.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit;
using Xunit.Abstractions;
using static AkkaDiameter.Tests.TestNodes;

namespace AkkaDiameter.Tests;

/// <summary>The two ways to start a node: Akka.Hosting (<c>WithDiameter</c>) and plain code, talking to each other;
/// requests by Ask and by Tell.</summary>
public class HostingTests(ITestOutputHelper output) : TestKit("akka.loglevel = INFO", output)
{
    public sealed class UlrHandler : DiameterRequestHandler
    {
        protected override void Handle(IncomingRequest r) =>
            r.Reply(r.CreateAnswer().Add("Auth-Session-State", "NO_STATE_MAINTAINED").Add("ULA-Flags", 1u));
    }

    private static string HssHocon(int port) => $$"""
        akka.diameter {
          node { origin-host = "{{Hss}}", origin-realm = "{{Realm}}", host-ip-addresses = ["127.0.0.1"] }
          listen = [ { address = "127.0.0.1", port = {{port}} } ]
          applications = [ { vendor-id = 10415, auth-application-id = 16777251 } ]
          peers = [ { origin-host = "{{Mme}}", realm = "{{Realm}}", connect = false } ]
        }
        """;

    private static DiameterMessage Ulr() => DiameterMessage.CreateRequest("ULR")
        .Add("Auth-Session-State", "NO_STATE_MAINTAINED").Add("Destination-Realm", Realm)
        .Add("User-Name", "001010000000001").Add("RAT-Type", "EUTRAN").Add("ULR-Flags", 34u).Add("Visited-PLMN-Id", new byte[] { 0x00, 0xF1, 0x10 });

    [Fact]
    public async Task A_node_started_with_Akka_Hosting_serves_a_node_started_from_plain_code_by_Ask_and_by_Tell()
    {
        var port = FreePort();
        using var host = new HostBuilder()
            .ConfigureServices(services => services.AddAkka("hss", (builder, _) => builder
                .WithDiameter(o =>
                {
                    o.Hocon = HssHocon(port);
                    o.AddHandler<UlrHandler>("ULR");
                })))
            .Build();
        await host.StartAsync();
        try
        {
            var registry = host.Services.GetRequiredService<ActorRegistry>();
            var hssRoot = await registry.GetAsync<DiameterNodeKey>();
            var hss = await DiameterNode.AttachAsync(host.Services.GetRequiredService<ActorSystem>(), hssRoot);
            Assert.Equal(port, hss.ListenEndpoints[0].Port);
            // WithDiameter puts DiameterSettings.SystemDefaults under the application's configuration.
            Assert.Equal(TimeSpan.FromMilliseconds(50), host.Services.GetRequiredService<ActorSystem>().Settings.Config.GetTimeSpan("akka.scheduler.tick-duration"));
            Assert.Equal(hssRoot, host.Services.GetRequiredService<IRequiredActor<DiameterNodeKey>>().ActorRef);

            var mme = await DiameterNode.StartAsync(Sys, NodeSettings(Mme, null, Peer(Hss, port, connect: true)), DiameterDictionary.Default, "mme");
            await mme.WaitUntilOpenAsync(Hss, TimeSpan.FromSeconds(10));

            var asked = await mme.AskAsync(Ulr());                          // Ask
            Assert.True(asked.IsSuccess, asked.Message.ToTreeString());
            Assert.Equal(Hss, asked.Peer);

            var probe = CreateTestProbe();
            mme.Ref.Tell(new DiameterRequest(Ulr()), probe.Ref);             // Tell: the answer comes back as a message
            var told = probe.ExpectMsg<DiameterAnswer>(TimeSpan.FromSeconds(5));
            Assert.Equal(ResultCodes.Success, told.ResultCode);
            Assert.Equal(1u, told.Message.GetUInt32("ULA-Flags"));
            await mme.StopAsync();
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task A_scheduler_tick_the_application_configures_wins_over_the_node_default()
    {
        using var host = new HostBuilder()
            .ConfigureServices(services => services.AddAkka("tick", (builder, _) => builder
                .AddHocon("akka.scheduler.tick-duration = 20ms", HoconAddMode.Prepend)
                .WithDiameter(o => o.Hocon = $"akka.diameter.node {{ origin-host = \"{Hss}\", origin-realm = \"{Realm}\" }}")))
            .Build();
        await host.StartAsync();
        try
        {
            Assert.Equal(TimeSpan.FromMilliseconds(20), host.Services.GetRequiredService<ActorSystem>().Settings.Config.GetTimeSpan("akka.scheduler.tick-duration"));
        }
        finally { await host.StopAsync(); }
    }

    [Theory]
    [InlineData("""akka.diameter.node { origin-host = "bad host", origin-realm = "example.org" }""",
        "akka.diameter.node.origin-host: 'bad host' is not a DiameterIdentity")]
    [InlineData("""
        akka.diameter.node { origin-host = "hss.example.org", origin-realm = "example.org" }
        akka.diameter.dispatcher = "my-dispatcher"
        """, "akka.diameter.dispatcher: no dispatcher is configured at 'my-dispatcher'")]
    public async Task A_wrong_key_given_to_Akka_Hosting_fails_the_start_and_names_it(string hocon, string why)
    {
        using var host = new HostBuilder()
            .ConfigureServices(services => services.AddAkka("bad", (builder, _) => builder.WithDiameter(o => o.Hocon = hocon)))
            .Build();
        var e = await Record.ExceptionAsync(() => host.StartAsync());
        Assert.NotNull(e);
        var all = e is AggregateException a ? a.Flatten().InnerExceptions.Append(e) : [e, e.InnerException ?? e];
        Assert.Contains(all, x => x.Message.Contains(why));
        await host.StopAsync();
    }
}
