using System.Security.Cryptography;

namespace AkkaDiameter.S6a.Security;

/// <summary>K_ASME derivation (3GPP TS 33.401 Annex A.2) with the generic KDF of TS 33.220 Annex B.2.</summary>
public static class Kasme
{
    /// <summary>
    /// K_ASME = HMAC-SHA-256(CK || IK, S) with S = FC 0x10 || P0 = SN id (3 octets, the PLMN identity as in
    /// Visited-PLMN-Id) || L0 = 0x0003 || P1 = SQN ⊕ AK (6 octets) || L1 = 0x0006.
    /// </summary>
    public static byte[] Derive(ReadOnlySpan<byte> ck, ReadOnlySpan<byte> ik, ReadOnlySpan<byte> servingNetworkId, ReadOnlySpan<byte> sqnXorAk)
    {
        if (ck.Length != 16 || ik.Length != 16) throw new ArgumentException("CK and IK are 16 octets each");
        if (servingNetworkId.Length != 3) throw new ArgumentException("the serving network id is 3 octets (TS 24.301 PLMN identity)", nameof(servingNetworkId));
        if (sqnXorAk.Length != 6) throw new ArgumentException("SQN ⊕ AK is 6 octets", nameof(sqnXorAk));
        Span<byte> key = stackalloc byte[32];
        ck.CopyTo(key);
        ik.CopyTo(key[16..]);
        Span<byte> s = stackalloc byte[1 + 3 + 2 + 6 + 2];
        s[0] = 0x10;
        servingNetworkId.CopyTo(s[1..]);
        s[4] = 0x00; s[5] = 0x03;
        sqnXorAk.CopyTo(s[6..]);
        s[12] = 0x00; s[13] = 0x06;
        return HMACSHA256.HashData(key, s);
    }
}
