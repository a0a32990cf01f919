using System.Net;
using AkkaDiameter.Protocol.DataTypes;
using AkkaDiameter.Protocol.Dictionary;
using AkkaDiameter.Protocol.Formatting;
using AkkaDiameter.Protocol.Validation;
using AkkaDiameter.Protocol.Wire;
using CsCheck;
using Xunit;

namespace AkkaDiameter.Protocol.Tests;

/// <summary>Property-based tests (CsCheck): random dictionary-valid messages round-trip, and random mutations of
/// captured and generated frames never make the decoder, validator or dumps throw, loop or over-allocate.</summary>
public class PropertyTests
{
    private static readonly DiameterDictionary D = DiameterDictionary.Default;
    private static readonly AvpDefinition[] Defs = [.. D.Avps.OrderBy(a => a.Name, StringComparer.Ordinal)];

    private static readonly Gen<string> Label = Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789-"].Array[1, 12].Select(c => new string(c));
    private static readonly Gen<string> Identity = Label.Array[1, 4].Select(l => string.Join('.', l));
    private static readonly Gen<string> FilterRule = Gen.OneOf(
        "permit in ip from any to any", "deny out 17 from 10.0.0.0/8 53 to !assigned 1000-2000", "permit out 6 from any to 192.0.2.1 80 established");

    private static Gen<Avp> ValueOf(AvpDefinition def, int depth) => def.Type switch
    {
        AvpDataType.Grouped when depth >= 3 => Gen.Const(0).Select(_ => AvpFactory.NewGroup(D, def)),
        AvpDataType.Grouped => AnyAvp(depth + 1).Array[0, 4].Select(members =>
        {
            var group = AvpFactory.NewGroup(D, def);
            foreach (var m in members) group.Add(m);
            return group;
        }),
        AvpDataType.Integer32 or AvpDataType.Enumerated => Gen.Int.Select(v => AvpFactory.FromInteger(D, def, v)),
        AvpDataType.Unsigned32 => Gen.UInt.Select(v => AvpFactory.FromInteger(D, def, v)),
        AvpDataType.Integer64 => Gen.Long.Select(v => AvpFactory.FromInteger(D, def, v)),
        AvpDataType.Unsigned64 => Gen.ULong.Select(v => AvpFactory.FromUnsigned64(D, def, v)),
        AvpDataType.Float32 => Gen.Float.Select(v => AvpFactory.FromFloat(D, def, v)),
        AvpDataType.Float64 => Gen.Double.Select(v => AvpFactory.FromFloat(D, def, v)),
        AvpDataType.Time => Gen.UInt.Select(s => AvpFactory.FromTime(D, def, DiameterTime.FromNtpSeconds(s))),
        AvpDataType.Address => Gen.OneOf(
            Gen.Byte.Array[4].Select(b => new DiameterAddress(DiameterAddress.FamilyIPv4, b)),
            Gen.Byte.Array[16].Select(b => new DiameterAddress(DiameterAddress.FamilyIPv6, b)),
            Gen.Select(Gen.UShort[3, 30], Gen.Byte.Array[0, 20], (f, b) => new DiameterAddress(f, b)))
            .Select(a => AvpFactory.FromAddress(D, def, a)),
        AvpDataType.UTF8String => Gen.String.Select(s => AvpFactory.FromString(D, def, s)),
        AvpDataType.DiameterIdentity => Identity.Select(s => AvpFactory.FromString(D, def, s)),
        AvpDataType.DiameterURI => Gen.Select(Identity, Gen.Int[1, 65535], (h, p) => AvpFactory.FromString(D, def, $"aaa://{h}:{p};transport=tcp")),
        AvpDataType.IPFilterRule => FilterRule.Select(s => AvpFactory.FromString(D, def, s)),
        _ => Gen.Byte.Array[0, 40].Select(b => AvpFactory.FromBytes(D, def, b)),
    };

    private static readonly Gen<Avp> UnknownAvp = Gen.Select(Gen.UInt[60000, 70000], Gen.Bool, Gen.Bool, Gen.Byte.Array[0, 40],
        (code, vendor, m, data) => new Avp(code, vendor ? 99999u : 0u, m ? AvpFlags.Mandatory : AvpFlags.None, data));

