using System.Net;
using AkkaDiameter.Protocol.Wire;
using Xunit;

namespace AkkaDiameter.Protocol.Tests;

/// <summary>Building, reading and answering messages as an engineer writes them.</summary>
public class MessageApiTests
{
    private static DiameterMessage Ulr() => DiameterMessage.CreateRequest("ULR")
        .Add("Session-Id", "mme.epc.mnc001.mcc001.3gppnetwork.org;1;42")
        .AddGroup("Vendor-Specific-Application-Id", g => g.Add("Vendor-Id", 10415u).Add("Auth-Application-Id", 16777251u))
        .Add("Auth-Session-State", "NO_STATE_MAINTAINED")
        .Add("Origin-Host", "mme.epc.mnc001.mcc001.3gppnetwork.org")
        .Add("Origin-Realm", "epc.mnc001.mcc001.3gppnetwork.org")
        .Add("Destination-Realm", "epc.mnc001.mcc001.3gppnetwork.org")
        .Add("User-Name", "001010000000001")
        .Add("RAT-Type", "EUTRAN")
        .Add("ULR-Flags", 34u)
        .Add("Visited-PLMN-Id", new byte[] { 0x00, 0xF1, 0x10 });

    [Fact]
    public void A_request_built_by_name_has_the_command_code_application_and_flags_of_the_dictionary()
    {
        var ulr = Ulr();
        Assert.Equal((316u, 16777251u, CommandFlags.Request | CommandFlags.Proxiable), (ulr.CommandCode, ulr.ApplicationId, ulr.Flags));
        Assert.Equal("<Diameter Message: 316 [ULR] REQ PXY, 16777251 [S6a/S6d], 10 AVP(s)>", ulr.ToString());
        Assert.Null(ulr.Validate());
        var flags = ulr.Get("ULR-Flags");
        Assert.Equal(AvpFlags.Vendor | AvpFlags.Mandatory, flags.Flags);
        Assert.Equal(10415u, flags.VendorId);
        // RAT-Type: TS 29.212 §5.3.31 says M must not be set; stacks set it anyway, so it is accepted either way.
        Assert.Equal(AvpFlags.Vendor, ulr.Get("RAT-Type").Flags);
        Assert.True(ulr.Get("RAT-Type").Definition!.MandatoryLenient);
        Assert.Equal(CommandFlags.Request, DiameterMessage.CreateRequest("CER").Flags);
    }

    [Fact]
    public void Values_are_read_back_by_name_with_typed_getters()
    {
        var ulr = DiameterMessage.Decode(Ulr().Encode());
        Assert.Equal("001010000000001", ulr.GetString("User-Name"));
        Assert.Equal(1004, ulr.GetInt32("RAT-Type"));
        Assert.Equal(34u, ulr.GetUInt32("ULR-Flags"));
        Assert.Equal(10415u, ulr.GetGroup("Vendor-Specific-Application-Id").GetUInt32("Vendor-Id"));
        Assert.Null(ulr.FindString("Destination-Host"));
        Assert.Null(ulr.FindUInt32("Result-Code"));
        Assert.Equal("mme.epc.mnc001.mcc001.3gppnetwork.org;1;42", ulr.SessionId);
        var e = Assert.Throws<AvpNotFoundException>(() => ulr.GetString("Destination-Host"));
        Assert.Equal("ULR has no Destination-Host AVP", e.Message);
    }

    [Fact]
    public void A_typed_getter_on_the_wrong_format_says_why()
    {
        var ulr = DiameterMessage.Decode(Ulr().Encode());
        var e = Assert.Throws<DiameterDecodeException>(() => ulr.GetUInt64("ULR-Flags"));
        Assert.Equal(ResultCodes.InvalidAvpLength, e.Error.ResultCode);
        Assert.Contains("ULR-Flags", e.Message);
        Assert.Throws<InvalidOperationException>(() => ulr.Get("User-Name").Avps);
    }

