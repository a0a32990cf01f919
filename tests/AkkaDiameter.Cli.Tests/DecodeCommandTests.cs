using System.Text.Json;
using Xunit;

namespace AkkaDiameter.Cli.Tests;

/// <summary><c>akka-diameter decode</c> run in-process on the captured frames (shared/reference/captures).</summary>
public class DecodeCommandTests
{
    private static readonly string CaptureDir = Path.Combine(AppContext.BaseDirectory, "TestData", "captures");

    public static IEnumerable<object[]> CaptureLines() =>
        Directory.GetFiles(CaptureDir, "*.hex").Order().SelectMany(f => File.ReadAllLines(f).Where(l => l.Contains('\t'))
            .Select(l => new object[] { Path.GetFileNameWithoutExtension(f), l.Split('\t')[0], l.Split('\t')[1] }));

    private static (int Exit, string Out, string Err) Run(string stdin, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = CommandLine.Run(args, new StringReader(stdin), stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    [Theory]
    [MemberData(nameof(CaptureLines))]
    public void Reencode_prints_every_captured_frame_back_byte_for_byte(string producer, string label, string hex)
    {
        var (exit, output, err) = Run("", "decode", "--reencode", hex);
        Assert.True(exit == 0, $"{producer} {label}: {err}");
        Assert.Equal(hex.ToLowerInvariant(), output.Trim());
    }

    [Theory]
    [MemberData(nameof(CaptureLines))]
    public void Json_has_exactly_the_documented_shape(string producer, string label, string hex)
    {
        var (exit, output, _) = Run("", "decode", "--json", hex);
        Assert.Equal(0, exit);
        using var doc = JsonDocument.Parse(output);
        var root = doc.RootElement;
        Assert.Equal(["header", "avps"], root.EnumerateObject().Select(p => p.Name));
        var header = root.GetProperty("header");
        Assert.Equal(["version", "length", "flags", "commandCode", "commandName", "applicationId", "hopByHop", "endToEnd"],
            header.EnumerateObject().Select(p => p.Name));
        Assert.Equal(["request", "proxiable", "error", "retransmit"], header.GetProperty("flags").EnumerateObject().Select(p => p.Name));
        Assert.Equal(hex.Length / 2, header.GetProperty("length").GetInt32());
        CheckAvps(root.GetProperty("avps"), $"{producer} {label}");
    }

    private static void CheckAvps(JsonElement avps, string where)
    {
        foreach (var avp in avps.EnumerateArray())
        {
            var names = avp.EnumerateObject().Select(p => p.Name).ToList();
            Assert.Equal(["code", "vendorId", "flags", "name", "type"], names.Take(5));
            Assert.Single(names.Skip(5));
            Assert.Contains(names[5], new[] { "value", "avps" });
            Assert.Equal(["vendor", "mandatory", "protected"], avp.GetProperty("flags").EnumerateObject().Select(p => p.Name));
            if (names[5] == "avps")
            {
                Assert.Equal("Grouped", avp.GetProperty("type").GetString());
                CheckAvps(avp.GetProperty("avps"), where);
            }
        }
    }

    [Fact]
    public void Json_values_are_typed()
    {
        var hex = File.ReadAllLines(Path.Combine(CaptureDir, "bromelia.hex")).First(l => l.StartsWith("ULR\t", StringComparison.Ordinal)).Split('\t')[1];
        var (_, output, _) = Run("", "decode", "--json", hex);
        var avps = JsonDocument.Parse(output).RootElement.GetProperty("avps").EnumerateArray().ToList();
        JsonElement Avp(string name) => avps.First(a => a.GetProperty("name").GetString() == name);
        Assert.Equal(JsonValueKind.Number, Avp("RAT-Type").GetProperty("value").ValueKind);
        Assert.Equal(1004, Avp("RAT-Type").GetProperty("value").GetInt32());
        Assert.Equal(10415u, Avp("RAT-Type").GetProperty("vendorId").GetUInt32());
        Assert.True(Avp("RAT-Type").GetProperty("flags").GetProperty("vendor").GetBoolean());
        Assert.Equal("123456789123456", Avp("User-Name").GetProperty("value").GetString());
        Assert.Equal("27f480", Avp("Visited-PLMN-Id").GetProperty("value").GetString());
        Assert.Equal(316, JsonDocument.Parse(output).RootElement.GetProperty("header").GetProperty("commandCode").GetInt32());
        Assert.Equal("ULR", JsonDocument.Parse(output).RootElement.GetProperty("header").GetProperty("commandName").GetString());
    }

    [Fact]
    public void Stdin_lines_in_capture_format_are_decoded_as_trees()
    {
        var sample = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "TestData", "samples", "s6a-attach.hex"));
        var (exit, output, err) = Run(sample, "decode");
        Assert.True(exit == 0, err);
        Assert.Contains("<Diameter Message: 257 [CER] REQ, 0 [Diameter-Common-Messages], 7 AVP(s)>", output);
        Assert.Contains("<Diameter Message: 316 [ULR] REQ PXY, 16777251 [S6a/S6d], 10 AVP(s)>", output);
        Assert.Contains("RAT-Type (1032, vendor 10415 3GPP) [VM-]: 1004 (EUTRAN)", output);
        Assert.Contains("    Vendor-Id (266) [-M-]: 10415", output);
    }

