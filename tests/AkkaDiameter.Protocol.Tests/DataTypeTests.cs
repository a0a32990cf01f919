using System.Net;
using AkkaDiameter.Protocol.DataTypes;
using Xunit;

namespace AkkaDiameter.Protocol.Tests;

/// <summary>Every basic and derived format of RFC 6733 §4.2-4.3 at its edges, through build → encode → decode → read.</summary>
public class DataTypeTests
{
    private static Avp RoundTrip(Func<DiameterMessage, DiameterMessage> add)
    {
        var m = add(new DiameterMessage(316, 16777251, Wire.CommandFlags.Request));
        var back = DiameterMessage.Decode(m.Encode());
        Assert.True(m.ContentEquals(back));
        return Assert.Single(back.Avps);
    }

    [Theory]
    [InlineData(int.MinValue), InlineData(-1), InlineData(0), InlineData(1), InlineData(int.MaxValue)]
    public void Integer32_round_trips_at_its_edges(int v) => Assert.Equal(v, RoundTrip(m => m.Add("RAT-Type", v)).GetInt32());

    [Theory]
    [InlineData(0u), InlineData(1u), InlineData(0x7FFF_FFFFu), InlineData(uint.MaxValue)]
    public void Unsigned32_round_trips_at_its_edges(uint v) => Assert.Equal(v, RoundTrip(m => m.Add("ULR-Flags", v)).GetUInt32());

    [Theory]
    [InlineData(0ul), InlineData(ulong.MaxValue), InlineData(0x8000_0000_0000_0000ul)]
    public void Unsigned64_round_trips_at_its_edges(ulong v) => Assert.Equal(v, RoundTrip(m => m.Add("Accounting-Sub-Session-Id", v)).GetUInt64());

    [Theory]
    [InlineData(long.MinValue), InlineData(-1L), InlineData(long.MaxValue)]
    public void Integer64_round_trips_at_its_edges(long v)
    {
        var d = new Dictionary.DiameterDictionaryBuilder().AddBase().AddText("avp Test-Int64 65001 Integer64 -", "t").Build();
        var m = new DiameterMessage(280, 0, Wire.CommandFlags.Request, d).Add("Test-Int64", v);
        Assert.Equal(v, DiameterMessage.Decode(m.Encode(), d).GetInt64("Test-Int64"));
    }

    [Theory]
    [InlineData(0f), InlineData(-1.5f), InlineData(float.MaxValue), InlineData(float.Epsilon), InlineData(float.PositiveInfinity), InlineData(float.NaN)]
    public void Float32_round_trips_bit_for_bit(float v)
    {
        var d = new Dictionary.DiameterDictionaryBuilder().AddBase().AddText("avp F32 65001 Float32 -\navp F64 65002 Float64 -", "t").Build();
        var m = new DiameterMessage(280, 0, Wire.CommandFlags.Request, d).Add("F32", v).Add("F64", (double)v);
        var back = DiameterMessage.Decode(m.Encode(), d);
        Assert.Equal(BitConverter.SingleToInt32Bits(v), BitConverter.SingleToInt32Bits(back.GetFloat32("F32")));
        Assert.Equal(BitConverter.DoubleToInt64Bits(v), BitConverter.DoubleToInt64Bits(back.GetFloat64("F64")));
    }

    [Fact]
    public void Fixed_size_formats_with_the_wrong_length_are_5014()
    {
        foreach (var (type, length) in new[] { (AvpDataType.Unsigned32, 3), (AvpDataType.Integer32, 5), (AvpDataType.Unsigned64, 4),
                     (AvpDataType.Float64, 7), (AvpDataType.Time, 8), (AvpDataType.Enumerated, 0) })
            Assert.Equal(ResultCodes.InvalidAvpLength, AvpValue.Check(type, new byte[length]).ResultCode);
    }

