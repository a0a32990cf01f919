using AkkaDiameter.Peers;
using AkkaDiameter.Protocol;
using AkkaDiameter.Settings;

namespace AkkaDiameter.Routing;

/// <summary>What the router knows of a peer when it chooses one.</summary>
/// <param name="Host">Origin-Host.</param>
/// <param name="Realm">Realm.</param>
/// <param name="Available">Open and the watchdog in OKAY.</param>
/// <param name="Outstanding">Requests the router has sent it and not yet seen answered.</param>
/// <param name="Applications">Applications agreed with it in CER/CEA.</param>
public sealed record PeerRoute(string Host, string Realm, bool Available, int Outstanding, IReadOnlyCollection<uint> Applications)
{
    /// <summary>Whether it can carry a request of <paramref name="applicationId"/>.</summary>
    public bool Serves(uint applicationId) => Applications.Contains(applicationId) || Applications.Contains(CapabilitiesExchange.RelayApplicationId);
}

/// <summary>The outcome of routing a request.</summary>
public abstract record RouteDecision;
/// <summary>Handle it here.</summary>
public sealed record RouteLocally : RouteDecision;
/// <summary>Send it to the first of these peers that takes it (least outstanding requests first).</summary>
/// <param name="Candidates">Peers in order of preference.</param>
public sealed record RouteToPeers(IReadOnlyList<string> Candidates) : RouteDecision;
/// <summary>Answer DIAMETER_REDIRECT_INDICATION naming these hosts.</summary>
/// <param name="Hosts">Where the request should go.</param>
public sealed record RouteRedirect(IReadOnlyList<string> Hosts) : RouteDecision;
/// <summary>Answer with this error.</summary>
/// <param name="ResultCode">3002, 3003 or 3005.</param>
/// <param name="Reason">Why.</param>
public sealed record RouteError(uint ResultCode, string Reason) : RouteDecision;

/// <summary>
/// Request routing (RFC 6733 §6.1): Destination-Host, then the realm routing table (§2.7) by Destination-Realm and
/// Application-ID, then the peers whose realm it is. Among candidate peers, the available ones with the fewest
/// outstanding requests come first (load sharing). A request for the node's own realm, or for a realm with no entry,
/// is handled locally when the node has a handler for its (application, command). Immutable and shared by the peer
/// actors and the router: the router supplies the peers and acts on the decision.
/// </summary>
public sealed class RoutingTable(DiameterSettings settings, IReadOnlySet<(uint Application, uint Command)>? handlers = null)
{
    private static readonly StringComparer Ci = StringComparer.OrdinalIgnoreCase;
    private readonly IReadOnlySet<(uint, uint)> _handlers = handlers ?? new HashSet<(uint, uint)>();

    /// <summary>Whether a handler is registered for the request's (application, command).</summary>
    public bool HasHandler(DiameterMessage request) => _handlers.Contains((request.ApplicationId, request.CommandCode));

    /// <summary>The realm table entry for a realm and application, or null.</summary>
    public RealmRoute? Entry(string realm, uint applicationId)
    {
        foreach (var r in settings.Realms)
            if (Ci.Equals(r.Realm, realm) && (r.ApplicationId is null || r.ApplicationId == applicationId)) return r;
        return null;
    }

    private readonly byte[] _originHost = System.Text.Encoding.UTF8.GetBytes(settings.OriginHost);
    private readonly byte[] _originRealm = System.Text.Encoding.UTF8.GetBytes(settings.OriginRealm);

    /// <summary>
    /// True when a request received from a peer is for this node's own handlers (§6.1.4): Destination-Host, when
    /// present, is this node; and the realm table says local for Destination-Realm, or has no entry and the realm is
    /// this node's own (or absent).
    /// </summary>
    public bool IsLocal(DiameterMessage request)
    {
        // Every request received passes here: the AVPs are found by code and compared as bytes (a DiameterIdentity
        // is ASCII, compared without case), no string made unless the realm table has entries to look through.
        var hasDestHost = request.TryFindPayload(293, 0, out var destHost);
        if (hasDestHost && !System.Text.Ascii.EqualsIgnoreCase(destHost.Span, _originHost)) return false;
        if (!request.TryFindPayload(283, 0, out var destRealm)) return true;
        if (!settings.Realms.IsEmpty && Entry(request.Find(283)!.GetString(), request.ApplicationId) is { } entry)
            return entry.Action == RealmAction.Local || hasDestHost;
        return System.Text.Ascii.EqualsIgnoreCase(destRealm.Span, _originRealm) || HasHandler(request);
    }

