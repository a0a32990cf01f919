using System.Security.Cryptography;

namespace AkkaDiameter.S6a.Security;

/// <summary>
/// The MILENAGE algorithm set (3GPP TS 35.206 §4.1): f1, f1*, f2, f3, f4, f5 and f5* over AES-128 as the kernel
/// E_K, with the standard constants c1..c5 and r1..r5 (TS 35.206 §4.1). Tested against every test set of TS 35.208.
/// </summary>
public sealed class Milenage : IDisposable
{
    private readonly Aes _aes;
    // One AES context for all of this instance's blocks: Aes.EncryptEcb makes (and keys) a new one per call, which
    // cost more than the block itself.
    private readonly ICryptoTransform _encryptor;
    private readonly byte[] _opc;
    // f1 and f2..f5 of one vector start from the same TEMP = E_K(RAND ⊕ OPc): computed once per RAND.
    private readonly byte[] _lastRand = new byte[16];
    private byte[]? _lastTemp;

    /// <summary>A MILENAGE instance for subscriber key <paramref name="k"/> and its OPc (both 16 octets).</summary>
    public Milenage(ReadOnlySpan<byte> k, ReadOnlySpan<byte> opc)
    {
        if (k.Length != 16) throw new ArgumentException("K is 16 octets (TS 35.206 §2.3)", nameof(k));
        if (opc.Length != 16) throw new ArgumentException("OPc is 16 octets (TS 35.206 §2.3)", nameof(opc));
        _aes = Aes.Create();
        _aes.Key = k.ToArray();
        _aes.Mode = CipherMode.ECB;
        _aes.Padding = PaddingMode.None;
        _encryptor = _aes.CreateEncryptor();
        _opc = opc.ToArray();
    }

    /// <summary>OPc = OP ⊕ E_K(OP) (TS 35.206 §4.1).</summary>
    public static byte[] ComputeOpc(ReadOnlySpan<byte> k, ReadOnlySpan<byte> op)
    {
        using var aes = Aes.Create();
        aes.Key = k.ToArray();
        var opc = aes.EncryptEcb(op.ToArray(), PaddingMode.None);
        for (var i = 0; i < 16; i++) opc[i] ^= op[i];
        return opc;
    }

    /// <summary>f1 and f1*: the network authentication code MAC-A and the resynchronisation code MAC-S (8 octets
    /// each) for RAND, SQN (6 octets) and AMF (2 octets).</summary>
    public (byte[] MacA, byte[] MacS) F1(ReadOnlySpan<byte> rand, ReadOnlySpan<byte> sqn, ReadOnlySpan<byte> amf)
    {
        if (sqn.Length != 6) throw new ArgumentException("SQN is 6 octets", nameof(sqn));
        if (amf.Length != 2) throw new ArgumentException("AMF is 2 octets", nameof(amf));
        var temp = Temp(rand);
        // IN1 = SQN || AMF || SQN || AMF; OUT1 = E_K(TEMP ⊕ rot(IN1 ⊕ OPc, r1) ⊕ c1) ⊕ OPc, r1 = 64, c1 = 0.
        Span<byte> in1 = stackalloc byte[16];
        sqn.CopyTo(in1); amf.CopyTo(in1[6..]); sqn.CopyTo(in1[8..]); amf.CopyTo(in1[14..]);
        Span<byte> block = stackalloc byte[16];
        for (var i = 0; i < 16; i++) block[(i + 8) % 16] = (byte)(in1[i] ^ _opc[i]);   // rotate left by 64 bits
        for (var i = 0; i < 16; i++) block[i] ^= temp[i];
        var out1 = Encrypt(block);
        for (var i = 0; i < 16; i++) out1[i] ^= _opc[i];
        return (out1[..8], out1[8..]);
    }

    /// <summary>f2..f5: RES (8 octets), CK and IK (16 each) and AK (6) for RAND.</summary>
    public (byte[] Res, byte[] Ck, byte[] Ik, byte[] Ak) F2345(ReadOnlySpan<byte> rand)
    {
        var temp = Temp(rand);
        var out2 = Out(temp, rotateBytes: 0, c: 1);    // r2 = 0, c2 = ...01
        var out3 = Out(temp, rotateBytes: 4, c: 2);    // r3 = 32, c3 = ...02
        var out4 = Out(temp, rotateBytes: 8, c: 4);    // r4 = 64, c4 = ...04
        return (out2[8..16], out3, out4, out2[..6]);
    }

    /// <summary>f5*: the anonymity key AK* (6 octets) used to conceal SQN_MS in AUTS.</summary>
    public byte[] F5Star(ReadOnlySpan<byte> rand) => Out(Temp(rand), rotateBytes: 12, c: 8)[..6];   // r5 = 96, c5 = ...08

    private byte[] Temp(ReadOnlySpan<byte> rand)
    {
        if (rand.Length != 16) throw new ArgumentException("RAND is 16 octets", nameof(rand));
        if (_lastTemp is not null && rand.SequenceEqual(_lastRand)) return _lastTemp;
        Span<byte> x = stackalloc byte[16];
        for (var i = 0; i < 16; i++) x[i] = (byte)(rand[i] ^ _opc[i]);
        var temp = Encrypt(x);
        rand.CopyTo(_lastRand);
        return _lastTemp = temp;
    }

    // OUTn = E_K(rot(TEMP ⊕ OPc, rn) ⊕ cn) ⊕ OPc, where cn has its only set bits in the last octet.
    private byte[] Out(byte[] temp, int rotateBytes, byte c)
    {
        Span<byte> block = stackalloc byte[16];
        for (var i = 0; i < 16; i++) block[(i + 16 - rotateBytes) % 16] = (byte)(temp[i] ^ _opc[i]);
        block[15] ^= c;
        var output = Encrypt(block);
        for (var i = 0; i < 16; i++) output[i] ^= _opc[i];
        return output;
    }

    private byte[] Encrypt(ReadOnlySpan<byte> block)
    {
        var input = block.ToArray();
        var output = new byte[16];
        _encryptor.TransformBlock(input, 0, 16, output, 0);
        return output;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _encryptor.Dispose();
        _aes.Dispose();
    }
}
