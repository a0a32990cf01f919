using AkkaDiameter.Protocol.Validation;
using AkkaDiameter.Protocol.Wire;
using Xunit;

namespace AkkaDiameter.Protocol.Tests;

/// <summary>Each Result-Code of RFC 6733 §7.1 the codec reports, from a frame crafted by hand (RawFrame), with the
/// Failed-AVP content §7.5 prescribes.</summary>
public class ValidationTests
{
    private static DiameterError DecodeError(byte[] bytes)
    {
        Assert.False(DiameterMessage.TryDecode(bytes, Dictionary.DiameterDictionary.Default, out var m, out var e));
        Assert.Null(m);
        return e!;
    }

    private static DiameterError ValidationError(RawFrame frame)
    {
        var message = DiameterMessage.Decode(frame.ToArray());
        return Assert.IsType<DiameterError>(message.Validate());
    }

    [Fact]
    public void A_hand_built_ULR_with_every_required_AVP_is_valid() =>
        Assert.Empty(MessageValidator.ValidateAll(DiameterMessage.Decode(RawFrame.ValidUlr().ToArray())));

    [Fact]
    public void Missing_required_AVP_is_5005_with_a_zero_filled_example_in_Failed_AVP()
    {
        var e = ValidationError(RawFrame.ValidUlr(code => code == 1405));   // no ULR-Flags
        Assert.Equal(ResultCodes.MissingAvp, e.ResultCode);
        Assert.Equal("DIAMETER_MISSING_AVP", e.ResultCodeName);
        Assert.Contains("ULR-Flags", e.Reason);
        // §7.5: "an example of the missing AVP complete with the Vendor-Id if applicable ... of correct minimum
        // length and contain zeroes".
        Assert.Equal((1405u, 10415u, 4), (e.FailedAvp!.Code, e.FailedAvp.VendorId, e.FailedAvp.DataLength));
        Assert.All(e.FailedAvp.Data.ToArray(), b => Assert.Equal(0, b));
        Assert.Equal(316u, e.Header!.Value.CommandCode);
    }

    [Fact]
    public void Missing_Session_Id_fixed_AVP_is_5005()
    {
        var e = ValidationError(RawFrame.ValidUlr(code => code == 263));
        Assert.Equal(ResultCodes.MissingAvp, e.ResultCode);
        Assert.Equal("Session-Id", e.FailedAvp!.Name);
    }

    [Fact]
    public void Missing_member_of_a_grouped_AVP_is_5005_with_the_group_wrapped_around_the_example()
    {
        var f = RawFrame.ValidUlr().Add(RawFrame.Avp(628, 0x80, RawFrame.Avp(266, 0x40, RawFrame.U32(10415)), vendor: 10415));
        var e = ValidationError(f);                                   // Supported-Features without Feature-List-ID
        Assert.Equal(ResultCodes.MissingAvp, e.ResultCode);
        Assert.Equal("Supported-Features", e.FailedAvp!.Name);
        Assert.Equal("Feature-List-ID", Assert.Single(e.FailedAvp.Avps).Name);
    }

    [Fact]
    public void Unknown_AVP_with_the_M_bit_is_5001_and_Failed_AVP_is_the_AVP_as_received()
    {
        var unknown = RawFrame.Avp(65000, 0x40, [9, 9, 9, 9], vendor: 10415);
        var e = ValidationError(RawFrame.ValidUlr().Add(unknown));
        Assert.Equal(ResultCodes.AvpUnsupported, e.ResultCode);
        var answer = new DiameterMessage(316, 16777251, Wire.CommandFlags.Proxiable).AddGroup("Failed-AVP", g => g.Add(e.FailedAvp!));
        Assert.Equal(unknown, answer.Encode().AsSpan(20 + 8).ToArray());
    }

