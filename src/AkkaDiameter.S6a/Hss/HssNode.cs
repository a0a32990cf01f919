using Akka.Actor;
using Akka.Configuration;
using AkkaDiameter.Applications;
using AkkaDiameter.Protocol.Dictionary;
using AkkaDiameter.Settings;

namespace AkkaDiameter.S6a.Hss;

/// <summary>An HSS: a Diameter node configured by <c>akka.diameter</c> with the S6a handlers, its subscriber
/// database opened (and migrated) and the configured subscribers provisioned.</summary>
public sealed class HssNode : IAsyncDisposable
{
    private HssNode(DiameterNode node, SubscriberStore store, HssSettings settings)
    {
        Node = node;
        Store = store;
        Settings = settings;
    }

    /// <summary>The Diameter node.</summary>
    public DiameterNode Node { get; }
    /// <summary>The subscriber database.</summary>
    public SubscriberStore Store { get; }
    /// <summary>The <c>akka.diameter.hss</c> settings.</summary>
    public HssSettings Settings { get; }

    /// <summary>The S6a commands the HSS answers.</summary>
    public static readonly string[] Commands = ["AIR", "ULR", "PUR", "NOR"];

    /// <summary>Starts the HSS from a configuration holding <c>akka.diameter</c> and <c>akka.diameter.hss</c>.</summary>
    public static async Task<HssNode> StartAsync(ActorSystem system, Config config, string name = "hss")
    {
        var settings = HssSettings.Create(config);
        var diameter = DiameterSettings.Create(config);
        var store = SubscriberStore.Open(settings.Database);
        foreach (var s in settings.Subscribers) store.Upsert(s);
        var context = new HssContext(store);
        var handlers = new DiameterHandlers();
        foreach (var c in Commands) handlers.Add(c, Props.Create(() => new HssHandler(context)));
        var node = await DiameterNode.StartAsync(system, diameter, DiameterDictionary.Default, name, handlers);
        context.Node = node;
        return new HssNode(node, store, settings);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await Node.StopAsync();
        Store.Dispose();
    }
}
