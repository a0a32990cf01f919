using System.Net;
using System.Net.Sockets;
using AkkaDiameter.Protocol;
using AkkaDiameter.Protocol.DataTypes;
using AkkaDiameter.Protocol.Dictionary;
using AkkaDiameter.Protocol.Wire;
using Xunit;
using Xunit.Abstractions;

namespace AkkaDiameter.Interop.Tests;

/// <summary>
/// Our dictionary against Wireshark's: every command of the default dictionary (RFC 6733 base and TS 29.272 S6a/S6d)
/// as a request and an answer, and every AVP it defines with a value of its type, encoded by our codec, written over a
/// loopback TCP connection and dissected. A wrong code, vendor, application id or length on our side is flagged
/// (diameter.avp.code.unknown, diameter.unknown_vendor, diameter.cmd.code.unknown, diameter.applicationId.unknown,
/// diameter.avp.invalid-len ...).
/// </summary>
public sealed class DictionaryOnTheWireTests(ITestOutputHelper output)
{
    private static readonly DiameterDictionary Dictionary = DiameterDictionary.Default;

    /// <summary>TS 29.272 AVPs newer than Wireshark 4.0's dictionary (Debian 12's tshark): SF-ULR-Timestamp and
    /// SF-Provisional-Indication (Rel-15, clause 7.3.225/7.3.226). Flagged as unknown there, and only those.</summary>
    private static readonly uint[] UnknownToWireshark40 = [1729, 1730];

    [CapturedFact]
    public async Task Every_command_and_every_AVP_of_the_default_dictionary_is_known_to_Wiresharks_dissector()
    {
        var messages = new List<DiameterMessage>();
        foreach (var command in Dictionary.Commands)
        {
            messages.Add(Header(new DiameterMessage(command.Code, command.ApplicationId, CommandFlags.Request | (command.Proxiable ? CommandFlags.Proxiable : 0), Dictionary)));
            messages.Add(Header(new DiameterMessage(command.Code, command.ApplicationId, command.Proxiable ? CommandFlags.Proxiable : 0, Dictionary))
                .Add("Result-Code", ResultCodes.Success));
        }
        // Every AVP, 40 to a message, carried by a ULR (the dissector reads AVPs whatever the command's layout says).
        var avps = Dictionary.Avps.Where(a => !(a.VendorId == 10415 && UnknownToWireshark40.Contains(a.Code)))
            .OrderBy(a => a.VendorId).ThenBy(a => a.Code).ToList();
        foreach (var chunk in avps.Chunk(40))
        {
            var carrier = Header(DiameterMessage.CreateRequest("ULR"));
            foreach (var def in chunk) AddSample(carrier, def);
            messages.Add(carrier);
        }

        var (capture, port) = await Exchange("dictionary", messages);
        await using (capture)
        {
            var frames = await capture.VerifyAsync();
            var dissected = (await capture.MessagesAsync($"tcp.dstport == {port}")).Count;
            output.WriteLine($"{messages.Count} messages ({avps.Count} AVP definitions) in {frames.Count} frames; {dissected} dissected, none flagged");
            Assert.Equal(messages.Count, dissected);
        }
    }

    [CapturedFact]
    public async Task The_AVPs_newer_than_Wiresharks_dictionary_are_the_only_ones_it_calls_unknown()
    {
        var carrier = Header(DiameterMessage.CreateRequest("ULR"));
        foreach (var code in UnknownToWireshark40) AddSample(carrier, Dictionary.FindAvp(code, 10415)!);
        var (capture, _) = await Exchange("dictionary-newer", [carrier]);
        await using (capture)
        {
            var flagged = Assert.Single(await capture.FlaggedAsync());
            var unknown = System.Text.RegularExpressions.Regex.Matches(flagged, @"Unknown AVP (\d+) \(vendor=3GPP\)")
                .Select(m => uint.Parse(m.Groups[1].Value));
            Assert.Equal(UnknownToWireshark40, unknown);
            Assert.DoesNotContain("Malformed", flagged);
        }
    }

    /// <summary>Writes the messages over a loopback connection with the capture running; the capture is stopped
    /// once the other side has read every byte.</summary>
    private static async Task<(WireCapture Capture, int Port)> Exchange(string name, IReadOnlyList<DiameterMessage> messages)
    {
        var port = Loopback.FreePort();
        var capture = await WireCapture.StartAsync(name, port);
        var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();
        using (var client = new TcpClient())
        {
            await client.ConnectAsync(IPAddress.Loopback, port);
            using var server = await listener.AcceptTcpClientAsync();
            var stream = client.GetStream();
            uint hop = 1;
            var total = 0;
            foreach (var m in messages)
            {
                m.HopByHopId = m.EndToEndId = hop++;
                var bytes = m.Encode();
                total += bytes.Length;
                await stream.WriteAsync(bytes);
            }
            var buffer = new byte[64 * 1024];
            var read = 0;
            var serverStream = server.GetStream();
            while (read < total) read += await serverStream.ReadAsync(buffer);
        }
        listener.Stop();
        await capture.StopAsync();
        return (capture, port);
    }

    private static DiameterMessage Header(DiameterMessage m) => m
        .Add("Session-Id", "akka.localdomain;1;1")
        .Add("Origin-Host", "akka.localdomain").Add("Origin-Realm", "localdomain");

    /// <summary>Adds a well-formed value of the AVP's type: what a dissector checks lengths and formats against.</summary>
    private static DiameterMessage AddSample(DiameterMessage m, AvpDefinition def) => def.Type switch
    {
        AvpDataType.Grouped => m.AddGroup(def.Name, _ => { }),
        AvpDataType.Integer32 or AvpDataType.Enumerated => m.Add(def.Name, (int)(def.Values.Count > 0 ? def.Values.Keys.Min() : 1)),
        AvpDataType.Unsigned32 => m.Add(def.Name, (uint)(def.Values.Count > 0 ? def.Values.Keys.Min() : 1)),
        AvpDataType.Integer64 => m.Add(def.Name, 1L),
        AvpDataType.Unsigned64 => m.Add(def.Name, 1UL),
        AvpDataType.Float32 => m.Add(def.Name, 1.5f),
        AvpDataType.Float64 => m.Add(def.Name, 1.5d),
        AvpDataType.Address => m.Add(def.Name, IPAddress.Loopback),
        AvpDataType.Time => m.Add(def.Name, new DateTime(2026, 11, 27, 12, 0, 0, DateTimeKind.Utc)),
        // Digits: the dissector reads User-Name in S6a as an IMSI.
        AvpDataType.UTF8String => m.Add(def.Name, "001010000000001"),
        AvpDataType.DiameterIdentity => m.Add(def.Name, "akka.localdomain"),
        AvpDataType.DiameterURI => m.Add(def.Name, "aaa://akka.localdomain:3868;transport=tcp"),
        AvpDataType.IPFilterRule => m.Add(def.Name, "permit out ip from any to any"),
        // Octets that also read as a PLMN (MCC 001, MNC 01) and as TBCD digits, for the AVPs the dissector decodes.
        _ => m.Add(def.Name, new byte[] { 0x00, 0xF1, 0x10 }),
    };
}
