using System.Buffers.Binary;
using AkkaDiameter.Protocol;
using AkkaDiameter.Protocol.Dictionary;
using AkkaDiameter.Protocol.Formatting;
using AkkaDiameter.Protocol.Validation;

namespace AkkaDiameter.Cli;

/// <summary><c>akka-diameter decode</c>: hex or raw bytes in; a tree, JSON, or re-encoded hex out. Every message is
/// decoded and validated against the dictionary; problems go to stderr as <c>NAME (code): reason</c>.</summary>
public static class DecodeCommand
{
    private enum Output { Tree, Json, Hex }

    /// <summary>Runs the subcommand; returns the exit code.</summary>
    public static int Run(string[] args, TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        var output = Output.Tree;
        string? file = null;
        var hexArgs = new List<string>();
        var builder = new DiameterDictionaryBuilder().AddBase().AddS6a();
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--json" or "--reencode":
                    var wanted = args[i] == "--json" ? Output.Json : Output.Hex;
                    if (output != Output.Tree && output != wanted) return Fail(stderr, "--json and --reencode exclude each other");
                    output = wanted;
                    break;
                case "--file" when i + 1 < args.Length:
                    file = args[++i];
                    break;
                case "--dictionary" when i + 1 < args.Length:
                    try { builder.AddFile(args[++i]); }
                    catch (Exception e) when (e is DictionaryException or IOException or UnauthorizedAccessException)
                    { return Fail(stderr, $"dictionary {args[i]}: {e.Message}"); }
                    break;
                case var a when a.StartsWith("--", StringComparison.Ordinal):
                    return Fail(stderr, $"unknown or incomplete option '{a}'");
                default:
                    hexArgs.Add(args[i]);
                    break;
            }
        }
        if (file is not null && hexArgs.Count > 0) return Fail(stderr, "give hex arguments or --file, not both");

        DiameterDictionary dictionary;
        try { dictionary = builder.Build(); }
        catch (DictionaryException e) { return Fail(stderr, e.Message); }

        IEnumerable<(string Where, byte[] Bytes)> inputs;
        try
        {
            inputs = file is not null ? SplitFrames(File.ReadAllBytes(file), file)
                : hexArgs.Count > 0 ? hexArgs.Select((h, n) => ($"argument {n + 1}", ParseHex(h, $"argument {n + 1}")))
                : ReadLines(stdin);
            inputs = inputs.ToList();
        }
        catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException)
        {
            return Fail(stderr, e.Message);
        }

        var exit = CommandLine.Ok;
        foreach (var (where, bytes) in inputs)
        {
            if (!DiameterMessage.TryDecode(bytes, dictionary, out var message, out var decodeError))
            {
                stderr.WriteLine($"{where}: {decodeError}");
                exit = CommandLine.Malformed;
                continue;
            }
            switch (output)
            {
                case Output.Json: stdout.WriteLine(MessageJsonWriter.ToJson(message!)); break;
                case Output.Hex: stdout.WriteLine(Convert.ToHexStringLower(message!.Encode())); break;
                default: stdout.Write(message!.ToTreeString()); break;
            }
            foreach (var error in MessageValidator.ValidateAll(message!))
            {
                stderr.WriteLine($"{where}: {error}");
                exit = CommandLine.Malformed;
            }
        }
        return exit;
    }

    private static int Fail(TextWriter stderr, string message)
    {
        stderr.WriteLine($"akka-diameter decode: {message}");
        return CommandLine.UsageError;
    }

    private static IEnumerable<(string, byte[])> ReadLines(TextReader stdin)
    {
        var n = 0;
        while (stdin.ReadLine() is { } line)
        {
            n++;
            var text = line.Trim();
            if (text.Length == 0 || text.StartsWith('#')) continue;
            var tab = text.LastIndexOf('\t');
            var label = tab > 0 ? $" ({text[..tab].Trim()})" : "";
            var where = $"line {n}{label}";
            yield return (where, ParseHex(tab > 0 ? text[(tab + 1)..] : text, where));
        }
    }

    /// <summary>Hex with optional <c>0x</c>, spaces or colons between bytes.</summary>
    internal static byte[] ParseHex(string text, string where)
    {
        var clean = text.Trim();
        if (clean.StartsWith("0x", StringComparison.OrdinalIgnoreCase)) clean = clean[2..];
        clean = string.Concat(clean.Where(c => !char.IsWhiteSpace(c) && c != ':'));
        try { return Convert.FromHexString(clean); }
        catch (FormatException) { throw new FormatException($"{where}: not hex (an even number of 0-9, a-f)"); }
    }

    /// <summary>Cuts raw bytes into messages by the 24-bit Message Length of each header (RFC 6733 §3). A tail that
    /// cannot be a message is handed on as it is, so that the decoder reports why.</summary>
    internal static IEnumerable<(string, byte[])> SplitFrames(byte[] bytes, string file)
    {
        var offset = 0;
        var n = 0;
        while (offset < bytes.Length)
        {
            n++;
            var left = bytes.Length - offset;
            var length = left >= 4 ? (int)(BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(offset)) & 0xFF_FFFF) : left;
            if (length < 20 || length > left) length = left;
            yield return ($"{file} message {n} (offset {offset})", bytes[offset..(offset + length)]);
            offset += length;
        }
    }
}