    [Fact]
    public void OctetString_keeps_any_bytes_including_none()
    {
        Assert.Equal(Array.Empty<byte>(), RoundTrip(m => m.Add("Visited-PLMN-Id", Array.Empty<byte>())).GetBytes().ToArray());
        var all = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        Assert.Equal(all, RoundTrip(m => m.Add("Visited-PLMN-Id", all)).GetBytes().ToArray());
    }

    [Theory]
    [InlineData(1900, 1, 1, 0u)]                    // not representable: era 0 holds 1968-2036
    public void Time_before_1968_is_refused(int y, int mo, int d, uint _) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => DiameterTime.ToNtpSeconds(new DateTime(y, mo, d, 0, 0, 0, DateTimeKind.Utc)));

    [Fact]
    public void Time_follows_the_2036_rollover_rule()
    {
        // RFC 6733 §4.3.1 / RFC 2030 §3: MSB set → 1968-2036 from 1900; MSB clear → from 2036-02-07 06:28:16.
        Assert.Equal(new DateTime(2036, 2, 7, 6, 28, 16, DateTimeKind.Utc), DiameterTime.FromNtpSeconds(0));
        Assert.Equal(new DateTime(2036, 2, 7, 6, 28, 15, DateTimeKind.Utc), DiameterTime.FromNtpSeconds(uint.MaxValue));
        Assert.Equal(new DateTime(1968, 1, 20, 3, 14, 8, DateTimeKind.Utc), DiameterTime.FromNtpSeconds(0x8000_0000));
        Assert.Equal(0u, DiameterTime.ToNtpSeconds(new DateTime(2036, 2, 7, 6, 28, 16, DateTimeKind.Utc)));
        Assert.Equal(0x7FFF_FFFFu, DiameterTime.ToNtpSeconds(new DateTime(2104, 2, 26, 9, 42, 23, DateTimeKind.Utc)));
        Assert.Throws<ArgumentOutOfRangeException>(() => DiameterTime.ToNtpSeconds(new DateTime(2104, 2, 26, 9, 42, 24, DateTimeKind.Utc)));
        // 2026-11-27 00:00:00 UTC: Unix time 1795737600 plus the 2208988800 s from 1900 to 1970.
        Assert.Equal(4004726400u, DiameterTime.ToNtpSeconds(new DateTime(2026, 11, 27, 0, 0, 0, DateTimeKind.Utc)));
    }

    [Theory]
    [InlineData("1968-01-20T03:14:08Z"), InlineData("2000-01-01T00:00:00Z"), InlineData("2036-02-07T06:28:15Z")]
    [InlineData("2036-02-07T06:28:16Z"), InlineData("2104-02-26T09:42:23Z")]
    public void Time_round_trips_across_both_eras(string iso)
    {
        var t = DateTime.Parse(iso, null, System.Globalization.DateTimeStyles.AdjustToUniversal);
        Assert.Equal(t, RoundTrip(m => m.Add("Event-Timestamp", t)).GetTime());
    }

    [Theory]
    [InlineData("127.0.0.1", 6), InlineData("::1", 18), InlineData("2001:db8::8a2e:370:7334", 18), InlineData("255.255.255.255", 6)]
    public void Address_holds_IPv4_and_IPv6(string ip, int length)
    {
        var avp = RoundTrip(m => m.Add("Host-IP-Address", IPAddress.Parse(ip)));
        Assert.Equal(length, avp.DataLength);
        Assert.Equal(IPAddress.Parse(ip), avp.GetIPAddress());
    }

    [Fact]
    public void Address_of_another_family_is_kept_raw()
    {
        var e164 = new DiameterAddress(DiameterAddress.FamilyE164, "5511900000001"u8.ToArray());
        var avp = RoundTrip(m => m.Add("Host-IP-Address", e164));
        Assert.Equal("E.164:5511900000001", avp.GetAddress().ToString());
        Assert.Null(avp.GetAddress().IPAddress);
        Assert.Throws<DiameterDecodeException>(() => avp.GetIPAddress());
    }

    [Theory]
    [InlineData(new byte[] { 0 }, 5014u), InlineData(new byte[] { 0, 1, 127, 0, 0 }, 5014u), InlineData(new byte[] { 0, 2, 0, 0, 0, 0 }, 5014u)]
    public void Address_too_short_for_its_family_is_5014(byte[] data, uint code) =>
        Assert.Equal(code, AvpValue.Check(AvpDataType.Address, data).ResultCode);

    [Fact]
    public void UTF8String_is_validated()
    {
        Assert.Equal("Zoë ✓ 日本", RoundTrip(m => m.Add("Error-Message", "Zoë ✓ 日本")).GetString());
        var avp = new Avp(281, 0, Wire.AvpFlags.None, new byte[] { 0xC3, 0x28 });
        Assert.Equal(ResultCodes.InvalidAvpValue, Assert.Throws<DiameterDecodeException>(() => avp.GetString()).Error.ResultCode);
        Assert.Equal(ResultCodes.InvalidAvpValue, AvpValue.Check(AvpDataType.UTF8String, [0xFF]).ResultCode);
        Assert.Equal(ResultCodes.InvalidAvpValue, AvpValue.Check(AvpDataType.UTF8String, [0xED, 0xA0, 0x80]).ResultCode); // surrogate
    }

    [Theory]
    [InlineData("hss.epc.mnc001.mcc001.3gppnetwork.org", true), InlineData("a", true), InlineData("host_1.example", true)]
    [InlineData("", false), InlineData("a..b", false), InlineData("bad host", false), InlineData("hóst.example", false)]
    public void DiameterIdentity_accepts_host_names_only(string identity, bool valid)
    {
        Assert.Equal(valid, DiameterIdentityRules.IsValid(identity, out _));
        Assert.Equal(valid ? 0u : ResultCodes.InvalidAvpValue,
            AvpValue.Check(AvpDataType.DiameterIdentity, System.Text.Encoding.UTF8.GetBytes(identity)).ResultCode);
    }

    [Fact]
    public void DiameterIdentity_longer_than_255_or_with_a_64_character_label_is_refused()
    {
        Assert.False(DiameterIdentityRules.IsValid(new string('a', 64) + ".example", out _));
        Assert.False(DiameterIdentityRules.IsValid(string.Join('.', Enumerable.Repeat(new string('a', 50), 6)), out _));
        Assert.Throws<ArgumentException>(() => new DiameterMessage(280, 0, Wire.CommandFlags.Request).Add("Origin-Host", "not a host"));
    }

    [Theory]
    [InlineData("aaa://host.example.com", false, "host.example.com", 3868, UriTransport.Tcp, UriProtocol.Diameter)]
    [InlineData("aaas://host.example.com", true, "host.example.com", 5658, UriTransport.Tcp, UriProtocol.Diameter)]
    [InlineData("aaa://host.example.com:6666;transport=sctp;protocol=diameter", false, "host.example.com", 6666, UriTransport.Sctp, UriProtocol.Diameter)]
    [InlineData("aaa://host.example.com;transport=udp;protocol=radius", false, "host.example.com", 3868, UriTransport.Udp, UriProtocol.Radius)]
    [InlineData("aaa://host.example.com:1813;transport=tcp;protocol=tacacs+", false, "host.example.com", 1813, UriTransport.Tcp, UriProtocol.TacacsPlus)]
    public void DiameterURI_parses_every_part_of_the_RFC_grammar(string text, bool secure, string fqdn, int port, UriTransport t, UriProtocol p)
    {
        var uri = DiameterUri.Parse(text);
        Assert.Equal((secure, fqdn, port, t, p), (uri.Secure, uri.Fqdn, uri.Port, uri.Transport, uri.Protocol));
        Assert.Equal(uri, DiameterUri.Parse(uri.ToString()));
        Assert.Equal(text, RoundTrip(m => m.Add("Redirect-Host", text)).GetString());
    }

    [Theory]
    [InlineData("http://host.example.com"), InlineData("aaa://"), InlineData("aaa://host:99999"), InlineData("aaa://host:port")]
    [InlineData("aaa://host;transport=quic"), InlineData("aaa://host;protocol=ldap"), InlineData("aaa://host;color=red"), InlineData("aaa://bad host")]
    public void DiameterURI_refuses_what_the_grammar_does_not_allow(string text)
    {
        Assert.Throws<FormatException>(() => DiameterUri.Parse(text));
        Assert.Equal(ResultCodes.InvalidAvpValue, AvpValue.Check(AvpDataType.DiameterURI, System.Text.Encoding.ASCII.GetBytes(text)).ResultCode);
    }

    [Theory]
    [InlineData("permit in ip from any to any")]
    [InlineData("deny out 17 from 10.0.0.0/8 53 to !assigned 1000-2000,3000")]
    [InlineData("permit out 6 from 2001:db8::/32 to any 80,443 established setup")]
    [InlineData("permit in 1 from any to any icmptypes 0,8 frag")]
    public void IPFilterRule_parses_the_RFC_grammar(string text)
    {
        var rule = IPFilterRule.Parse(text);
        Assert.Equal(rule, IPFilterRule.Parse(rule.ToString()), new RuleComparer());
        var d = new Dictionary.DiameterDictionaryBuilder().AddBase().AddText("avp NAS-Filter-Rule 400 IPFilterRule M", "t").Build();
        var m = new DiameterMessage(280, 0, Wire.CommandFlags.Request, d).Add("NAS-Filter-Rule", text);
        Assert.Equal(rule.ToString(), DiameterMessage.Decode(m.Encode(), d).Get("NAS-Filter-Rule").GetIPFilterRule().ToString());
    }

    [Theory]
    [InlineData("allow in ip from any to any"), InlineData("permit sideways ip from any to any"), InlineData("permit in 300 from any to any")]
    [InlineData("permit in ip any to any"), InlineData("permit in ip from 10.0.0.0/33 to any"), InlineData("permit in ip from any to any bogus")]
    [InlineData("permit in ip from any to any 70000"), InlineData("permit in ip from any"), InlineData("")]
    public void IPFilterRule_refuses_malformed_rules(string text) => Assert.Throws<FormatException>(() => IPFilterRule.Parse(text));

    private sealed class RuleComparer : IEqualityComparer<IPFilterRule>
    {
        public bool Equals(IPFilterRule? x, IPFilterRule? y) => x!.ToString() == y!.ToString();
        public int GetHashCode(IPFilterRule obj) => obj.ToString().GetHashCode();
    }

    [Fact]
    public void Enumerated_values_are_written_and_read_by_name()
    {
        var avp = RoundTrip(m => m.Add("Cancellation-Type", "SUBSCRIPTION_WITHDRAWAL"));
        Assert.Equal(2, avp.GetInt32());
        Assert.Equal("SUBSCRIPTION_WITHDRAWAL", avp.GetValueName());
        Assert.Null(RoundTrip(m => m.Add("Cancellation-Type", 77)).GetValueName());   // unknown values are kept
        Assert.Contains("is not one of its named values",
            Assert.Throws<ArgumentException>(() => new DiameterMessage(317, 16777251, 0).Add("Cancellation-Type", "NOPE")).Message);
    }

    [Fact]
    public void Values_that_do_not_fit_the_format_are_refused_when_building()
    {
        var m = new DiameterMessage(316, 16777251, Wire.CommandFlags.Request);
        Assert.Throws<ArgumentOutOfRangeException>(() => m.Add("ULR-Flags", -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => m.Add("RAT-Type", (long)int.MaxValue + 1));
        Assert.Throws<ArgumentException>(() => m.Add("User-Name", 5));
        Assert.Throws<ArgumentException>(() => m.Add("ULR-Flags", new byte[3]));
        Assert.Throws<ArgumentException>(() => m.Add("Subscription-Data", "text"));
        Assert.Throws<ArgumentException>(() => m.AddGroup("User-Name", _ => { }));
        Assert.Empty(m.Avps);
    }
}
