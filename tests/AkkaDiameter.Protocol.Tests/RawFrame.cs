using System.Buffers.Binary;
using System.Text;

namespace AkkaDiameter.Protocol.Tests;

/// <summary>Builds Diameter bytes by hand, including wrong ones, without going through the codec under test.</summary>
public sealed class RawFrame
{
    private readonly List<byte> _body = [];
    public byte Version { get; init; } = 1;
    public byte Flags { get; init; } = 0xC0;
    public uint CommandCode { get; init; } = 316;
    public uint ApplicationId { get; init; } = 16777251;
    public int? LengthOverride { get; init; }

    public static byte[] Avp(uint code, byte flags, byte[] data, uint? vendor = null, int? lengthOverride = null, bool pad = true)
    {
        var header = vendor is null ? 8 : 12;
        var length = header + data.Length;
        var bytes = new List<byte>();
        var b = new byte[header];
        BinaryPrimitives.WriteUInt32BigEndian(b, code);
        b[4] = (byte)(vendor is null ? flags : flags | 0x80);
        var l = lengthOverride ?? length;
        b[5] = (byte)(l >> 16); b[6] = (byte)(l >> 8); b[7] = (byte)l;
        if (vendor is { } v) BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(8), v);
        bytes.AddRange(b);
        bytes.AddRange(data);
        if (pad) while (bytes.Count % 4 != 0) bytes.Add(0);
        return bytes.ToArray();
    }

    public static byte[] U32(uint v) { var b = new byte[4]; BinaryPrimitives.WriteUInt32BigEndian(b, v); return b; }
    public static byte[] Text(string s) => Encoding.UTF8.GetBytes(s);

    public RawFrame Add(byte[] avpBytes) { _body.AddRange(avpBytes); return this; }
    public RawFrame Add(uint code, byte flags, byte[] data, uint? vendor = null) => Add(Avp(code, flags, data, vendor));

    /// <summary>A ULR with every AVP its layout requires (TS 29.272 §7.2.3), built by hand.</summary>
    public static RawFrame ValidUlr(Func<uint, bool>? skip = null)
    {
        var f = new RawFrame();
        void A(uint code, byte[] data, uint? vendor = null, byte flags = 0x40)
        {
            if (skip?.Invoke(code) != true) f.Add(code, flags, data, vendor);
        }
        A(263, Text("mme.example.org;1;1"));
        A(277, U32(1));
        A(264, Text("mme.example.org"));
        A(296, Text("example.org"));
        A(283, Text("example.org"));
        A(1, Text("001010000000001"));
        A(1032, U32(1004), 10415);
        A(1405, U32(34), 10415);
        A(1407, [0x00, 0xF1, 0x10], 10415);
        return f;
    }

    public byte[] ToArray()
    {
        var length = 20 + _body.Count;
        var h = new byte[20];
        h[0] = Version;
        var l = LengthOverride ?? length;
        h[1] = (byte)(l >> 16); h[2] = (byte)(l >> 8); h[3] = (byte)l;
        h[4] = Flags;
        h[5] = (byte)(CommandCode >> 16); h[6] = (byte)(CommandCode >> 8); h[7] = (byte)CommandCode;
        BinaryPrimitives.WriteUInt32BigEndian(h.AsSpan(8), ApplicationId);
        BinaryPrimitives.WriteUInt32BigEndian(h.AsSpan(12), 0x11223344);
        BinaryPrimitives.WriteUInt32BigEndian(h.AsSpan(16), 0x55667788);
        return [.. h, .. _body];
    }
}
