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

    /// <summary>The HSS node, for CLR; set by <see cref="HssNode.StartAsync"/>.</summary>
    public DiameterNode? Node { get; internal set; }
}

/// <summary>
/// The HSS side of S6a (TS 29.272 §5.2): AIR (vectors by MILENAGE, SQN from the store, resynchronisation), ULR
/// (checks, registration, CLR to a previous MME, Subscription-Data), PUR and NOR. User errors are answered with
/// Experimental-Result (§7.4.3); an exception is answered 5012 by the base class and the handler restarts.
/// </summary>
public sealed class HssHandler : DiameterRequestHandler
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly HssContext _hss;

    /// <summary>A CLA arrived (or the CLR failed): logged.</summary>
    private sealed record CancelLocationDone(string Imsi, string MmeHost, DiameterAnswer? Answer, Exception? Failure);

    /// <summary>A handler over the shared HSS context.</summary>
    public HssHandler(HssContext context)
    {
        _hss = context;
        Receive<CancelLocationDone>(d =>
        {
            if (d.Answer is { IsSuccess: true }) _log.Info("CLR {0} to {1}: CLA {2}", d.Imsi, d.MmeHost, d.Answer.ResultCode);
            else _log.Warning("CLR {0} to {1} failed: {2}", d.Imsi, d.MmeHost, d.Answer?.Error?.ToString() ?? d.Failure?.Message);
        });
    }

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
        // §5.2.3.1.3: Number-Of-Requested-Vectors, at most 5 served per request (§7.3.14 leaves the limit to the HSS).
        var count = (int)Math.Clamp(requested?.FindUInt32("Number-Of-Requested-Vectors") ?? 1, 1, 5);
        ulong? resyncFrom = null;
        if (requested?.Find("Re-Synchronization-Info")?.GetBytes().ToArray() is { } resync)
        {
            resyncFrom = AuthenticationVectors.SqnFromResync(subscriber.K, subscriber.Opc, resync);
            // TS 33.102 §6.3.5: a MAC-S that does not verify means no resynchronisation; TS 29.272 §5.2.3.1.3 answers
            // DIAMETER_AUTHENTICATION_DATA_UNAVAILABLE.
            if (resyncFrom is null) { Experimental(r, S6aResultCodes.AuthenticationDataUnavailable); return; }
        }
        var sqns = _hss.Store.TakeSqns(imsi, count, resyncFrom)!;
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

    private void UpdateLocation(IncomingRequest r, string imsi)
    {
        var subscriber = _hss.Store.Find(imsi);
        if (subscriber is null) { Experimental(r, S6aResultCodes.UserUnknown); return; }
        if (!subscriber.EpsSubscription) { Experimental(r, S6aResultCodes.UnknownEpsSubscription); return; }
        // §5.2.1.1.3: RAT-Type against Access-Restriction-Data.
        var rat = r.Request.FindInt32("RAT-Type");
        if (rat == S6aMessages.RatTypeEutran && subscriber.AccessRestrictions.HasFlag(AccessRestriction.EutranNotAllowed))
        {
            Experimental(r, S6aResultCodes.RatNotAllowed);
            return;
        }
        var visited = r.Request.Find("Visited-PLMN-Id")?.GetBytes().ToArray();
        if (visited is not { Length: 3 }) { r.ReplyError(ResultCodes.InvalidAvpValue, "Visited-PLMN-Id must be 3 octets"); return; }
        if (!subscriber.RoamingAllowed && PlmnId.FromBytes(visited).ToString() != subscriber.HomePlmn)
        {
            Experimental(r, S6aResultCodes.RoamingNotAllowed);
            return;
        }
        var mmeHost = r.Request.GetString("Origin-Host");
        var mmeRealm = r.Request.GetString("Origin-Realm");
        var previous = _hss.Store.Register(imsi, mmeHost, mmeRealm);
        if (previous is not null) CancelLocation(previous);

        var flags = (UlrFlags)(r.Request.FindUInt32("ULR-Flags") ?? 0);
        var answer = r.CreateAnswer().Add("Auth-Session-State", "NO_STATE_MAINTAINED")
            .Add("ULA-Flags", (uint)UlaFlags.SeparationIndication);
        if (!flags.HasFlag(UlrFlags.SkipSubscriberData)) answer.AddGroup("Subscription-Data", d => SubscriptionData(d, subscriber));
        r.Reply(answer);
    }

    /// <summary>Subscription-Data (§7.3.2) for an EPS subscriber.</summary>
    public static void SubscriptionData(Avp d, Subscriber s)
    {
        if (s.Msisdn is not null) d.Add("MSISDN", Tbcd(s.Msisdn));
        d.Add("Subscriber-Status", "SERVICE_GRANTED").Add("Network-Access-Mode", "ONLY_PACKET");
        if (s.AccessRestrictions != AccessRestriction.None) d.Add("Access-Restriction-Data", (uint)s.AccessRestrictions);
        d.AddGroup("AMBR", a => a.Add("Max-Requested-Bandwidth-UL", s.AmbrUl).Add("Max-Requested-Bandwidth-DL", s.AmbrDl));
        d.AddGroup("APN-Configuration-Profile", p =>
        {
            p.Add("Context-Identifier", 1u).Add("All-APN-Configurations-Included-Indicator", "All_APN_CONFIGURATIONS_INCLUDED");
            for (var i = 0; i < s.Apns.Count; i++)
            {
                var apn = s.Apns[i];
                var id = (uint)(i + 1);
                p.AddGroup("APN-Configuration", c => c
                    .Add("Context-Identifier", id).Add("PDN-Type", "IPv4").Add("Service-Selection", apn.Name)
                    .AddGroup("EPS-Subscribed-QoS-Profile", q => q
                        .Add("QoS-Class-Identifier", apn.Qci)
                        .AddGroup("Allocation-Retention-Priority", arp => arp
                            .Add("Priority-Level", (uint)apn.ArpPriority)
                            .Add("Pre-emption-Capability", apn.PreemptionCapable ? 0 : 1)
                            .Add("Pre-emption-Vulnerability", apn.PreemptionVulnerable ? 0 : 1)))
                    .AddGroup("AMBR", a => a.Add("Max-Requested-Bandwidth-UL", apn.AmbrUl).Add("Max-Requested-Bandwidth-DL", apn.AmbrDl)));
            }
        });
    }

    /// <summary>TBCD digits (TS 29.002 / TS 23.003 MSISDN as in TS 29.329 §6.3.2): two digits per octet, low
    /// nibble first, F filler.</summary>
    public static byte[] Tbcd(string digits)
    {
        var bytes = new byte[(digits.Length + 1) / 2];
        for (var i = 0; i < digits.Length; i++)
        {
            var d = digits[i] - '0';
            bytes[i / 2] |= (byte)(i % 2 == 0 ? d : d << 4);
        }
        if (digits.Length % 2 == 1) bytes[^1] |= 0xF0;
        return bytes;
    }

    /// <summary>§5.2.1.1.3: the HSS sends CLR (MME_UPDATE_PROCEDURE) to the MME the UE left.</summary>
    private void CancelLocation(Registration previous)
    {
        var node = _hss.Node;
        if (node is null) { _log.Warning("CLR {0} to {1} not sent: the node is not running", previous.Imsi, previous.MmeHost); return; }
        var clr = S6aMessages.Clr(previous.Imsi, previous.MmeHost, previous.MmeRealm, CancellationType.MmeUpdateProcedure);
        node.AskAsync(clr).PipeTo(Self,
            success: a => new CancelLocationDone(previous.Imsi, previous.MmeHost, a, null),
            failure: e => new CancelLocationDone(previous.Imsi, previous.MmeHost, null, e));
    }

    private void PurgeUe(IncomingRequest r, string imsi)
    {
        if (_hss.Store.Find(imsi) is null) { Experimental(r, S6aResultCodes.UserUnknown); return; }
        // §5.2.3.1.3: purge only if the requesting MME is the registered one; PUA-Flags says the HSS freezes M-TMSI.
        var purged = _hss.Store.Purge(imsi, r.Request.GetString("Origin-Host"));
        var answer = r.CreateAnswer().Add("Auth-Session-State", "NO_STATE_MAINTAINED");
        if (purged) answer.Add("PUA-Flags", 1u);
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