    [Fact]
    public void Unknown_AVP_without_the_M_bit_is_ignored() =>
        Assert.Null(DiameterMessage.Decode(RawFrame.ValidUlr().Add(RawFrame.Avp(65000, 0x00, [1], vendor: 10415)).ToArray()).Validate());

    [Fact]
    public void A_vendor_AVP_with_a_base_AVP_code_is_not_taken_for_the_base_AVP()
    {
        // go-diameter issue #254: code 1 with vendor 10415 must not be read as User-Name.
        var e = ValidationError(RawFrame.ValidUlr().Add(RawFrame.Avp(1, 0x40, [0xFF, 0xFE], vendor: 10415)));
        Assert.Equal(ResultCodes.AvpUnsupported, e.ResultCode);
        Assert.Equal((1u, 10415u), (e.FailedAvp!.Code, e.FailedAvp.VendorId));
    }

    [Fact]
    public void A_value_its_format_does_not_allow_is_5004()
    {
        var f = RawFrame.ValidUlr(code => code == 1).Add(1, 0x40, [0x80, 0x81]);   // User-Name not UTF-8
        var e = ValidationError(f);
        Assert.Equal(ResultCodes.InvalidAvpValue, e.ResultCode);
        Assert.Equal("User-Name", e.FailedAvp!.Name);
        Assert.Equal(new byte[] { 0x80, 0x81 }, e.FailedAvp.Data.ToArray());

        var badHost = ValidationError(RawFrame.ValidUlr(code => code == 264).Add(264, 0x40, RawFrame.Text("mme example")));
        Assert.Equal((ResultCodes.InvalidAvpValue, "Origin-Host"), (badHost.ResultCode, badHost.FailedAvp!.Name));
    }

    [Fact]
    public void A_fixed_size_value_with_the_wrong_length_is_5014()
    {
        var e = ValidationError(RawFrame.ValidUlr(code => code == 1032).Add(1032, 0x80, [0, 0, 3, 0xEC, 0, 0, 0, 0], vendor: 10415));
        Assert.Equal(ResultCodes.InvalidAvpLength, e.ResultCode);
        Assert.Equal("RAT-Type", e.FailedAvp!.Name);
    }

    [Fact]
    public void An_AVP_length_past_the_end_of_the_message_is_5014_with_the_header_and_a_zero_filled_payload()
    {
        // Like the Erlang capture ULA-5004's probe: RAT-Type whose length field says more than is there.
        var f = RawFrame.ValidUlr(code => code is 1032 or 1405 or 1407).Add(RawFrame.Avp(1032, 0x80, RawFrame.U32(1004), 10415, lengthOverride: 200));
        var e = DecodeError(f.ToArray());
        Assert.Equal(ResultCodes.InvalidAvpLength, e.ResultCode);
        Assert.Contains("RAT-Type has AVP Length 200", e.Reason);
        Assert.Equal((1032u, 10415u, 4), (e.FailedAvp!.Code, e.FailedAvp.VendorId, e.FailedAvp.DataLength));
        Assert.Equal(316u, e.Header!.Value.CommandCode);
    }

    [Fact]
    public void An_AVP_length_under_its_header_is_5014()
    {
        var e = DecodeError(new RawFrame().Add(RawFrame.Avp(263, 0x40, [], lengthOverride: 4)).ToArray());
        Assert.Equal(ResultCodes.InvalidAvpLength, e.ResultCode);
        Assert.Equal("Session-Id", e.FailedAvp!.Name);
        Assert.Equal(0, e.FailedAvp.DataLength);
    }

    [Fact]
    public void Fewer_than_8_bytes_for_an_AVP_header_is_5014_without_Failed_AVP()
    {
        // §7.5: "the Failed-AVP MUST NOT include the AVP" when its header cannot be decoded.
        var bytes = new RawFrame().Add([0, 0, 1, 7]).ToArray();
        var e = DecodeError(bytes);
        Assert.Equal(ResultCodes.InvalidAvpLength, e.ResultCode);
        Assert.Null(e.FailedAvp);
    }

