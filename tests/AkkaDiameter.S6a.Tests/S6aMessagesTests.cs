using AkkaDiameter.Protocol;
using AkkaDiameter.Protocol.Wire;
using AkkaDiameter.S6a.Hss;
using Xunit;

namespace AkkaDiameter.S6a.Tests;

/// <summary>The typed S6a requests and answers: each request built, encoded, decoded and read back equal, and valid
/// against the TS 29.272 §7.2 command layouts of the dictionary once the node's AVPs are added.</summary>
public sealed class S6aMessagesTests
{
    private const string Realm = "epc.mnc001.mcc001.3gppnetwork.org";
    private const string Hss = "hss." + Realm, Mme = "mme." + Realm;
    private static readonly PlmnId Plmn = PlmnId.Parse("00101");

    private static readonly SubscriptionData Data = new("5511900000001", AccessRestriction.UtranNotAllowed, 1000, 2000,
    [
        new ApnConfiguration(1, new ApnProfile("internet")),
        new ApnConfiguration(2, new ApnProfile("ims", Qci: 5, ArpPriority: 1, PreemptionCapable: true, PreemptionVulnerable: false, AmbrUl: 10, AmbrDl: 20), PdnType: 2),
    ]);

    /// <summary>What the node adds when it sends: Session-Id first, Origin-Host, Origin-Realm.</summary>
    private static DiameterMessage OverTheWire(DiameterMessage m, string origin)
    {
        m.Insert(0, new DiameterMessage(0, 0, 0).Add("Session-Id", $"{origin};1;1").Avps[0]);
        m.Add("Origin-Host", origin).Add("Origin-Realm", Realm);
        var decoded = DiameterMessage.Decode(m.Encode());
        Assert.Null(decoded.Validate());
        return decoded;
    }

    [Fact]
    public void Every_request_reads_back_what_was_built()
    {
        var air = new AuthenticationInformationRequest("001010000000001", Plmn, 3, [1, 2, 3]);
        var back = AuthenticationInformationRequest.From(OverTheWire(air.ToMessage(Realm, Hss), Mme));
        Assert.Equal((air.Imsi, air.VisitedPlmn, air.Vectors), (back.Imsi, back.VisitedPlmn, back.Vectors));
        Assert.Equal(air.ResynchronizationInfo, back.ResynchronizationInfo);

        var ulr = new UpdateLocationRequest("001010000000001", PlmnId.Parse("310410"), Flags: UlrFlags.S6aS6dIndicator | UlrFlags.SkipSubscriberData);
        Assert.Equal(ulr, UpdateLocationRequest.From(OverTheWire(ulr.ToMessage(Realm), Mme)));
        var pur = new PurgeUeRequest("001010000000001");
        Assert.Equal(pur, PurgeUeRequest.From(OverTheWire(pur.ToMessage(Realm, Hss), Mme)));
        var nor = new NotifyRequest("001010000000001", NorFlags.S6aS6dIndicator | NorFlags.ReadyForSmFromMme);
        Assert.Equal(nor, NotifyRequest.From(OverTheWire(nor.ToMessage(Realm, Hss), Mme)));
        var clr = new CancelLocationRequest("001010000000001", CancellationType.SubscriptionWithdrawal, ClrFlags.S6aS6dIndicator | ClrFlags.ReattachRequired);
        Assert.Equal(clr, CancelLocationRequest.From(OverTheWire(clr.ToMessage(Mme, Realm), Hss)));

        var idr = new InsertSubscriberDataRequest("001010000000001", Data, IdrFlags.EpsUserStateRequest);
        var idrBack = InsertSubscriberDataRequest.From(OverTheWire(idr.ToMessage(Mme, Realm), Hss));
        Assert.Equal(IdrFlags.EpsUserStateRequest, idrBack.Flags);
        Assert.True(Data.SameAs(idrBack.Subscription), $"{idrBack.Subscription}");

        var dsr = new DeleteSubscriberDataRequest("001010000000001", DsrFlags.PdnSubscriptionContextsWithdrawal | DsrFlags.MsisdnWithdrawal, [2, 3]);
        var dsrBack = DeleteSubscriberDataRequest.From(OverTheWire(dsr.ToMessage(Mme, Realm), Hss));
        Assert.Equal((dsr.Imsi, dsr.Flags), (dsrBack.Imsi, dsrBack.Flags));
        Assert.Equal(dsr.ContextIdentifiers, dsrBack.ContextIdentifiers);

        var rsr = new ResetRequest(["00101", "001020"]);
        Assert.Equal(rsr.UserIds, ResetRequest.From(OverTheWire(rsr.ToMessage(Mme, Realm), Hss)).UserIds);
    }

