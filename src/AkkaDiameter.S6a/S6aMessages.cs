using AkkaDiameter.Protocol;
using AkkaDiameter.S6a.Security;

namespace AkkaDiameter.S6a;

/// <summary>
/// S6a requests with their mandatory AVPs (TS 29.272 §7.2): Auth-Session-State NO_STATE_MAINTAINED,
/// Vendor-Specific-Application-Id (10415, 16777251), Destination-Realm and, when given, Destination-Host, User-Name.
/// Session-Id, Origin-Host and Origin-Realm are filled in by the node that sends the request.
/// </summary>
public static class S6aMessages
{
    /// <summary>The S6a/S6d application id.</summary>
    public const uint ApplicationId = 16777251;
    /// <summary>3GPP's Vendor-Id.</summary>
    public const uint Vendor3gpp = 10415;
    /// <summary>RAT-Type EUTRAN (TS 29.212 §5.3.31).</summary>
    public const int RatTypeEutran = 1004;

    private static DiameterMessage Request(string command, string imsi, string destinationRealm, string? destinationHost)
    {
        var m = DiameterMessage.CreateRequest(command)
            .AddGroup("Vendor-Specific-Application-Id", g => g.Add("Vendor-Id", Vendor3gpp).Add("Auth-Application-Id", ApplicationId))
            .Add("Auth-Session-State", "NO_STATE_MAINTAINED");
        if (destinationHost is not null) m.Add("Destination-Host", destinationHost);
        return m.Add("Destination-Realm", destinationRealm).Add("User-Name", imsi);
    }

    /// <summary>AIR (§7.2.5) asking for <paramref name="vectors"/> E-UTRAN vectors; with
    /// <paramref name="resynchronizationInfo"/> (RAND || AUTS) after a synchronisation failure.</summary>
    public static DiameterMessage Air(string imsi, PlmnId visitedPlmn, string destinationRealm, string? destinationHost = null,
        uint vectors = 1, byte[]? resynchronizationInfo = null) =>
        Request("AIR", imsi, destinationRealm, destinationHost)
            .AddGroup("Requested-EUTRAN-Authentication-Info", g =>
            {
                g.Add("Number-Of-Requested-Vectors", vectors).Add("Immediate-Response-Preferred", 1u);
                if (resynchronizationInfo is not null) g.Add("Re-Synchronization-Info", resynchronizationInfo);
            })
            .Add("Visited-PLMN-Id", visitedPlmn.ToBytes());

    /// <summary>ULR (§7.2.3) from an MME: RAT-Type EUTRAN, ULR-Flags with the S6a indicator set.</summary>
    public static DiameterMessage Ulr(string imsi, PlmnId visitedPlmn, string destinationRealm, string? destinationHost = null,
        UlrFlags flags = UlrFlags.S6aS6dIndicator | UlrFlags.InitialAttachIndicator, int ratType = RatTypeEutran) =>
        Request("ULR", imsi, destinationRealm, destinationHost)
            .Add("RAT-Type", ratType).Add("ULR-Flags", (uint)flags).Add("Visited-PLMN-Id", visitedPlmn.ToBytes());

    /// <summary>PUR (§7.2.13).</summary>
    public static DiameterMessage Pur(string imsi, string destinationRealm, string? destinationHost = null, PurFlags flags = PurFlags.UePurgedInMme) =>
        Request("PUR", imsi, destinationRealm, destinationHost).Add("PUR-Flags", (uint)flags);

    /// <summary>NOR (§7.2.17).</summary>
    public static DiameterMessage Nor(string imsi, string destinationRealm, string? destinationHost = null, NorFlags flags = NorFlags.UeReachableFromMme | NorFlags.S6aS6dIndicator) =>
        Request("NOR", imsi, destinationRealm, destinationHost).Add("NOR-Flags", (uint)flags);