    [Fact]
    public void A_malformed_member_inside_a_grouped_AVP_is_5014_with_the_group_wrapped_around_it()
    {
        var inner = RawFrame.Avp(266, 0x40, RawFrame.U32(10415), lengthOverride: 40);
        var f = RawFrame.ValidUlr().Add(RawFrame.Avp(260, 0x40, inner));
        var e = ValidationError(f);
        Assert.Equal(ResultCodes.InvalidAvpLength, e.ResultCode);
        Assert.Equal("Vendor-Specific-Application-Id", e.FailedAvp!.Name);
        Assert.Equal("Vendor-Id", Assert.Single(e.FailedAvp.Avps).Name);
    }

    [Fact]
    public void More_occurrences_than_the_layout_allows_is_5009_naming_the_first_one_too_many()
    {
        var f = RawFrame.ValidUlr().Add(1, 0x40, RawFrame.Text("001010000000002"));
        var e = ValidationError(f);
        Assert.Equal(ResultCodes.AvpOccursTooManyTimes, e.ResultCode);
        Assert.Equal("001010000000002", e.FailedAvp!.GetString());
    }

    [Fact]
    public void Bounded_repetition_in_a_grouped_layout_is_enforced()
    {
        // MIP6-Agent-Info: *2[ MIP-Home-Agent-Address ] (RFC 5447 §4.2.1); three is one too many.
        var addr = RawFrame.Avp(334, 0x40, [0, 1, 10, 0, 0, 1]);
        var mip = RawFrame.Avp(486, 0x40, [.. addr, .. addr, .. addr]);
        var e = ValidationError(RawFrame.ValidUlr().Add(RawFrame.Avp(1612, 0x80, [.. RawFrame.Avp(1423, 0xC0, RawFrame.U32(1), 10415), .. mip], 10415)));
        Assert.Equal(ResultCodes.AvpOccursTooManyTimes, e.ResultCode);
        Assert.Equal("Active-APN", e.FailedAvp!.Name);
        Assert.Equal("MIP6-Agent-Info", Assert.Single(e.FailedAvp.Avps).Name);
    }

    [Fact]
    public void Both_of_two_exclusive_AVPs_is_5007()
    {
        // RFC 6733 §6.11: Vendor-Specific-Application-Id carries Auth-Application-Id or Acct-Application-Id, not both.
        var vsai = RawFrame.Avp(260, 0x40, [.. RawFrame.Avp(266, 0x40, RawFrame.U32(10415)),
            .. RawFrame.Avp(258, 0x40, RawFrame.U32(16777251)), .. RawFrame.Avp(259, 0x40, RawFrame.U32(3))]);
        var e = ValidationError(RawFrame.ValidUlr().Add(vsai));
        Assert.Equal(ResultCodes.ContradictingAvps, e.ResultCode);
        Assert.Equal("Acct-Application-Id", Assert.Single(e.FailedAvp!.Avps).Name);
    }

    [Fact]
    public void An_answer_with_both_Result_Code_and_Experimental_Result_is_5007()
    {
        var ula = new RawFrame { Flags = 0x40 }
            .Add(263, 0x40, RawFrame.Text("a;1")).Add(277, 0x40, RawFrame.U32(1)).Add(264, 0x40, RawFrame.Text("hss.example"))
            .Add(296, 0x40, RawFrame.Text("example")).Add(268, 0x40, RawFrame.U32(2001))
            .Add(297, 0x40, [.. RawFrame.Avp(266, 0x40, RawFrame.U32(10415)), .. RawFrame.Avp(298, 0x40, RawFrame.U32(2001))]);
        Assert.Equal(ResultCodes.ContradictingAvps, ValidationError(ula).ResultCode);
    }

