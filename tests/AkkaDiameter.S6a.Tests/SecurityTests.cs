using AkkaDiameter.S6a.Security;
using Xunit;

namespace AkkaDiameter.S6a.Tests;

/// <summary>
/// MILENAGE against every test set of 3GPP TS 35.208 and K_ASME against the TS 33.401 Annex A.2 vectors, from
/// shared/reference (milenage-testsets.tsv, kasme-testvectors.tsv; their README says where each row came from).
/// </summary>
public class SecurityTests
{
    private static byte[] H(string hex) => Convert.FromHexString(hex);

    private static IEnumerable<string[]> Rows(string file) =>
        File.ReadLines(Path.Combine(AppContext.BaseDirectory, "TestData", file))
            .Where(l => l.Length > 0 && !l.StartsWith('#')).Skip(1).Select(l => l.Split('\t'));

    public static TheoryData<string> MilenageSets()
    {
        var data = new TheoryData<string>();
        foreach (var row in Rows("milenage-testsets.tsv")) data.Add(row[0]);
        return data;
    }

    [Theory]
    [MemberData(nameof(MilenageSets))]
    public void Milenage_matches_TS_35_208_test_set(string set)
    {
        var r = Rows("milenage-testsets.tsv").Single(x => x[0] == set);
        var (k, rand, sqn, amf, op, opcExpected) = (H(r[1]), H(r[2]), H(r[3]), H(r[4]), H(r[5]), H(r[6]));
        var opc = Milenage.ComputeOpc(k, op);
        Assert.Equal(opcExpected, opc);
        using var m = new Milenage(k, opc);
        var (macA, macS) = m.F1(rand, sqn, amf);
        Assert.Equal(H(r[7]), macA);
        Assert.Equal(H(r[8]), macS);
        var (res, ck, ik, ak) = m.F2345(rand);
        Assert.Equal(H(r[9]), res);
        Assert.Equal(H(r[10]), ck);
        Assert.Equal(H(r[11]), ik);
        Assert.Equal(H(r[12]), ak);
        Assert.Equal(H(r[13]), m.F5Star(rand));
    }

    /// <summary>One instance serves many vectors (one RAND each) and keeps TEMP for the last RAND: with test set 1's K
    /// and OPc, each RAND of the 20 sets in turn, then the first again, gives what a fresh instance gives.</summary>
    [Fact]
    public void One_Milenage_instance_gives_each_RAND_its_own_results()
    {
        var first = Rows("milenage-testsets.tsv").First();
        var (k, opc, sqn, amf) = (H(first[1]), H(first[6]), H(first[3]), H(first[4]));
        var rands = Rows("milenage-testsets.tsv").Select(r => H(r[2])).Append(H(first[2])).ToList();
        using var reused = new Milenage(k, opc);
        foreach (var rand in rands)
        {
            using var fresh = new Milenage(k, opc);
            var (expected, actual) = (fresh.F2345(rand), reused.F2345(rand));
            Assert.Equal([expected.Res, expected.Ck, expected.Ik, expected.Ak], [actual.Res, actual.Ck, actual.Ik, actual.Ak]);
            var (expectedF1, actualF1) = (fresh.F1(rand, sqn, amf), reused.F1(rand, sqn, amf));
            Assert.Equal([expectedF1.MacA, expectedF1.MacS], [actualF1.MacA, actualF1.MacS]);
            Assert.Equal(fresh.F5Star(rand), reused.F5Star(rand));
        }
        Assert.Equal(H(first[9]), reused.F2345(rands[^1]).Res);   // and the last is test set 1 again
    }

    [Fact]
    public void Every_TS_35_208_test_set_is_in_the_table()
    {
        Assert.Equal(Enumerable.Range(1, 20).Select(i => i.ToString()), Rows("milenage-testsets.tsv").Select(r => r[0]));
    }

