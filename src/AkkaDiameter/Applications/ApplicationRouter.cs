using Akka.Actor;
using Akka.Event;
using AkkaDiameter.Peers;
using AkkaDiameter.Protocol;
using AkkaDiameter.Settings;

namespace AkkaDiameter.Applications;

/// <summary>
/// The supervisor router of the design card: one handler actor per registered (application, command), as children;
/// each <see cref="IncomingRequest"/> goes to its handler, or is answered DIAMETER_COMMAND_UNSUPPORTED 3001 when
/// none is registered (RFC 6733 §7.1.3). A handler that throws is restarted (its request is answered 5012 by
/// <see cref="DiameterRequestHandler"/>, or by the node's deadline for other actors) and serves the next request.
/// A handler that cannot be created (its constructor throws) is not restarted, which would only fail again in a
/// loop: it is stopped, logged as an error, and its requests are answered DIAMETER_UNABLE_TO_COMPLY 5012 saying why,
/// while the node and its other handlers carry on.
/// </summary>
internal sealed class ApplicationRouter : ReceiveActor
{
    private readonly Dictionary<ulong, IActorRef> _handlers = [];
    private readonly HashSet<IActorRef> _takesBatches = [];
    private readonly Dictionary<ulong, string> _stopped = [];
    private readonly Dictionary<IActorRef, string> _failedToStart = [];
    private readonly HandlerDirectory? _directory;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public static Props Props(DiameterHandlers handlers, HandlerDirectory? directory = null, DiameterSettings? settings = null) =>
        Akka.Actor.Props.Create(() => new ApplicationRouter(handlers, directory, settings));

    public ApplicationRouter(DiameterHandlers handlers, HandlerDirectory? directory, DiameterSettings? settings)
    {
        _directory = directory;
        foreach (var r in handlers.Registrations)
        {
            var props = settings is null ? r.Props : NodeDispatchers.ForHandler(r.Props, settings);
            var handler = Context.ActorOf(props, $"handler-{r.ApplicationId}-{r.CommandCode}");
            Context.Watch(handler);
            _handlers[HandlerDirectory.Key(r.ApplicationId, r.CommandCode)] = handler;
            // DiameterRequestHandler takes batches; any other actor gets requests one by one, as it always did.
            if (r.Props.Type is { } type && typeof(DiameterRequestHandler).IsAssignableFrom(type)) _takesBatches.Add(handler);
        }
        // A restarted handler keeps its ActorRef, so the table stays right until a handler stops.
        _directory?.Publish(_handlers, _takesBatches);

        Receive<IncomingRequest>(r =>
        {
            var key = HandlerDirectory.Key(r.Request.ApplicationId, r.Request.CommandCode);
            if (_handlers.TryGetValue(key, out var handler)) handler.Forward(r);
            else if (_stopped.TryGetValue(key, out var why)) r.ReplyError(ResultCodes.UnableToComply, why);
            else r.ReplyError(ResultCodes.CommandUnsupported, ErrorAnswers.NoHandler(r.Request));
        });
        Receive<Terminated>(t =>
        {
            foreach (var (key, handler) in _handlers.Where(h => h.Value.Equals(t.ActorRef)).ToList())
            {
                _handlers.Remove(key);
                var cause = _failedToStart.Remove(handler, out var c) ? c : "it stopped";
                _stopped[key] = $"the handler for application {key >> 32}, command {(uint)key} is out of service: {cause}";
                _log.Error("{0}; its requests are answered 5012", _stopped[key]);
            }
            // Peers go through the router again for that command, and get the answer above.
            _directory?.Publish(_handlers, _takesBatches);
        });
    }

    /// <summary>Restart a failed handler, whatever it threw: its state is suspect, its mailbox is not. One that could
    /// not be created is stopped instead.</summary>
    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(ex =>
    {
        if (ex is ActorInitializationException { Actor: { } actor } init)
        {
            // Akka wraps the constructor's exception (and reflection its own way): the innermost one says why.
            _failedToStart[actor] = $"it could not be created: {init.GetBaseException().Message}";
            return Directive.Stop;
        }
        _log.Warning("Handler failed and is restarted: {0}", ex.Message);
        return Directive.Restart;
    });
}