    /// <summary>CLR (§7.2.7) from the HSS to an MME.</summary>
    public static DiameterMessage Clr(string imsi, string mmeHost, string mmeRealm, CancellationType type, ClrFlags flags = ClrFlags.S6aS6dIndicator) =>
        Request("CLR", imsi, mmeRealm, mmeHost).Add("Cancellation-Type", (int)type).Add("CLR-Flags", (uint)flags);

    /// <summary>IDR (§7.2.9) from the HSS to the serving MME: the subscription data to insert or replace.</summary>
    public static DiameterMessage Idr(string imsi, string mmeHost, string mmeRealm, SubscriptionData data, IdrFlags flags = IdrFlags.None)
    {
        var m = Request("IDR", imsi, mmeRealm, mmeHost).AddGroup("Subscription-Data", data.WriteTo);
        return flags == IdrFlags.None ? m : m.Add("IDR-Flags", (uint)flags);
    }

    /// <summary>DSR (§7.2.11) from the HSS to the serving MME: the parts of the subscription to delete.</summary>
    public static DiameterMessage Dsr(string imsi, string mmeHost, string mmeRealm, DsrFlags flags, IEnumerable<uint>? contextIdentifiers = null)
    {
        var m = Request("DSR", imsi, mmeRealm, mmeHost).Add("DSR-Flags", (uint)flags);
        foreach (var id in contextIdentifiers ?? []) m.Add("Context-Identifier", id);
        return m;
    }

    /// <summary>RSR (§7.2.15) from the HSS to an MME after a restart that may have lost data: every UE whose IMSI
    /// starts with one of <paramref name="userIds"/> (all of the HSS's UEs when none is given) needs restoring.</summary>
    public static DiameterMessage Rsr(string mmeHost, string mmeRealm, IEnumerable<string>? userIds = null)
    {
        var m = DiameterMessage.CreateRequest("RSR")
            .AddGroup("Vendor-Specific-Application-Id", g => g.Add("Vendor-Id", Vendor3gpp).Add("Auth-Application-Id", ApplicationId))
            .Add("Auth-Session-State", "NO_STATE_MAINTAINED")
            .Add("Destination-Host", mmeHost).Add("Destination-Realm", mmeRealm);
        foreach (var id in userIds ?? []) m.Add("User-Id", id);
        return m;
    }

    /// <summary>An answer with Experimental-Result (§7.4.3): 3GPP's Vendor-Id and the code, no Result-Code.</summary>
    public static DiameterMessage WithExperimentalResult(DiameterMessage answer, uint code)
    {
        answer.RemoveAll("Result-Code");
        return answer.AddGroup("Experimental-Result", g => g.Add("Vendor-Id", Vendor3gpp).Add("Experimental-Result-Code", code));
    }

    /// <summary>The E-UTRAN vectors of an AIA, in order.</summary>
    public static IReadOnlyList<EutranVector> Vectors(DiameterMessage aia) =>
        aia.Find("Authentication-Info")?.Avps.Where(a => a.Name == "E-UTRAN-Vector").Select(v => new EutranVector(
            v.Get("RAND").GetBytes().ToArray(), v.Get("XRES").GetBytes().ToArray(), v.Get("AUTN").GetBytes().ToArray(), v.Get("KASME").GetBytes().ToArray(), 0)).ToList() ?? [];
}

/// <summary>Cancellation-Type (TS 29.272 §7.3.24).</summary>
public enum CancellationType
{
    /// <summary>MME_UPDATE_PROCEDURE: the UE moved to another MME.</summary>
    MmeUpdateProcedure = 0,
    /// <summary>SGSN_UPDATE_PROCEDURE.</summary>
    SgsnUpdateProcedure = 1,
    /// <summary>SUBSCRIPTION_WITHDRAWAL.</summary>
    SubscriptionWithdrawal = 2,
    /// <summary>UPDATE_PROCEDURE_IWF.</summary>
    UpdateProcedureIwf = 3,
    /// <summary>INITIAL_ATTACH_PROCEDURE.</summary>
    InitialAttachProcedure = 4,
}
