using System.Buffers.Binary;

namespace AkkaDiameter.Protocol.Wire;

/// <summary>
/// The fixed 20-byte Diameter header (RFC 6733 §3).
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |    Version    |                 Message Length                |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | Command Flags |                  Command Code                 |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                         Application-ID                        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                      Hop-by-Hop Identifier                    |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                      End-to-End Identifier                    |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
/// <param name="Version">Protocol version; 1 is the only one defined.</param>
/// <param name="Length">Message Length: the whole message in bytes, header included (24 bits).</param>
/// <param name="Flags">Command flags.</param>
/// <param name="CommandCode">Command code (24 bits).</param>
/// <param name="ApplicationId">Application-ID.</param>
/// <param name="HopByHopId">Hop-by-Hop Identifier: matches answers to requests on one connection.</param>
/// <param name="EndToEndId">End-to-End Identifier: detects duplicates end to end.</param>
public readonly record struct DiameterHeader(
    byte Version, int Length, CommandFlags Flags, uint CommandCode, uint ApplicationId, uint HopByHopId, uint EndToEndId)
{
    /// <summary>Size of the header in bytes.</summary>
    public const int Size = 20;
    /// <summary>The only Diameter version (RFC 6733 §3).</summary>
    public const byte CurrentVersion = 1;
    /// <summary>Largest value the 24-bit length and command-code fields can hold.</summary>
    public const int MaxUInt24 = 0xFF_FFFF;

    private const int VersionOffset = 0;
    private const int LengthOffset = 1;
    private const int FlagsOffset = 4;
    private const int CommandCodeOffset = 5;
    private const int ApplicationIdOffset = 8;
    private const int HopByHopOffset = 12;
    private const int EndToEndOffset = 16;

    /// <summary>True when the R bit is set.</summary>
    public bool IsRequest => (Flags & CommandFlags.Request) != 0;
    /// <summary>True when the P bit is set.</summary>
    public bool IsProxiable => (Flags & CommandFlags.Proxiable) != 0;
    /// <summary>True when the E bit is set.</summary>
    public bool IsError => (Flags & CommandFlags.Error) != 0;
    /// <summary>True when the T bit is set.</summary>
    public bool IsRetransmit => (Flags & CommandFlags.Retransmit) != 0;

    /// <summary>Reads a header from the first 20 bytes of <paramref name="source"/>. No field is checked here.</summary>
    /// <exception cref="ArgumentException">Fewer than 20 bytes.</exception>
    public static DiameterHeader Read(ReadOnlySpan<byte> source)
    {
        if (source.Length < Size)
            throw new ArgumentException($"a Diameter header is {Size} bytes, got {source.Length}", nameof(source));
        return new DiameterHeader(
            source[VersionOffset],
            ReadUInt24(source[LengthOffset..]),
            (CommandFlags)source[FlagsOffset],
            (uint)ReadUInt24(source[CommandCodeOffset..]),
            BinaryPrimitives.ReadUInt32BigEndian(source[ApplicationIdOffset..]),
            BinaryPrimitives.ReadUInt32BigEndian(source[HopByHopOffset..]),
            BinaryPrimitives.ReadUInt32BigEndian(source[EndToEndOffset..]));
    }

    /// <summary>Writes the header into the first 20 bytes of <paramref name="destination"/>.</summary>
    public void Write(Span<byte> destination)
    {
        if ((uint)Length > MaxUInt24) throw new InvalidOperationException($"message length {Length} does not fit 24 bits");
        if (CommandCode > MaxUInt24) throw new InvalidOperationException($"command code {CommandCode} does not fit 24 bits");
        destination[VersionOffset] = Version;
        WriteUInt24(destination[LengthOffset..], Length);
        destination[FlagsOffset] = (byte)Flags;
        WriteUInt24(destination[CommandCodeOffset..], (int)CommandCode);
        BinaryPrimitives.WriteUInt32BigEndian(destination[ApplicationIdOffset..], ApplicationId);
        BinaryPrimitives.WriteUInt32BigEndian(destination[HopByHopOffset..], HopByHopId);
        BinaryPrimitives.WriteUInt32BigEndian(destination[EndToEndOffset..], EndToEndId);
    }

    /// <summary>Reads a 24-bit big-endian unsigned integer.</summary>
    public static int ReadUInt24(ReadOnlySpan<byte> source) => (source[0] << 16) | (source[1] << 8) | source[2];

    /// <summary>Writes a 24-bit big-endian unsigned integer.</summary>
    public static void WriteUInt24(Span<byte> destination, int value)
    {
        destination[0] = (byte)(value >> 16);
        destination[1] = (byte)(value >> 8);
        destination[2] = (byte)value;
    }
}
