using AkkaDiameter.Protocol;
using AkkaDiameter.Protocol.Dictionary;
using AkkaDiameter.Settings;

namespace AkkaDiameter.Peers;

/// <summary>What a peer said about itself in its CER or CEA (RFC 6733 §5.3).</summary>
/// <param name="OriginHost">Origin-Host.</param>
/// <param name="OriginRealm">Origin-Realm.</param>
/// <param name="AuthApplications">Auth-Application-Id values, top level and inside Vendor-Specific-Application-Id.</param>
/// <param name="AcctApplications">Acct-Application-Id values, likewise.</param>
/// <param name="VendorId">Vendor-Id.</param>
/// <param name="ProductName">Product-Name.</param>
/// <param name="OriginStateId">Origin-State-Id, or null.</param>
public sealed record PeerCapabilities(string OriginHost, string OriginRealm, IReadOnlySet<uint> AuthApplications,
    IReadOnlySet<uint> AcctApplications, uint VendorId, string ProductName, uint? OriginStateId)
{
    /// <summary>Every application id the peer advertised.</summary>
    public IEnumerable<uint> AllApplications => AuthApplications.Concat(AcctApplications).Distinct();
}

/// <summary>
/// Capabilities exchange (RFC 6733 §5.3): the CER and CEA this node sends, and the intersection of applications
/// that decides whether a connection may open. The relay application 0xffffffff (§2.4) on either side makes every
/// application of the other common.
/// </summary>
public static class CapabilitiesExchange
{
    /// <summary>The relay Application-ID.</summary>
    public const uint RelayApplicationId = 0xFFFF_FFFF;
    private const uint NoInbandSecurity = 0;

    /// <summary>The CER this node sends (§5.3.1).</summary>
    public static DiameterMessage BuildCer(DiameterSettings settings, DiameterDictionary dictionary, uint hopByHop)
    {
        var cer = DiameterMessage.CreateRequest("CER", dictionary);
        cer.HopByHopId = hopByHop;
        cer.EndToEndId = EndToEndIdentifier.Next();
        AddIdentity(cer, settings);
        return cer;
    }

    /// <summary>The CEA this node sends in answer to <paramref name="cer"/> (§5.3.2), with <paramref name="resultCode"/>
    /// and, when it is not success, an Error-Message.</summary>
    public static DiameterMessage BuildCea(DiameterSettings settings, DiameterMessage cer, uint resultCode, string? errorMessage = null)
    {
        var cea = cer.CreateAnswer();
        if (ResultCodes.IsProtocolError(resultCode)) cea.Flags |= Protocol.Wire.CommandFlags.Error;
        cea.Add("Result-Code", resultCode);
        AddIdentity(cea, settings);
        if (errorMessage is not null) cea.Add("Error-Message", errorMessage);
        return cea;
    }

    private static void AddIdentity(DiameterMessage m, DiameterSettings settings)
    {
        m.Add("Origin-Host", settings.OriginHost).Add("Origin-Realm", settings.OriginRealm);
        foreach (var ip in settings.HostIpAddresses) m.Add("Host-IP-Address", ip);
        m.Add("Vendor-Id", settings.VendorId).Add("Product-Name", settings.ProductName).Add("Origin-State-Id", settings.OriginStateId);
        foreach (var vendor in settings.AdvertisedApplications.Where(a => a.VendorId != 0).Select(a => a.VendorId).Distinct())
            m.Add("Supported-Vendor-Id", vendor);
        foreach (var app in settings.AdvertisedApplications.Where(a => a.VendorId == 0))
            m.Add(app.Accounting ? "Acct-Application-Id" : "Auth-Application-Id", app.ApplicationId);
        m.Add("Inband-Security-Id", NoInbandSecurity);
        foreach (var app in settings.AdvertisedApplications.Where(a => a.VendorId != 0))
            m.AddGroup("Vendor-Specific-Application-Id", g => g
                .Add("Vendor-Id", app.VendorId)
                .Add(app.Accounting ? "Acct-Application-Id" : "Auth-Application-Id", app.ApplicationId));
        m.Add("Firmware-Revision", settings.FirmwareRevision);
    }

    /// <summary>Reads a CER or CEA.</summary>
    /// <exception cref="DiameterDecodeException">A required AVP is missing or unreadable.</exception>
    public static PeerCapabilities Read(DiameterMessage m)
    {
        var auth = new HashSet<uint>(m.FindAll("Auth-Application-Id").Select(a => a.GetUInt32()));
        var acct = new HashSet<uint>(m.FindAll("Acct-Application-Id").Select(a => a.GetUInt32()));
        foreach (var vsai in m.FindAll("Vendor-Specific-Application-Id"))
        {
            if (vsai.FindUInt32("Auth-Application-Id") is { } a) auth.Add(a);
            if (vsai.FindUInt32("Acct-Application-Id") is { } c) acct.Add(c);
        }
        return new PeerCapabilities(m.GetString("Origin-Host"), m.GetString("Origin-Realm"), auth, acct,
            m.FindUInt32("Vendor-Id") ?? 0, m.FindString("Product-Name") ?? "", m.FindUInt32("Origin-State-Id"));
    }

    /// <summary>The applications both sides support; empty means DIAMETER_NO_COMMON_APPLICATION (§5.3).</summary>
    public static IReadOnlySet<uint> CommonApplications(DiameterSettings local, PeerCapabilities peer)
    {
        var ours = local.AdvertisedApplications.Select(a => a.ApplicationId).ToHashSet();
        var theirs = peer.AllApplications.ToHashSet();
        if (ours.Contains(RelayApplicationId)) return theirs.Count > 0 ? theirs : ours;
        if (theirs.Contains(RelayApplicationId)) return ours;
        ours.IntersectWith(theirs);
        return ours;
    }
}
