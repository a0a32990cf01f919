using System.Globalization;

namespace AkkaDiameter.Interop.Tests;

/// <summary>
/// Loopback traffic of one test, captured by dumpcap on <c>lo</c> with a port filter and checked afterwards by
/// Wireshark's Diameter dissector: <see cref="VerifyAsync"/> fails the test if the dissector flags any frame (malformed,
/// an expert error, an unknown AVP, vendor, command or application, a bad length or version) or if no Diameter frame
/// was captured at all. The capture file is kept under the test output's <c>captures/</c> folder for a look in
/// Wireshark.
/// </summary>
public sealed class WireCapture : IAsyncDisposable
{
    /// <summary>The display filter of the interop issue: every frame it matches is a finding.</summary>
    public const string DissectorComplaints =
        "_ws.malformed || _ws.expert.severity == \"Error\" || diameter.avp.code.unknown || " +
        "diameter.unknown_vendor || diameter.cmd.code.unknown || diameter.applicationId.unknown || " +
        "diameter.avp.invalid-len || diameter.invalid_avp_len || diameter.version.unknown";

    private readonly int[] _ports;
    private readonly int _startMarker;
    private readonly int _stopMarker;
    private readonly FileStream _out;
    private readonly PcapngScanner _scanner;
    private ExternalProcess _dumpcap = null!;

    private WireCapture(string file, int[] ports, int startMarker, int stopMarker)
    {
        File = file;
        _ports = ports;
        _startMarker = startMarker;
        _stopMarker = stopMarker;
        _out = new FileStream(file, FileMode.Create, FileAccess.Write, FileShare.Read);
        _scanner = new PcapngScanner(startMarker, stopMarker);
    }

    /// <summary>The pcapng file.</summary>
    public string File { get; }

    /// <summary>Starts capturing TCP on these ports (the listening ports of the test; the other end of every
    /// connection is one of them). Completes when a packet sent now would be captured: dumpcap says "Capturing on"
    /// a little before the capture is live, so a marker connection is repeated until one shows up in the stream.</summary>
    public static async Task<WireCapture> StartAsync(string name, params int[] ports)
    {
        var dir = Path.Combine(AppContext.BaseDirectory, "captures");
        Directory.CreateDirectory(dir);
        var file = Path.Combine(dir, $"{name}-{DateTime.UtcNow:HHmmss}-{Environment.ProcessId}.pcapng");
        int startMarker = Loopback.FreePort(), stopMarker = Loopback.FreePort();
        var filter = string.Join(" or ", ports.Append(startMarker).Append(stopMarker).Select(p => $"tcp port {p}"));
        var capture = new WireCapture(file, ports, startMarker, stopMarker);
        // Written to a pipe, dumpcap flushes after every batch it reads; to a file it would not, and we could not see
        // when the marker (below) has been captured.
        capture._dumpcap = ExternalProcess.Start(ThirdParty.Dumpcap!, ["-i", "lo", "-f", filter, "-w", "-", "-q"],
            binaryStdout: capture.OnCaptureBytes);
        await capture._dumpcap.WaitForLineAsync(l => l.Contains("Capturing on", StringComparison.Ordinal),
            TimeSpan.FromSeconds(20), "'Capturing on ...' (dumpcap needs root or the capture capabilities)");
        for (var attempt = 0; attempt < 100 && !capture._scanner.Seen(startMarker).IsCompleted; attempt++)
        {
            await Mark(startMarker);
            await Task.WhenAny(capture._scanner.Seen(startMarker), Task.Delay(TimeSpan.FromMilliseconds(300)));
        }
        if (!capture._scanner.Seen(startMarker).IsCompleted)
        {
            await capture.DisposeAsync();
            throw new WireCaptureException($"dumpcap never captured the start marker; it said:\n{capture._dumpcap.Tail()}");
        }
        return capture;
    }

