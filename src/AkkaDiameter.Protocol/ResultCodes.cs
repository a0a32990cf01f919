using AkkaDiameter.Protocol.Dictionary;

namespace AkkaDiameter.Protocol;

/// <summary>The RFC 6733 §7.1 Result-Code values this library produces itself.</summary>
public static class ResultCodes
{
    /// <summary>DIAMETER_SUCCESS.</summary>
    public const uint Success = 2001;
    /// <summary>DIAMETER_LIMITED_SUCCESS.</summary>
    public const uint LimitedSuccess = 2002;
    /// <summary>DIAMETER_COMMAND_UNSUPPORTED.</summary>
    public const uint CommandUnsupported = 3001;
    /// <summary>DIAMETER_UNABLE_TO_DELIVER.</summary>
    public const uint UnableToDeliver = 3002;
    /// <summary>DIAMETER_REALM_NOT_SERVED.</summary>
    public const uint RealmNotServed = 3003;
    /// <summary>DIAMETER_TOO_BUSY.</summary>
    public const uint TooBusy = 3004;
    /// <summary>DIAMETER_LOOP_DETECTED.</summary>
    public const uint LoopDetected = 3005;
    /// <summary>DIAMETER_REDIRECT_INDICATION.</summary>
    public const uint RedirectIndication = 3006;
    /// <summary>DIAMETER_APPLICATION_UNSUPPORTED.</summary>
    public const uint ApplicationUnsupported = 3007;
    /// <summary>DIAMETER_INVALID_HDR_BITS.</summary>
    public const uint InvalidHdrBits = 3008;
    /// <summary>DIAMETER_INVALID_AVP_BITS.</summary>
    public const uint InvalidAvpBits = 3009;
    /// <summary>DIAMETER_UNKNOWN_PEER.</summary>
    public const uint UnknownPeer = 3010;
    /// <summary>DIAMETER_ELECTION_LOST.</summary>
    public const uint ElectionLost = 4003;
    /// <summary>DIAMETER_AVP_UNSUPPORTED.</summary>
    public const uint AvpUnsupported = 5001;
    /// <summary>DIAMETER_UNKNOWN_SESSION_ID.</summary>
    public const uint UnknownSessionId = 5002;
    /// <summary>DIAMETER_INVALID_AVP_VALUE.</summary>
    public const uint InvalidAvpValue = 5004;
    /// <summary>DIAMETER_MISSING_AVP.</summary>
    public const uint MissingAvp = 5005;
    /// <summary>DIAMETER_CONTRADICTING_AVPS.</summary>
    public const uint ContradictingAvps = 5007;
    /// <summary>DIAMETER_AVP_NOT_ALLOWED.</summary>
    public const uint AvpNotAllowed = 5008;
    /// <summary>DIAMETER_AVP_OCCURS_TOO_MANY_TIMES.</summary>
    public const uint AvpOccursTooManyTimes = 5009;
    /// <summary>DIAMETER_NO_COMMON_APPLICATION.</summary>
    public const uint NoCommonApplication = 5010;
    /// <summary>DIAMETER_UNSUPPORTED_VERSION.</summary>
    public const uint UnsupportedVersion = 5011;
    /// <summary>DIAMETER_UNABLE_TO_COMPLY.</summary>
    public const uint UnableToComply = 5012;
    /// <summary>DIAMETER_INVALID_AVP_LENGTH.</summary>
    public const uint InvalidAvpLength = 5014;
    /// <summary>DIAMETER_INVALID_MESSAGE_LENGTH.</summary>
    public const uint InvalidMessageLength = 5015;

    /// <summary>The RFC name of a Result-Code (<c>DIAMETER_MISSING_AVP</c>), or <c>RESULT_CODE_n</c> when unknown.</summary>
    public static string NameOf(uint resultCode) =>
        DiameterDictionary.Base.FindAvp(268, 0)?.NameOf(resultCode) ?? $"RESULT_CODE_{resultCode}";

    /// <summary>The name of an Experimental-Result-Code (<c>DIAMETER_ERROR_USER_UNKNOWN</c> for 5001 of TS 29.272
    /// §7.4.3), from the dictionary's Experimental-Result-Code values, or <c>EXPERIMENTAL_n</c> when unknown. The same
    /// number names a different thing as a Result-Code (5001 is DIAMETER_AVP_UNSUPPORTED there).</summary>
    public static string ExperimentalNameOf(uint code) =>
        DiameterDictionary.Base.FindAvp(298, 0)?.NameOf(code) ?? $"EXPERIMENTAL_{code}";

    /// <summary>True for the protocol errors (3xxx), which RFC 6733 §7.1.3 answers with the E bit set.</summary>
    public static bool IsProtocolError(uint resultCode) => resultCode is >= 3000 and < 4000;
}
