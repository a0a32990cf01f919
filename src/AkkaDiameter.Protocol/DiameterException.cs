namespace AkkaDiameter.Protocol;

/// <summary>Base of every exception this library throws on purpose.</summary>
public class DiameterException(string message) : Exception(message);

/// <summary>
/// Bytes that are not a valid Diameter message, or a value that is not valid for its AVP. <see cref="Error"/> holds
/// the RFC 6733 §7.1 Result-Code, the reason and, where §7.5 calls for one, the AVP to send back in Failed-AVP.
/// </summary>
public sealed class DiameterDecodeException(DiameterError error) : DiameterException(error.ToString())
{
    /// <summary>What is wrong, as a node would answer it.</summary>
    public DiameterError Error { get; } = error;
}

/// <summary>An AVP asked for by name is not in the message or grouped AVP.</summary>
public sealed class AvpNotFoundException(string avpName, string container)
    : DiameterException($"{container} has no {avpName} AVP")
{
    /// <summary>The AVP that was asked for.</summary>
    public string AvpName { get; } = avpName;
}
