using AkkaDiameter.Protocol.Dictionary;
using AkkaDiameter.Protocol.Validation;
using Xunit;

namespace AkkaDiameter.Protocol.Tests;

/// <summary>Frames captured from freeDiameter 1.2.1, Erlang/OTP diameter 2.2.7 and bromelia
/// (shared/reference/captures, copied to TestData/captures) are the oracle for the codec.</summary>
public class CaptureTests
{
    public static IEnumerable<object[]> Frames => Captures.AllData();

    [Theory]
    [MemberData(nameof(Frames))]
    public void Every_captured_frame_decodes_and_reencodes_byte_for_byte(string producer, string label, int index)
    {
        var frame = Captures.All[index];
        var message = DiameterMessage.Decode(frame.Bytes);
        Assert.Equal(frame.Bytes, message.Encode());
        Assert.Equal(frame.Bytes.Length, message.GetEncodedLength());
        Assert.True(producer.Length > 0 && label.Length > 0);
    }

    [Theory]
    [MemberData(nameof(Frames))]
    public void Every_captured_frame_passes_validation_against_the_dictionary(string producer, string label, int index)
    {
        var message = DiameterMessage.Decode(Captures.All[index].Bytes);
        Assert.Empty(MessageValidator.ValidateAll(message).Select(e => $"{producer} {label}: {e}"));
    }

    [Theory]
    [MemberData(nameof(Frames))]
    public void Decoding_then_encoding_a_decoded_copy_gives_an_equal_message(string producer, string label, int index)
    {
        var first = DiameterMessage.Decode(Captures.All[index].Bytes);
        var second = DiameterMessage.Decode(first.Encode());
        Assert.True(first.ContentEquals(second), $"{producer} {label}");
    }

    [Fact]
    public void Bromelia_ULR_reads_like_the_seed_shows_it()
    {
        var ulr = DiameterMessage.Decode(Captures.Get("bromelia", "ULR").Bytes);
        Assert.Equal("<Diameter Message: 316 [ULR] REQ PXY, 16777251 [S6a/S6d], 10 AVP(s)>", ulr.ToString());
        Assert.Equal("mme.epc.mynetwork.com", ulr.GetString("Origin-Host"));
        Assert.Equal(1004, ulr.GetInt32("RAT-Type"));
        Assert.Equal("EUTRAN", ulr.Get("RAT-Type").GetValueName());
        Assert.StartsWith("mme.epc.mynetwork.com;", ulr.SessionId);
    }

    [Fact]
    public void Erlang_ULR_opt_reads_grouped_members_of_mixed_IETF_and_3GPP_vendors()
    {
        var ulr = DiameterMessage.Decode(Captures.Get("erlang", "ULR-opt").Bytes);
        var features = ulr.GetGroup("Supported-Features");
        // Vendor-Id is an IETF AVP (vendor 0) inside a 3GPP grouped AVP: go-diameter issue #106.
        Assert.Equal(10415u, features.GetUInt32("Vendor-Id"));
        Assert.Equal(1u, features.GetUInt32("Feature-List-ID"));
        Assert.Equal("35349006987331", ulr.GetGroup("Terminal-Information").GetString("IMEI"));
        Assert.Equal(new byte[] { 0x00, 0xF1, 0x10 }, ulr.GetBytes("Visited-PLMN-Id").ToArray());
    }

    [Fact]
    public void FreeDiameter_CEA_5010_carries_its_result_and_error_message()
    {
        var cea = DiameterMessage.Decode(Captures.Get("freediameter", "CEA-5010").Bytes);
        Assert.Equal(ResultCodes.NoCommonApplication, cea.ResultCode);
        Assert.Equal("DIAMETER_NO_COMMON_APPLICATION", cea.Get("Result-Code").GetValueName());
    }

    [Fact]
    public void Erlang_ULA_5001_echoes_the_unknown_vendor_AVP_inside_Failed_AVP_and_is_still_readable()
    {
        var ula = DiameterMessage.Decode(Captures.Get("erlang", "ULA-5001").Bytes);
        Assert.Equal(ResultCodes.AvpUnsupported, ula.ResultCode);
        var echoed = Assert.Single(ula.GetGroup("Failed-AVP").Avps);
        Assert.Equal(65000u, echoed.Code);
        Assert.Null(echoed.Definition);
        Assert.Contains("AVP-65000", ula.ToTreeString());
    }

    [Fact]
    public void Erlang_ULA_5004_echoes_a_RAT_Type_whose_length_does_not_fit_its_format()
    {
        var ula = DiameterMessage.Decode(Captures.Get("erlang", "ULA-5004").Bytes);
        Assert.Equal(ResultCodes.InvalidAvpValue, ula.ResultCode);
        var ratType = Assert.Single(ula.GetGroup("Failed-AVP").Avps);
        Assert.Equal("RAT-Type", ratType.Name);
        Assert.Equal(8, ratType.DataLength);     // AVP Length 20 for a 4-byte Enumerated
        var e = Assert.Throws<DiameterDecodeException>(() => ratType.GetInt32());
        Assert.Equal(ResultCodes.InvalidAvpLength, e.Error.ResultCode);
        Assert.Contains("<invalid Enumerated", ula.ToTreeString());
        Assert.Null(ula.Validate());   // Failed-AVP is the peer's echo of our bytes, not ours to judge
    }

    [Fact]
    public void Error_answers_use_the_answer_message_layout()
    {
        var answer = DiameterMessage.Decode(Captures.Get("freediameter", "answer-3007").Bytes);
        Assert.True(answer.IsError);
        Assert.Equal(ResultCodes.ApplicationUnsupported, answer.ResultCode);
        Assert.Null(answer.Validate());
    }
}
