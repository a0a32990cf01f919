using System.Buffers;
using AkkaDiameter.Protocol;
using AkkaDiameter.Protocol.Validation;
using BenchmarkDotNet.Attributes;

namespace AkkaDiameter.Benchmarks;

/// <summary>
/// Encode and decode of a full ULR (the Erlang/OTP capture "ULR-opt": 16 AVPs, three of them grouped, 448 bytes) and
/// of a ULA with Subscription-Data (an APN-Configuration-Profile with two APNs, AMBR, QoS; built here). The baseline
/// copies the same bytes, so the ratios say what the codec costs above touching the frame once.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(warmupCount: 3, iterationCount: 12)]
public class CodecBenchmarks
{
    private byte[] _ulr = [];
    private byte[] _ula = [];
    private DiameterMessage _decodedUlr = null!;
    private DiameterMessage _builtUla = null!;
    private byte[] _buffer = [];

    [GlobalSetup]
    public void Setup()
    {
        _ulr = LoadUlr();
        _decodedUlr = DiameterMessage.Decode(_ulr);
        _builtUla = BuildUla();
        _ula = _builtUla.Encode();
        _buffer = new byte[64 * 1024];
        if (MessageValidator.Validate(DiameterMessage.Decode(_ula)) is { } e) throw new InvalidOperationException(e.ToString());
    }

    // Erlang/OTP diameter 2.2.7 capture, shared/reference/captures/erlang.hex, first line labelled ULR-opt.
    internal static byte[] LoadUlr() => Convert.FromHexString(File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "erlang.hex"))
        .First(l => l.StartsWith("ULR-opt\t", StringComparison.Ordinal)).Split('\t')[1]);

    internal static DiameterMessage BuildUla() => DiameterMessage.CreateRequest("ULR").CreateAnswer()
        .Add("Session-Id", "mme.epc.mnc001.mcc001.3gppnetwork.org;1;42")
        .AddGroup("Vendor-Specific-Application-Id", g => g.Add("Vendor-Id", 10415u).Add("Auth-Application-Id", 16777251u))
        .Add("Result-Code", ResultCodes.Success)
        .Add("Auth-Session-State", "NO_STATE_MAINTAINED")
        .Add("Origin-Host", "hss.epc.mnc001.mcc001.3gppnetwork.org")
        .Add("Origin-Realm", "epc.mnc001.mcc001.3gppnetwork.org")
        .Add("ULA-Flags", 1u)
        .AddGroup("Subscription-Data", sd => sd
            .Add("MSISDN", new byte[] { 0x55, 0x11, 0x09, 0x00, 0x00, 0xF1 })
            .Add("Subscriber-Status", "SERVICE_GRANTED")
            .Add("Network-Access-Mode", "ONLY_PACKET")
            .Add("Access-Restriction-Data", 0u)
            .AddGroup("AMBR", a => a.Add("Max-Requested-Bandwidth-UL", 50_000_000u).Add("Max-Requested-Bandwidth-DL", 100_000_000u))
            .AddGroup("APN-Configuration-Profile", p => p
                .Add("Context-Identifier", 1u)
                .Add("All-APN-Configurations-Included-Indicator", "All_APN_CONFIGURATIONS_INCLUDED")
                .AddGroup("APN-Configuration", c => Apn(c, 1, "internet"))
                .AddGroup("APN-Configuration", c => Apn(c, 2, "ims")))
            .Add("Subscribed-Periodic-RAU-TAU-Timer", 720u));

    private static void Apn(Avp c, uint id, string name) => c
        .Add("Context-Identifier", id).Add("PDN-Type", "IPv4v6").Add("Service-Selection", name)
        .AddGroup("EPS-Subscribed-QoS-Profile", q => q
            .Add("QoS-Class-Identifier", 9)
            .AddGroup("Allocation-Retention-Priority", arp => arp
                .Add("Priority-Level", 8u).Add("Pre-emption-Capability", 1).Add("Pre-emption-Vulnerability", 0)))
        .AddGroup("AMBR", a => a.Add("Max-Requested-Bandwidth-UL", 50_000_000u).Add("Max-Requested-Bandwidth-DL", 100_000_000u));

    [Benchmark(Baseline = true, Description = "copy ULR bytes (baseline)")]
    public int CopyUlr()
    {
        _ulr.AsSpan().CopyTo(_buffer);
        return _ulr.Length;
    }

    [Benchmark(Description = "ULR decode")]
    public DiameterMessage DecodeUlr() => DiameterMessage.Decode(_ulr);

    [Benchmark(Description = "ULR encode (pooled buffer)")]
    public int EncodeUlr() => _decodedUlr.Encode(_buffer);

    [Benchmark(Description = "ULR decode + encode")]
    public int DecodeEncodeUlr() => DiameterMessage.Decode(_ulr).Encode(_buffer);

    [Benchmark(Description = "ULR decode + read 4 AVPs + encode")]
    public int DecodeReadEncodeUlr()
    {
        var m = DiameterMessage.Decode(_ulr);
        var n = m.GetString("User-Name").Length + m.GetInt32("RAT-Type") + (int)m.GetUInt32("ULR-Flags") + m.GetBytes("Visited-PLMN-Id").Length;
        return n + m.Encode(_buffer);
    }

    [Benchmark(Description = "ULR decode + validate")]
    public DiameterError? DecodeValidateUlr() => MessageValidator.Validate(DiameterMessage.Decode(_ulr));

    [Benchmark(Description = "ULA+Subscription-Data decode + validate")]
    public DiameterError? DecodeValidateUla() => MessageValidator.Validate(DiameterMessage.Decode(_ula));

    [Benchmark(Description = "ULA+Subscription-Data encode (pooled buffer)")]
    public int EncodeUla()
    {
        var buffer = ArrayPool<byte>.Shared.Rent(_builtUla.GetEncodedLength());
        var n = _builtUla.Encode(buffer);
        ArrayPool<byte>.Shared.Return(buffer);
        return n;
    }

    [Benchmark(Description = "ULA+Subscription-Data build + encode")]
    public int BuildEncodeUla() => BuildUla().Encode(_buffer);
}
