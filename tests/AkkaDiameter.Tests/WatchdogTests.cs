using AkkaDiameter.Peers;
using Xunit;
using static AkkaDiameter.Peers.WatchdogActions;
using static AkkaDiameter.Peers.WatchdogState;

namespace AkkaDiameter.Tests;

/// <summary>The RFC 3539 §3.4.1 watchdog table, row by row, on the plain state machine.</summary>
public class WatchdogTests
{
    private static Watchdog In(WatchdogState state, bool pending = false, int numDwa = 0)
    {
        var w = new Watchdog();
        switch (state)
        {
            case Initial: break;
            case Okay: w.ConnectionUp(); break;
            case Suspect: w.ConnectionUp(); w.TimerExpired(); w.TimerExpired(); break;
            case Down: w.ConnectionUp(); w.ConnectionDown(); break;
            case Reopen:
                w.ConnectionUp(); w.ConnectionDown(); w.ConnectionUp();    // Pending = TRUE, NumDWA = 0
                for (var i = 0; i < numDwa; i++) { w.Receive(isDwa: true); w.TimerExpired(); }
                if (!pending && w.Pending) w.Receive(isDwa: true);
                break;
        }
        Assert.Equal(state, w.State);
        if (state is Okay && pending) w.TimerExpired();
        Assert.Equal(pending, w.Pending);
        return w;
    }

    public static IEnumerable<object[]> Table =>
    [
        // state, pending, event, expected actions, next state, next pending
        [Initial, false, "up", None, Okay, false],
        [Okay, false, "dwa", None, Okay, false],
        [Okay, true, "dwa", None, Okay, false],
        [Okay, true, "non-dwa", None, Okay, true],
        [Okay, false, "timer", SendWatchdog, Okay, true],
        [Okay, true, "timer", Failover, Suspect, true],
        [Suspect, true, "dwa", Failback, Okay, false],
        [Suspect, true, "non-dwa", Failback, Okay, true],
        [Suspect, true, "timer", CloseConnection, Down, false],
        [Down, false, "up", SendWatchdog, Reopen, true],
        [Reopen, true, "non-dwa", Throwaway, Reopen, true],
        [Reopen, false, "timer", SendWatchdog, Reopen, true],
        [Okay, false, "down", Failover, Down, false],
        [Suspect, true, "down", None, Down, false],
    ];

    [Theory]
    [MemberData(nameof(Table))]
    public void Each_row_of_the_RFC_3539_watchdog_table(WatchdogState state, bool pending, string @event, WatchdogActions actions,
        WatchdogState next, bool nextPending)
    {
        var w = In(state, pending);
        var got = @event switch
        {
            "up" => w.ConnectionUp(),
            "down" => w.ConnectionDown(),
            "dwa" => w.Receive(isDwa: true),
            "non-dwa" => w.Receive(isDwa: false),
            "timer" => w.TimerExpired(),
            _ => throw new ArgumentException(@event),
        };
        Assert.Equal((actions, next, nextPending), (got, w.State, w.Pending));
    }

    [Fact]
    public void REOPEN_fails_back_to_OKAY_only_at_the_third_answered_DWR()
    {
        var w = In(Reopen, pending: true);
        Assert.Equal(None, w.Receive(isDwa: true));          // NumDWA = 1
        Assert.Equal(SendWatchdog, w.TimerExpired());
        Assert.Equal(None, w.Receive(isDwa: true));          // 2
        Assert.Equal(SendWatchdog, w.TimerExpired());
        Assert.False(w.Available);
        Assert.Equal(Failback, w.Receive(isDwa: true));      // 3
        Assert.Equal(Okay, w.State);
        Assert.True(w.Available);
    }

    [Fact]
    public void REOPEN_closes_after_two_unanswered_DWRs()
    {
        var w = In(Reopen, pending: true);
        Assert.Equal(None, w.TimerExpired());                // Pending, NumDWA >= 0: NumDWA = -1
        Assert.Equal(-1, w.NumDwa);
        Assert.Equal(CloseConnection, w.TimerExpired());     // Pending, NumDWA < 0
        Assert.Equal(Down, w.State);
    }

    [Fact]
    public void An_orderly_close_resets_to_INITIAL_so_the_next_connection_is_OKAY_at_once()
    {
        var w = In(Okay);
        w.Reset();
        Assert.Equal(Initial, w.State);
        Assert.Equal(None, w.ConnectionUp());
        Assert.True(w.Available);
    }

    [Fact]
    public void Tw_is_jittered_within_plus_or_minus_the_jitter()
    {
        var random = new Random(7);
        var tw = TimeSpan.FromSeconds(30);
        var jitter = TimeSpan.FromSeconds(2);
        var draws = Enumerable.Range(0, 1000).Select(_ => Watchdog.NextInterval(tw, jitter, random)).ToList();
        Assert.All(draws, d => Assert.InRange(d, tw - jitter, tw + jitter));
        Assert.True(draws.Max() - draws.Min() > TimeSpan.FromSeconds(3));
    }
}

/// <summary>RFC 6733 §3 identifiers.</summary>
public class IdentifierTests
{
    [Fact]
    public void End_to_end_identifiers_carry_the_time_in_the_high_12_bits_and_count_in_the_low_20()
    {
        var before = (uint)(DateTimeOffset.UtcNow.ToUnixTimeSeconds() & 0xFFF);
        var a = EndToEndIdentifier.Next();
        var b = EndToEndIdentifier.Next();
        var after = (uint)(DateTimeOffset.UtcNow.ToUnixTimeSeconds() & 0xFFF);
        Assert.Contains(a >> 20, new[] { before, after });
        Assert.Equal(((a & 0xF_FFFF) + 1) & 0xF_FFFF, b & 0xF_FFFF);
    }

    [Fact]
    public void Hop_by_hop_identifiers_skip_the_ones_in_use()
    {
        var g = new HopByHopIdentifier();
        var first = g.Next(_ => false);
        var taken = new HashSet<uint> { first + 1, first + 2 };
        Assert.Equal(first + 3, g.Next(taken.Contains));
    }
}
