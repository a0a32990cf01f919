using Akka.Actor;
using Akka.Event;
using AkkaDiameter.Applications;
using AkkaDiameter.Protocol;
using AkkaDiameter.Routing;
using AkkaDiameter.S6a.Security;

namespace AkkaDiameter.S6a.Hss;

/// <summary>What the HSS handlers share: the store, and the node (set once it runs) for HSS-initiated requests.</summary>
public sealed class HssContext(SubscriberStore store)
{
    /// <summary>The subscriber database.</summary>
    public SubscriberStore Store { get; } = store;

    /// <summary>The HSS node, for HSS-initiated requests; set by <see cref="HssNode.StartAsync"/>.</summary>
    public DiameterNode? Node { get; internal set; }

    /// <summary>The <see cref="HssNotifier"/> that sends the queued CLR, IDR, DSR and RSR; set by
    /// <see cref="HssNode.StartAsync"/>.</summary>
    public IActorRef Notifier { get; internal set; } = ActorRefs.Nobody;
}

/// <summary>
/// The HSS side of S6a (TS 29.272 §5.2): AIR (vectors by MILENAGE, SQN from the store, resynchronisation), ULR
/// (checks, registration, CLR to a previous MME through the outbox, Subscription-Data), PUR and NOR. User errors are
/// answered with Experimental-Result (§7.4.3); an exception is answered 5012 by the base class and the handler restarts.
/// </summary>
public sealed class HssHandler : DiameterRequestHandler
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly HssContext _hss;

    // SQNs taken for the AIRs of the batch being handled, and the registrations its ULRs replaced, by request
    // (Prepare), so that a batch commits once.
    private readonly Dictionary<IncomingRequest, IReadOnlyList<ulong>> _preparedSqns = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<IncomingRequest, (Subscriber Subscriber, Registration? Replaced)> _preparedRegistrations =
        new(ReferenceEqualityComparer.Instance);

    /// <summary>A handler over the shared HSS context.</summary>
    public HssHandler(HssContext context) => _hss = context;

    /// <summary>Takes the SQNs of every AIR of the batch in one transaction (a resynchronisation is left to its own),
    /// and registers the MMEs of every ULR that passes its checks in another.</summary>
    protected override void Prepare(IReadOnlyList<IncomingRequest> requests)
    {
        PrepareAuthenticationInformation(requests);
        PrepareUpdateLocation(requests);
    }

    private void PrepareUpdateLocation(IReadOnlyList<IncomingRequest> requests)
    {
        _preparedRegistrations.Clear();
        List<(IncomingRequest Request, Subscriber Subscriber, string MmeHost, string MmeRealm)>? ulrs = null;
        foreach (var r in requests)
        {
            if (r.Request.CommandCode != 316 || r.Request.FindString("User-Name") is not { } imsi) continue;
            // Only ULRs that register: the others are refused when handled, without touching the store.
            if (Registrable(r, imsi, reply: false) is not { } subscriber) continue;
            (ulrs ??= []).Add((r, subscriber, r.Request.GetString("Origin-Host"), r.Request.GetString("Origin-Realm")));
        }
        if (ulrs is not { Count: > 1 }) return;
        var replaced = _hss.Store.Register([.. ulrs.Select(u => (u.Subscriber.Imsi, u.MmeHost, u.MmeRealm))]);
        for (var i = 0; i < ulrs.Count; i++) _preparedRegistrations[ulrs[i].Request] = (ulrs[i].Subscriber, replaced[i]);
    }

    private void PrepareAuthenticationInformation(IReadOnlyList<IncomingRequest> requests)
    {
        _preparedSqns.Clear();
        List<(IncomingRequest Request, string Imsi, int Count)>? airs = null;
        foreach (var r in requests)
        {
            if (r.Request.CommandCode != 318 || r.Request.FindString("User-Name") is not { } imsi) continue;
            var requested = r.Request.Find("Requested-EUTRAN-Authentication-Info");
            if (requested?.Find("Re-Synchronization-Info") is not null) continue;
            // Only subscribers that get vectors: the others are answered without touching their SQN.
            if (_hss.Store.Find(imsi) is not { EpsSubscription: true }) continue;
            (airs ??= []).Add((r, imsi, VectorCount(requested)));
        }
        if (airs is not { Count: > 1 }) return;
        var taken = _hss.Store.TakeSqns([.. airs.Select(a => (a.Imsi, a.Count))]);
        for (var i = 0; i < airs.Count; i++)
            if (taken[i] is { } sqns) _preparedSqns[airs[i].Request] = sqns;
    }

    // §5.2.3.1.3: Number-Of-Requested-Vectors, at most 5 served per request (§7.3.14 leaves the limit to the HSS).
    private static int VectorCount(Avp? requested) =>
        (int)Math.Clamp(requested?.FindUInt32("Number-Of-Requested-Vectors") ?? 1, 1, 5);

    /// <inheritdoc />
    protected override void Handle(IncomingRequest r)
    {
        var imsi = r.Request.FindString("User-Name");
        if (imsi is null) { r.ReplyError(ResultCodes.MissingAvp, "User-Name is required"); return; }
        switch (r.Request.CommandCode)
        {
            case 318: AuthenticationInformation(r, imsi); break;
            case 316: UpdateLocation(r, imsi); break;
            case 321: PurgeUe(r, imsi); break;
            case 323: Notify(r, imsi); break;
            default: r.ReplyError(ResultCodes.CommandUnsupported, $"the HSS does not serve {r.Request.CommandName}"); break;
        }
    }

    private void AuthenticationInformation(IncomingRequest r, string imsi)
    {
        var subscriber = _hss.Store.Find(imsi);
        if (subscriber is null) { Experimental(r, S6aResultCodes.UserUnknown); return; }
        if (!subscriber.EpsSubscription) { Experimental(r, S6aResultCodes.UnknownEpsSubscription); return; }
        var plmn = r.Request.Find("Visited-PLMN-Id")?.GetBytes().ToArray();
        if (plmn is not { Length: 3 }) { r.ReplyError(ResultCodes.InvalidAvpValue, "Visited-PLMN-Id must be 3 octets"); return; }
        var requested = r.Request.Find("Requested-EUTRAN-Authentication-Info");
        var count = VectorCount(requested);
        ulong? resyncFrom = null;
        if (requested?.Find("Re-Synchronization-Info")?.GetBytes().ToArray() is { } resync)
        {
            resyncFrom = AuthenticationVectors.SqnFromResync(subscriber.K, subscriber.Opc, resync);
            // TS 33.102 §6.3.5: a MAC-S that does not verify means no resynchronisation; TS 29.272 §5.2.3.1.3 answers
            // DIAMETER_AUTHENTICATION_DATA_UNAVAILABLE.
            if (resyncFrom is null) { Experimental(r, S6aResultCodes.AuthenticationDataUnavailable); return; }
        }
        var sqns = _preparedSqns.Remove(r, out var prepared) && resyncFrom is null ? prepared : _hss.Store.TakeSqns(imsi, count, resyncFrom)!;
        var answer = r.CreateAnswer().Add("Auth-Session-State", "NO_STATE_MAINTAINED");
        answer.AddGroup("Authentication-Info", info =>
        {
            foreach (var sqn in sqns)
            {
                var v = AuthenticationVectors.Generate(subscriber.K, subscriber.Opc, subscriber.Amf, sqn, plmn);
                info.AddGroup("E-UTRAN-Vector", e => e.Add("RAND", v.Rand).Add("XRES", v.Xres).Add("AUTN", v.Autn).Add("KASME", v.Kasme));
            }
        });
        r.Reply(answer);
    }

    // The checks of §5.2.1.1.3 before a ULR registers its MME: the subscriber when it passes them; otherwise null,
    // and with reply the refusal is answered.
    private Subscriber? Registrable(IncomingRequest r, string imsi, bool reply)
    {
        var subscriber = _hss.Store.Find(imsi);
        uint refusal = 0;
        if (subscriber is null) refusal = S6aResultCodes.UserUnknown;
        else if (!subscriber.EpsSubscription) refusal = S6aResultCodes.UnknownEpsSubscription;
        // RAT-Type against Access-Restriction-Data.
        else if (r.Request.FindInt32("RAT-Type") == S6aMessages.RatTypeEutran && subscriber.AccessRestrictions.HasFlag(AccessRestriction.EutranNotAllowed))
            refusal = S6aResultCodes.RatNotAllowed;
        else if (r.Request.Find("Visited-PLMN-Id")?.GetBytes() is not { Length: 3 } visited)
        {
            if (reply) r.ReplyError(ResultCodes.InvalidAvpValue, "Visited-PLMN-Id must be 3 octets");
            return null;
        }
        else if (!subscriber.RoamingAllowed && PlmnId.FromBytes(visited.ToArray()).ToString() != subscriber.HomePlmn)
            refusal = S6aResultCodes.RoamingNotAllowed;
        if (refusal == 0) return subscriber;
        if (reply) Experimental(r, refusal);
        return null;
    }

    private void UpdateLocation(IncomingRequest r, string imsi)
    {
        // §5.2.1.1.3: a different MME registering means CLR (MME_UPDATE_PROCEDURE) to the one the UE left; the store
        // queued it with the registration, the notifier sends it now. A ULR of a batch was checked and registered in
        // Prepare.
        if (!_preparedRegistrations.Remove(r, out var registered))
        {
            if (Registrable(r, imsi, reply: true) is not { } subscriber) return;
            registered = (subscriber, _hss.Store.Register(imsi, r.Request.GetString("Origin-Host"), r.Request.GetString("Origin-Realm")));
        }
        if (registered.Replaced is { } previous)
        {
            _log.Debug("{0} moved from {1} to {2}: CLR queued", imsi, previous.MmeHost, r.Request.GetString("Origin-Host"));
            _hss.Notifier.Tell(HssNotifier.Poke.Instance);
        }

        var flags = (UlrFlags)(r.Request.FindUInt32("ULR-Flags") ?? 0);
        var answer = r.CreateAnswer().Add("Auth-Session-State", "NO_STATE_MAINTAINED")
            .Add("ULA-Flags", (uint)UlaFlags.SeparationIndication);
        if (!flags.HasFlag(UlrFlags.SkipSubscriberData)) answer.Add(SubscriptionDataAvp(registered.Subscriber));
        r.Reply(answer);
    }

    // The Subscription-Data AVP of a subscriber, built once per stored version of it (a changed subscriber is a new
    // record, so the entry goes with the old one): building it was a third of a ULR's cost.
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Subscriber, Avp> SubscriptionDataAvps = new();

    private static Avp SubscriptionDataAvp(Subscriber subscriber) => SubscriptionDataAvps.GetValue(subscriber, s =>
        new DiameterMessage(316, S6aMessages.ApplicationId, Protocol.Wire.CommandFlags.None)
            .AddGroup("Subscription-Data", SubscriptionData.Of(s).WriteTo).Avps[0]);

    private void PurgeUe(IncomingRequest r, string imsi)
    {
        if (_hss.Store.Find(imsi) is null) { Experimental(r, S6aResultCodes.UserUnknown); return; }
        // §5.2.1.3.3: purge only if the requesting MME is the registered one; PUA-Flags says the HSS freezes M-TMSI.
        var purged = _hss.Store.Purge(imsi, r.Request.GetString("Origin-Host"));
        var answer = r.CreateAnswer().Add("Auth-Session-State", "NO_STATE_MAINTAINED");
        if (purged) answer.Add("PUA-Flags", (uint)PuaFlags.FreezeMTmsi);
        r.Reply(answer);
    }

    private void Notify(IncomingRequest r, string imsi)
    {
        if (_hss.Store.Find(imsi) is null) { Experimental(r, S6aResultCodes.UserUnknown); return; }
        r.Reply(r.CreateAnswer().Add("Auth-Session-State", "NO_STATE_MAINTAINED"));
    }

    private static void Experimental(IncomingRequest r, uint code) =>
        r.Reply(S6aMessages.WithExperimentalResult(r.CreateAnswer().Add("Auth-Session-State", "NO_STATE_MAINTAINED"), code));
}
