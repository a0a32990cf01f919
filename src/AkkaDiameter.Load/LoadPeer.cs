using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using HdrHistogram;

namespace AkkaDiameter.Load;

/// <summary>
/// One simulated MME: a TCP connection with its own Origin-Host, CER/CEA at start, DWR and DPR from the server
/// answered, DPR at the end. Closed loop, the answers drive the sending: each answer read is followed by the next
/// request of its procedure (or a new procedure), written in one batch per read. Open loop, <see cref="PaceOpenLoop"/>
/// starts procedures at their intended times. Every request sent is either answered or counted as a timeout.
/// </summary>
internal sealed class LoadPeer : IAsyncDisposable
{
    private const int ReceiveBufferSize = 1 << 18;
    private readonly LoadOptions _options;
    private readonly LoadRun _run;
    private readonly string _host;
    private readonly RequestTemplate[] _steps;
    private readonly Socket _socket;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly Dictionary<uint, Pending> _pending = [];
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<bool> _disconnected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private byte[] _sendBuffer = new byte[1 << 16];
    private uint _hopByHop = (uint)Random.Shared.Next();
    private uint _endToEnd = (uint)Environment.TickCount << 20 | (uint)Random.Shared.Next(1 << 20);
    private ulong _session;
    private long _nextUe;
    private volatile bool _closed;

    /// <summary>Latency of this peer's answers in microseconds; the run takes interval snapshots.</summary>
    public Recorder Latency { get; } = NewRecorder();

    // The snapshot last taken, handed back to the recorder for the next: a histogram over 1 µs-1 h at 3 digits is
    // about 0.5 MB, a large-object allocation per peer per second otherwise, and the gen-2 collections those bring
    // show as pauses in the latencies this run measures.
    private HistogramBase? _lastInterval;

    /// <summary>The latencies recorded since the last call. Valid until the next call.</summary>
    public HistogramBase TakeIntervalLatency() =>
        _lastInterval = _lastInterval is null ? Latency.GetIntervalHistogram() : Latency.GetIntervalHistogram(_lastInterval);

    // Latency of the answers to the warm-up's requests (--warmup), for the progress lines; made only with a warm-up.
    private readonly Recorder? _warmupLatency;
    private HistogramBase? _lastWarmupInterval;

    /// <summary>The warm-up latencies recorded since the last call (none without --warmup). Valid until the next call.</summary>
    public HistogramBase TakeIntervalWarmupLatency() =>
        _lastWarmupInterval = _warmupLatency is null ? _lastWarmupInterval ?? new LongHistogram(3_600_000_000L, 3)
            : _lastWarmupInterval is null ? _warmupLatency.GetIntervalHistogram() : _warmupLatency.GetIntervalHistogram(_lastWarmupInterval);

    private static Recorder NewRecorder() => new(1, 3_600_000_000L, 3, (id, low, high, digits) => new LongHistogram(id, low, high, digits));

    /// <summary>Requests in flight.</summary>
    public int Outstanding { get { lock (_pending) return _pending.Count; } }

    /// <summary>Why the connection failed, or null.</summary>
    public string? Failure { get; private set; }

    private readonly record struct Pending(long StartTimestamp, long Ue, int Step);

