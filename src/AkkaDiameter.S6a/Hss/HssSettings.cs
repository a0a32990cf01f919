using Akka.Configuration;
using AkkaDiameter.Settings;

namespace AkkaDiameter.S6a.Hss;

/// <summary>
/// <c>akka.diameter.hss</c>: the subscriber database and the subscribers provisioned (upserted) at start. A
/// subscriber entry with <c>count</c> &gt; 1 stands for that many consecutive IMSIs with one profile (and one
/// MSISDN sequence).
/// </summary>
public sealed class HssSettings
{
    private const string P = "akka.diameter.hss";

    /// <summary>SQLite file, created and migrated at start; ":memory:" keeps it in memory.</summary>
    public required string Database { get; init; }

    /// <summary>The subscribers to provision, count already expanded.</summary>
    public required IReadOnlyList<Subscriber> Subscribers { get; init; }

    /// <summary><c>notifications</c>: how the outbox of HSS-initiated requests (CLR, IDR, DSR, RSR) is sent.</summary>
    public NotificationSettings Notifications { get; init; } = new();

    /// <summary>Reads <c>akka.diameter.hss</c>; a bad value throws <see cref="DiameterConfigurationException"/>
    /// naming the key.</summary>
    public static HssSettings Create(Config config)
    {
        var c = config.HasPath(P) ? config.GetConfig(P) : ConfigurationFactory.Empty;
        var database = c.HasPath("database") ? DiameterSettings.NonEmpty(c, "database", $"{P}.database") : "hss.db";
        var subscribers = new List<Subscriber>();
        var entries = DiameterSettings.Objects(config, $"{P}.subscribers").ToList();
        for (var i = 0; i < entries.Count; i++) subscribers.AddRange(Expand(entries[i], $"{P}.subscribers[{i}]"));
        var n = c.HasPath("notifications") ? c.GetConfig("notifications") : ConfigurationFactory.Empty;
        var defaults = new NotificationSettings();
        TimeSpan Duration(string key, TimeSpan fallback)
        {
            var value = n.HasPath(key) ? n.GetTimeSpan(key) : fallback;
            return value > TimeSpan.Zero ? value : throw new DiameterConfigurationException($"{P}.notifications.{key}", "must be positive");
        }
        int Count(string key, int fallback)
        {
            var value = n.HasPath(key) ? (int)DiameterSettings.UInt(n, key, $"{P}.notifications.{key}") : fallback;
            return value > 0 ? value : throw new DiameterConfigurationException($"{P}.notifications.{key}", "must be at least 1");
        }
        var notifications = new NotificationSettings(Duration("interval", defaults.Interval), Count("max-attempts", defaults.MaxAttempts),
            Duration("max-backoff", defaults.MaxBackoff), Count("parallelism", defaults.Parallelism));
        return new HssSettings { Database = database, Subscribers = subscribers, Notifications = notifications };
    }

    /// <summary>One configured entry, expanded to <c>count</c> subscribers.</summary>
    public static IEnumerable<Subscriber> Expand(Config o, string key)
    {
        var imsi = Digits(DiameterSettings.NonEmpty(o, "imsi", $"{key}.imsi"), $"{key}.imsi", 6, 15);
        var count = o.HasPath("count") ? (int)DiameterSettings.UInt(o, "count", $"{key}.count") : 1;
        if (count < 1) throw new DiameterConfigurationException($"{key}.count", "must be at least 1");
        var k = Hex(o, "k", $"{key}.k", 16, null);
        var opc = Hex(o, "opc", $"{key}.opc", 16, null);
        var amf = Hex(o, "amf", $"{key}.amf", 2, "8000");
        var sqn = S6a.Security.AuthenticationVectors.FromSqnBytes(Hex(o, "sqn", $"{key}.sqn", 6, "000000000000"));
        var msisdn = o.HasPath("msisdn") ? Digits(DiameterSettings.NonEmpty(o, "msisdn", $"{key}.msisdn"), $"{key}.msisdn", 1, 15) : null;
        var apns = DiameterSettings.Objects(o, "apns").Select((a, j) => Apn(a, $"{key}.apns[{j}]")).ToList();
        if (apns.Count == 0) apns.Add(new ApnProfile("internet"));
        var restrictions = AccessRestriction.None;
        foreach (var rat in o.HasPath("rat-not-allowed") ? DiameterSettings.Strings(o, "rat-not-allowed", $"{key}.rat-not-allowed") : [])
            restrictions |= rat.ToLowerInvariant() switch
            {
                "utran" => AccessRestriction.UtranNotAllowed,
                "geran" => AccessRestriction.GeranNotAllowed,
                "gan" => AccessRestriction.GanNotAllowed,
                "eutran" => AccessRestriction.EutranNotAllowed,
                _ => throw new DiameterConfigurationException($"{key}.rat-not-allowed", $"'{rat}' is not utran, geran, gan or eutran"),
            };
        var roaming = !o.HasPath("roaming-allowed") || DiameterSettings.Bool(o, "roaming-allowed", $"{key}.roaming-allowed");
        var home = o.HasPath("home-plmn-id") ? Digits(DiameterSettings.NonEmpty(o, "home-plmn-id", $"{key}.home-plmn-id"), $"{key}.home-plmn-id", 5, 6) : imsi[..5];
        var eps = !o.HasPath("eps-subscription") || DiameterSettings.Bool(o, "eps-subscription", $"{key}.eps-subscription");
        var ambrUl = o.HasPath("ambr-ul") ? DiameterSettings.UInt(o, "ambr-ul", $"{key}.ambr-ul") : 100_000_000u;
        var ambrDl = o.HasPath("ambr-dl") ? DiameterSettings.UInt(o, "ambr-dl", $"{key}.ambr-dl") : 200_000_000u;
        var first = ulong.Parse(imsi);
        var firstMsisdn = msisdn is null ? (ulong?)null : ulong.Parse(msisdn);
        for (var n = 0; n < count; n++)
        {
            var id = (first + (ulong)n).ToString().PadLeft(imsi.Length, '0');
            if (id.Length > imsi.Length) throw new DiameterConfigurationException($"{key}.count", $"{count} IMSIs from {imsi} run past {imsi.Length} digits");
            yield return new Subscriber(id, k, opc, amf, sqn, firstMsisdn is { } m ? (m + (ulong)n).ToString().PadLeft(msisdn!.Length, '0') : null,
                apns, ambrUl, ambrDl, restrictions, roaming, home, eps);
        }
    }

