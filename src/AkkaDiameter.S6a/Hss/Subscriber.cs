namespace AkkaDiameter.S6a.Hss;

/// <summary>One APN of a subscriber's APN-Configuration-Profile (TS 29.272 §7.3.35), with its EPS bearer QoS.</summary>
/// <param name="Name">Service-Selection, e.g. "internet".</param>
/// <param name="Qci">QoS-Class-Identifier of the default bearer (TS 29.212 §5.3.17): 1-9.</param>
/// <param name="ArpPriority">Allocation-Retention-Priority Priority-Level: 1 (highest) to 15.</param>
/// <param name="PreemptionCapable">Pre-emption-Capability.</param>
/// <param name="PreemptionVulnerable">Pre-emption-Vulnerability.</param>
/// <param name="AmbrUl">APN-AMBR uplink, bit/s.</param>
/// <param name="AmbrDl">APN-AMBR downlink, bit/s.</param>
public sealed record ApnProfile(string Name, int Qci = 9, int ArpPriority = 8, bool PreemptionCapable = false,
    bool PreemptionVulnerable = true, uint AmbrUl = 50_000_000, uint AmbrDl = 100_000_000);

/// <summary>Radio access types a subscriber may be refused on (TS 29.272 §7.3.31 Access-Restriction-Data bits).</summary>
[Flags]
public enum AccessRestriction : uint
{
    /// <summary>No restriction.</summary>
    None = 0,
    /// <summary>UTRAN not allowed (bit 0).</summary>
    UtranNotAllowed = 1 << 0,
    /// <summary>GERAN not allowed (bit 1).</summary>
    GeranNotAllowed = 1 << 1,
    /// <summary>GAN not allowed (bit 2).</summary>
    GanNotAllowed = 1 << 2,
    /// <summary>I-HSPA-Evolution not allowed (bit 3).</summary>
    IHspaEvolutionNotAllowed = 1 << 3,
    /// <summary>WB-E-UTRAN (E-UTRAN) not allowed (bit 4).</summary>
    EutranNotAllowed = 1 << 4,
    /// <summary>HO-To-Non-3GPP-Access not allowed (bit 5).</summary>
    HoToNon3gppNotAllowed = 1 << 5,
}

/// <summary>
/// A subscriber as the HSS stores it: identity, the long-term key K and OPc for MILENAGE, AMF and the current SQN,
/// and the EPS subscription served in ULA (TS 29.272 §7.3.2 Subscription-Data).
/// </summary>
/// <param name="Imsi">IMSI, 6-15 digits.</param>
/// <param name="K">K, 16 octets.</param>
/// <param name="Opc">OPc, 16 octets.</param>
/// <param name="Amf">AMF, 2 octets.</param>
/// <param name="Sqn">The SQN of the last vector made (TS 33.102 Annex C); the next vector uses the one after.</param>
/// <param name="Msisdn">MSISDN digits, or null.</param>
/// <param name="Apns">The APNs; the first is the default context.</param>
/// <param name="AmbrUl">UE-AMBR uplink, bit/s.</param>
/// <param name="AmbrDl">UE-AMBR downlink, bit/s.</param>
/// <param name="AccessRestrictions">RATs the subscriber may not use.</param>
/// <param name="RoamingAllowed">false: refused in any PLMN but <paramref name="HomePlmn"/> (5004).</param>
/// <param name="HomePlmn">MCC+MNC of the home network.</param>
/// <param name="EpsSubscription">false: known IMSI without an EPS subscription (5420).</param>
public sealed record Subscriber(string Imsi, byte[] K, byte[] Opc, byte[] Amf, ulong Sqn, string? Msisdn,
    IReadOnlyList<ApnProfile> Apns, uint AmbrUl = 100_000_000, uint AmbrDl = 200_000_000,
    AccessRestriction AccessRestrictions = AccessRestriction.None, bool RoamingAllowed = true, string HomePlmn = "00101",
    bool EpsSubscription = true);

/// <summary>Where a subscriber is registered (TS 29.272 §5.2.1.1: the serving MME stored at ULR).</summary>
/// <param name="Imsi">IMSI.</param>
/// <param name="MmeHost">Origin-Host of the serving MME.</param>
/// <param name="MmeRealm">Origin-Realm of the serving MME.</param>
/// <param name="Purged">Set by PUR (§5.2.1.3): the MME purged the UE.</param>
/// <param name="Since">When the MME registered.</param>
public sealed record Registration(string Imsi, string MmeHost, string MmeRealm, bool Purged, DateTimeOffset Since);
