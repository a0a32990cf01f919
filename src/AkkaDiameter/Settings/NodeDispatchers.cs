using Akka.Actor;
using Akka.Configuration;
using Akka.Dispatch;

namespace AkkaDiameter.Settings;

/// <summary>
/// The dispatchers a node's actors run on (<c>akka.diameter.dispatcher</c>, <c>akka.diameter.handler-dispatcher</c>).
/// </summary>
internal static class NodeDispatchers
{
    /// <summary>The <c>handler-dispatcher</c> value that means the node's own dispatcher.</summary>
    public const string Node = "node";

    /// <summary>
    /// Makes sure the dispatchers <paramref name="settings"/> name can be looked up in <paramref name="system"/>.
    /// One under <c>akka.diameter</c> is registered from the system's configuration over reference.conf: the actor
    /// system does not load this library's reference.conf, so without that a node dispatcher the user only tuned
    /// (say its <c>parallelism-max</c>) would fall back to Akka's default executor for the keys not written.
    /// </summary>
    /// <exception cref="DiameterConfigurationException">No dispatcher is configured at a path named.</exception>
    public static void Register(ActorSystem system, DiameterSettings settings)
    {
        Ensure(system, settings.Dispatcher, "akka.diameter.dispatcher");
        if (settings.HandlerDispatcher is not ("" or Node)) Ensure(system, settings.HandlerDispatcher, "akka.diameter.handler-dispatcher");
    }

    private static void Ensure(ActorSystem system, string id, string key)
    {
        var dispatchers = system.Dispatchers;
        if (id.StartsWith("akka.diameter.", StringComparison.Ordinal))
        {
            var merged = system.Settings.Config.WithFallback(DiameterSettings.ReferenceConfig);
            if (merged.HasPath(id) && merged.GetValue(id).IsObject())
            {
                var config = ConfigurationFactory.ParseString($"id = \"{id}\"")
                    .WithFallback(merged.GetConfig(id))
                    .WithFallback(dispatchers.DefaultDispatcherConfig);
                // False when a node of this system registered it first: the same configuration.
                dispatchers.RegisterConfigurator(id, new DispatcherConfigurator(config, dispatchers.Prerequisites));
                return;
            }
        }
        if (!dispatchers.HasDispatcher(id))
            throw new DiameterConfigurationException(key, $"no dispatcher is configured at '{id}'");
    }

    /// <summary>The node's actors: on <see cref="DiameterSettings.Dispatcher"/>. The root gives it to its children,
    /// and they give their own to theirs (<see cref="OnDispatcherOf"/>), so that an actor made alone (in a test) runs
    /// where it is put.</summary>
    public static Props OnNodeDispatcher(this Props props, DiameterSettings settings) => props.WithDispatcher(settings.Dispatcher);

    /// <summary>On the dispatcher of the actor whose context makes it.</summary>
    public static Props OnDispatcherOf(this Props props, IActorContext parent) => props.WithDispatcher(parent.Props.Dispatcher);

    /// <summary>A handler: on the dispatcher its Props name, else on <see cref="DiameterSettings.HandlerDispatcher"/>.</summary>
    public static Props ForHandler(Props props, DiameterSettings settings) =>
        props.Deploy.Dispatcher != Deploy.NoDispatcherGiven || settings.HandlerDispatcher == "" ? props
        : props.WithDispatcher(settings.HandlerDispatcher == Node ? settings.Dispatcher : settings.HandlerDispatcher);
}
