using Akka.Actor;

namespace AkkaDiameter.Applications;

/// <summary>
/// Requests a peer actor gathers per handler while it handles one received batch, then sends: one request as it is,
/// more as one <see cref="IncomingRequestBatch"/> in the order received. The per-handler lists are made anew for each
/// batch sent (the message owns its list); the table of handlers is kept, as a batch rarely names more than one or two.
/// </summary>
internal sealed class GatheredRequests
{
    private readonly List<(IActorRef Handler, List<IncomingRequest> Requests)> _byHandler = [];

    public void Add(IActorRef handler, IncomingRequest request)
    {
        foreach (var (h, requests) in _byHandler)
            if (ReferenceEquals(h, handler)) { requests.Add(request); return; }
        _byHandler.Add((handler, [request]));
    }

    /// <summary>Sends every gathered request and empties the table; the sender is the calling actor.</summary>
    public void SendAll()
    {
        foreach (var (handler, requests) in _byHandler)
            handler.Tell(requests.Count == 1 ? requests[0] : new IncomingRequestBatch(requests));
        _byHandler.Clear();
    }
}
