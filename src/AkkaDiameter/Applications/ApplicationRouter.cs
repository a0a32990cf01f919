using Akka.Actor;
using Akka.Event;
using AkkaDiameter.Peers;
using AkkaDiameter.Protocol;

namespace AkkaDiameter.Applications;

/// <summary>
/// The supervisor router of the design card: one handler actor per registered (application, command), as children;
/// each <see cref="IncomingRequest"/> goes to its handler, or is answered DIAMETER_COMMAND_UNSUPPORTED 3001 when
/// none is registered (RFC 6733 §7.1.3). A handler that throws is restarted (its request is answered 5012 by
/// <see cref="DiameterRequestHandler"/>, or by the node's deadline for other actors) and serves the next request.
/// </summary>
internal sealed class ApplicationRouter : ReceiveActor
{
    private readonly Dictionary<ulong, IActorRef> _handlers = [];
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public static Props Props(DiameterHandlers handlers, HandlerDirectory? directory = null) =>
        Akka.Actor.Props.Create(() => new ApplicationRouter(handlers, directory));

    public ApplicationRouter(DiameterHandlers handlers, HandlerDirectory? directory)
    {
        foreach (var r in handlers.Registrations)
            _handlers[HandlerDirectory.Key(r.ApplicationId, r.CommandCode)] = Context.ActorOf(r.Props, $"handler-{r.ApplicationId}-{r.CommandCode}");
        // A restarted handler keeps its ActorRef, so the published table stays right for the router's lifetime.
        directory?.Publish(_handlers);

        Receive<IncomingRequest>(r =>
        {
            if (_handlers.TryGetValue(HandlerDirectory.Key(r.Request.ApplicationId, r.Request.CommandCode), out var handler)) handler.Forward(r);
            else r.ReplyError(ResultCodes.CommandUnsupported, ErrorAnswers.NoHandler(r.Request));
        });
    }

    /// <summary>Restart a failed handler, whatever it threw: its state is suspect, its mailbox is not.</summary>
    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(ex =>
    {
        _log.Warning("Handler failed and is restarted: {0}", ex.Message);
        return Directive.Restart;
    });
}
