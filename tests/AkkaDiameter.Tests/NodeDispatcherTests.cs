using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit.Xunit2;
using AkkaDiameter.Applications;
using AkkaDiameter.Protocol;
using AkkaDiameter.Protocol.Dictionary;
using AkkaDiameter.Settings;
using Xunit;
using Xunit.Abstractions;
using static AkkaDiameter.Tests.TestNodes;

namespace AkkaDiameter.Tests;

/// <summary>
/// <c>akka.diameter.dispatcher</c> and <c>handler-dispatcher</c>: where the node's actors, its connections' streams
/// and its handlers run.
/// </summary>
public class NodeDispatcherTests(ITestOutputHelper output) : TestKit("akka.loglevel = INFO", output)
{
    private const string NodeDispatcher = DiameterSettings.DefaultDispatcher;

    /// <summary>Answers ULR with ULA 2001 and reports, to the actor given, the dispatcher and thread it ran on.</summary>
    private sealed class WhereHandler(IActorRef report) : DiameterRequestHandler
    {
        protected override void Handle(IncomingRequest r)
        {
            report.Tell((Context.Dispatcher.Id, Thread.CurrentThread.Name ?? ""));
            r.Reply(r.CreateAnswer().Add("Auth-Session-State", "NO_STATE_MAINTAINED").Add("ULA-Flags", 1u));
        }
    }

    private static DiameterMessage Ulr() => DiameterMessage.CreateRequest("ULR")
        .Add("Session-Id", $"{Mme};1;{Guid.NewGuid():N}").Add("Auth-Session-State", "NO_STATE_MAINTAINED").Add("Destination-Realm", Realm)
        .Add("User-Name", "001010000000001").Add("RAT-Type", "EUTRAN").Add("ULR-Flags", 34u).Add("Visited-PLMN-Id", new byte[] { 0x00, 0xF1, 0x10 });

    private async Task<(DiameterNode Hss, DiameterNode Mme)> Nodes(ActorSystem system, Props handler, string hssExtra = "")
    {
        var hssPort = FreePort();
        var hss = await DiameterNode.StartAsync(system, NodeSettings(Hss, hssPort, Peer(Mme, 1, connect: false), hssExtra), DiameterDictionary.Default, "hss",
            new DiameterHandlers().Add("ULR", handler));
        var mme = await DiameterNode.StartAsync(system, NodeSettings(Mme, null, Peer(Hss, hssPort, connect: true)), DiameterDictionary.Default, "mme");
        await mme.WaitUntilOpenAsync(Hss, TimeSpan.FromSeconds(10));
        return (hss, mme);
    }

    /// <summary>The dispatcher an actor runs on, read from its cell.</summary>
    private static async Task<string> DispatcherOf(ActorSystem system, string path)
    {
        var actor = await system.ActorSelection(path).ResolveOne(TimeSpan.FromSeconds(5));
        return Assert.IsType<ActorCell>(((ActorRefWithCell)actor).Underlying, exactMatch: false).Dispatcher.Id;
    }

    [Fact]
    public async Task By_default_the_node_its_connections_streams_and_its_handlers_run_on_the_dedicated_threads_of_the_node_dispatcher()
    {
        var (_, mme) = await Nodes(Sys, Props.Create(() => new WhereHandler(TestActor)));
        var ula = await mme.SendAsync(Hss, Ulr());
        Assert.Equal(ResultCodes.Success, ula.ResultCode);

        var (dispatcher, thread) = ExpectMsg<(string, string)>();
        Assert.Equal(NodeDispatcher, dispatcher);
        // fork-join-executor: Akka's own threads, named after the dispatcher, not .NET's thread pool.
        Assert.StartsWith(NodeDispatcher, thread);

        foreach (var path in new[] { "/user/hss/peers", $"/user/hss/peers/*", "/user/hss/router", "/user/hss/sessions", "/user/hss/applications",
                     "/user/hss/listener-0", "/user/hss/listener-0/*", "/user/mme/peers/*/*" })
            Assert.Equal(NodeDispatcher, await DispatcherOf(Sys, path));
        // The connections' streams: the materializer's actors, outside the node's path (see DiameterNode.PreStart).
        Assert.Equal(NodeDispatcher, await DispatcherOf(Sys, "/user/StreamSupervisor-*/*"));
    }

