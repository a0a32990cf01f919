using Xunit;

namespace AkkaDiameter.Protocol.Tests;

/// <summary>The README's C# example, kept compiling and true: the bromelia mme.py ULR and hss.py ULA, built with
/// this library (see shared/reference/bromelia-diameter-app1.md).</summary>
public class ReadmeExampleTests
{
    [Fact]
    public void The_README_ULR_and_ULA_example_works_as_written()
    {
        // --- README example start ---
        // MME side: the ULR of bromelia's examples/mme.py.
        var ulr = DiameterMessage.CreateRequest("ULR")              // 316, application 16777251, REQ PXY
            .Add("Session-Id", "mme.epc.mynetwork.com;1;1")
            .Add("Auth-Session-State", "NO_STATE_MAINTAINED")
            .Add("Origin-Host", "mme.epc.mynetwork.com")
            .Add("Origin-Realm", "epc.mynetwork.com")
            .Add("Destination-Realm", "epc.mynetwork.com")
            .Add("User-Name", "123456789123456")
            .Add("RAT-Type", "EUTRAN")
            .Add("ULR-Flags", 3u)
            .Add("Visited-PLMN-Id", new byte[] { 0x27, 0xF4, 0x80 });
        byte[] wire = ulr.Encode();

        // HSS side: decode, check, answer (bromelia's examples/hss.py).
        var request = DiameterMessage.Decode(wire);                 // throws DiameterDecodeException (5011, 5014, 5015, 3008)
        DiameterMessage ula;
        if (request.Validate() is { } error)                        // 5005, 5001, 5004, 5009, ... with Failed-AVP
            ula = request.CreateErrorAnswer(error, "hss.epc.mynetwork.com", "epc.mynetwork.com");
        else
            ula = request.CreateAnswer()                            // same command, ids copied, Session-Id first
                .Add("Result-Code", ResultCodes.Success)
                .Add("Origin-Host", "hss.epc.mynetwork.com")
                .Add("Origin-Realm", "epc.mynetwork.com")
                .Add("Auth-Session-State", "NO_STATE_MAINTAINED")
                .AddGroup("Vendor-Specific-Application-Id", g => g
                    .Add("Vendor-Id", 10415u)
                    .Add("Auth-Application-Id", 16777251u))
                .AddGroup("Supported-Features", g => g
                    .Add("Vendor-Id", 10415u)
                    .Add("Feature-List-ID", 1u)
                    .Add("Feature-List", 402653191u))
                .Add("ULA-Flags", 1u);                               // in the dictionary: no raw AVP needed
        Console.WriteLine(request.GetString("User-Name"));          // 123456789123456
        Console.WriteLine(ula);            // <Diameter Message: 316 [ULA] PXY, 16777251 [S6a/S6d], 8 AVP(s)>
        Console.WriteLine(ula.ToTreeString());
        // --- README example end ---

        Assert.Equal("<Diameter Message: 316 [ULA] PXY, 16777251 [S6a/S6d], 8 AVP(s)>", ula.ToString());
        Assert.Null(DiameterMessage.Decode(ula.Encode()).Validate());
        // bromelia's HSS answered with the same eight AVPs (shared/reference/captures/bromelia.hex, ULA).
        var bromeliaUla = DiameterMessage.Decode(Captures.Get("bromelia", "ULA").Bytes);
        Assert.Equal(bromeliaUla.Avps.Select(a => a.Name).Order(), ula.Avps.Select(a => a.Name).Order());
        Assert.Equal(bromeliaUla.GetGroup("Supported-Features").GetUInt32("Feature-List"), ula.GetGroup("Supported-Features").GetUInt32("Feature-List"));
    }
}
