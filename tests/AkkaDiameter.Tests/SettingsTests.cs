using System.Net;
using Akka.Configuration;
using AkkaDiameter.Settings;
using Xunit;

namespace AkkaDiameter.Tests;

/// <summary>The HOCON contract: defaults from reference.conf, and every wrong key named at start.</summary>
public class SettingsTests
{
    private static DiameterSettings Parse(string hocon) => DiameterSettings.Create(ConfigurationFactory.ParseString(hocon));

    private const string Minimal = """akka.diameter.node { origin-host = "hss.example.org", origin-realm = "example.org" }""";

    [Fact]
    public void The_contract_keys_are_read_and_the_rest_default_from_reference_conf()
    {
        var s = Parse("""
            akka.diameter {
              node {
                origin-host = "hss.epc.mnc001.mcc001.3gppnetwork.org"
                origin-realm = "epc.mnc001.mcc001.3gppnetwork.org"
                host-ip-addresses = ["127.0.0.1", "::1"]
                vendor-id = 10415
                product-name = "Lab HSS"
              }
              listen = [ { address = "127.0.0.1", port = 3868 } ]
              applications = [ { vendor-id = 10415, auth-application-id = 16777251 }, { acct-application-id = 3 } ]
              peers = [
                { origin-host = "mme.epc.mnc001.mcc001.3gppnetwork.org", realm = "epc.mnc001.mcc001.3gppnetwork.org",
                  address = "127.0.0.1", port = 3868, connect = true }
              ]
              accept-unknown-peers = true
              watchdog-interval = 30s
              request-timeout = 10s
              max-message-size = 1 MiB
            }
            """);
        Assert.Equal("hss.epc.mnc001.mcc001.3gppnetwork.org", s.OriginHost);
        Assert.Equal([IPAddress.Loopback, IPAddress.IPv6Loopback], s.HostIpAddresses.ToArray());
        Assert.Equal((10415u, "Lab HSS"), (s.VendorId, s.ProductName));
        Assert.Equal(new ListenSettings(IPAddress.Loopback, 3868), Assert.Single(s.Listen));
        Assert.Equal([new ApplicationSettings(16777251, false, 10415), new ApplicationSettings(3, true, 0)], s.Applications.ToArray());
        Assert.Equal(new PeerSettings("mme.epc.mnc001.mcc001.3gppnetwork.org", "epc.mnc001.mcc001.3gppnetwork.org", IPAddress.Loopback, 3868, true),
            Assert.Single(s.Peers));
        Assert.True(s.AcceptUnknownPeers);
        Assert.Equal((TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(10), 1024 * 1024), (s.WatchdogInterval, s.RequestTimeout, s.MaxMessageSize));
        Assert.Equal(TimeSpan.FromSeconds(2), s.WatchdogJitter);
        Assert.NotEqual(0u, s.OriginStateId);
    }

    [Fact]
    public void Empty_lists_written_with_a_space_are_empty()
    {
        var s = Parse(Minimal + "\nakka.diameter { listen = [ ], peers = [ ], applications = [ ], node.host-ip-addresses = [ ] }");
        Assert.Empty(s.Listen);
        Assert.Empty(s.Peers);
        Assert.Contains(IPAddress.Loopback, s.HostIpAddresses);          // no listener: every local address
        Assert.DoesNotContain(s.HostIpAddresses, a => a.IsIPv6LinkLocal);
        var listening = Parse(Minimal + "\nakka.diameter.listen = [ { address = \"127.0.0.2\", port = 3868 } ]");
        Assert.Equal([IPAddress.Parse("127.0.0.2")], listening.HostIpAddresses.ToArray());
    }

    [Theory]
    [InlineData("", "akka.diameter.node.origin-host: must not be empty")]
    [InlineData("""akka.diameter.node { origin-host = "bad host", origin-realm = "example.org" }""", "akka.diameter.node.origin-host: 'bad host' is not a DiameterIdentity")]
    [InlineData(Minimal + "\nakka.diameter.listen = [ { address = \"localhost\", port = 3868 } ]", "akka.diameter.listen[0].address: 'localhost' is not an IP literal")]
    [InlineData(Minimal + "\nakka.diameter.listen = [ { address = \"127.0.0.1\", port = 70000 } ]", "akka.diameter.listen[0].port: 70000 is not a TCP port")]
    [InlineData(Minimal + "\nakka.diameter.peers = [ { origin-host = \"a.example\", realm = \"example\", connect = true } ]", "akka.diameter.peers[0].address: required when connect = true")]
    [InlineData(Minimal + "\nakka.diameter.peers = [ { origin-host = \"a.example\", realm = \"example\", address = \"127.0.0.1\", connect = maybe } ]", "akka.diameter.peers[0].connect: 'maybe' is not true or false")]
    [InlineData(Minimal + "\nakka.diameter.applications = [ { vendor-id = 10415 } ]", "akka.diameter.applications[0]: give exactly one of auth-application-id and acct-application-id")]
    [InlineData(Minimal + "\nakka.diameter.applications = [ { auth-application-id = -1 } ]", "akka.diameter.applications[0].auth-application-id: -1 is not an unsigned 32-bit number")]
    [InlineData(Minimal + "\nakka.diameter.watchdog-interval = fast", "akka.diameter.watchdog-interval: cannot be read")]
    [InlineData(Minimal + "\nakka.diameter.watchdog-interval = 1s", "akka.diameter.watchdog-jitter")]
    [InlineData(Minimal + "\nakka.diameter.max-message-size = 10", "akka.diameter.max-message-size: 10 is outside")]
    [InlineData(Minimal + "\nakka.diameter.peers = [ { origin-host = \"a.example\", realm = \"e\", address = \"127.0.0.1\" }, { origin-host = \"A.example\", realm = \"e\", address = \"127.0.0.1\" } ]", "akka.diameter.peers: origin-host 'a.example' is listed twice")]
    public void A_wrong_key_or_value_is_refused_naming_the_key(string hocon, string expected)
    {
        var e = Assert.Throws<DiameterConfigurationException>(() => Parse(hocon));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Reconnect_backoff_doubles_to_its_maximum_with_bounded_jitter()
    {
        var r = new ReconnectSettings(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), 0.2);
        var random = new Random(1);
        Assert.InRange(r.Delay(0, random), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1.2));
        Assert.InRange(r.Delay(3, random), TimeSpan.FromSeconds(8), TimeSpan.FromSeconds(9.6));
        Assert.InRange(r.Delay(50, random), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(36));
    }
}