    [Fact]
    public async Task Handler_dispatcher_empty_puts_handlers_on_Akkas_default_dispatcher_and_a_dispatcher_the_handlers_Props_name_wins()
    {
        var (_, mme) = await Nodes(Sys, Props.Create(() => new WhereHandler(TestActor)), "handler-dispatcher = \"\"");
        Assert.Equal(ResultCodes.Success, (await mme.SendAsync(Hss, Ulr())).ResultCode);
        Assert.Equal("akka.actor.default-dispatcher", ExpectMsg<(string Dispatcher, string)>().Dispatcher);
        Assert.Equal(NodeDispatcher, await DispatcherOf(Sys, "/user/hss/peers/*"));

        var system2 = ActorSystem.Create("named", "akka.loglevel = WARNING");
        try
        {
            var (_, mme2) = await Nodes(system2, Props.Create(() => new WhereHandler(TestActor)).WithDispatcher("akka.actor.internal-dispatcher"));
            Assert.Equal(ResultCodes.Success, (await mme2.SendAsync(Hss, Ulr())).ResultCode);
            Assert.Equal("akka.actor.internal-dispatcher", ExpectMsg<(string Dispatcher, string)>().Dispatcher);
        }
        finally { await system2.Terminate(); }
    }

    [Fact]
    public async Task One_key_of_the_node_dispatcher_tuned_in_the_systems_configuration_keeps_the_rest_of_reference_conf()
    {
        // The actor system does not load reference.conf: without the node registering the merged configuration, this
        // dispatcher would get Akka's default executor (.NET's thread pool) for the keys not written here.
        var system = ActorSystem.Create("tuned", ConfigurationFactory.ParseString(
            $"akka.loglevel = WARNING\n{NodeDispatcher}.fork-join-executor.parallelism-max = 1"));
        try
        {
            var (_, mme) = await Nodes(system, Props.Create(() => new WhereHandler(TestActor)));
            Assert.Equal(ResultCodes.Success, (await mme.SendAsync(Hss, Ulr())).ResultCode);
            var (dispatcher, thread) = ExpectMsg<(string, string)>();
            Assert.Equal(NodeDispatcher, dispatcher);
            Assert.StartsWith(NodeDispatcher, thread);
        }
        finally { await system.Terminate(); }
    }

    [Fact]
    public async Task A_dispatcher_path_with_no_dispatcher_stops_the_start_naming_the_key()
    {
        var settings = NodeSettings(Hss, FreePort(), "", "dispatcher = \"akka.diameter.no-such-dispatcher\"");
        var e = await Assert.ThrowsAsync<DiameterConfigurationException>(() => DiameterNode.StartAsync(Sys, settings, DiameterDictionary.Default, "wrong"));
        Assert.Equal("akka.diameter.dispatcher", e.Key);
        Assert.Contains("akka.diameter.no-such-dispatcher", e.Message);

        var handlers = NodeSettings(Hss, FreePort(), "", "handler-dispatcher = \"my.handlers\"");
        e = await Assert.ThrowsAsync<DiameterConfigurationException>(() => DiameterNode.StartAsync(Sys, handlers, DiameterDictionary.Default, "wrong2"));
        Assert.Equal("akka.diameter.handler-dispatcher", e.Key);
    }

    [Fact]
    public void The_dispatcher_keys_are_read_from_hocon_with_reference_conf_defaults_and_an_empty_dispatcher_is_refused()
    {
        const string minimal = """akka.diameter.node { origin-host = "hss.example.org", origin-realm = "example.org" }""";
        var defaults = DiameterSettings.Create(ConfigurationFactory.ParseString(minimal));
        Assert.Equal(NodeDispatcher, defaults.Dispatcher);
        Assert.Equal("node", defaults.HandlerDispatcher);

        var set = DiameterSettings.Create(ConfigurationFactory.ParseString(minimal + """
            akka.diameter { dispatcher = "akka.actor.default-dispatcher", handler-dispatcher = "" }
            """));
        Assert.Equal("akka.actor.default-dispatcher", set.Dispatcher);
        Assert.Equal("", set.HandlerDispatcher);

        var e = Assert.Throws<DiameterConfigurationException>(() =>
            DiameterSettings.Create(ConfigurationFactory.ParseString(minimal + "\nakka.diameter.dispatcher = \"\"")));
        Assert.Equal("akka.diameter.dispatcher", e.Key);
    }
}