    public LoadPeer(LoadOptions options, LoadRun run, int index)
    {
        _options = options;
        _run = run;
        _host = options.PeerHost(index);
        var plmn = BaseMessages.PlmnId(options.VisitedPlmnId);
        string[] commands = options.Scenario switch
        {
            LoadScenario.Ulr => ["ULR"],
            LoadScenario.Air => ["AIR"],
            LoadScenario.Attach => ["AIR", "ULR"],
            _ => ["AIR", "ULR", "NOR", "PUR"],
        };
        _steps = commands.Select(c => RequestTemplate.Create(c, _host, options.OriginRealm, options.DestinationRealm,
            options.DestinationHost, options.ImsiStart.Length, plmn)).ToArray();
        _nextUe = index;   // peers interleave over the UEs
        if (options.Warmup > TimeSpan.Zero) _warmupLatency = NewRecorder();
        _socket = new Socket(options.Target.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
    }

    /// <summary>Connects and exchanges capabilities (RFC 6733 §5.3); throws with the reason when the server refuses.</summary>
    public async Task ConnectAsync(CancellationToken cancel)
    {
        await _socket.ConnectAsync(_options.Target, cancel);
        var local = ((IPEndPoint)_socket.LocalEndPoint!).Address;
        await _socket.SendAsync(BaseMessages.Cer(_host, _options.OriginRealm, local, _hopByHop++), SocketFlags.None, cancel);
        var cea = await ReadOneAsync(cancel) ?? throw new IOException($"{_host}: the server closed the connection instead of answering CER");
        var received = Received.Read(cea);
        if (received.CommandCode != 257 || received.IsRequest) throw new IOException($"{_host}: expected CEA, got command {received.CommandCode}");
        if (received.ResultCode != 2001) throw new IOException($"{_host}: CEA Result-Code {received.ResultCode}");
    }

    private byte[] _buffer = new byte[ReceiveBufferSize];
    private int _filled;

    // Reads one whole message before the receive loop runs (the CEA).
    private async Task<byte[]?> ReadOneAsync(CancellationToken cancel)
    {
        while (true)
        {
            if (_filled >= 4)
            {
                var length = (int)(BinaryPrimitives.ReadUInt32BigEndian(_buffer) & 0xFF_FFFF);
                if (_filled >= length)
                {
                    var frame = _buffer[..length];
                    Buffer.BlockCopy(_buffer, length, _buffer, 0, _filled - length);
                    _filled -= length;
                    return frame;
                }
            }
            var n = await _socket.ReceiveAsync(_buffer.AsMemory(_filled), SocketFlags.None, cancel);
            if (n == 0) return null;
            _filled += n;
        }
    }

    /// <summary>Runs the receive loop until the server closes or <see cref="DisconnectAsync"/>; closed loop, starts
    /// <c>--outstanding</c> procedures first.</summary>
    public async Task RunAsync(bool closedLoop)
    {
        if (closedLoop)
        {
            var first = new List<(long, int, long)>();
            var now = Stopwatch.GetTimestamp();
            for (var i = 0; i < _options.Outstanding && _run.TryReserve(now); i++) first.Add((NextUe(), 0, now));
            await SendAsync(first);
        }
        var toSend = new List<(long Ue, int Step, long Start)>();
        var replies = new List<byte[]>();
        try
        {
            while (true)
            {
                var n = await _socket.ReceiveAsync(_buffer.AsMemory(_filled), SocketFlags.None);
                if (n == 0) break;
                _filled += n;
                var offset = 0;
                var now = Stopwatch.GetTimestamp();
                while (_filled - offset >= 20)
                {
                    var length = (int)(BinaryPrimitives.ReadUInt32BigEndian(_buffer.AsSpan(offset)) & 0xFF_FFFF);
                    if (length < 20) throw new IOException($"{_host}: a message of length {length}");
                    if (_filled - offset < length) break;
                    OnMessage(_buffer.AsMemory(offset, length), now, closedLoop, toSend, replies);
                    offset += length;
                }
                Buffer.BlockCopy(_buffer, offset, _buffer, 0, _filled - offset);
                _filled -= offset;
                if (_filled == _buffer.Length) Array.Resize(ref _buffer, _buffer.Length * 2);   // one message larger than the buffer
                if (replies.Count > 0 || toSend.Count > 0)
                {
                    await SendAsync(toSend, replies);
                    toSend.Clear();
                    replies.Clear();
                }
                CheckDrained();
            }
        }
        catch (Exception e) when (e is SocketException or IOException or ObjectDisposedException)
        {
            if (!_closed) Failure = e.Message;
        }
        if (!_closed) Failure ??= "the server closed the connection";
        _closed = true;
        _disconnected.TrySetResult(true);
        // What is still in flight will not be answered: counted, not lost.
        lock (_pending)
        {
            foreach (var p in _pending.Values) _run.CountUnanswered(p.StartTimestamp);
            _pending.Clear();
        }
        _drained.TrySetResult();
    }

    private void OnMessage(ReadOnlyMemory<byte> frame, long now, bool closedLoop, List<(long, int, long)> toSend, List<byte[]> replies)
    {
        var m = Received.Read(frame.Span);
        if (m.IsRequest)
        {
            // DWR (§5.5) and DPR (§5.4) are answered, and so are the HSS's own requests (CLR, IDR, DSR, RSR), 2001, as an
            // MME would: a load that moves UEs between peers makes the HSS cancel them at the old one.
            replies.Add(BaseMessages.AnswerTo(frame, _host, _options.OriginRealm));
            _run.CountServerRequest();
            if (m.CommandCode == 282) _closed = true;
            return;
        }
        if (m.CommandCode == 282) { _disconnected.TrySetResult(true); return; }   // DPA to our DPR
        if (m.CommandCode == 280) return;
        Pending p;
        lock (_pending)
        {
            if (!_pending.Remove(m.HopByHop, out p)) { _run.CountUnexpected(); return; }   // already timed out
        }
        var micros = Math.Max(1, (now - p.StartTimestamp) * 1_000_000 / Stopwatch.Frequency);
        if (_run.IsWarmup(p.StartTimestamp))
        {
            _warmupLatency?.RecordValue(micros);
            _run.CountWarmupAnswer(m.ResultCode);
        }
        else
        {
            Latency.RecordValue(micros);
            _run.CountAnswer(m.ResultCode, m.Experimental);
        }
        var success = m.ResultCode is >= 2000 and < 3000;
        // A procedure goes on after a success only, as an MME does (no ULR after a failed AIR), and while the budget
        // of --requests lasts (the last procedures may be cut short).
        if (success && p.Step + 1 < _steps.Length && _run.TryReserve(now)) toSend.Add((p.Ue, p.Step + 1, now));
        else if (closedLoop && _run.TryReserve(now)) toSend.Add((NextUe(), 0, now));
    }

    private long NextUe()
    {
        var ue = _nextUe;
        _nextUe += _options.Peers;
        return ue;
    }

    private long _openStarted;
    private readonly List<(long, int, long)> _openBatch = [];

    /// <summary>Open loop, called by the run's pacing thread: starts a procedure for each intended send time up to now
    /// (every <paramref name="interval"/> Stopwatch ticks from <paramref name="startTimestamp"/>), in one write, and
    /// returns the timestamp at which the next one is due. Latency counts from the intended time, so a server (or a
    /// pacer) that falls behind shows it: coordinated omission corrected. No more than <c>--outstanding</c> wait at
    /// once; while that many do, the intended times keep passing and the procedures start late.</summary>
    internal long PaceOpenLoop(double interval, long startTimestamp)
    {
        if (_closed) return long.MaxValue;
        var now = Stopwatch.GetTimestamp();
        var due = (long)((now - startTimestamp) / interval) + 1;
        var room = _options.Outstanding - Outstanding;
        for (; _openStarted < due && room > 0; _openStarted++, room--)
        {
            var intended = startTimestamp + (long)(_openStarted * interval);
            if (!_run.TryReserve(intended)) break;
            _openBatch.Add((NextUe(), 0, intended));
        }
        if (_openBatch.Count > 0)
        {
            SendAsync(_openBatch).GetAwaiter().GetResult();
            _openBatch.Clear();
        }
        // Behind (no room, or the budget is spent): look again in a millisecond.
        return _openStarted < due ? now + Stopwatch.Frequency / 1000 : startTimestamp + (long)(_openStarted * interval);
    }

    private Task SendAsync(List<(long Ue, int Step, long Start)> requests) => SendAsync(requests, []);

    private async Task SendAsync(List<(long Ue, int Step, long Start)> requests, List<byte[]> replies)
    {
        if (_closed && requests.Count > 0)
        {
            foreach (var r in requests) _run.Release(r.Start);
            requests = [];
        }
        await _sendLock.WaitAsync();
        try
        {
            var size = replies.Sum(r => r.Length) + requests.Sum(r => _steps[r.Step].Length);
            if (size > _sendBuffer.Length) _sendBuffer = new byte[Math.Max(size, _sendBuffer.Length * 2)];
            var at = 0;
            foreach (var r in replies)
            {
                r.CopyTo(_sendBuffer, at);
                at += r.Length;
            }
            var ueBase = ulong.Parse(_options.ImsiStart);
            var warmup = 0;
            lock (_pending)
            {
                foreach (var (ue, step, start) in requests)
                {
                    var hbh = _hopByHop++;
                    at += _steps[step].WriteTo(_sendBuffer.AsSpan(at), hbh, _endToEnd++, _session++, ueBase + (ulong)(ue % _options.Ues));
                    _pending[hbh] = new Pending(start, ue, step);
                    if (_run.IsWarmup(start)) warmup++;
                }
            }
            _run.CountSent(requests.Count - warmup, warmup);
            var sent = 0;
            while (sent < at) sent += await _socket.SendAsync(_sendBuffer.AsMemory(sent, at - sent), SocketFlags.None);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            Failure ??= e.Message;
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>Counts as timeouts the requests older than <c>--timeout</c>; closed loop, a new procedure replaces
    /// each.</summary>
    public async Task ExpireAsync(bool closedLoop)
    {
        var deadline = Stopwatch.GetTimestamp() - (long)(_options.Timeout.TotalSeconds * Stopwatch.Frequency);
        var replacements = new List<(long, int, long)>();
        lock (_pending)
        {
            foreach (var (hbh, p) in _pending.Where(kv => kv.Value.StartTimestamp < deadline).ToList())
            {
                _pending.Remove(hbh);
                _run.CountUnanswered(p.StartTimestamp);
                var now = Stopwatch.GetTimestamp();
                if (closedLoop && !_closed && _run.TryReserve(now)) replacements.Add((NextUe(), 0, now));
            }
        }
        if (replacements.Count > 0) await SendAsync(replacements);
        CheckDrained();
    }

    private void CheckDrained()
    {
        if (_run.StopSending && Outstanding == 0) _drained.TrySetResult();
    }

    /// <summary>Completes when the run stopped sending and nothing is in flight (or the connection is gone).</summary>
    public Task Drained
    {
        get
        {
            CheckDrained();
            return _drained.Task;
        }
    }

    /// <summary>DPR (REBOOTING), DPA awaited up to 2 s, then the connection closed.</summary>
    public async Task DisconnectAsync()
    {
        if (!_closed)
        {
            _closed = true;
            await _sendLock.WaitAsync();
            try { await _socket.SendAsync(BaseMessages.Dpr(_host, _options.OriginRealm, _hopByHop++), SocketFlags.None); }
            catch (SocketException) { }
            finally { _sendLock.Release(); }
            await Task.WhenAny(_disconnected.Task, Task.Delay(TimeSpan.FromSeconds(2)));
        }
        try { _socket.Shutdown(SocketShutdown.Both); }
        catch (SocketException) { }
    }

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        _sendLock.Dispose();
        return ValueTask.CompletedTask;
    }
}
