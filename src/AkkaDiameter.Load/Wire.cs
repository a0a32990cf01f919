using System.Buffers.Binary;
using System.Net;
using System.Text;
using AkkaDiameter.Protocol;

namespace AkkaDiameter.Load;

/// <summary>
/// A request encoded once with placeholders, copied and patched per send: Hop-by-Hop and End-to-End (RFC 6733 §3),
/// the Session-Id counter and the IMSI in User-Name, all fixed-width so no length changes. Building each request
/// through the message API would cost the generator more than the node it measures.
/// </summary>
internal sealed class RequestTemplate
{
    private const int CounterDigits = 12;
    private readonly byte[] _bytes;
    private readonly int _sessionOffset, _imsiOffset, _imsiLength;

    /// <summary>The command code.</summary>
    public uint CommandCode { get; }

    /// <summary>The encoded length.</summary>
    public int Length => _bytes.Length;

    private RequestTemplate(byte[] bytes, uint commandCode, int sessionOffset, int imsiOffset, int imsiLength)
    {
        _bytes = bytes;
        CommandCode = commandCode;
        _sessionOffset = sessionOffset;
        _imsiOffset = imsiOffset;
        _imsiLength = imsiLength;
    }

    /// <summary>Builds the template of one S6a request (TS 29.272 §7.2) for a peer.</summary>
    public static RequestTemplate Create(string command, string originHost, string originRealm, string destinationRealm,
        string? destinationHost, int imsiLength, byte[] visitedPlmn)
    {
        var sessionPlaceholder = $"{originHost};{new string('S', CounterDigits)}";
        var imsiPlaceholder = new string('U', imsiLength);
        var m = DiameterMessage.CreateRequest(command)
            .Add("Session-Id", sessionPlaceholder)
            .AddGroup("Vendor-Specific-Application-Id", g => g.Add("Vendor-Id", 10415u).Add("Auth-Application-Id", 16777251u))
            .Add("Auth-Session-State", 1 /* NO_STATE_MAINTAINED */)
            .Add("Origin-Host", originHost).Add("Origin-Realm", originRealm);
        if (destinationHost is not null) m.Add("Destination-Host", destinationHost);
        m.Add("Destination-Realm", destinationRealm).Add("User-Name", imsiPlaceholder);
        switch (command)
        {
            case "ULR":
                // RAT-Type EUTRAN; ULR-Flags S6a/S6d-Indicator | Initial-Attach-Indicator.
                m.Add("RAT-Type", 1004).Add("ULR-Flags", 0x22u).Add("Visited-PLMN-Id", visitedPlmn);
                break;
            case "AIR":
                m.AddGroup("Requested-EUTRAN-Authentication-Info", g => g.Add("Number-Of-Requested-Vectors", 1u).Add("Immediate-Response-Preferred", 1u))
                    .Add("Visited-PLMN-Id", visitedPlmn);
                break;
            case "NOR":
                m.Add("NOR-Flags", (1u << 3) | (1u << 8));   // UE Reachable from MME, S6a/S6d-Indicator
                break;
            case "PUR":
                m.Add("PUR-Flags", 1u);                      // UE-Purged-in-MME
                break;
            default:
                throw new ArgumentException($"no template for {command}", nameof(command));
        }
        var bytes = m.Encode();
        var sessionOffset = IndexOf(bytes, Encoding.ASCII.GetBytes(sessionPlaceholder)) + originHost.Length + 1;
        var imsiOffset = IndexOf(bytes, Encoding.ASCII.GetBytes(imsiPlaceholder));
        return new RequestTemplate(bytes, m.CommandCode, sessionOffset, imsiOffset, imsiLength);
    }

    private static int IndexOf(byte[] haystack, byte[] needle)
    {
        var i = haystack.AsSpan().IndexOf(needle);
        return i >= 0 ? i : throw new InvalidOperationException("placeholder not found in the encoded template");
    }

    /// <summary>Writes the request into <paramref name="destination"/>; returns its length.</summary>
    public int WriteTo(Span<byte> destination, uint hopByHop, uint endToEnd, ulong session, ulong imsi)
    {
        _bytes.CopyTo(destination);
        BinaryPrimitives.WriteUInt32BigEndian(destination[12..], hopByHop);
        BinaryPrimitives.WriteUInt32BigEndian(destination[16..], endToEnd);
        WriteDigits(destination.Slice(_sessionOffset, CounterDigits), session);
        WriteDigits(destination.Slice(_imsiOffset, _imsiLength), imsi);
        return _bytes.Length;
    }

    private static void WriteDigits(Span<byte> destination, ulong value)
    {
        for (var i = destination.Length - 1; i >= 0; i--)
        {
            destination[i] = (byte)('0' + value % 10);
            value /= 10;
        }
    }
}