    [Fact]
    public void A_malformed_message_exits_2_with_the_Result_Code_name_number_and_reason()
    {
        // Header says 200 bytes; 32 are given.
        var (exit, _, err) = Run("", "decode", "010000c8800001010000000000000001000000010000010c4000000c000007d1");
        Assert.Equal(2, exit);
        Assert.Contains("DIAMETER_INVALID_MESSAGE_LENGTH (5015): Message Length says 200 bytes but the message has 32", err);
    }

    [Fact]
    public void A_message_failing_validation_is_printed_and_exits_2_naming_the_missing_AVP()
    {
        var (exit, output, err) = Run("", "decode", "0100001480000101000000000000000000000000");
        Assert.Equal(2, exit);
        Assert.Contains("[CER]", output);
        Assert.Contains("DIAMETER_MISSING_AVP (5005): Origin-Host is missing from CER", err);
    }

    [Fact]
    public void Version_2_exits_2_with_5011()
    {
        var (exit, output, err) = Run("", "decode", "0200001480000101000000000000000000000000");
        Assert.Equal(2, exit);
        Assert.Equal("", output);
        Assert.Contains("DIAMETER_UNSUPPORTED_VERSION (5011)", err);
    }

    [Fact]
    public void A_file_of_raw_bytes_with_several_messages_back_to_back_is_split_by_Message_Length()
    {
        var lines = File.ReadAllLines(Path.Combine(CaptureDir, "freediameter.hex")).Where(l => l.Contains('\t')).Take(3).ToList();
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(path, lines.SelectMany(l => Convert.FromHexString(l.Split('\t')[1])).ToArray());
            var (exit, output, err) = Run("", "decode", "--reencode", "--file", path);
            Assert.True(exit == 0, err);
            Assert.Equal(lines.Select(l => l.Split('\t')[1].ToLowerInvariant()), output.Split('\n', StringSplitOptions.RemoveEmptyEntries));

            File.WriteAllBytes(path, [.. Convert.FromHexString(lines[0].Split('\t')[1]), 1, 0, 0]);
            var (exit2, _, err2) = Run("", "decode", "--file", path);
            Assert.Equal(2, exit2);
            Assert.Contains("message 2 (offset", err2);
            Assert.Contains("(5015)", err2);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void An_extra_dictionary_file_names_private_AVPs()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "vendor 99999 Example\navp Example-Token 7 UTF8String M vendor=99999\n");
            var privateDictionary = new Protocol.Dictionary.DiameterDictionaryBuilder().AddBase().AddFile(path).Build();
            var hex = Convert.ToHexString(Protocol.DiameterMessage.CreateRequest("DWR", privateDictionary)
                .Add("Origin-Host", "a.example").Add("Origin-Realm", "example").Add("Example-Token", "hi").Encode());
            var (exit, output, err) = Run("", "decode", "--dictionary", path, hex);
            Assert.True(exit == 0, err);
            Assert.Contains("Example-Token (7, vendor 99999 Example) [VM-]: \"hi\"", output);
            var (exitWithout, _, errWithout) = Run("", "decode", hex);
            Assert.Equal(2, exitWithout);
            Assert.Contains("DIAMETER_AVP_UNSUPPORTED (5001)", errWithout);
        }
        finally { File.Delete(path); }
    }

    [Theory]
    [InlineData("decode --bogus", "unknown or incomplete option '--bogus'")]
    [InlineData("decode --json --reencode", "exclude each other")]
    [InlineData("decode zz", "not hex")]
    [InlineData("decode --file /no/such/file", "/no/such/file")]
    [InlineData("frobnicate", "unknown command 'frobnicate'")]
    public void Usage_and_input_errors_exit_1_and_say_why(string args, string expected)
    {
        var (exit, _, err) = Run("", args.Split(' '));
        Assert.Equal(1, exit);
        Assert.Contains(expected, err);
    }
}
