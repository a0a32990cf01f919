using System.Collections.Frozen;
using Akka.Actor;

namespace AkkaDiameter.Applications;

/// <summary>
/// The node's handler actors by (application, command): published by the <see cref="ApplicationRouter"/> that
/// created and supervises them (again when one is stopped), read by the peer actors, which then hand a NO_STATE_MAINTAINED request straight to
/// its handler. That is one actor hop fewer per request, and no single router mailbox that every request of every
/// peer has to pass. Before it is published (the node's first moments) and for a command without a handler, requests
/// go through the router, which answers DIAMETER_COMMAND_UNSUPPORTED 3001 (or 5012 for a stopped handler). Written
/// rarely, read on every request: an immutable table behind a volatile reference.
/// </summary>
internal sealed class HandlerDirectory
{
    private FrozenDictionary<ulong, HandlerEntry>? _handlers;

    /// <summary>Publishes the handlers; called by the router when it has created them, and when one stopped.
    /// <paramref name="takesBatches"/> are those that take an <see cref="IncomingRequestBatch"/> (every
    /// <see cref="DiameterRequestHandler"/>).</summary>
    public void Publish(IReadOnlyDictionary<ulong, IActorRef> handlers, IReadOnlySet<IActorRef>? takesBatches = null) =>
        Volatile.Write(ref _handlers, handlers.ToFrozenDictionary(h => h.Key, h => new HandlerEntry(h.Value, takesBatches?.Contains(h.Value) == true)));

    /// <summary>The handler for (application, command), or null: none, or not yet published.</summary>
    public IActorRef? Find(uint applicationId, uint commandCode) => FindEntry(applicationId, commandCode)?.Actor;

    /// <summary>The handler for (application, command) and whether it takes batches, or null.</summary>
    public HandlerEntry? FindEntry(uint applicationId, uint commandCode) =>
        Volatile.Read(ref _handlers)?.GetValueOrDefault(Key(applicationId, commandCode));

    /// <summary>The key of (application, command).</summary>
    public static ulong Key(uint applicationId, uint commandCode) => ((ulong)applicationId << 32) | commandCode;
}

/// <summary>A handler actor and whether it takes an <see cref="IncomingRequestBatch"/>.</summary>
internal sealed record HandlerEntry(IActorRef Actor, bool TakesBatches);