    private static Gen<Avp> AnyAvp(int depth) => Gen.Frequency(
        (9, Gen.Int[0, Defs.Length - 1].SelectMany(i => ValueOf(Defs[i], depth))),
        (1, UnknownAvp));

    private static readonly Gen<DiameterMessage> Message = Gen.Select(Gen.UInt[0, 0xFF_FFFF], Gen.UInt, Gen.Byte, Gen.UInt, Gen.UInt,
        AnyAvp(0).Array[0, 12],
        (code, app, flags, hbh, e2e, avps) =>
        {
            var f = (CommandFlags)(flags & 0xF0);
            if ((f & CommandFlags.Request) != 0) f &= ~CommandFlags.Error;   // R+E together is 3008, not a message
            var m = new DiameterMessage(code, app, f) { HopByHopId = hbh, EndToEndId = e2e };
            foreach (var a in avps) m.Add(a);
            return m;
        });

    /// <summary>The validator's DiameterIdentity check on bytes has a vectorised path for valid names; over names near
    /// every edge (empty and leading, trailing or doubled dots, labels of 63-64, 255-256 in all, characters just
    /// outside the host-name set, non-ASCII) it says exactly what the character-by-character check says.</summary>
    [Fact]
    public void DiameterIdentity_byte_check_agrees_with_the_character_walk()
    {
        var unit = Gen.Frequency((20, Gen.Char["abcXYZ019"]), (3, Gen.Char["-_"]), (4, Gen.Const('.')), (1, Gen.Char[" /:@`{\u00e9\u0100"]));
        var label = Gen.Frequency((10, unit.Array[0, 8].Select(c => new string(c))), (1, Gen.Int[62, 65].Select(n => new string('a', n))));
        var identity = Gen.Frequency((10, label.Array[0, 5].Select(l => string.Join('.', l))),
            (1, Gen.Int[250, 258].Select(n => string.Join('.', Enumerable.Repeat(new string('b', 50), 6))[..Math.Min(n, 305)])));
        identity.Sample(name =>
        {
            var bytes = System.Text.Encoding.UTF8.GetBytes(name);
            var byChars = DiameterIdentityRules.IsValid(name.AsSpan(), out _);
            // Non-ASCII is refused either way (its UTF-8 bytes are not host-name characters, nor is the character).
            Assert.Equal(byChars, DiameterIdentityRules.IsValid(bytes, out var reason));
            Assert.Equal(byChars, reason == "");
        }, iter: 20_000);
    }

    [Fact]
    public void Decode_of_encode_equals_the_message_and_encode_of_decode_equals_the_bytes()
    {
        Message.Sample(m =>
        {
            var bytes = m.Encode();
            var back = DiameterMessage.Decode(bytes);
            Assert.True(m.ContentEquals(back));
            Assert.Equal(bytes, back.Encode());
            Assert.Equal(bytes.Length, back.Header.Length);
        }, iter: 2000);
    }

    [Fact]
    public void Typed_values_read_back_as_written()
    {
        Gen.Int[0, Defs.Length - 1].SelectMany(i => ValueOf(Defs[i], 2)).Sample(avp =>
        {
            var back = Assert.Single(DiameterMessage.Decode(new DiameterMessage(1, 0, CommandFlags.None).Add(avp).Encode()).Avps);
            Assert.Equal(avp.Type, back.Type);
            if (avp.Type is AvpDataType.Grouped) Assert.Equal(avp.Avps.Count, back.Avps.Count);
            else if (avp.Type is not (AvpDataType.Float32 or AvpDataType.Float64)) Assert.Equal(avp.GetValue().ToString(), back.GetValue().ToString());
            Assert.Equal(0u, AvpValue.Check(back.Type, back.Data.Span).ResultCode);
        }, iter: 3000);
    }

    private static readonly Gen<byte[]> Seeds = Gen.Frequency(
        (1, Gen.Int[0, Captures.All.Count - 1].Select(i => Captures.All[i].Bytes)),
        (1, Message.Select(m => m.Encode())));

