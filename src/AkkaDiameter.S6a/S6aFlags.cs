namespace AkkaDiameter.S6a;

// The S6a flag AVPs (TS 29.272 §7.3), bit 0 being the least significant bit.

/// <summary>ULR-Flags (TS 29.272 §7.3.7).</summary>
[Flags]
public enum UlrFlags : uint
{
    /// <summary>No flag.</summary>
    None = 0,
    /// <summary>Single-Registration-Indication.</summary>
    SingleRegistrationIndication = 1 << 0,
    /// <summary>S6a/S6d-Indicator: set by an MME (S6a), clear from an SGSN (S6d).</summary>
    S6aS6dIndicator = 1 << 1,
    /// <summary>Skip-Subscriber-Data: the HSS may leave out Subscription-Data.</summary>
    SkipSubscriberData = 1 << 2,
    /// <summary>GPRS-Subscription-Data-Indicator.</summary>
    GprsSubscriptionDataIndicator = 1 << 3,
    /// <summary>Node-Type-Indicator.</summary>
    NodeTypeIndicator = 1 << 4,
    /// <summary>Initial-Attach-Indicator.</summary>
    InitialAttachIndicator = 1 << 5,
    /// <summary>PS-LCS-Not-Supported-By-UE.</summary>
    PsLcsNotSupportedByUe = 1 << 6,
    /// <summary>SMS-Only-Indication.</summary>
    SmsOnlyIndication = 1 << 7,
}

/// <summary>ULA-Flags (TS 29.272 §7.3.8).</summary>
[Flags]
public enum UlaFlags : uint
{
    /// <summary>No flag.</summary>
    None = 0,
    /// <summary>Separation-Indication.</summary>
    SeparationIndication = 1 << 0,
    /// <summary>MME-Registered-for-SMS.</summary>
    MmeRegisteredForSms = 1 << 1,
}

/// <summary>CLR-Flags (TS 29.272 §7.3.152).</summary>
[Flags]
public enum ClrFlags : uint
{
    /// <summary>No flag.</summary>
    None = 0,
    /// <summary>S6a/S6d-Indicator.</summary>
    S6aS6dIndicator = 1 << 0,
    /// <summary>Reattach-Required.</summary>
    ReattachRequired = 1 << 1,
}

/// <summary>IDR-Flags (TS 29.272 §7.3.103).</summary>
[Flags]
public enum IdrFlags : uint
{
    /// <summary>No flag.</summary>
    None = 0,
    /// <summary>UE Reachability Request.</summary>
    UeReachabilityRequest = 1 << 0,
    /// <summary>T-ADS Data Request.</summary>
    TadsDataRequest = 1 << 1,
    /// <summary>EPS User State Request.</summary>
    EpsUserStateRequest = 1 << 2,
    /// <summary>EPS Location Information Request.</summary>
    EpsLocationInformationRequest = 1 << 3,
    /// <summary>Current Location Request.</summary>
    CurrentLocationRequest = 1 << 4,
    /// <summary>Local Time Zone Request.</summary>
    LocalTimeZoneRequest = 1 << 5,
    /// <summary>Remove SMS Registration.</summary>
    RemoveSmsRegistration = 1 << 6,
}

/// <summary>IDA-Flags (TS 29.272 §7.3.47).</summary>
[Flags]
public enum IdaFlags : uint
{
    /// <summary>No flag.</summary>
    None = 0,
    /// <summary>Network Node area restricted: the subscription data forbid the UE in the MME's area.</summary>
    NetworkNodeAreaRestricted = 1 << 0,
}

/// <summary>DSR-Flags (TS 29.272 §7.3.25): which part of the subscription the MME deletes.</summary>
[Flags]
public enum DsrFlags : uint
{
    /// <summary>No flag.</summary>
    None = 0,
    /// <summary>Regional Subscription Withdrawal.</summary>
    RegionalSubscriptionWithdrawal = 1 << 0,
    /// <summary>Complete APN Configuration Profile Withdrawal (S6d only).</summary>
    CompleteApnConfigurationProfileWithdrawal = 1 << 1,
    /// <summary>Subscribed Charging Characteristics Withdrawal.</summary>
    SubscribedChargingCharacteristicsWithdrawal = 1 << 2,
    /// <summary>PDN subscription contexts Withdrawal: the contexts named by Context-Identifier are deleted.</summary>
    PdnSubscriptionContextsWithdrawal = 1 << 3,
    /// <summary>STN-SR.</summary>
    StnSr = 1 << 4,
    /// <summary>Complete PDP context list Withdrawal.</summary>
    CompletePdpContextListWithdrawal = 1 << 5,
    /// <summary>PDP contexts Withdrawal.</summary>
    PdpContextsWithdrawal = 1 << 6,
    /// <summary>Roaming Restricted due to unsupported feature.</summary>
    RoamingRestrictedDueToUnsupportedFeature = 1 << 7,
    /// <summary>Trace Data Withdrawal.</summary>
    TraceDataWithdrawal = 1 << 8,
    /// <summary>CSG Deleted.</summary>
    CsgDeleted = 1 << 9,
    /// <summary>APN-OI-Replacement.</summary>
    ApnOiReplacement = 1 << 10,
    /// <summary>Reset-IDs.</summary>
    ResetIds = 1 << 18,
    /// <summary>MSISDN Withdrawal.</summary>
    MsisdnWithdrawal = 1u << 23,
}