    [Fact]
    public void Members_parsed_by_validation_are_the_ones_read_after_and_the_message_re_encodes_as_received()
    {
        var bytes = RawFrame.ValidUlr().Add(RawFrame.Avp(260, 0x40, [.. RawFrame.Avp(266, 0x40, RawFrame.U32(10415)),
            .. RawFrame.Avp(258, 0x40, RawFrame.U32(16777251))])).ToArray();
        var ulr = DiameterMessage.Decode(bytes);
        Assert.Null(ulr.Validate());
        var vsai = ulr.Find(260)!;
        Assert.True(vsai.TryParseMembers(out var parsed) is null);
        Assert.Same(parsed, vsai.Avps);
        Assert.Same(vsai.Avps[0], ulr.GetGroup("Vendor-Specific-Application-Id").Avps[0]);
        Assert.Equal(bytes, ulr.Encode());
    }

    [Fact]
    public void AVPs_made_with_another_dictionary_are_checked_by_code_and_vendor()
    {
        // Layouts find an AVP's rule by its definition's number in their own dictionary; an AVP whose definition comes
        // from another build of the same files has other numbers, and must be matched by (code, vendor) instead.
        var other = new Dictionary.DiameterDictionaryBuilder().AddBase().AddS6a().Build();
        var ulr = DiameterMessage.Decode(RawFrame.ValidUlr(code => code == 1405).ToArray());   // no ULR-Flags
        ulr.Add(new Avp(1405, 10415, AvpFlags.Mandatory, new byte[] { 0, 0, 0, 34 }, other));
        Assert.NotSame(Dictionary.DiameterDictionary.Default, ulr.Find(1405, 10415)!.Dictionary);
        Assert.Empty(MessageValidator.ValidateAll(ulr));

        // And one such AVP a closed layout does not list is still refused: User-Name in Experimental-Result.
        var er = DiameterMessage.CreateRequest("ULR").CreateAnswer().AddGroup("Experimental-Result", g => g
            .Add("Vendor-Id", 10415u).Add("Experimental-Result-Code", 5001u)
            .Add(new Avp(1, 0, AvpFlags.Mandatory, "x"u8.ToArray(), other)));
        Assert.Contains(MessageValidator.ValidateAll(er), e => e.ResultCode == ResultCodes.AvpNotAllowed && e.FailedAvp!.Avps[0].Code == 1);
    }

    [Fact]
    public void An_AVP_a_closed_layout_does_not_list_is_5008()
    {
        // Experimental-Result has no *[ AVP ] (RFC 6733 §7.6).
        var er = RawFrame.Avp(297, 0x40, [.. RawFrame.Avp(266, 0x40, RawFrame.U32(10415)), .. RawFrame.Avp(298, 0x40, RawFrame.U32(5001)),
            .. RawFrame.Avp(1, 0x40, RawFrame.Text("x"))]);
        var ula = new RawFrame { Flags = 0x40 }.Add(263, 0x40, RawFrame.Text("a;1")).Add(277, 0x40, RawFrame.U32(1))
            .Add(264, 0x40, RawFrame.Text("hss.example")).Add(296, 0x40, RawFrame.Text("example")).Add(er);
        var e = ValidationError(ula);
        Assert.Equal(ResultCodes.AvpNotAllowed, e.ResultCode);
        Assert.Equal("User-Name", Assert.Single(e.FailedAvp!.Avps).Name);
    }

    [Fact]
    public void The_M_bit_on_an_AVP_whose_definition_forbids_it_is_3009()
    {
        // Product-Name: M bit MUST NOT be set (RFC 6733 §5.3.1 table 4.1 "must not"), and no source disagrees.
        var cer = new RawFrame { Flags = 0x80, CommandCode = 257, ApplicationId = 0 }
            .Add(264, 0x40, RawFrame.Text("a.example")).Add(296, 0x40, RawFrame.Text("example")).Add(257, 0x40, [0, 1, 127, 0, 0, 1])
            .Add(266, 0x40, RawFrame.U32(0)).Add(269, 0x40, RawFrame.Text("X"));
        var e = ValidationError(cer);
        Assert.Equal(ResultCodes.InvalidAvpBits, e.ResultCode);
        Assert.True(e.IsProtocolError);
        Assert.Equal("Product-Name", e.FailedAvp!.Name);
    }

