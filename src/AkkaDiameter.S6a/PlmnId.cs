namespace AkkaDiameter.S6a;

/// <summary>
/// A PLMN identity as MCC and MNC digits, and its 3-octet encoding used by Visited-PLMN-Id (TS 29.272 §7.3.9, coded
/// as TS 23.003 / TS 24.008 §10.5.1.13): MCC2 MCC1 | MNC3 MCC3 | MNC2 MNC1, with MNC3 = F for a 2-digit MNC.
/// </summary>
public sealed record PlmnId(string Mcc, string Mnc)
{
    /// <summary>Parses MCC+MNC digits, e.g. "00101" (MCC 001, MNC 01) or "310410" (MCC 310, MNC 410).</summary>
    public static PlmnId Parse(string digits)
    {
        if (digits is null || digits.Length is not (5 or 6) || !digits.All(char.IsAsciiDigit))
            throw new FormatException($"a PLMN id is MCC (3 digits) + MNC (2 or 3 digits), e.g. 00101; got '{digits}'");
        return new PlmnId(digits[..3], digits[3..]);
    }

    /// <summary>The 3 octets.</summary>
    public byte[] ToBytes()
    {
        int D(string s, int i) => s[i] - '0';
        var mnc3 = Mnc.Length == 3 ? D(Mnc, 2) : 0xF;
        return [(byte)((D(Mcc, 1) << 4) | D(Mcc, 0)), (byte)((mnc3 << 4) | D(Mcc, 2)), (byte)((D(Mnc, 1) << 4) | D(Mnc, 0))];
    }

    /// <summary>Reads the 3 octets.</summary>
    public static PlmnId FromBytes(ReadOnlySpan<byte> b)
    {
        if (b.Length != 3) throw new FormatException($"a PLMN id is 3 octets, got {b.Length}");
        char C(int nibble) => nibble <= 9 ? (char)('0' + nibble) : throw new FormatException($"PLMN id digit {nibble:X} is not a digit");
        var mcc = $"{C(b[0] & 0xF)}{C(b[0] >> 4)}{C(b[1] & 0xF)}";
        var mnc3 = b[1] >> 4;
        var mnc = $"{C(b[2] & 0xF)}{C(b[2] >> 4)}" + (mnc3 == 0xF ? "" : C(mnc3).ToString());
        return new PlmnId(mcc, mnc);
    }

    /// <summary>MCC+MNC digits.</summary>
    public override string ToString() => Mcc + Mnc;
}