    [Fact]
    public void The_MSISDN_is_TBCD_with_an_F_filler_as_TS_29_002_codes_it()
    {
        Assert.Equal(new byte[] { 0x55, 0x11, 0x09, 0xF1 }, Tbcd.Encode("5511901"));
        Assert.Equal("5511901", Tbcd.Decode([0x55, 0x11, 0x09, 0xF1]));
        Assert.Equal("551190", Tbcd.Decode([0x55, 0x11, 0x09]));
        Assert.Throws<FormatException>(() => Tbcd.Encode("55A"));
    }

    [Fact]
    public void A_partial_IDR_merges_by_Context_Identifier_and_a_complete_one_replaces()
    {
        var added = new ApnConfiguration(3, new ApnProfile("mms"));
        var changed = new ApnConfiguration(1, new ApnProfile("internet", Qci: 8));
        var partial = Data.Apply(new SubscriptionData(null, AccessRestriction.None, null, null, [changed, added], AllApnConfigurationsIncluded: false));
        Assert.Equal(["internet", "ims", "mms"], partial.Apns.Select(a => a.ServiceSelection));
        Assert.Equal(8, partial.Apns[0].Profile.Qci);
        Assert.Equal("5511900000001", partial.Msisdn);      // absent in the update: kept
        Assert.Equal(1000u, partial.AmbrUl);

        var complete = Data.Apply(new SubscriptionData("1", AccessRestriction.None, 5, 6, [added]));
        Assert.Equal(["mms"], complete.Apns.Select(a => a.ServiceSelection));
        Assert.Equal("1", complete.Msisdn);
    }

    [Fact]
    public void DSR_deletes_the_named_contexts_and_the_MSISDN_and_nothing_else()
    {
        var after = Data.Delete(DsrFlags.PdnSubscriptionContextsWithdrawal, [1]);
        Assert.Equal(["ims"], after.Apns.Select(a => a.ServiceSelection));
        Assert.Equal("5511900000001", after.Msisdn);
        Assert.Null(Data.Delete(DsrFlags.MsisdnWithdrawal, []).Msisdn);
        Assert.Equal(2, Data.Delete(DsrFlags.MsisdnWithdrawal, [1]).Apns.Count);   // context ids alone delete nothing
        Assert.Empty(Data.Delete(DsrFlags.CompleteApnConfigurationProfileWithdrawal, []).Apns);
    }

    [Theory]
    [InlineData(316, "ULA", typeof(UpdateLocationAnswer))]
    [InlineData(317, "CLA", typeof(CancelLocationAnswer))]
    [InlineData(318, "AIA", typeof(AuthenticationInformationAnswer))]
    [InlineData(319, "IDA", typeof(InsertSubscriberDataAnswer))]
    [InlineData(320, "DSA", typeof(DeleteSubscriberDataAnswer))]
    [InlineData(321, "PUA", typeof(PurgeUeAnswer))]
    [InlineData(322, "RSA", typeof(ResetAnswer))]
    [InlineData(323, "NOA", typeof(NotifyAnswer))]
    public void Every_answer_parses_to_its_type_with_Result_Code_or_Experimental_Result(uint code, string abbreviation, Type type)
    {
        var request = new DiameterMessage(code, S6aMessages.ApplicationId, CommandFlags.Request | CommandFlags.Proxiable);
        var ok = request.CreateAnswer().Add("Result-Code", ResultCodes.Success);
        Assert.Equal(abbreviation, ok.CommandName);
        var typed = S6aAnswer.Parse(ok);
        Assert.IsType(type, typed);
        Assert.Equal(new S6aResult(2001, false), typed.Result);
        Assert.True(typed.IsSuccess);

        var refused = S6aAnswer.Parse(S6aMessages.WithExperimentalResult(request.CreateAnswer().Add("Result-Code", ResultCodes.Success), S6aResultCodes.UserUnknown));
        Assert.Equal(new S6aResult(5001, true), refused.Result);
        Assert.Equal("5001 DIAMETER_ERROR_USER_UNKNOWN", refused.Result.ToString());
        Assert.False(refused.IsSuccess);

        var ex = Assert.Throws<FormatException>(() => S6aAnswer.Parse(request.CreateAnswer()));
        Assert.Contains("neither Result-Code nor Experimental-Result", ex.Message);
    }
}