    /// <summary>A connection to a port nobody listens on: SYN and RST, two packets the filter takes.</summary>
    private static async Task Mark(int port)
    {
        using var probe = new System.Net.Sockets.TcpClient();
        try { await probe.ConnectAsync(System.Net.IPAddress.Loopback, port); }
        catch (System.Net.Sockets.SocketException) { /* refused: the packets we wanted */ }
    }

    private void OnCaptureBytes(ReadOnlyMemory<byte> bytes)
    {
        lock (_out)
        {
            _out.Write(bytes.Span);
            _out.Flush();
        }
        _scanner.Feed(bytes.Span);
    }

    /// <summary>
    /// Stops the capture without losing its tail. libpcap hands packets to dumpcap a block at a time (a block is
    /// retired when full or after a read timeout) and dumpcap drops the unread block on SIGINT, so traffic of the
    /// last fraction of a second would be missing. Instead: connect to a port in the filter that nobody listens on
    /// (SYN and RST), wait until that packet is in the captured stream (which holds everything sent before it, in
    /// order), and only then send SIGINT.
    /// </summary>
    public async Task StopAsync()
    {
        if (_dumpcap.HasExited) return;
        await Mark(_stopMarker);
        var seen = await Task.WhenAny(_scanner.Seen(_stopMarker), Task.Delay(TimeSpan.FromSeconds(20)));
        _dumpcap.Signal(2);
        await _dumpcap.WaitForExitAsync(TimeSpan.FromSeconds(20));
        lock (_out) _out.Dispose();
        if (seen != _scanner.Seen(_stopMarker))
            throw new WireCaptureException($"the end-of-capture marker (port {_stopMarker}) never reached {File}; dumpcap said:\n{_dumpcap.Tail()}");
    }

    /// <summary>Stops the capture and runs the dissector over it. Returns the Diameter frames as one summary line
    /// each; throws when the dissector flags a frame or there is no Diameter frame.</summary>
    public async Task<IReadOnlyList<string>> VerifyAsync()
    {
        await StopAsync();
        var frames = await Tshark("diameter",
            ["frame.number", "tcp.srcport", "tcp.dstport", "diameter.flags.request", "diameter.cmd.code", "diameter.hopbyhopid",
             "diameter.Result-Code"]);
        if (frames.Count == 0)
            throw new WireCaptureException($"no Diameter frame in {File} (ports {string.Join(", ", _ports)}); dumpcap said:\n{_dumpcap.Tail()}");
        var flagged = await FlaggedAsync();
        if (flagged.Count > 0)
        {
            var detail = await ExternalProcess.RunAsync(ThirdParty.Tshark!,
                [.. TsharkArgs(), "-Y", DissectorComplaints, "-O", "diameter"], TimeSpan.FromSeconds(60));
            throw new WireCaptureException(
                $"Wireshark's dissector flags {flagged.Count} frame(s) in {File}:\n{string.Join('\n', flagged)}\n\n{Truncate(detail.Stdout, 12000)}");
        }
        return frames;
    }

    /// <summary>The frames the dissector flags (the issue's filter): frame number, source port, command codes and the
    /// expert messages, one tab-separated line each. Stops the capture first.</summary>
    public async Task<IReadOnlyList<string>> FlaggedAsync()
    {
        await StopAsync();
        return await Tshark(DissectorComplaints, ["frame.number", "tcp.srcport", "diameter.cmd.code", "_ws.expert.message"]);
    }

    /// <summary>The R flag, command code and Hop-by-Hop Identifier of the Diameter messages in frames matching
    /// <paramref name="filter"/> (e.g. <c>tcp.dstport == 3868</c>), in capture order; one frame may hold several.</summary>
    public async Task<IReadOnlyList<(bool Request, uint Command, uint HopByHop)>> MessagesAsync(string filter)
    {
        var rows = await Tshark($"diameter && ({filter})", ["diameter.flags.request", "diameter.cmd.code", "diameter.hopbyhopid"]);
        var result = new List<(bool, uint, uint)>();
        foreach (var row in rows)
        {
            var cols = row.Split('\t');
            var flags = cols[0].Split(',');
            var codes = cols[1].Split(',');
            var hops = cols[2].Split(',');
            for (var i = 0; i < codes.Length; i++)
                result.Add((flags[i] is "1" or "True", uint.Parse(codes[i], CultureInfo.InvariantCulture),
                    Convert.ToUInt32(hops[i], 16)));
        }
        return result;
    }

