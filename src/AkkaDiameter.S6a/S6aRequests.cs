using AkkaDiameter.Protocol;

namespace AkkaDiameter.S6a;

// Typed S6a requests (TS 29.272 §7.2): what the receiving side reads with From, and what the sending side turns into
// a message with ToMessage (the node adds Session-Id, Origin-Host and Origin-Realm when it sends). From assumes the
// node already validated the message against the dictionary (required AVPs present, RFC 6733 §7.1.5 5005 otherwise).

/// <summary>AIR (§7.2.5).</summary>
/// <param name="Imsi">User-Name.</param>
/// <param name="VisitedPlmn">Visited-PLMN-Id.</param>
/// <param name="Vectors">Number-Of-Requested-Vectors (E-UTRAN).</param>
/// <param name="ResynchronizationInfo">Re-Synchronization-Info (RAND || AUTS) after a synchronisation failure.</param>
public sealed record AuthenticationInformationRequest(string Imsi, PlmnId VisitedPlmn, uint Vectors = 1, byte[]? ResynchronizationInfo = null)
{
    /// <summary>The message, for the given HSS realm and host.</summary>
    public DiameterMessage ToMessage(string destinationRealm, string? destinationHost = null) =>
        S6aMessages.Air(Imsi, VisitedPlmn, destinationRealm, destinationHost, Vectors, ResynchronizationInfo);

    /// <summary>Reads an AIR; a Visited-PLMN-Id that is not 3 BCD octets throws <see cref="FormatException"/>.</summary>
    public static AuthenticationInformationRequest From(DiameterMessage m)
    {
        var requested = m.Find("Requested-EUTRAN-Authentication-Info");
        return new(m.GetString("User-Name"), PlmnId.FromBytes(m.GetBytes("Visited-PLMN-Id").Span),
            requested?.FindUInt32("Number-Of-Requested-Vectors") ?? 0, requested?.Find("Re-Synchronization-Info")?.GetBytes().ToArray());
    }
}

/// <summary>ULR (§7.2.3).</summary>
/// <param name="Imsi">User-Name.</param>
/// <param name="VisitedPlmn">Visited-PLMN-Id.</param>
/// <param name="RatType">RAT-Type (1004 EUTRAN).</param>
/// <param name="Flags">ULR-Flags.</param>
public sealed record UpdateLocationRequest(string Imsi, PlmnId VisitedPlmn, int RatType = S6aMessages.RatTypeEutran,
    UlrFlags Flags = UlrFlags.S6aS6dIndicator | UlrFlags.InitialAttachIndicator)
{
    /// <summary>The message, for the given HSS realm and host.</summary>
    public DiameterMessage ToMessage(string destinationRealm, string? destinationHost = null) =>
        S6aMessages.Ulr(Imsi, VisitedPlmn, destinationRealm, destinationHost, Flags, RatType);

    /// <summary>Reads a ULR; a Visited-PLMN-Id that is not 3 BCD octets throws <see cref="FormatException"/>.</summary>
    public static UpdateLocationRequest From(DiameterMessage m) =>
        new(m.GetString("User-Name"), PlmnId.FromBytes(m.GetBytes("Visited-PLMN-Id").Span), m.GetInt32("RAT-Type"), (UlrFlags)m.GetUInt32("ULR-Flags"));
}

/// <summary>PUR (§7.2.13).</summary>
/// <param name="Imsi">User-Name.</param>
/// <param name="Flags">PUR-Flags.</param>
public sealed record PurgeUeRequest(string Imsi, PurFlags Flags = PurFlags.UePurgedInMme)
{
    /// <summary>The message, for the given HSS realm and host.</summary>
    public DiameterMessage ToMessage(string destinationRealm, string? destinationHost = null) => S6aMessages.Pur(Imsi, destinationRealm, destinationHost, Flags);

    /// <summary>Reads a PUR.</summary>
    public static PurgeUeRequest From(DiameterMessage m) => new(m.GetString("User-Name"), (PurFlags)(m.FindUInt32("PUR-Flags") ?? 0));
}

/// <summary>NOR (§7.2.17).</summary>
/// <param name="Imsi">User-Name.</param>
/// <param name="Flags">NOR-Flags.</param>
public sealed record NotifyRequest(string Imsi, NorFlags Flags = NorFlags.UeReachableFromMme | NorFlags.S6aS6dIndicator)
{
    /// <summary>The message, for the given HSS realm and host.</summary>
    public DiameterMessage ToMessage(string destinationRealm, string? destinationHost = null) => S6aMessages.Nor(Imsi, destinationRealm, destinationHost, Flags);