    private static ApnProfile Apn(Config a, string key)
    {
        var name = DiameterSettings.NonEmpty(a, "name", $"{key}.name");
        var qci = a.HasPath("qci") ? (int)DiameterSettings.UInt(a, "qci", $"{key}.qci") : 9;
        if (qci is < 1 or > 9) throw new DiameterConfigurationException($"{key}.qci", $"{qci} is not a standardised QCI 1-9");
        var arp = a.HasPath("arp-priority") ? (int)DiameterSettings.UInt(a, "arp-priority", $"{key}.arp-priority") : 8;
        if (arp is < 1 or > 15) throw new DiameterConfigurationException($"{key}.arp-priority", $"{arp} is not 1-15");
        return new ApnProfile(name, qci, arp,
            a.HasPath("preemption-capable") && DiameterSettings.Bool(a, "preemption-capable", $"{key}.preemption-capable"),
            !a.HasPath("preemption-vulnerable") || DiameterSettings.Bool(a, "preemption-vulnerable", $"{key}.preemption-vulnerable"),
            a.HasPath("ambr-ul") ? DiameterSettings.UInt(a, "ambr-ul", $"{key}.ambr-ul") : 50_000_000u,
            a.HasPath("ambr-dl") ? DiameterSettings.UInt(a, "ambr-dl", $"{key}.ambr-dl") : 100_000_000u);
    }

    private static string Digits(string s, string key, int min, int max) =>
        s.Length >= min && s.Length <= max && s.All(char.IsAsciiDigit) ? s
            : throw new DiameterConfigurationException(key, $"'{s}' is not {min}-{max} digits");

    private static byte[] Hex(Config o, string path, string key, int octets, string? fallback)
    {
        var s = o.HasPath(path) ? DiameterSettings.NonEmpty(o, path, key) : fallback ?? throw new DiameterConfigurationException(key, "missing");
        try
        {
            var b = Convert.FromHexString(s);
            return b.Length == octets ? b : throw new DiameterConfigurationException(key, $"is {b.Length} octets; {octets} expected ({octets * 2} hex digits)");
        }
        catch (FormatException) { throw new DiameterConfigurationException(key, $"'{s}' is not hex"); }
    }
}

/// <summary><c>akka.diameter.hss.notifications</c>: the outbox of HSS-initiated requests.</summary>
/// <param name="Interval">interval: how often the outbox is read (it is also read at once after in-process
/// provisioning); also the first retry delay.</param>
/// <param name="MaxAttempts">max-attempts: after this many failures a request is dropped with an error in the log (the MME
/// gets the complete subscription at its next ULR anyway).</param>
/// <param name="MaxBackoff">max-backoff: the retry delay doubles up to this.</param>
/// <param name="Parallelism">parallelism: subscribers served at once (requests for one subscriber go in order).</param>
public sealed record NotificationSettings(TimeSpan Interval, int MaxAttempts, TimeSpan MaxBackoff, int Parallelism)
{
    /// <summary>1 s, 8 attempts, 60 s, 16.</summary>
    public NotificationSettings() : this(TimeSpan.FromSeconds(1), 8, TimeSpan.FromSeconds(60), 16) { }
}