    [Fact]
    public void The_answer_to_a_request_keeps_command_application_P_bit_and_identifiers_and_starts_with_Session_Id()
    {
        var ulr = Ulr();
        ulr.HopByHopId = 0xAABBCCDD;
        ulr.EndToEndId = 0x11223344;
        ulr.Flags |= CommandFlags.Retransmit;
        var ula = ulr.CreateAnswer().Add("Result-Code", ResultCodes.Success);
        Assert.Equal((316u, 16777251u, CommandFlags.Proxiable), (ula.CommandCode, ula.ApplicationId, ula.Flags));
        Assert.Equal((0xAABBCCDDu, 0x11223344u), (ula.HopByHopId, ula.EndToEndId));
        Assert.Equal("Session-Id", ula.Avps[0].Name);
        Assert.Equal(ulr.SessionId, ula.SessionId);
        Assert.Equal("<Diameter Message: 316 [ULA] PXY, 16777251 [S6a/S6d], 2 AVP(s)>", ula.ToString());
        Assert.Throws<InvalidOperationException>(() => ula.CreateAnswer());
    }

    [Fact]
    public void An_error_answer_carries_E_bit_for_protocol_errors_Result_Code_Error_Message_and_Failed_AVP()
    {
        var request = DiameterMessage.Decode(RawFrame.ValidUlr(code => code == 1).ToArray());
        var error = request.Validate()!;
        var answer = request.CreateErrorAnswer(error, "hss.example.org", "example.org");
        Assert.False(answer.IsError);                            // 5005 is not a protocol error
        Assert.Equal(ResultCodes.MissingAvp, answer.ResultCode);
        Assert.Contains("User-Name", answer.GetString("Error-Message"));
        var example = Assert.Single(answer.GetGroup("Failed-AVP").Avps);
        Assert.Equal((1u, 0, "User-Name"), (example.Code, example.DataLength, example.Name));

        var busy = request.CreateErrorAnswer(new DiameterError(ResultCodes.TooBusy, "overloaded"), "hss.example.org", "example.org");
        Assert.True(busy.IsError);
        Assert.Null(DiameterMessage.Decode(busy.Encode()).Validate());
    }

    [Fact]
    public void Grouped_AVPs_nest_and_are_read_as_naturally_as_flat_ones()
    {
        var ula = DiameterMessage.CreateRequest("ULR").CreateAnswer()
            .Add("Result-Code", ResultCodes.Success)
            .AddGroup("Subscription-Data", sd => sd
                .Add("MSISDN", new byte[] { 0x55, 0x11, 0x09, 0x00, 0x00, 0xF1 })
                .Add("Subscriber-Status", "SERVICE_GRANTED")
                .AddGroup("AMBR", a => a.Add("Max-Requested-Bandwidth-UL", 50_000_000u).Add("Max-Requested-Bandwidth-DL", 100_000_000u))
                .AddGroup("APN-Configuration-Profile", p => p
                    .Add("Context-Identifier", 1u)
                    .Add("All-APN-Configurations-Included-Indicator", "All_APN_CONFIGURATIONS_INCLUDED")
                    .AddGroup("APN-Configuration", c => c
                        .Add("Context-Identifier", 1u).Add("PDN-Type", "IPv4").Add("Service-Selection", "internet"))));
        var back = DiameterMessage.Decode(ula.Encode());
        var sd = back.GetGroup("Subscription-Data");
        Assert.Equal(100_000_000u, sd.GetGroup("AMBR").GetUInt32("Max-Requested-Bandwidth-DL"));
        var apn = sd.GetGroup("APN-Configuration-Profile").FindAll("APN-Configuration").Single();
        Assert.Equal("internet", apn.GetString("Service-Selection"));
        Assert.Equal(ula.Encode(), back.Encode());
    }

    [Fact]
    public void Changing_a_decoded_grouped_AVP_re_encodes_its_new_members()
    {
        var ulr = DiameterMessage.Decode(Ulr().Encode());
        var vsai = ulr.GetGroup("Vendor-Specific-Application-Id");
        vsai.RemoveAll("Auth-Application-Id");
        vsai.Add("Acct-Application-Id", 3u);
        var back = DiameterMessage.Decode(ulr.Encode());
        Assert.Equal(3u, back.GetGroup("Vendor-Specific-Application-Id").GetUInt32("Acct-Application-Id"));
        Assert.Null(back.GetGroup("Vendor-Specific-Application-Id").Find("Auth-Application-Id"));
    }