    /// <summary>Reads a NOR.</summary>
    public static NotifyRequest From(DiameterMessage m) => new(m.GetString("User-Name"), (NorFlags)(m.FindUInt32("NOR-Flags") ?? 0));
}

/// <summary>CLR (§7.2.7), HSS to MME.</summary>
/// <param name="Imsi">User-Name.</param>
/// <param name="Type">Cancellation-Type.</param>
/// <param name="Flags">CLR-Flags.</param>
public sealed record CancelLocationRequest(string Imsi, CancellationType Type, ClrFlags Flags = ClrFlags.S6aS6dIndicator)
{
    /// <summary>The message, for the given MME.</summary>
    public DiameterMessage ToMessage(string mmeHost, string mmeRealm) => S6aMessages.Clr(Imsi, mmeHost, mmeRealm, Type, Flags);

    /// <summary>Reads a CLR.</summary>
    public static CancelLocationRequest From(DiameterMessage m) =>
        new(m.GetString("User-Name"), (CancellationType)m.GetInt32("Cancellation-Type"), (ClrFlags)(m.FindUInt32("CLR-Flags") ?? 0));
}

/// <summary>IDR (§7.2.9), HSS to MME.</summary>
/// <param name="Imsi">User-Name.</param>
/// <param name="Subscription">Subscription-Data to insert (complete or partial, see
/// <see cref="SubscriptionData.AllApnConfigurationsIncluded"/>).</param>
/// <param name="Flags">IDR-Flags.</param>
public sealed record InsertSubscriberDataRequest(string Imsi, SubscriptionData Subscription, IdrFlags Flags = IdrFlags.None)
{
    /// <summary>The message, for the given MME.</summary>
    public DiameterMessage ToMessage(string mmeHost, string mmeRealm) => S6aMessages.Idr(Imsi, mmeHost, mmeRealm, Subscription, Flags);

    /// <summary>Reads an IDR.</summary>
    public static InsertSubscriberDataRequest From(DiameterMessage m) =>
        new(m.GetString("User-Name"), SubscriptionData.From(m.Get("Subscription-Data")), (IdrFlags)(m.FindUInt32("IDR-Flags") ?? 0));
}

/// <summary>DSR (§7.2.11), HSS to MME.</summary>
/// <param name="Imsi">User-Name.</param>
/// <param name="Flags">DSR-Flags: what to delete.</param>
/// <param name="ContextIdentifiers">The PDN contexts to delete with <see cref="DsrFlags.PdnSubscriptionContextsWithdrawal"/>.</param>
public sealed record DeleteSubscriberDataRequest(string Imsi, DsrFlags Flags, IReadOnlyList<uint> ContextIdentifiers)
{
    /// <summary>The message, for the given MME.</summary>
    public DiameterMessage ToMessage(string mmeHost, string mmeRealm) => S6aMessages.Dsr(Imsi, mmeHost, mmeRealm, Flags, ContextIdentifiers);

    /// <summary>Reads a DSR.</summary>
    public static DeleteSubscriberDataRequest From(DiameterMessage m) =>
        new(m.GetString("User-Name"), (DsrFlags)m.GetUInt32("DSR-Flags"), m.FindAll("Context-Identifier").Select(a => a.GetUInt32()).ToList());
}

/// <summary>RSR (§7.2.15), HSS to MME.</summary>
/// <param name="UserIds">User-Id: leading IMSI digits of the UEs affected; empty for every UE of the HSS.</param>
public sealed record ResetRequest(IReadOnlyList<string> UserIds)
{
    /// <summary>The message, for the given MME.</summary>
    public DiameterMessage ToMessage(string mmeHost, string mmeRealm) => S6aMessages.Rsr(mmeHost, mmeRealm, UserIds);

    /// <summary>Reads an RSR.</summary>
    public static ResetRequest From(DiameterMessage m) => new(m.FindAll("User-Id").Select(a => a.GetString()).ToList());

    /// <summary>True when the reset applies to <paramref name="imsi"/>.</summary>
    public bool Affects(string imsi) => UserIds.Count == 0 || UserIds.Any(p => imsi.StartsWith(p, StringComparison.Ordinal));
}
