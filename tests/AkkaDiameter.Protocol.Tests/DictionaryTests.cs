using AkkaDiameter.Protocol.DataTypes;
using AkkaDiameter.Protocol.Dictionary;
using Xunit;

namespace AkkaDiameter.Protocol.Tests;

/// <summary>The shipped dictionary against shared/reference/base-rfc6733.tsv and s6a-avps.tsv (copied to TestData),
/// and the dictionary file format.</summary>
public class DictionaryTests
{
    private static readonly DiameterDictionary D = DiameterDictionary.Default;

    private static IEnumerable<string[]> Rows(string file) =>
        File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "TestData", file))
            .Where(l => !l.StartsWith('#') && l.Trim().Length > 0).Select(l => l.Split('\t')).Skip(1);

    // The RFC 6733 names where the reference rows use another spelling or type, with the clause that decides.
    private static readonly Dictionary<string, string> RfcName = new() { ["Accounting-Session-Id"] = "Acct-Session-Id" };   // §9.8.4
    private static readonly HashSet<string> TypedUnsigned32ByRfc = ["Authorization-Lifetime", "Result-Code", "Experimental-Result-Code", "Inband-Security-Id", "Session-Binding"];

    public static IEnumerable<object[]> BaseAvpRows =>
        Rows("base-rfc6733.tsv").Where(r => r[0] == "avp").Select(r => new object[] { r[2], uint.Parse(r[1]), r[3], r[4] });

    [Theory]
    [MemberData(nameof(BaseAvpRows))]
    public void Every_RFC_6733_base_AVP_is_in_the_dictionary_with_its_code_type_and_M_rule(string name, uint code, string type, string m)
    {
        var def = D.FindAvp(code, 0);
        Assert.NotNull(def);
        Assert.Equal(RfcName.GetValueOrDefault(name, name), def.Name);
        Assert.Equal(TypedUnsigned32ByRfc.Contains(name) ? "Unsigned32" : type, def.Type.ToString());
        if (m == "must") Assert.True(def.Mandatory);
        if (m == "mustnot") Assert.False(def.Mandatory);
        if (m is "may" or "?") Assert.True(def.MandatoryLenient);
    }

    public static IEnumerable<object[]> BaseResultCodes =>
        Rows("base-rfc6733.tsv").Where(r => r[0] == "result-code").Select(r => new object[] { uint.Parse(r[1]), r[2] });

    [Theory]
    [MemberData(nameof(BaseResultCodes))]
    public void Every_RFC_6733_result_code_has_its_name(uint code, string name) => Assert.Equal(name, ResultCodes.NameOf(code));

    [Theory]
    [InlineData(5001u, "DIAMETER_ERROR_USER_UNKNOWN")]
    [InlineData(5420u, "DIAMETER_ERROR_UNKNOWN_EPS_SUBSCRIPTION")]
    [InlineData(5423u, "DIAMETER_ERROR_UNKOWN_SERVING_NODE")]      // TS 29.272 §7.4.3's own spelling
    [InlineData(4181u, "DIAMETER_AUTHENTICATION_DATA_UNAVAILABLE")]
    [InlineData(9999u, "EXPERIMENTAL_9999")]
    public void Experimental_result_codes_are_named_from_the_dictionary_apart_from_result_codes(uint code, string name)
    {
        Assert.Equal(name, ResultCodes.ExperimentalNameOf(code));
        if (code == 5001) Assert.Equal("DIAMETER_AVP_UNSUPPORTED", ResultCodes.NameOf(code));
    }

    public static IEnumerable<object[]> S6aAvpRows =>
        Rows("s6a-avps.tsv").Where(r => r[0] != "Call-Barring-Infor-List")
            .Select(r => new object[] { r[0], uint.Parse(r[1]), uint.Parse(r[2]), r[3], r[4], r.Length > 10 ? r[10] : "" });

    [Theory]
    [MemberData(nameof(S6aAvpRows))]
    public void Every_AVP_reachable_from_S6a_is_in_the_dictionary_under_its_code_and_vendor(
        string name, uint code, uint vendor, string type, string m, string disagreements)
    {
        var def = D.FindAvp(code, vendor);
        Assert.NotNull(def);
        Assert.Equal(RfcName.GetValueOrDefault(name, name), def.Name);
        Assert.Equal(TypedUnsigned32ByRfc.Contains(name) ? "Unsigned32" : type, def.Type.ToString());
        Assert.Same(def, D.FindAvp(name));
        // Where sources disagree on the M bit, either is accepted on receive; otherwise the rule is firm.
        var disputed = m is "may" or "?" || disagreements.Contains("M=") || disagreements.Contains("mandatory=");
        if (disputed) Assert.True(def.MandatoryLenient, $"{name}: sources disagree on M, so either must be accepted");
        else if (def.Source.StartsWith("s6a", StringComparison.Ordinal)) Assert.False(def.MandatoryLenient);
        if (m == "must") Assert.True(def.Mandatory);
        if (m == "mustnot") Assert.False(def.Mandatory);
    }

    [Fact]
    public void Every_AVP_is_found_by_code_and_vendor_and_nothing_else_is()
    {
        // FindAvp is the decoder's table (AvpKeyTable), separate from the one Avps enumerates: the two must agree.
        var known = D.Avps.ToDictionary(a => AvpDefinition.KeyOf(a.Code, a.VendorId));
        Assert.True(known.Count > 300);
        foreach (var a in known.Values) Assert.Same(a, D.FindAvp(a.Code, a.VendorId));
        foreach (var vendor in new uint[] { 0, 10415, 5535, 1 })
            for (var code = 0u; code < 5000; code++)
                if (!known.ContainsKey(AvpDefinition.KeyOf(code, vendor))) Assert.Null(D.FindAvp(code, vendor));
        Assert.Null(D.FindAvp(uint.MaxValue, uint.MaxValue));
    }

    [Fact]
    public void Every_S6a_grouped_AVP_in_the_reference_has_a_layout_naming_its_members()
    {
        foreach (var r in Rows("s6a-avps.tsv").Where(r => r[3] == "Grouped" && r[0] != "Call-Barring-Infor-List"))
        {
            var def = D.FindAvp(uint.Parse(r[1]), uint.Parse(r[2]))!;
            Assert.NotNull(def.Layout);
            if (def.Source.StartsWith("base", StringComparison.Ordinal)) continue;   // transcribed from the RFCs, not Wireshark
            foreach (var member in r[7].Split(',').Select(m => m.Trim().TrimStart('!', '*')).Where(m => m is not ("" or "AVP")))
                Assert.True(def.Layout.Rules.Any(rule => rule.AvpName == member)
                    || member == "Call-Barring-Infor-List", $"{def.Name} lacks {member}");
        }
    }

    [Theory]
    [InlineData("ULR", 316u, "ULA"), InlineData("CLR", 317u, "CLA"), InlineData("AIR", 318u, "AIA"), InlineData("IDR", 319u, "IDA")]
    [InlineData("DSR", 320u, "DSA"), InlineData("PUR", 321u, "PUA"), InlineData("RSR", 322u, "RSA"), InlineData("NOR", 323u, "NOA")]
    public void Every_S6a_command_pair_has_both_layouts_in_application_16777251(string request, uint code, string answer)
    {
        var c = D.GetCommand(request);
        Assert.Equal(code, c.Code);
        Assert.Equal(16777251u, c.ApplicationId);
        Assert.Same(c, D.GetCommand(answer));
        Assert.True(c.Proxiable);
        Assert.Equal("Session-Id", c.RequestLayout!.Rules[0].AvpName);
        Assert.True(c.RequestLayout.Rules[0].Fixed);
        Assert.NotNull(c.AnswerLayout);
        Assert.Contains(c.AnswerLayout.OneOf, o => o.Select(a => a.Name).SequenceEqual(["Result-Code", "Experimental-Result"]));
    }

    [Theory]
    [InlineData("CER", 257u, false), InlineData("DWR", 280u, false), InlineData("DPR", 282u, false)]
    [InlineData("RAR", 258u, true), InlineData("STR", 275u, true), InlineData("ASR", 274u, true), InlineData("ACR", 271u, true)]
    public void Base_commands_have_layouts_and_the_RFC_proxiable_bit(string name, uint code, bool proxiable)
    {
        var c = D.GetCommand(name);
        Assert.Equal(code, c.Code);
        Assert.Equal(proxiable, c.Proxiable);
        Assert.NotNull(c.RequestLayout);
        Assert.NotNull(c.AnswerLayout);
    }

    [Fact]
    public void CER_layout_reads_the_RFC_qualifiers()
    {
        var cer = D.GetCommand("CER").RequestLayout!;
        var hostIp = cer.Rules.Single(r => r.AvpName == "Host-IP-Address");
        Assert.Equal((1, int.MaxValue, true), (hostIp.Min, hostIp.Max, hostIp.Required));
        var vsai = cer.Rules.Single(r => r.AvpName == "Vendor-Specific-Application-Id");
        Assert.Equal((0, int.MaxValue), (vsai.Min, vsai.Max));
        Assert.NotNull(cer.Generic);
        Assert.Equal("1*{ Host-IP-Address }", hostIp.ToString());
    }

    [Fact]
    public void A_vendor_AVP_sharing_its_code_with_a_base_AVP_is_not_the_base_AVP()
    {
        // go-diameter issue #254: lookups by code alone decoded vendor AVPs as base ones and crashed.
        Assert.Equal("User-Name", D.FindAvp(1, 0)!.Name);
        Assert.Null(D.FindAvp(1, 10415));
        Assert.Null(D.FindAvp(263, 10415));
    }

    [Fact]
    public void A_user_dictionary_file_adds_an_application_AVPs_and_a_command_without_recompiling()
    {
        var text = """
            # A private application
            vendor 99999 Example Corp
            application 16777999 Example-App auth vendor=99999
            command 9000 Example-Check ECR ECA application=16777999
            avp Example-Token   1  OctetString  M  vendor=99999
            avp Example-Level   2  Enumerated   M  vendor=99999
            enum Example-Level 0 LOW
            enum Example-Level 1 HIGH
            avp Example-Group   3  Grouped      -  vendor=99999
            <Example-Group> ::= < AVP Header: 3 99999 >
                { Example-Level }
              *2[ Example-Token ]
            <ECR> ::= < Diameter Header: 9000, REQ, PXY, 16777999 >
                < Session-Id >
                { Origin-Host }
                { Example-Group }
               *[ AVP ]
            <ECA> ::= < Diameter Header: 9000, PXY, 16777999 >
                < Session-Id >
                { Result-Code }
               *[ AVP ]
            """;
        var path = Path.Combine(Path.GetTempPath(), $"example-{Guid.NewGuid():N}.dict");
        File.WriteAllText(path, text);
        try
        {
            var d = new DiameterDictionaryBuilder().AddBase().AddFile(path).Build();
            var ecr = DiameterMessage.CreateRequest("ECR", d)
                .Add("Session-Id", "a;1").Add("Origin-Host", "a.example")
                .AddGroup("Example-Group", g => g.Add("Example-Level", "HIGH").Add("Example-Token", new byte[] { 1, 2 }));
            var back = DiameterMessage.Decode(ecr.Encode(), d);
            Assert.Equal("<Diameter Message: 9000 [ECR] REQ PXY, 16777999 [Example-App], 3 AVP(s)>", back.ToString());
            Assert.Equal("HIGH", back.GetGroup("Example-Group").Get("Example-Level").GetValueName());
            Assert.Null(back.Validate());
            Assert.Contains("vendor 99999 Example Corp", back.ToTreeString());
            Assert.Equal(ResultCodes.MissingAvp, DiameterMessage.Decode(
                DiameterMessage.CreateRequest("ECR", d).Add("Session-Id", "a;1").Add("Origin-Host", "a.example").Encode(), d).Validate()!.ResultCode);
        }
        finally { File.Delete(path); }
    }

    [Theory]
    [InlineData("avp X 1 NoSuchType M", "x.dict:1: 'NoSuchType' is not a data type")]
    [InlineData("avp X 1 Unsigned32 Q", "x.dict:1: flags 'Q'")]
    [InlineData("\nfrobnicate 1 2", "x.dict:2: unknown statement 'frobnicate'")]
    [InlineData("avp X 1 Grouped -\n<X> ::= < AVP Header: 1 >\n    { Nope }", "x.dict:3: layout names unknown AVP 'Nope'")]
    [InlineData("avp X 1 Unsigned32 -\n<X> ::= < AVP Header: 1 >\n    { X }", "is Unsigned32, not Grouped")]
    [InlineData("avp X 1 Grouped -\n<X> ::= < AVP Header: 1 >\n    0*{ X }", "a required rule needs min >= 1")]
    [InlineData("avp X 1 Unsigned32 -\navp X 2 Unsigned32 -", "AVP name 'X' is already")]
    [InlineData("avp X nope Unsigned32 -", "AVP code 'nope'")]
    public void A_wrong_dictionary_file_is_refused_with_the_line_and_the_reason(string text, string expected)
    {
        var e = Assert.Throws<DictionaryException>(() => new DiameterDictionaryBuilder().AddText(text, "x.dict").Build());
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void A_later_file_may_correct_a_shipped_AVP_definition()
    {
        var d = new DiameterDictionaryBuilder().AddBase().AddText("avp Product-Name 269 UTF8String M", "fix.dict").Build();
        Assert.True(d.FindAvp("Product-Name")!.Mandatory);
        Assert.Equal(AvpDataType.UTF8String, d.FindAvp(269, 0)!.Type);
    }

    [Fact]
    public void Unknown_names_raise_a_typed_error_that_names_them()
    {
        Assert.Contains("'No-Such-AVP'", Assert.Throws<DictionaryException>(() => D.GetAvp("No-Such-AVP")).Message);
        Assert.Contains("'XYZ'", Assert.Throws<DictionaryException>(() => D.GetCommand("XYZ")).Message);
    }
}