    public static TheoryData<int> KasmeRows()
    {
        var data = new TheoryData<int>();
        for (var i = 0; i < Rows("kasme-testvectors.tsv").Count(); i++) data.Add(i);
        return data;
    }

    [Theory]
    [MemberData(nameof(KasmeRows))]
    public void Kasme_matches_the_TS_33_401_Annex_A2_vector(int index)
    {
        var r = Rows("kasme-testvectors.tsv").ElementAt(index);
        // CK IK SNid SQN AK SQN_xor_AK KASME
        var sqnXorAk = H(r[5]);
        var expectedXor = H(r[3]).Zip(H(r[4]), (a, b) => (byte)(a ^ b)).ToArray();
        Assert.Equal(expectedXor, sqnXorAk);
        Assert.Equal(H(r[6]), Kasme.Derive(H(r[0]), H(r[1]), H(r[2]), sqnXorAk));
    }

    [Fact]
    public void A_vector_for_test_set_1_carries_its_RES_and_an_AUTN_made_of_SQN_xor_AK_AMF_and_MAC_A()
    {
        var r = Rows("milenage-testsets.tsv").First();
        var (k, rand, sqn, amf, opc) = (H(r[1]), H(r[2]), H(r[3]), H(r[4]), H(r[6]));
        var plmn = PlmnId.Parse("00101").ToBytes();
        var v = AuthenticationVectors.Generate(k, opc, amf, AuthenticationVectors.FromSqnBytes(sqn), plmn, rand);
        Assert.Equal(H(r[9]), v.Xres);
        var ak = H(r[12]);
        Assert.Equal(sqn.Zip(ak, (a, b) => (byte)(a ^ b)), v.Autn[..6]);
        Assert.Equal(amf, v.Autn[6..8]);
        Assert.Equal(H(r[7]), v.Autn[8..]);
        Assert.Equal(Kasme.Derive(H(r[10]), H(r[11]), plmn, v.Autn[..6]), v.Kasme);
    }

    [Fact]
    public void Resynchronisation_recovers_SQN_MS_from_a_genuine_AUTS_and_refuses_a_forged_one()
    {
        var r = Rows("milenage-testsets.tsv").First();
        var (k, rand, opc) = (H(r[1]), H(r[2]), H(r[6]));
        const ulong sqnMs = 0x000000001234;
        var auts = AuthenticationVectors.Auts(k, opc, rand, sqnMs);
        Assert.Equal(sqnMs, AuthenticationVectors.SqnFromResync(k, opc, [.. rand, .. auts]));
        auts[13] ^= 1;
        Assert.Null(AuthenticationVectors.SqnFromResync(k, opc, [.. rand, .. auts]));
        Assert.Null(AuthenticationVectors.SqnFromResync(k, opc, rand));
    }

    [Fact]
    public void SQN_advances_by_one_SEQ_and_wraps_at_48_bits()
    {
        Assert.Equal(0x40UL, AuthenticationVectors.Next(0x20));
        Assert.Equal(0x01UL, AuthenticationVectors.Next(0xFFFFFFFFFFE1));
        Assert.Equal(H("000000000020"), AuthenticationVectors.ToSqnBytes(0x20));
    }

    [Theory]
    [InlineData("00101", "00F110")]
    [InlineData("310410", "130014")]
    [InlineData("20834", "02F843")]
    public void PLMN_ids_encode_as_TS_24_008_octets_and_back(string digits, string hex)
    {
        Assert.Equal(H(hex), PlmnId.Parse(digits).ToBytes());
        Assert.Equal(digits, PlmnId.FromBytes(H(hex)).ToString());
    }

    [Theory]
    [InlineData("0010")]
    [InlineData("0010a")]
    [InlineData("0010123")]
    public void A_PLMN_id_that_is_not_5_or_6_digits_is_refused_with_the_reason(string digits)
    {
        var e = Assert.Throws<FormatException>(() => PlmnId.Parse(digits));
        Assert.Contains("MCC (3 digits) + MNC (2 or 3 digits)", e.Message);
    }
}
