using Akka.Actor;
using AkkaDiameter.Protocol.Dictionary;

namespace AkkaDiameter.Applications;

/// <summary>One handler registration: the actor that serves requests of (application, command).</summary>
/// <param name="ApplicationId">Application-ID.</param>
/// <param name="CommandCode">Command code.</param>
/// <param name="Props">How to make the handler actor.</param>
public sealed record HandlerRegistration(uint ApplicationId, uint CommandCode, Props Props);

/// <summary>The handlers a node dispatches requests to, by (application id, command code).</summary>
public sealed class DiameterHandlers
{
    private readonly List<HandlerRegistration> _registrations = [];

    /// <summary>Every registration.</summary>
    public IReadOnlyList<HandlerRegistration> Registrations => _registrations;

    /// <summary>Registers <paramref name="props"/> for (application, command).</summary>
    /// <exception cref="ArgumentException">That pair already has a handler.</exception>
    public DiameterHandlers Add(uint applicationId, uint commandCode, Props props)
    {
        if (_registrations.Any(r => r.ApplicationId == applicationId && r.CommandCode == commandCode))
            throw new ArgumentException($"application {applicationId} command {commandCode} already has a handler");
        _registrations.Add(new HandlerRegistration(applicationId, commandCode, props));
        return this;
    }

    /// <summary>Registers a handler for a command named in the dictionary (<c>"ULR"</c>), in its application.</summary>
    public DiameterHandlers Add(string command, Props props, DiameterDictionary? dictionary = null)
    {
        var c = (dictionary ?? DiameterDictionary.Default).GetCommand(command);
        return Add(c.ApplicationId, c.Code, props);
    }

    /// <summary>Registers handler type <typeparamref name="T"/> for a command named in the dictionary.</summary>
    public DiameterHandlers Add<T>(string command, DiameterDictionary? dictionary = null) where T : ActorBase, new() =>
        Add(command, Props.Create<T>(), dictionary);
}
