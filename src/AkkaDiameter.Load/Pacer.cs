using System.Diagnostics;
using System.Runtime.InteropServices;

namespace AkkaDiameter.Load;

/// <summary>Sleeps with sub-millisecond resolution where the OS allows it, for the open-loop pacing thread.</summary>
internal static class Pacer
{
    /// <summary>The shortest sleep: it bounds the pacing thread to about 10,000 wake-ups a second (plus the kernel's
    /// timer slack, 50 µs by default on Linux), whatever the rate.</summary>
    public static readonly TimeSpan MinimumSleep = TimeSpan.FromMicroseconds(100);

    // Checked at least this often, so that the end of the run is noticed.
    private static readonly long MaximumSleepTicks = Stopwatch.Frequency / 20;
    private static readonly long MinimumSleepTicks = (long)(MinimumSleep.TotalSeconds * Stopwatch.Frequency);
    private static readonly bool Nanosleep = OperatingSystem.IsLinux() && Environment.Is64BitProcess;

    /// <summary>Sleeps until <paramref name="timestamp"/> (a <see cref="Stopwatch"/> timestamp), at least
    /// <see cref="MinimumSleep"/> and at most 50 ms.</summary>
    public static void SleepUntil(long timestamp)
    {
        var ticks = Math.Clamp(timestamp - Stopwatch.GetTimestamp(), MinimumSleepTicks, MaximumSleepTicks);
        if (Nanosleep)
        {
            var ns = ticks * 1_000_000_000 / Stopwatch.Frequency;
            var request = new Timespec { Seconds = ns / 1_000_000_000, Nanoseconds = ns % 1_000_000_000 };
            // An early return (EINTR) only means the loop looks at its schedule sooner.
            _ = nanosleep(ref request, IntPtr.Zero);
        }
        else
            // Elsewhere .NET's sleep has millisecond resolution.
            Thread.Sleep(Math.Max(1, (int)(ticks * 1000 / Stopwatch.Frequency)));
    }

    // struct timespec of LP64 Linux: two longs.
    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc", EntryPoint = "nanosleep")]
    private static extern int nanosleep(ref Timespec request, IntPtr remaining);
}
