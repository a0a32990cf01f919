namespace AkkaDiameter.Peers;

/// <summary>The watchdog states of RFC 3539 §3.4.1.</summary>
public enum WatchdogState
{
    /// <summary>No connection has come up yet.</summary>
    Initial,
    /// <summary>The connection answers; traffic flows.</summary>
    Okay,
    /// <summary>A DWR went unanswered for Tw: traffic has failed over; one more Tw and the connection is closed.</summary>
    Suspect,
    /// <summary>The connection was closed by the watchdog or lost.</summary>
    Down,
    /// <summary>A new connection is up but must answer three DWRs before traffic fails back to it.</summary>
    Reopen,
}

/// <summary>What the watchdog asks its peer to do after an event.</summary>
[Flags]
public enum WatchdogActions
{
    /// <summary>Nothing.</summary>
    None = 0,
    /// <summary>SendWatchdog(): send a DWR.</summary>
    SendWatchdog = 1,
    /// <summary>Failover(): move outstanding requests away, stop sending on this connection.</summary>
    Failover = 2,
    /// <summary>Failback(): the connection may carry traffic again.</summary>
    Failback = 4,
    /// <summary>CloseConnection().</summary>
    CloseConnection = 8,
    /// <summary>Throwaway(): discard the message just received (REOPEN, non-DWA).</summary>
    Throwaway = 16,
}

/// <summary>
/// The RFC 3539 §3.4.1 watchdog algorithm, as a plain state machine the <c>PeerActor</c> drives (so each row of the
/// RFC table can be tested alone). SetWatchdog() is the caller's: it re-arms Tw (with jitter) after every event.
/// <code>
/// State    Event                      Actions                         New State
/// INITIAL  Connection up              SetWatchdog()                   OKAY
/// OKAY     Receive DWA                Pending = FALSE                 OKAY
/// OKAY     Receive non-DWA            (any traffic is liveness)       OKAY
/// OKAY     Timer expires, !Pending    SendWatchdog(); Pending = TRUE  OKAY
/// OKAY     Timer expires, Pending     Failover()                      SUSPECT
/// SUSPECT  Receive DWA                Pending = FALSE; Failback()     OKAY
/// SUSPECT  Receive non-DWA            Failback()                      OKAY
/// SUSPECT  Timer expires              CloseConnection()               DOWN
/// DOWN     Connection up              NumDWA = 0; SendWatchdog();     REOPEN
///                                     Pending = TRUE
/// REOPEN   Receive DWA, Pending       Pending = FALSE; NumDWA++;      REOPEN, or OKAY with
///                                     NumDWA == 3: Failback()           Failback() at the third
/// REOPEN   Receive non-DWA            Throwaway()                     REOPEN
/// REOPEN   Timer expires, !Pending    SendWatchdog(); Pending = TRUE  REOPEN
/// REOPEN   Timer expires, Pending,    CloseConnection()               DOWN
///          NumDWA &lt; 0
/// REOPEN   Timer expires, Pending,    NumDWA = -1                     REOPEN
///          NumDWA >= 0
/// any      Connection down            CloseConnection()               DOWN
/// </code>
/// </summary>
public sealed class Watchdog
{
    /// <summary>DWAs a reopened connection must answer before traffic fails back (RFC 3539 §3.4.1).</summary>
    public const int ReopenDwaCount = 3;

    /// <summary>Current state.</summary>
    public WatchdogState State { get; private set; } = WatchdogState.Initial;
    /// <summary>A DWR is outstanding.</summary>
    public bool Pending { get; private set; }
    /// <summary>DWAs counted in REOPEN (-1 after an unanswered one).</summary>
    public int NumDwa { get; private set; }

    /// <summary>Whether traffic may be sent (RFC 3539: only in OKAY).</summary>
    public bool Available => State == WatchdogState.Okay;

    /// <summary>A connection came up (CER/CEA done).</summary>
    public WatchdogActions ConnectionUp()
    {
        switch (State)
        {
            case WatchdogState.Initial:
                State = WatchdogState.Okay;
                Pending = false;
                return WatchdogActions.None;
            default:
                State = WatchdogState.Reopen;
                NumDwa = 0;
                Pending = true;
                return WatchdogActions.SendWatchdog;
        }
    }

    /// <summary>The connection went away, whatever the reason.</summary>
    public WatchdogActions ConnectionDown()
    {
        var wasCarryingTraffic = State is WatchdogState.Okay;
        State = State == WatchdogState.Initial ? WatchdogState.Initial : WatchdogState.Down;
        Pending = false;
        return wasCarryingTraffic ? WatchdogActions.Failover : WatchdogActions.None;
    }

    /// <summary>A message arrived on the connection.</summary>
    public WatchdogActions Receive(bool isDwa)
    {
        switch (State)
        {
            case WatchdogState.Okay:
                if (isDwa) Pending = false;
                return WatchdogActions.None;
            case WatchdogState.Suspect:
                if (isDwa) Pending = false;
                State = WatchdogState.Okay;
                return WatchdogActions.Failback;
            case WatchdogState.Reopen:
                if (!isDwa) return WatchdogActions.Throwaway;
                if (!Pending) return WatchdogActions.None;
                Pending = false;
                NumDwa++;
                if (NumDwa < ReopenDwaCount) return WatchdogActions.None;
                State = WatchdogState.Okay;
                return WatchdogActions.Failback;
            default:
                return WatchdogActions.None;
        }
    }

    /// <summary>Tw expired.</summary>
    public WatchdogActions TimerExpired()
    {
        switch (State)
        {
            case WatchdogState.Okay when !Pending:
                Pending = true;
                return WatchdogActions.SendWatchdog;
            case WatchdogState.Okay:
                State = WatchdogState.Suspect;
                return WatchdogActions.Failover;
            case WatchdogState.Suspect:
                State = WatchdogState.Down;
                Pending = false;
                return WatchdogActions.CloseConnection;
            case WatchdogState.Reopen when !Pending:
                Pending = true;
                return WatchdogActions.SendWatchdog;
            case WatchdogState.Reopen when NumDwa < 0:
                State = WatchdogState.Down;
                Pending = false;
                return WatchdogActions.CloseConnection;
            case WatchdogState.Reopen:
                NumDwa = -1;
                return WatchdogActions.None;
            default:
                return WatchdogActions.None;
        }
    }

    /// <summary>An orderly close (DPR/DPA, RFC 6733 §5.4) is not a failure: the next connection starts afresh in
    /// INITIAL and carries traffic at once, instead of proving itself in REOPEN.</summary>
    public void Reset()
    {
        State = WatchdogState.Initial;
        Pending = false;
        NumDwa = 0;
    }

    /// <summary>Tw with jitter: uniform in [Tw - jitter, Tw + jitter] (RFC 3539 §3.4.1).</summary>
    public static TimeSpan NextInterval(TimeSpan tw, TimeSpan jitter, Random random) =>
        tw + TimeSpan.FromTicks((long)((random.NextDouble() * 2 - 1) * jitter.Ticks));
}
