using Akka.Actor;
using AkkaDiameter.Protocol;

namespace AkkaDiameter.Applications;

/// <summary>
/// Base for handler actors: override <see cref="Handle"/>. A handler that throws is restarted by its supervisor and
/// the request it was handling is answered DIAMETER_UNABLE_TO_COMPLY 5012 (issue: "a handler that throws is
/// restarted and the request is answered 5012"); the restarted handler serves the next request.
/// <code>
/// public sealed class UlrHandler : DiameterRequestHandler
/// {
///     protected override void Handle(IncomingRequest r) =>
///         r.Reply(r.CreateAnswer().Add("Auth-Session-State", "NO_STATE_MAINTAINED"));
/// }
/// </code>
/// </summary>
public abstract class DiameterRequestHandler : ReceiveActor
{
    /// <summary>Registers <see cref="Handle"/> for every <see cref="IncomingRequest"/>.</summary>
    protected DiameterRequestHandler() => Receive<IncomingRequest>(Handle);

    /// <summary>Handles one request; answer it with <see cref="IncomingRequest.Reply"/>.</summary>
    protected abstract void Handle(IncomingRequest request);

    /// <summary>Answers the request that made the handler fail with 5012 before the restart.</summary>
    protected override void PreRestart(Exception reason, object message)
    {
        if (message is IncomingRequest r)
            r.ReplyError(ResultCodes.UnableToComply, $"the {r.Request.CommandName} handler failed: {reason.GetType().Name}: {reason.Message}");
        base.PreRestart(reason, message);
    }
}
