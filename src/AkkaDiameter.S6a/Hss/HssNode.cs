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
    private readonly HssContext _context;

    private HssNode(DiameterNode node, HssContext context, HssSettings settings)
    {
        Node = node;
        _context = context;
        Settings = settings;
    }

    /// <summary>The Diameter node.</summary>
    public DiameterNode Node { get; }
    /// <summary>The subscriber database.</summary>
    public SubscriberStore Store => _context.Store;
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
        // Handlers keep no state of their own (the store is shared and thread-safe): one per core per command, so
        // MILENAGE and encoding run in parallel while the store serialises only its own calls.
        // A failing handler is restarted on its own, answering its request 5012 (DiameterRequestHandler.PreRestart).
        var pool = new Akka.Routing.RoundRobinPool(Math.Max(1, Environment.ProcessorCount))
            .WithSupervisorStrategy(new OneForOneStrategy(_ => Directive.Restart));
        foreach (var c in Commands) handlers.Add(c, Props.Create(() => new HssHandler(context)).WithRouter(pool));
        DiameterNode node;
        try { node = await DiameterNode.StartAsync(system, diameter, DiameterDictionary.Default, name, handlers); }
        catch
        {
            store.Dispose();
            throw;
        }
        context.Node = node;
        // Started after the node so that what the outbox holds from before a restart goes out as MMEs reconnect.
        context.Notifier = system.ActorOf(HssNotifier.Props(context, settings.Notifications), name + "-outbox");
        return new HssNode(node, context, settings);
    }

    /// <summary>Adds or changes a subscriber (as <c>akka-diameter hss provision</c> does) and sends what its serving MME
    /// is owed right away: IDR, DSR or CLR (TS 29.272 §5.2.2, §5.2.1.2).</summary>
    public ProvisioningResult Provision(Subscriber subscriber)
    {
        var result = Store.Upsert(subscriber);
        if (result.Queued.Count > 0) _context.Notifier.Tell(HssNotifier.Poke.Instance);
        return result;
    }

    /// <summary>Sends RSR (TS 29.272 §5.2.4) to every MME serving a subscriber whose IMSI starts with one of
    /// <paramref name="userIds"/> (all subscribers when none is given): after a restart that may have lost data, those
    /// MMEs restore their UEs with ULR at the next contact.</summary>
    public void Reset(params string[] userIds)
    {
        Store.QueueReset(userIds);
        _context.Notifier.Tell(HssNotifier.Poke.Instance);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _context.Notifier.GracefulStop(TimeSpan.FromSeconds(5));
        await Node.StopAsync();
        Store.Dispose();
    }
}