    [Fact]
    public void The_M_bit_where_sources_disagree_is_accepted_either_way()
    {
        // RAT-Type: TS 29.212 says M must not; Erlang and bromelia set it (see the captures).
        var f = RawFrame.ValidUlr(code => code == 1032).Add(1032, 0xC0, RawFrame.U32(1004), 10415);
        Assert.Null(DiameterMessage.Decode(f.ToArray()).Validate());
    }

    [Fact]
    public void A_version_other_than_1_is_5011_and_keeps_the_header_for_the_answer()
    {
        var e = DecodeError(new RawFrame { Version = 2 }.Add(263, 0x40, RawFrame.Text("a;1")).ToArray());
        Assert.Equal(ResultCodes.UnsupportedVersion, e.ResultCode);
        Assert.Equal((2, 316u, 0x11223344u), (e.Header!.Value.Version, e.Header.Value.CommandCode, e.Header.Value.HopByHopId));
    }

    [Theory]
    [InlineData(0), InlineData(19)]
    public void Fewer_bytes_than_a_header_is_5015(int length) =>
        Assert.Equal(ResultCodes.InvalidMessageLength, DecodeError(new byte[length]).ResultCode);

    [Theory]
    [InlineData(44), InlineData(36), InlineData(42)]
    public void A_Message_Length_that_is_not_the_frame_length_or_not_a_multiple_of_4_is_5015(int declared)
    {
        var bytes = new RawFrame { LengthOverride = declared }.Add(263, 0x40, RawFrame.Text("a;1")).ToArray();   // 32 bytes
        if (declared == 42) Array.Resize(ref bytes, 42);
        var e = DecodeError(bytes);
        Assert.Equal(ResultCodes.InvalidMessageLength, e.ResultCode);
        Assert.NotNull(e.Header);
    }

    [Fact]
    public void A_request_with_the_E_bit_is_3008()
    {
        // Like the probe behind the captures' answer-3008: a ULR with R and E set.
        var e = DecodeError(new RawFrame { Flags = 0xE0 }.Add(RawFrame.ValidUlr().ToArray()[20..]).ToArray());
        Assert.Equal(ResultCodes.InvalidHdrBits, e.ResultCode);
        Assert.True(e.IsProtocolError);
        Assert.Equal("DIAMETER_INVALID_HDR_BITS (3008): a request has the E bit set", e.ToString());
    }

    [Fact]
    public void Grouped_AVPs_nested_past_the_limit_are_refused_not_followed()
    {
        byte[] nested = RawFrame.Avp(266, 0x40, RawFrame.U32(1));
        for (var i = 0; i < 40; i++) nested = RawFrame.Avp(1400, 0xC0, nested, 10415);   // Subscription-Data in itself
        var e = ValidationError(RawFrame.ValidUlr().Add(nested));
        Assert.Equal(ResultCodes.InvalidAvpValue, e.ResultCode);
        Assert.Contains("nested deeper than", e.Reason);
        var message = DiameterMessage.Decode(RawFrame.ValidUlr().Add(nested).ToArray());
        Assert.Contains("Subscription-Data", message.ToTreeString());            // dumps stop at the limit too
        Assert.Contains("\"avps\"", Formatting.MessageJsonWriter.ToJson(message));
    }

    [Fact]
    public void Decoding_throws_a_typed_exception_carrying_the_error()
    {
        var ex = Assert.Throws<DiameterDecodeException>(() => DiameterMessage.Decode(new byte[3]));
        Assert.Equal(ResultCodes.InvalidMessageLength, ex.Error.ResultCode);
        Assert.StartsWith("DIAMETER_INVALID_MESSAGE_LENGTH (5015):", ex.Message);
    }
}