/// <summary>DSA-Flags (TS 29.272 §7.3.26).</summary>
[Flags]
public enum DsaFlags : uint
{
    /// <summary>No flag.</summary>
    None = 0,
    /// <summary>Network Node area restricted.</summary>
    NetworkNodeAreaRestricted = 1 << 0,
}

/// <summary>PUA-Flags (TS 29.272 §7.3.48).</summary>
[Flags]
public enum PuaFlags : uint
{
    /// <summary>No flag.</summary>
    None = 0,
    /// <summary>Freeze M-TMSI: the UE was purged in the serving MME.</summary>
    FreezeMTmsi = 1 << 0,
    /// <summary>Freeze P-TMSI.</summary>
    FreezePTmsi = 1 << 1,
}

/// <summary>PUR-Flags (TS 29.272 §7.3.149).</summary>
[Flags]
public enum PurFlags : uint
{
    /// <summary>No flag.</summary>
    None = 0,
    /// <summary>UE-Purged-in-MME.</summary>
    UePurgedInMme = 1 << 0,
    /// <summary>UE-Purged-in-SGSN.</summary>
    UePurgedInSgsn = 1 << 1,
}

/// <summary>NOR-Flags (TS 29.272 §7.3.49).</summary>
[Flags]
public enum NorFlags : uint
{
    /// <summary>No flag.</summary>
    None = 0,
    /// <summary>Single-Registration-Indication.</summary>
    SingleRegistrationIndication = 1 << 0,
    /// <summary>SGSN area restricted.</summary>
    SgsnAreaRestricted = 1 << 1,
    /// <summary>Ready for SM from SGSN.</summary>
    ReadyForSmFromSgsn = 1 << 2,
    /// <summary>UE Reachable from MME.</summary>
    UeReachableFromMme = 1 << 3,
    /// <summary>Reserved (bit 4).</summary>
    Reserved = 1 << 4,
    /// <summary>UE Reachable from SGSN.</summary>
    UeReachableFromSgsn = 1 << 5,
    /// <summary>Ready for SM from MME.</summary>
    ReadyForSmFromMme = 1 << 6,
    /// <summary>Homogeneous Support of IMS Voice Over PS Sessions.</summary>
    HomogeneousSupportOfImsVoiceOverPsSessions = 1 << 7,
    /// <summary>S6a/S6d-Indicator.</summary>
    S6aS6dIndicator = 1 << 8,
    /// <summary>Removal of MME Registration for SMS.</summary>
    RemovalOfMmeRegistrationForSms = 1 << 9,
}

/// <summary>AIR-Flags (TS 29.272 §7.3.201).</summary>
[Flags]
public enum AirFlags : uint
{
    /// <summary>No flag.</summary>
    None = 0,
    /// <summary>Send UE Usage Type.</summary>
    SendUeUsageType = 1 << 0,
}

/// <summary>Experimental-Result-Code values of TS 29.272 §7.4.3 (with Vendor-Id 10415).</summary>
public static class S6aResultCodes
{
    /// <summary>DIAMETER_ERROR_USER_UNKNOWN.</summary>
    public const uint UserUnknown = 5001;
    /// <summary>DIAMETER_ERROR_ROAMING_NOT_ALLOWED.</summary>
    public const uint RoamingNotAllowed = 5004;
    /// <summary>DIAMETER_ERROR_UNKNOWN_EPS_SUBSCRIPTION.</summary>
    public const uint UnknownEpsSubscription = 5420;
    /// <summary>DIAMETER_ERROR_RAT_NOT_ALLOWED.</summary>
    public const uint RatNotAllowed = 5421;
    /// <summary>DIAMETER_ERROR_EQUIPMENT_UNKNOWN.</summary>
    public const uint EquipmentUnknown = 5422;
    /// <summary>DIAMETER_AUTHENTICATION_DATA_UNAVAILABLE (4181, transient).</summary>
    public const uint AuthenticationDataUnavailable = 4181;

    /// <summary>The name of an Experimental-Result-Code of TS 29.272 §7.4.3, or "EXPERIMENTAL_{code}"
    /// (<see cref="Protocol.ResultCodes.ExperimentalNameOf"/>: the dictionary's names).</summary>
    public static string NameOf(uint code) => Protocol.ResultCodes.ExperimentalNameOf(code);

    /// <summary>DIAMETER_ERROR_UNKOWN_SERVING_NODE (5423; the spelling is the specification's).</summary>
    public const uint UnknownServingNode = 5423;
}
