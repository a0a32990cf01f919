using Akka.Actor;
using Akka.Event;
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
/// Requests that reached a peer in one TCP read come as one <see cref="IncomingRequestBatch"/>; <see cref="Handle"/>
/// still sees them one at a time, in order, and the answers it gives while handling them go back to the peer together
/// (two actor messages per read instead of two per request). An answer given later, or from another thread, goes on
/// its own as before.
/// </summary>
public abstract class DiameterRequestHandler : ReceiveActor
{
    private IncomingRequest? _inBatch;   // the request of a batch being handled, for PreRestart

    /// <summary>Registers <see cref="Handle"/> for every <see cref="IncomingRequest"/> and <see cref="IncomingRequestBatch"/>.</summary>
    protected DiameterRequestHandler()
    {
        Receive<IncomingRequest>(Handle);
        Receive<IncomingRequestBatch>(HandleBatch);
    }

    /// <summary>Handles one request; answer it with <see cref="IncomingRequest.Reply"/>.</summary>
    protected abstract void Handle(IncomingRequest request);

    /// <summary>
    /// Called with the requests of a batch before <see cref="Handle"/> sees them one by one: the place to do for all of
    /// them at once what would otherwise be done per request (one database transaction instead of one each). Their
    /// answers leave only after the last <see cref="Handle"/> of the batch, so what is done here happens before any of
    /// them is sent. An exception here is logged and the requests are handled one by one regardless.
    /// </summary>
    /// <param name="requests">The requests, in the order received.</param>
    protected virtual void Prepare(IReadOnlyList<IncomingRequest> requests) { }

    private void HandleBatch(IncomingRequestBatch batch)
    {
        var requests = batch.Requests;
        try { Prepare(requests); }
        catch (Exception e) { Context.GetLogger().Warning("Preparing a batch of {0} requests failed; handling them one by one: {1}", requests.Count, e.Message); }
        var answers = new AnswerCollector();
        for (var i = 0; i < requests.Count; i++)
        {
            var r = requests[i];
            _inBatch = r;
            r.Collector = answers;
            try { Handle(r); }
            catch
            {
                // The supervisor restarts this actor and PreRestart answers r with 5012; what was answered before it
                // leaves now, and the requests after it go back to the mailbox for the restarted handler.
                r.Collector = null;
                answers.Flush();
                if (i + 1 < requests.Count) Self.Tell(new IncomingRequestBatch([.. requests.Skip(i + 1)]), Sender);
                throw;
            }
            r.Collector = null;
        }
        _inBatch = null;
        answers.Flush();
    }

    /// <summary>Answers the request that made the handler fail with 5012 before the restart.</summary>
    protected override void PreRestart(Exception reason, object message)
    {
        var failed = message as IncomingRequest ?? (message is IncomingRequestBatch ? _inBatch : null);
        failed?.ReplyError(ResultCodes.UnableToComply, $"the {failed.Request.CommandName} handler failed: {reason.GetType().Name}: {reason.Message}");
        base.PreRestart(reason, message);
    }
}