    private string[] TsharkArgs() =>
        ["-r", File, "-o", "tcp.desegment_tcp_streams:TRUE", .. _ports.SelectMany(p => new[] { "-d", $"tcp.port=={p},diameter" })];

    private async Task<List<string>> Tshark(string filter, string[] fields)
    {
        var (code, stdout, stderr) = await ExternalProcess.RunAsync(ThirdParty.Tshark!,
            [.. TsharkArgs(), "-Y", filter, "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=,",
             .. fields.SelectMany(f => new[] { "-e", f })], TimeSpan.FromSeconds(60));
        if (code != 0) throw new WireCaptureException($"tshark failed ({code}) on {File}: {stderr}");
        return stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
    }

    private static string Truncate(string s, int max) => s.Length <= max ? s : s[..max] + "\n...";

    public async ValueTask DisposeAsync()
    {
        try { await StopAsync(); } catch (WireCaptureException) { /* reported by VerifyAsync when it matters */ }
        await _dumpcap.DisposeAsync();
        lock (_out) _out.Dispose();
    }
}

/// <summary>The capture shows a wire problem.</summary>
public sealed class WireCaptureException(string message) : Exception(message);

/// <summary>
/// Reads a pcapng stream as it is written (section header, interface description and enhanced packet blocks; RFC
/// draft-ietf-opsawg-pcapng) just far enough to notice Ethernet/IPv4/TCP packets to or from marker ports.
/// </summary>
internal sealed class PcapngScanner
{
    private readonly Dictionary<int, TaskCompletionSource> _markers;
    private readonly object _lock = new();
    private byte[] _pending = [];
    private bool _bigEndian;

    public PcapngScanner(params int[] markerPorts) =>
        _markers = markerPorts.ToDictionary(p => p, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    /// <summary>Completes when a packet to or from the marker port has been captured.</summary>
    public Task Seen(int markerPort) => _markers[markerPort].Task;

    public void Feed(ReadOnlySpan<byte> bytes)
    {
        lock (_lock)
        {
            var buffer = new byte[_pending.Length + bytes.Length];
            _pending.CopyTo(buffer, 0);
            bytes.CopyTo(buffer.AsSpan(_pending.Length));
            var offset = 0;
            while (buffer.Length - offset >= 12)
            {
                var block = buffer.AsSpan(offset);
                var type = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(block);
                if (type == 0x0A0D0D0A) // Section Header Block: its byte-order magic says how to read the rest
                    _bigEndian = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(block[8..]) != 0x1A2B3C4D;
                var length = (int)U32(block[4..]);
                if (length < 12 || length > block.Length) break;
                if (U32(block) == 6) Inspect(block[28..length]); // Enhanced Packet Block: 28 bytes before the packet
                offset += length;
            }
            _pending = buffer[offset..];
        }
    }

    private uint U32(ReadOnlySpan<byte> b) => _bigEndian
        ? System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(b)
        : System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(b);

    private void Inspect(ReadOnlySpan<byte> frame)
    {
        // Ethernet II (lo is captured as Ethernet), IPv4, TCP.
        if (frame.Length < 14 + 20 + 4 || frame[12] != 0x08 || frame[13] != 0x00) return;
        var ip = frame[14..];
        var ihl = (ip[0] & 0x0F) * 4;
        if (ip[9] != 6 || ip.Length < ihl + 4) return;
        var tcp = ip[ihl..];
        var src = (tcp[0] << 8) | tcp[1];
        var dst = (tcp[2] << 8) | tcp[3];
        if (_markers.TryGetValue(src, out var a)) a.TrySetResult();
        if (_markers.TryGetValue(dst, out var b)) b.TrySetResult();
    }
}
