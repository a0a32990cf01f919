using AkkaDiameter.Protocol;
using AkkaDiameter.S6a.Hss;

namespace AkkaDiameter.S6a;

/// <summary>One APN-Configuration (TS 29.272 §7.3.35): the PDN context the MME may set up for the APN.</summary>
/// <param name="ContextIdentifier">Context-Identifier: names the context in DSR and in a partial IDR.</param>
/// <param name="Profile">Service-Selection and the EPS-Subscribed-QoS-Profile and APN-AMBR.</param>
/// <param name="PdnType">PDN-Type (§7.3.62): 0 IPv4, 1 IPv6, 2 IPv4v6, 3 IPv4_OR_IPv6.</param>
public sealed record ApnConfiguration(uint ContextIdentifier, ApnProfile Profile, int PdnType = 0)
{
    /// <summary>Service-Selection.</summary>
    public string ServiceSelection => Profile.Name;
}

/// <summary>
/// Subscription-Data (TS 29.272 §7.3.2) as far as an EPS MME uses it: MSISDN, Subscriber-Status, Network-Access-Mode,
/// Access-Restriction-Data, UE-AMBR and the APN-Configuration-Profile. Read from a ULA or IDR with <see cref="From"/>,
/// written into one with <see cref="WriteTo"/>.
/// </summary>
/// <param name="Msisdn">MSISDN digits, or null.</param>
/// <param name="AccessRestrictions">Access-Restriction-Data.</param>
/// <param name="AmbrUl">UE-AMBR uplink, bit/s (null when absent, as in a partial IDR).</param>
/// <param name="AmbrDl">UE-AMBR downlink, bit/s.</param>
/// <param name="Apns">The APN configurations.</param>
/// <param name="AllApnConfigurationsIncluded">All-APN-Configurations-Included-Indicator: true when <paramref name="Apns"/>
/// replaces the MME's whole list, false when it adds or modifies only these (§5.2.2.1.2).</param>
/// <param name="DefaultContextIdentifier">The APN-Configuration-Profile's Context-Identifier: the default APN.</param>
/// <param name="OperatorDeterminedBarring">Subscriber-Status OPERATOR_DETERMINED_BARRING rather than SERVICE_GRANTED.</param>
public sealed record SubscriptionData(string? Msisdn, AccessRestriction AccessRestrictions, uint? AmbrUl, uint? AmbrDl,
    IReadOnlyList<ApnConfiguration> Apns, bool AllApnConfigurationsIncluded = true, uint DefaultContextIdentifier = 1,
    bool OperatorDeterminedBarring = false)
{
    /// <summary>The subscription an HSS serves for <paramref name="s"/>: its APNs numbered 1, 2, ... in order, the
    /// first the default.</summary>
    public static SubscriptionData Of(Subscriber s) =>
        new(s.Msisdn, s.AccessRestrictions, s.AmbrUl, s.AmbrDl, s.Apns.Select((a, i) => new ApnConfiguration((uint)(i + 1), a)).ToList());

    /// <summary>Reads a Subscription-Data AVP; members this type does not model are ignored (the MME keeps what it
    /// understands, §7.3.2 allows the rest to be absent).</summary>
    public static SubscriptionData From(Avp data)
    {
        var msisdn = data.Find("MSISDN")?.GetBytes().ToArray() is { } tbcd ? Tbcd.Decode(tbcd) : null;
        var ambr = data.Find("AMBR");
        var profile = data.Find("APN-Configuration-Profile");
        var apns = profile?.FindAll("APN-Configuration").Select(ApnFrom).ToList() ?? [];
        return new SubscriptionData(msisdn, (AccessRestriction)(data.FindUInt32("Access-Restriction-Data") ?? 0),
            ambr?.FindUInt32("Max-Requested-Bandwidth-UL"), ambr?.FindUInt32("Max-Requested-Bandwidth-DL"), apns,
            profile is null || profile.FindInt32("All-APN-Configurations-Included-Indicator") is null or 0,
            profile?.FindUInt32("Context-Identifier") ?? 1, data.FindInt32("Subscriber-Status") == 1);
    }

    private static ApnConfiguration ApnFrom(Avp c)
    {
        var qos = c.Find("EPS-Subscribed-QoS-Profile");
        var arp = qos?.Find("Allocation-Retention-Priority");
        var ambr = c.Find("AMBR");
        var defaults = new ApnProfile(c.GetString("Service-Selection"));
        return new ApnConfiguration(c.GetUInt32("Context-Identifier"), defaults with
        {
            Qci = qos?.FindInt32("QoS-Class-Identifier") ?? defaults.Qci,
            ArpPriority = (int?)arp?.FindUInt32("Priority-Level") ?? defaults.ArpPriority,
            // §7.3.41/§7.3.42: 0 = ENABLED / 0 = ENABLED; absent means DISABLED / ENABLED.
            PreemptionCapable = arp?.FindInt32("Pre-emption-Capability") == 0,
            PreemptionVulnerable = arp?.FindInt32("Pre-emption-Vulnerability") is null or 0,
            AmbrUl = ambr?.FindUInt32("Max-Requested-Bandwidth-UL") ?? 0,
            AmbrDl = ambr?.FindUInt32("Max-Requested-Bandwidth-DL") ?? 0,
        }, c.FindInt32("PDN-Type") ?? 0);
    }

    /// <summary>Writes the members into a Subscription-Data AVP (as in a ULA or IDR).</summary>
    public void WriteTo(Avp d)
    {
        if (Msisdn is not null) d.Add("MSISDN", Tbcd.Encode(Msisdn));
        d.Add("Subscriber-Status", OperatorDeterminedBarring ? 1 : 0).Add("Network-Access-Mode", 2 /* ONLY_PACKET */);
        if (AccessRestrictions != AccessRestriction.None) d.Add("Access-Restriction-Data", (uint)AccessRestrictions);
        if (AmbrUl is { } ul && AmbrDl is { } dl) d.AddGroup("AMBR", a => a.Add("Max-Requested-Bandwidth-UL", ul).Add("Max-Requested-Bandwidth-DL", dl));
        d.AddGroup("APN-Configuration-Profile", p =>
        {
            p.Add("Context-Identifier", DefaultContextIdentifier)
                .Add("All-APN-Configurations-Included-Indicator", AllApnConfigurationsIncluded ? 0 : 1);
            foreach (var apn in Apns)
            {
                var a = apn.Profile;
                p.AddGroup("APN-Configuration", c => c
                    .Add("Context-Identifier", apn.ContextIdentifier).Add("PDN-Type", apn.PdnType).Add("Service-Selection", a.Name)
                    .AddGroup("EPS-Subscribed-QoS-Profile", q => q
                        .Add("QoS-Class-Identifier", a.Qci)
                        .AddGroup("Allocation-Retention-Priority", arp => arp
                            .Add("Priority-Level", (uint)a.ArpPriority)
                            .Add("Pre-emption-Capability", a.PreemptionCapable ? 0 : 1)
                            .Add("Pre-emption-Vulnerability", a.PreemptionVulnerable ? 0 : 1)))
                    .AddGroup("AMBR", m => m.Add("Max-Requested-Bandwidth-UL", a.AmbrUl).Add("Max-Requested-Bandwidth-DL", a.AmbrDl)));
            }
        });
    }

    /// <summary>This subscription after an IDR carrying <paramref name="update"/> (TS 29.272 §5.2.2.1.2): a complete
    /// APN list replaces ours, a partial one adds or replaces contexts by Context-Identifier; MSISDN, AMBR and
    /// restrictions present in the update replace ours.</summary>
    public SubscriptionData Apply(SubscriptionData update)
    {
        var apns = update.AllApnConfigurationsIncluded
            ? update.Apns
            : Apns.Where(a => update.Apns.All(u => u.ContextIdentifier != a.ContextIdentifier)).Concat(update.Apns)
                .OrderBy(a => a.ContextIdentifier).ToList();
        return this with
        {
            Msisdn = update.Msisdn ?? Msisdn,
            AccessRestrictions = update.AccessRestrictions,
            AmbrUl = update.AmbrUl ?? AmbrUl,
            AmbrDl = update.AmbrDl ?? AmbrDl,
            Apns = apns,
            DefaultContextIdentifier = update.DefaultContextIdentifier,
            OperatorDeterminedBarring = update.OperatorDeterminedBarring,
        };
    }

    /// <summary>This subscription after a DSR (TS 29.272 §5.2.2.2.2) with <paramref name="flags"/> and
    /// <paramref name="contextIdentifiers"/>.</summary>
    public SubscriptionData Delete(DsrFlags flags, IReadOnlyCollection<uint> contextIdentifiers)
    {
        var result = this;
        if (flags.HasFlag(DsrFlags.CompleteApnConfigurationProfileWithdrawal)) result = result with { Apns = [] };
        else if (flags.HasFlag(DsrFlags.PdnSubscriptionContextsWithdrawal))
            result = result with { Apns = Apns.Where(a => !contextIdentifiers.Contains(a.ContextIdentifier)).ToList() };
        if (flags.HasFlag(DsrFlags.MsisdnWithdrawal)) result = result with { Msisdn = null };
        return result;
    }

    /// <summary>Value equality over the APN list too (records compare lists by reference).</summary>
    public bool SameAs(SubscriptionData other) =>
        this with { Apns = [] } == other with { Apns = [] } && Apns.SequenceEqual(other.Apns);
}

/// <summary>TBCD digit strings (TS 29.002 §17.7.8, used for MSISDN in TS 29.272 §7.3.2): two digits per octet, low
/// nibble first, 0xF filler.</summary>
public static class Tbcd
{
    /// <summary>Encodes decimal digits.</summary>
    public static byte[] Encode(string digits)
    {
        var bytes = new byte[(digits.Length + 1) / 2];
        for (var i = 0; i < digits.Length; i++)
        {
            var d = digits[i] - '0';
            if (d is < 0 or > 9) throw new FormatException($"'{digits}' is not decimal digits");
            bytes[i / 2] |= (byte)(i % 2 == 0 ? d : d << 4);
        }
        if (digits.Length % 2 == 1) bytes[^1] |= 0xF0;
        return bytes;
    }

    /// <summary>Decodes up to the first filler nibble.</summary>
    public static string Decode(ReadOnlySpan<byte> tbcd)
    {
        var chars = new List<char>(tbcd.Length * 2);
        foreach (var b in tbcd)
        {
            if ((b & 0xF) > 9) break;
            chars.Add((char)('0' + (b & 0xF)));
            if (b >> 4 > 9) break;
            chars.Add((char)('0' + (b >> 4)));
        }
        return new string(chars.ToArray());
    }
}