    private static readonly Gen<Func<byte[], byte[]>> Mutation = Gen.OneOf(
        Gen.Select(Gen.Int[0, 10_000], Gen.Byte, (at, b) => (Func<byte[], byte[]>)(f => { var c = (byte[])f.Clone(); if (c.Length > 0) c[at % c.Length] = b; return c; })),
        Gen.Int[0, 10_000].Select(n => (Func<byte[], byte[]>)(f => f[..(n % (f.Length + 1))])),
        Gen.Byte.Array[1, 16].Select(extra => (Func<byte[], byte[]>)(f => [.. f, .. extra])),
        Gen.Select(Gen.Int[0, 10_000], Gen.Int[0, 0xFF_FFFF], (at, len) => (Func<byte[], byte[]>)(f =>
        {
            var c = (byte[])f.Clone();
            if (c.Length >= 3) { var o = at % (c.Length - 2); c[o] = (byte)(len >> 16); c[o + 1] = (byte)(len >> 8); c[o + 2] = (byte)len; }
            return c;
        })));

    [Fact]
    public void Mutated_frames_never_make_decode_validate_or_dump_throw_and_allocation_stays_proportional()
    {
        Gen.Select(Seeds, Mutation.Array[1, 4], (seed, ms) => ms.Aggregate(seed, (f, m) => m(f))).Sample(frame =>
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            var ok = DiameterMessage.TryDecode(frame, D, out var message, out var error);
            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            // Objects per AVP, never buffers sized by a length field: bounded by the frame, whatever it claims.
            Assert.True(allocated <= 64 * frame.Length + 4096, $"{allocated} bytes allocated for a {frame.Length}-byte frame");
            if (!ok)
            {
                Assert.NotNull(error);
                Assert.InRange(error.ResultCode, 3000u, 5999u);
                Assert.False(string.IsNullOrEmpty(error.Reason));
                return;
            }
            Assert.Equal(frame.Length, message!.GetEncodedLength());
            foreach (var e in MessageValidator.ValidateAll(message))
            {
                Assert.InRange(e.ResultCode, 3000u, 5999u);
                e.FailedAvp?.WriteTo(new byte[e.FailedAvp.PaddedLength]);
            }
            Assert.NotEmpty(message.ToTreeString());
            Assert.NotEmpty(MessageJsonWriter.ToJson(message));
        }, iter: 20_000);
    }

    /// <summary>A received message is validated on its bytes (no AVP objects); a built or changed one on its AVP
    /// objects. Both must report the same errors, Result-Code, reason and Failed-AVP bytes, in the same order: checked
    /// on mutated captures and generated messages, the second time after asking for the AVP list.</summary>
    [Fact]
    public void Validation_of_the_received_bytes_reports_exactly_what_validation_of_the_AVP_objects_reports()
    {
        static string Describe(IReadOnlyList<DiameterError> errors) => string.Join("\n", errors.Select(e =>
            $"{e.ResultCode} {e.Reason} {(e.FailedAvp is null ? "-" : Convert.ToHexString(new DiameterMessage(0, 0, CommandFlags.None).Add(e.FailedAvp).Encode()))}"));
        var compared = 0;
        var withErrors = 0;
        Gen.Select(Seeds, Mutation.Array[0, 3], (seed, ms) => ms.Aggregate(seed, (f, m) => m(f))).Sample(frame =>
        {
            if (!DiameterMessage.TryDecode(frame, D, out var onBytes, out _)) return;
            var onObjects = DiameterMessage.Decode(frame, D);
            _ = onObjects.Avps;   // the list is made: validation walks the objects
            var expected = Describe(MessageValidator.ValidateAll(onObjects));
            Assert.Equal(expected, Describe(MessageValidator.ValidateAll(onBytes!)));
            compared++;
            if (expected.Length > 0) withErrors++;
        }, iter: 20_000, threads: 1);
        // The comparison means something only if both outcomes occur often.
        Assert.InRange(withErrors, compared / 10, compared - compared / 10);
    }

    [Fact]
    public void A_length_field_claiming_16_MiB_allocates_nothing_of_that_size()
    {
        var frame = new RawFrame().Add(RawFrame.Avp(263, 0x40, RawFrame.Text("a;1"), lengthOverride: 0xFF_FFFF)).ToArray();
        DiameterMessage.TryDecode(frame, D, out _, out _);   // warm up
        var before = GC.GetAllocatedBytesForCurrentThread();
        Assert.False(DiameterMessage.TryDecode(frame, D, out _, out var error));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 4096);
        Assert.Equal(ResultCodes.InvalidAvpLength, error!.ResultCode);
        _ = IPAddress.Loopback;
    }
}