    [Fact]
    public void A_received_message_is_read_from_its_bytes_until_its_AVP_list_is_asked_for_and_changes_are_encoded()
    {
        var bytes = Ulr().Add("Destination-Host", "hss.example.com").Encode();
        var received = DiameterMessage.Decode(bytes);
        var before = GC.GetAllocatedBytesForCurrentThread();
        Assert.True(received.TryFindPayload(293, 0, out var destinationHost));
        Assert.False(received.TryFindPayload(263, 10415, out var absent));   // Session-Id's code under a vendor
        Assert.True(received.TryFindPayload(1032, 10415, out var ratType));
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);   // no AVP object, no list
        Assert.Equal("hss.example.com", System.Text.Encoding.ASCII.GetString(destinationHost.Span));
        Assert.True(absent.IsEmpty);
        Assert.Equal([0, 0, 0x03, 0xEC], ratType.ToArray());   // EUTRAN 1004
        // Found by name, typed, compared and re-encoded without the list; the bytes come back as they were.
        Assert.Equal("001010000000001", received.GetString("User-Name"));
        Assert.Equal(bytes, received.Encode());
        Assert.True(received.Clone().ContentEquals(received));
        Assert.Null(received.Validate());
        // A change goes through the list, and the encoding follows it.
        received.Add("Route-Record", "relay.example.com");
        var changed = DiameterMessage.Decode(received.Encode());
        Assert.Equal("relay.example.com", changed.GetString("Route-Record"));
        Assert.Equal(bytes.Length + received.Find("Route-Record")!.PaddedLength, changed.GetEncodedLength());
        // A built message answers the same question from its AVP objects.
        Assert.True(Ulr().TryFindPayload(1032, 10415, out var built));
        Assert.Equal(ratType.ToArray(), built.ToArray());
    }

    [Fact]
    public void A_clone_of_a_received_message_is_changed_apart_from_it()
    {
        var received = DiameterMessage.Decode(Ulr().Encode());
        var clone = received.Clone();
        clone.Add("Route-Record", "relay.example.com");
        Assert.Null(received.Find("Route-Record"));
        Assert.Equal("relay.example.com", clone.GetString("Route-Record"));
        Assert.Equal(received.GetEncodedLength() + clone.Find("Route-Record")!.PaddedLength, clone.GetEncodedLength());
    }

    [Fact]
    public void The_tree_dump_shows_names_codes_flags_vendor_typed_values_and_enum_names()
    {
        var tree = Ulr().Add("Host-IP-Address", IPAddress.Loopback).ToTreeString();
        Assert.Contains("RAT-Type (1032, vendor 10415 3GPP) [V--]: 1004 (EUTRAN)", tree);
        Assert.Contains("Auth-Session-State (277) [-M-]: 1 (NO_STATE_MAINTAINED)", tree);
        Assert.Contains("    Vendor-Id (266) [-M-]: 10415", tree);
        Assert.Contains("Visited-PLMN-Id (1407, vendor 10415 3GPP) [VM-]: 0x00f110", tree);
        Assert.Contains("Host-IP-Address (257) [-M-]: 127.0.0.1", tree);
        Assert.Contains("flags 0xC0 (REQ PXY), command 316, application 16777251", tree);
    }

    [Fact]
    public void Encoding_into_a_buffer_writer_and_a_span_gives_the_same_bytes()
    {
        var ulr = Ulr();
        var writer = new System.Buffers.ArrayBufferWriter<byte>();
        Assert.Equal(ulr.GetEncodedLength(), ulr.WriteTo(writer));
        Assert.Equal(ulr.Encode(), writer.WrittenSpan.ToArray());
        Assert.Throws<ArgumentException>(() => ulr.Encode(new byte[ulr.GetEncodedLength() - 1]));
    }

    [Fact]
    public void Unknown_AVPs_are_kept_as_raw_bytes_and_re_encoded_exactly()
    {
        var raw = new RawFrame().Add(RawFrame.Avp(65000, 0x00, [1, 2, 3], vendor: 99)).Add(RawFrame.Avp(263, 0x40, RawFrame.Text("s;1"))).ToArray();
        var m = DiameterMessage.Decode(raw);
        Assert.Equal("AVP-65000-99", m.Avps[0].Name);
        Assert.Equal(new byte[] { 1, 2, 3 }, m.Avps[0].Data.ToArray());
        Assert.Equal(raw, m.Encode());
    }
}
