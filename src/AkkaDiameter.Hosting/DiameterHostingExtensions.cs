using Akka.Actor;
using Akka.Configuration;
using Akka.Hosting;
using AkkaDiameter.Applications;
using AkkaDiameter.Protocol.Dictionary;
using AkkaDiameter.Settings;

namespace AkkaDiameter.Hosting;

/// <summary>Marker for the node's root actor in the <see cref="ActorRegistry"/>: inject
/// <c>IRequiredActor&lt;DiameterNodeKey&gt;</c> and tell it a <see cref="Routing.DiameterRequest"/>, or turn it into a
/// <see cref="DiameterNode"/> with <see cref="DiameterNode.AttachAsync"/>.</summary>
public sealed class DiameterNodeKey;

/// <summary>What <see cref="DiameterHostingExtensions.WithDiameter"/> configures.</summary>
public sealed class DiameterOptions
{
    /// <summary>HOCON with the <c>akka.diameter</c> keys (see reference.conf); prepended to the system's configuration.</summary>
    public string? Hocon { get; set; }
    /// <summary>Explicit settings; when set, they are used instead of reading <c>akka.diameter</c>.</summary>
    public DiameterSettings? Settings { get; set; }
    /// <summary>The dictionary; RFC 6733 and TS 29.272 by default.</summary>
    public DiameterDictionary Dictionary { get; set; } = DiameterDictionary.Default;
    /// <summary>Handlers by (application, command).</summary>
    public DiameterHandlers Handlers { get; } = new();
    /// <summary>Name of the root actor under <c>/user</c>.</summary>
    public string ActorName { get; set; } = "diameter";

    /// <summary>Registers handler type <typeparamref name="T"/> for a command named in the dictionary (<c>"ULR"</c>).</summary>
    public DiameterOptions AddHandler<T>(string command) where T : ActorBase, new()
    {
        Handlers.Add<T>(command, Dictionary);
        return this;
    }

    /// <summary>Registers a handler for (application, command).</summary>
    public DiameterOptions AddHandler(uint applicationId, uint commandCode, Props props)
    {
        Handlers.Add(applicationId, commandCode, props);
        return this;
    }
}

/// <summary>Akka.Hosting support, in the style of <c>WithClustering</c> and <c>WithRemoting</c>:
/// <code>
/// services.AddAkka("hss", (builder, sp) => builder
///     .WithDiameter(o =>
///     {
///         o.Hocon = File.ReadAllText("config/hss-node.conf");
///         o.AddHandler&lt;UlrHandler&gt;("ULR");
///     }));
/// </code>
/// </summary>
public static class DiameterHostingExtensions
{
    /// <summary>Adds a Diameter node to the actor system: its configuration, and its root actor registered as
    /// <see cref="DiameterNodeKey"/>. A wrong <c>akka.diameter</c> key stops the start with a
    /// <see cref="DiameterConfigurationException"/> naming it.</summary>
    public static AkkaConfigurationBuilder WithDiameter(this AkkaConfigurationBuilder builder, Action<DiameterOptions> configure)
    {
        var options = new DiameterOptions();
        configure(options);
        if (options.Hocon is not null) builder.AddHocon(ConfigurationFactory.ParseString(options.Hocon), HoconAddMode.Prepend);
        // Under everything else the application configures: a node's scheduler tick (see SystemDefaults).
        builder.AddHocon(DiameterSettings.SystemDefaults, HoconAddMode.Append);
        return builder.WithActors((system, registry) =>
        {
            var settings = options.Settings ?? DiameterSettings.Create(system);
            DiameterNode.RegisterDispatchers(system, settings);
            var root = system.ActorOf(DiameterNode.RootProps(settings, options.Dictionary, options.Handlers), options.ActorName);
            registry.Register<DiameterNodeKey>(root);
        });
    }
}