    /// <summary>Decides where a request goes. <paramref name="fromPeer"/> is the peer a relayed request came from
    /// (never sent back to it); null for requests this node originates.</summary>
    public RouteDecision Decide(DiameterMessage request, IReadOnlyDictionary<string, PeerRoute> peers, string? fromPeer)
    {
        var app = request.ApplicationId;
        var destHost = request.FindString("Destination-Host");
        var destRealm = request.FindString("Destination-Realm");

        if (fromPeer is not null)
        {
            // §6.1.3: a request that already passed through this node is a loop.
            foreach (var rr in request.FindAll("Route-Record"))
                if (Ci.Equals(rr.GetString(), settings.OriginHost))
                    return new RouteError(ResultCodes.LoopDetected, $"Route-Record already holds {settings.OriginHost}: the request loops");
        }
        if (destHost is not null && Ci.Equals(destHost, settings.OriginHost)) return new RouteLocally();
        if (destHost is not null && peers.TryGetValue(destHost, out var direct) && direct.Available && direct.Serves(app)
            && !Ci.Equals(direct.Host, fromPeer))
            return new RouteToPeers([direct.Host]);

        if (destRealm is null)
            return destHost is null ? new RouteLocally()
                : new RouteError(ResultCodes.UnableToDeliver, $"{destHost} is not an available peer and the request names no Destination-Realm");

        var entry = Entry(destRealm, app);
        if (entry is not null)
        {
            switch (entry.Action)
            {
                case RealmAction.Local when destHost is null:
                    return new RouteLocally();
                case RealmAction.Redirect:
                    return new RouteRedirect(entry.Peers);
                case RealmAction.Local:
                    break;   // a named host of our realm that is not us: try the peers of the realm below
                default:
                    return Choose(entry.Peers.Select(p => peers.GetValueOrDefault(p)).OfType<PeerRoute>(), app, fromPeer,
                        $"realm {destRealm} (application {app})");
            }
        }
        // Own realm, no entry: here when a handler exists (or the request came from a peer: it was meant for us),
        // else to the peers of the realm, as an MME sends its ULR to the HSS of its own realm.
        if (destHost is null && Ci.Equals(destRealm, settings.OriginRealm) && (entry is null || entry.Action == RealmAction.Local)
            && (fromPeer is not null || HasHandler(request)))
            return new RouteLocally();
        if (fromPeer is not null && !settings.IsAgent)
            return destHost is not null
                ? new RouteError(ResultCodes.UnableToDeliver, $"{settings.OriginHost} is not {destHost} and does not relay")
                : new RouteError(ResultCodes.RealmNotServed, $"{settings.OriginHost} serves {settings.OriginRealm}, not {destRealm}, and does not relay");

        var ofRealm = peers.Values.Where(p => Ci.Equals(p.Realm, destRealm)).ToList();
        if (ofRealm.Count == 0)
            return destHost is null && HasHandler(request) ? new RouteLocally()
                // A configured peer of the realm the router has not heard of yet (the node is starting) serves the
                // realm but is not available: 3002, as once it is known and down, not 3003.
                : settings.Peers.Any(p => Ci.Equals(p.Realm, destRealm))
                    ? new RouteError(ResultCodes.UnableToDeliver, $"no peer for realm {destRealm} is available")
                    : new RouteError(ResultCodes.RealmNotServed, $"no route to realm {destRealm}: no realm entry and no peer of that realm");
        return Choose(ofRealm, app, fromPeer, $"realm {destRealm}");
    }

    private static RouteDecision Choose(IEnumerable<PeerRoute> candidates, uint app, string? fromPeer, string what)
    {
        var ordered = candidates.Where(p => p.Available && p.Serves(app) && !Ci.Equals(p.Host, fromPeer))
            .OrderBy(p => p.Outstanding).Select(p => p.Host).ToList();
        return ordered.Count > 0 ? new RouteToPeers(ordered)
            : new RouteError(ResultCodes.UnableToDeliver, $"no peer for {what} is available");
    }
}
