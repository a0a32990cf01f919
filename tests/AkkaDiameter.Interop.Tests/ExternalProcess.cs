using System.Diagnostics;
using System.Text;


namespace AkkaDiameter.Interop.Tests;

/// <summary>
/// A program the test started: its output lines are kept, a test waits for a line to appear (never for a time), and
/// disposing kills it if it still runs, so no process outlives its test.
/// </summary>
public sealed class ExternalProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Done)> _waiters = [];
    private readonly TaskCompletionSource _outputClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _openStreams = 2;

    private ExternalProcess(Process process) => _process = process;

    public string Name { get; private init; } = "";
    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;

    /// <summary>Starts a program. With <paramref name="binaryStdout"/>, its standard output is raw bytes handed to
    /// that callback as they arrive (e.g. a capture written to '-') and only standard error is read as lines.</summary>
    public static ExternalProcess Start(string file, IEnumerable<string> args, string? workingDirectory = null,
        Action<ReadOnlyMemory<byte>>? binaryStdout = null)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var a in args) info.ArgumentList.Add(a);
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var p = new ExternalProcess(process) { Name = Path.GetFileName(file) };
        process.Start();
        _ = binaryStdout is null ? p.ReadAsync(process.StandardOutput) : p.CopyAsync(process.StandardOutput.BaseStream, binaryStdout);
        _ = p.ReadAsync(process.StandardError);
        return p;
    }

    /// <summary>Everything it printed so far (stdout and stderr interleaved as they arrived).</summary>
    public string Output
    {
        get { lock (_lines) return string.Join('\n', _lines); }
    }

    public IReadOnlyList<string> Lines
    {
        get { lock (_lines) return _lines.ToList(); }
    }

    /// <summary>Completes with the first line (already printed or still to come) that matches; fails after
    /// <paramref name="timeout"/> or when the process ends first, with its output in the message. Each line is
    /// offered once, in order, so <paramref name="match"/> may count.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout, string what)
    {
        var done = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lines)
        {
            var seen = _lines.FirstOrDefault(match);
            if (seen is not null) return seen;
            _waiters.Add((match, done));
        }
        var finished = await Task.WhenAny(done.Task, Task.Delay(timeout), _outputClosed.Task);
        if (finished == done.Task) return await done.Task;
        lock (_lines) _waiters.RemoveAll(w => w.Done == done);
        if (done.Task.IsCompleted) return await done.Task;
        throw new TimeoutException($"{Name}: {what} not seen within {timeout.TotalSeconds:0.#} s" +
                                   (_outputClosed.Task.IsCompleted ? " (it exited)" : "") + $"; its output:\n{Tail()}");
    }

    /// <summary>Counts lines matching, so far.</summary>
    public int Count(Func<string, bool> match)
    {
        lock (_lines) return _lines.Count(match);
    }

    /// <summary>The last lines of output, for failure messages.</summary>
    public string Tail(int lines = 60)
    {
        lock (_lines) return string.Join('\n', _lines.Skip(Math.Max(0, _lines.Count - lines)));
    }

    /// <summary>Sends a signal (SIGTERM 15, SIGINT 2) through libc.</summary>
    public void Signal(int signal)
    {
        if (!_process.HasExited) _ = SendSignal(_process.Id, signal);
    }

    /// <summary>Waits for it to exit; kills it (SIGKILL) if it has not within <paramref name="timeout"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
            await _process.WaitForExitAsync();
        }
        await Task.WhenAny(_outputClosed.Task, Task.Delay(TimeSpan.FromSeconds(5)));
        return _process.ExitCode;
    }

    /// <summary>SIGKILL: the abrupt stop the kernel turns into a closed socket.</summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    // Lines end at '\n' or '\r' (programs that redraw a counter use '\r').
    private async Task ReadAsync(StreamReader reader)
    {
        var buffer = new char[4096];
        var line = new StringBuilder();
        int n;
        while ((n = await reader.ReadAsync(buffer)) > 0)
        {
            for (var i = 0; i < n; i++)
            {
                var c = buffer[i];
                if (c is '\n' or '\r')
                {
                    if (line.Length > 0) OnLine(line.ToString());
                    line.Clear();
                }
                else line.Append(c);
            }
        }
        if (line.Length > 0) OnLine(line.ToString());
        if (Interlocked.Decrement(ref _openStreams) == 0) _outputClosed.TrySetResult();
    }

    private async Task CopyAsync(Stream stream, Action<ReadOnlyMemory<byte>> sink)
    {
        var buffer = new byte[64 * 1024];
        int n;
        while ((n = await stream.ReadAsync(buffer)) > 0) sink(buffer.AsMemory(0, n));
        if (Interlocked.Decrement(ref _openStreams) == 0) _outputClosed.TrySetResult();
    }

    private void OnLine(string line)
    {
        List<TaskCompletionSource<string>> matched = [];
        lock (_lines)
        {
            _lines.Add(line);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (!_waiters[i].Match(line)) continue;
                matched.Add(_waiters[i].Done);
                _waiters.RemoveAt(i);
            }
        }
        foreach (var m in matched) m.TrySetResult(line);
    }

    /// <summary>Runs a program to completion and returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string file, IEnumerable<string> args, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Path.GetFileName(file)} {string.Join(' ', info.ArgumentList)} did not finish within {timeout}");
        }
        return (process.ExitCode, await stdout, await stderr);
    }
}