/// <summary>What the generator reads of a received message: the header and, for answers, the result.</summary>
internal readonly record struct Received(bool IsRequest, uint CommandCode, uint HopByHop, uint EndToEnd, uint ResultCode,
    bool Experimental = false)
{
    /// <summary>Reads the header and scans the top-level AVPs for Result-Code (268) or Experimental-Result (297) /
    /// Experimental-Result-Code (298), RFC 6733 §7.1 and TS 29.272 §7.4; 0 when neither is there.
    /// <see cref="Experimental"/> says which it was: the same number names different results in the two.</summary>
    public static Received Read(ReadOnlySpan<byte> frame)
    {
        var flags = frame[4];
        var command = BinaryPrimitives.ReadUInt32BigEndian(frame[4..]) & 0xFF_FFFF;
        var hbh = BinaryPrimitives.ReadUInt32BigEndian(frame[12..]);
        var e2e = BinaryPrimitives.ReadUInt32BigEndian(frame[16..]);
        var (result, experimental) = (flags & 0x80) != 0 ? (0u, false) : FindResult(frame[20..]);
        return new Received((flags & 0x80) != 0, command, hbh, e2e, result, experimental);
    }

    private static (uint Code, bool Experimental) FindResult(ReadOnlySpan<byte> avps)
    {
        uint experimental = 0;
        while (avps.Length >= 8)
        {
            var code = BinaryPrimitives.ReadUInt32BigEndian(avps);
            var length = (int)(BinaryPrimitives.ReadUInt32BigEndian(avps[4..]) & 0xFF_FFFF);
            var header = (avps[4] & 0x80) != 0 ? 12 : 8;
            if (length < header || length > avps.Length) break;
            var data = avps[header..length];
            if (code == 268 && data.Length == 4) return (BinaryPrimitives.ReadUInt32BigEndian(data), false);
            if (code == 297) experimental = FindResultIn(data);
            avps = avps[Math.Min(avps.Length, (length + 3) & ~3)..];
        }
        return (experimental, experimental != 0);
    }

    private static uint FindResultIn(ReadOnlySpan<byte> group)
    {
        while (group.Length >= 8)
        {
            var code = BinaryPrimitives.ReadUInt32BigEndian(group);
            var length = (int)(BinaryPrimitives.ReadUInt32BigEndian(group[4..]) & 0xFF_FFFF);
            var header = (group[4] & 0x80) != 0 ? 12 : 8;
            if (length < header || length > group.Length) break;
            if (code == 298 && length - header == 4) return BinaryPrimitives.ReadUInt32BigEndian(group[header..]);
            group = group[Math.Min(group.Length, (length + 3) & ~3)..];
        }
        return 0;
    }
}

/// <summary>The base messages a peer needs (RFC 6733 §5.3-5.5), built with the message API: they are rare.</summary>
internal static class BaseMessages
{
    public static byte[] Cer(string originHost, string originRealm, IPAddress hostIp, uint hopByHop) =>
        Stamp(DiameterMessage.CreateRequest("CER")
            .Add("Origin-Host", originHost).Add("Origin-Realm", originRealm).Add("Host-IP-Address", hostIp)
            .Add("Vendor-Id", 0u).Add("Product-Name", "akka-diameter load")
            .Add("Supported-Vendor-Id", 10415u)
            .AddGroup("Vendor-Specific-Application-Id", g => g.Add("Vendor-Id", 10415u).Add("Auth-Application-Id", 16777251u)), hopByHop);

    public static byte[] Dpr(string originHost, string originRealm, uint hopByHop) =>
        Stamp(DiameterMessage.CreateRequest("DPR").Add("Origin-Host", originHost).Add("Origin-Realm", originRealm)
            .Add("Disconnect-Cause", 0 /* REBOOTING */), hopByHop);

    /// <summary>A 2001 answer to a request the server sent: DWA, DPA, or CLA/IDA/DSA/RSA.</summary>
    public static byte[] AnswerTo(ReadOnlyMemory<byte> request, string originHost, string originRealm)
    {
        var decoded = DiameterMessage.Decode(request);
        var answer = decoded.CreateAnswer();
        answer.RemoveAll("Result-Code");
        answer.Add("Result-Code", ResultCodes.Success).Add("Origin-Host", originHost).Add("Origin-Realm", originRealm);
        // An application answer (TS 29.272 §7.2: CLA, IDA, DSA, RSA) carries Auth-Session-State.
        if (decoded.ApplicationId != 0) answer.Add("Auth-Session-State", 1);
        return answer.Encode();
    }

    private static byte[] Stamp(DiameterMessage m, uint hopByHop)
    {
        var bytes = m.Encode();
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(12), hopByHop);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(16), hopByHop);
        return bytes;
    }

    /// <summary>TS 29.272 §7.3.9 Visited-PLMN-Id octets for MCC+MNC digits (as TS 24.008 §10.5.1.13).</summary>
    public static byte[] PlmnId(string digits)
    {
        int D(int i) => digits[i] - '0';
        var mnc3 = digits.Length == 6 ? D(5) : 0xF;
        return [(byte)((D(1) << 4) | D(0)), (byte)((mnc3 << 4) | D(2)), (byte)((D(4) << 4) | D(3))];
    }
}
