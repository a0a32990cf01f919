using System.Buffers.Binary;
using System.Security.Cryptography;

namespace AkkaDiameter.S6a.Security;

/// <summary>An E-UTRAN authentication vector (TS 33.401 §6.1.1; TS 29.272 §7.3.18 E-UTRAN-Vector).</summary>
/// <param name="Rand">RAND, 16 octets.</param>
/// <param name="Xres">XRES (f2), 8 octets.</param>
/// <param name="Autn">AUTN = SQN ⊕ AK || AMF || MAC-A, 16 octets.</param>
/// <param name="Kasme">K_ASME, 32 octets.</param>
/// <param name="Sqn">The SQN it was made with (not sent; for the record and for tests).</param>
public sealed record EutranVector(byte[] Rand, byte[] Xres, byte[] Autn, byte[] Kasme, ulong Sqn);

/// <summary>
/// Makes E-UTRAN vectors and checks resynchronisation requests: MILENAGE (TS 35.206) for f1-f5, TS 33.401 Annex A.2
/// for K_ASME, and the SQN scheme of TS 33.102 Annex C.
/// </summary>
public static class AuthenticationVectors
{
    /// <summary>SQN is SEQ (43 bits) || IND (5 bits) (TS 33.102 Annex C.1.1 with the recommended IND length of 5); a
    /// new vector takes the next SEQ. IND stays 0: one HE/AuC, vectors used in order.</summary>
    public const ulong SeqStep = 1UL << 5;

    /// <summary>SQN is 48 bits.</summary>
    public const ulong SqnMask = (1UL << 48) - 1;

    /// <summary>A vector for SQN <paramref name="sqn"/> and a fresh random RAND.</summary>
    public static EutranVector Generate(ReadOnlySpan<byte> k, ReadOnlySpan<byte> opc, ReadOnlySpan<byte> amf, ulong sqn,
        ReadOnlySpan<byte> servingNetworkId) =>
        Generate(k, opc, amf, sqn, servingNetworkId, RandomNumberGenerator.GetBytes(16));

    /// <summary>A vector for SQN <paramref name="sqn"/> and the given RAND (tests use the TS 35.208 RANDs).</summary>
    public static EutranVector Generate(ReadOnlySpan<byte> k, ReadOnlySpan<byte> opc, ReadOnlySpan<byte> amf, ulong sqn,
        ReadOnlySpan<byte> servingNetworkId, ReadOnlySpan<byte> rand)
    {
        using var milenage = new Milenage(k, opc);
        var sqnBytes = ToSqnBytes(sqn);
        var (macA, _) = milenage.F1(rand, sqnBytes, amf);
        var (res, ck, ik, ak) = milenage.F2345(rand);
        var sqnXorAk = new byte[6];
        for (var i = 0; i < 6; i++) sqnXorAk[i] = (byte)(sqnBytes[i] ^ ak[i]);
        var autn = new byte[16];
        sqnXorAk.CopyTo(autn, 0);
        amf.CopyTo(autn.AsSpan(6));
        macA.CopyTo(autn, 8);
        return new EutranVector(rand.ToArray(), res, autn, Kasme.Derive(ck, ik, servingNetworkId, sqnXorAk), sqn);
    }

    /// <summary>
    /// Reads a Re-Synchronization-Info (TS 29.272 §7.3.15: RAND || AUTS, 16 + 14 octets) and returns SQN_MS when
    /// AUTS is genuine: AUTS = SQN_MS ⊕ AK* || MAC-S with AK* = f5*(RAND) and MAC-S = f1*(SQN_MS, RAND, AMF = 0x0000)
    /// (TS 33.102 §6.3.3). Null when MAC-S does not match (the resynchronisation is refused).
    /// </summary>
    public static ulong? SqnFromResync(ReadOnlySpan<byte> k, ReadOnlySpan<byte> opc, ReadOnlySpan<byte> resynchronizationInfo)
    {
        if (resynchronizationInfo.Length != 30) return null;
        var rand = resynchronizationInfo[..16];
        var auts = resynchronizationInfo[16..];
        using var milenage = new Milenage(k, opc);
        var akStar = milenage.F5Star(rand);
        var sqnMs = new byte[6];
        for (var i = 0; i < 6; i++) sqnMs[i] = (byte)(auts[i] ^ akStar[i]);
        var (_, macS) = milenage.F1(rand, sqnMs, stackalloc byte[2]);
        return CryptographicOperations.FixedTimeEquals(macS, auts[6..14]) ? FromSqnBytes(sqnMs) : null;
    }

    /// <summary>Builds AUTS for SQN_MS, as a USIM does (for tests and for emulated UEs).</summary>
    public static byte[] Auts(ReadOnlySpan<byte> k, ReadOnlySpan<byte> opc, ReadOnlySpan<byte> rand, ulong sqnMs)
    {
        using var milenage = new Milenage(k, opc);
        var sqn = ToSqnBytes(sqnMs);
        var akStar = milenage.F5Star(rand);
        var (_, macS) = milenage.F1(rand, sqn, stackalloc byte[2]);
        var auts = new byte[14];
        for (var i = 0; i < 6; i++) auts[i] = (byte)(sqn[i] ^ akStar[i]);
        macS.CopyTo(auts, 6);
        return auts;
    }

    /// <summary>The SQN after <paramref name="sqn"/>: next SEQ, same IND, wrapping at 48 bits.</summary>
    public static ulong Next(ulong sqn) => (sqn + SeqStep) & SqnMask;

    /// <summary>SQN as 6 big-endian octets.</summary>
    public static byte[] ToSqnBytes(ulong sqn)
    {
        Span<byte> eight = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(eight, sqn & SqnMask);
        return eight[2..].ToArray();
    }

    /// <summary>6 big-endian octets as SQN.</summary>
    public static ulong FromSqnBytes(ReadOnlySpan<byte> sqn)
    {
        Span<byte> eight = stackalloc byte[8];
        sqn.CopyTo(eight[2..]);
        return BinaryPrimitives.ReadUInt64BigEndian(eight);
    }
}
