using Akka.Actor;
using Akka.Event;
using AkkaDiameter.Protocol;

namespace AkkaDiameter.S6a.Hss;

/// <summary>
/// Sends the HSS-initiated requests queued in the subscriber database (CLR, IDR, DSR, RSR; TS 29.272 §5.2.1.2,
/// §5.2.2, §5.2.4) and removes each once answered. It reads the outbox every <c>notifications.interval</c> and at once
/// when poked (after a ULR that replaced an MME, or in-process provisioning), so another process provisioning the same
/// database (<c>akka-diameter hss provision</c>) is served too. Requests for one subscriber go in queue order (a DSR
/// before the IDR that follows it); different subscribers in parallel. A failed request is retried with doubling delay
/// and dropped with an error after <c>max-attempts</c>.
/// </summary>
public sealed class HssNotifier : ReceiveActor, IWithTimers
{
    private readonly HssContext _hss;
    private readonly NotificationSettings _settings;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private bool _busy;
    private bool _again;

    /// <summary>Read the outbox now.</summary>
    public sealed record Poke
    {
        /// <summary>The instance.</summary>
        public static readonly Poke Instance = new();
    }

    private sealed record Tick
    {
        public static readonly Tick Instance = new();
    }

    /// <summary>The outcome of one request: answered (any Result-Code), or failed (no answer, local error); Final when
    /// it left the outbox.</summary>
    internal sealed record Outcome(PendingNotification Notification, string Target, S6aAnswer? Answer, string? Failure, int Attempts, bool Final);

    private sealed record BatchDone(IReadOnlyList<Outcome> Outcomes, bool Full, Exception? Error);

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Props for the notifier of an HSS.</summary>
    public static Props Props(HssContext hss, NotificationSettings settings) => Akka.Actor.Props.Create(() => new HssNotifier(hss, settings));

    /// <summary>A notifier over the HSS's store and node.</summary>
    public HssNotifier(HssContext hss, NotificationSettings settings)
    {
        _hss = hss;
        _settings = settings;
        Receive<Poke>(_ => Run());
        Receive<Tick>(_ => Run());
        Receive<BatchDone>(OnBatchDone);
    }

    /// <inheritdoc />
    protected override void PreStart() => Timers.StartPeriodicTimer("outbox", Tick.Instance, _settings.Interval);

    private void Run()
    {
        if (_busy) { _again = true; return; }
        if (_hss.Node is not { } node) return;
        _busy = true;
        SendDueAsync(node).PipeTo(Self, failure: e => new BatchDone([], false, e));
    }

    /// <summary>A CLR sent because the UE registered at another MME or SGSN (TS 29.272 §5.2.1.1.2).</summary>
    internal static bool IsRoutine(PendingNotification n) =>
        n.Kind == NotificationKind.CancelLocation && n.Detail.CancellationType is CancellationType.MmeUpdateProcedure
            or CancellationType.SgsnUpdateProcedure or CancellationType.InitialAttachProcedure or CancellationType.UpdateProcedureIwf;

    private void OnBatchDone(BatchDone done)
    {
        _busy = false;
        if (done.Error is not null) _log.Error(done.Error, "HSS outbox: {0}", done.Error.Message);
        List<Outcome>? failed = null;
        foreach (var o in done.Outcomes)
        {
            var what = $"{o.Notification.Kind.Abbreviation()} {o.Notification.Imsi} to {o.Target}".Replace("  ", " ");
            if (o.Answer is { IsSuccess: true })
            {
                // A CLR a move caused is routine (one per ULR from another MME when UEs move): Debug, as the move itself.
                // What provisioning caused (withdrawal, IDR, DSR, reset) is an operator's action: Info.
                if (IsRoutine(o.Notification)) _log.Debug("{0}: {1}", what, o.Answer.Result);
                else _log.Info("{0}: {1}", what, o.Answer.Result);
            }
            else if (o.Answer is null && !o.Final && o.Failure is null) _log.Debug("{0}: no longer owed", what);
            else (failed ??= []).Add(o);
        }
        foreach (var (level, line) in FailureLines(failed ?? []))
        {
            if (level == LogLevel.ErrorLevel) _log.Error("{0}", line);
            else _log.Warning("{0}", line);
        }
        if (_again || done.Full)
        {
            _again = false;
            Self.Tell(Poke.Instance);
        }
    }

    /// <summary>
    /// The log lines for a round's failed notifications: Warning while they will be retried, Error when dropped. Those
    /// that failed alike (same kind, MME, outcome and attempt) share one line naming how many and the first IMSIs:
    /// when an MME goes away, every request owed to it fails the same way in the same round, and a line each was
    /// hundreds saying one thing (`bench/run`'s moving-UE run: 3,418 at its end).
    /// </summary>
    internal static List<(LogLevel Level, string Line)> FailureLines(IEnumerable<Outcome> failed)
    {
        var lines = new List<(LogLevel, string)>();
        foreach (var group in failed.GroupBy(o => (Level: o.Final && o.Answer is null ? LogLevel.ErrorLevel : LogLevel.WarningLevel,
                     Kind: o.Notification.Kind.Abbreviation(), o.Target, Outcome: Describe(o))))
        {
            var imsis = group.Select(o => o.Notification.Imsi).ToList();
            var whom = imsis.Count == 1 ? imsis[0]
                : $"for {imsis.Count} subscribers ({string.Join(", ", imsis.Take(3))}{(imsis.Count > 3 ? ", ..." : "")})";
            lines.Add((group.Key.Level, $"{group.Key.Kind} {whom} to {group.Key.Target}: {group.Key.Outcome}".Replace("  ", " ")));
        }
        return lines;

        static string Describe(Outcome o) =>
            o.Answer is not null ? $"{o.Answer.Result}{(o.Final ? "" : $" (attempt {o.Attempts}, will retry)")}"
            : o.Final ? $"dropped after {o.Attempts} attempts: {o.Failure}; the MME gets the subscription at its next ULR"
            : $"{o.Failure} (attempt {o.Attempts}, will retry)";
    }

    // Runs outside the actor: touches only the store (thread-safe) and the node; the outcomes go back in BatchDone.
    private async Task<BatchDone> SendDueAsync(DiameterNode node)
    {
        const int batch = 256;
        var due = _hss.Store.DueNotifications(DateTimeOffset.UtcNow, batch);
        var outcomes = new List<Outcome>();
        // The answered ones leave the outbox together when the round is over, before the next round reads it. An HSS
        // that stops in between sends them again at its next start: the outbox delivers at least once, as it did when
        // the stop fell between an answer and its own commit.
        var answered = new System.Collections.Concurrent.ConcurrentQueue<long>();
        using var slots = new SemaphoreSlim(_settings.Parallelism);
        var perSubscriber = due.GroupBy(n => n.Imsi).Select(async group =>
        {
            await slots.WaitAsync();
            try
            {
                var list = new List<Outcome>();
                foreach (var n in group)
                {
                    var o = await SendAsync(node, n, answered);
                    list.Add(o);
                    // A failure keeps the subscriber's later requests queued behind it: order matters (DSR then IDR).
                    if (o.Answer is null && o.Failure is not null) break;
                }
                return list;
            }
            finally { slots.Release(); }
        }).ToList();
        foreach (var list in await Task.WhenAll(perSubscriber)) outcomes.AddRange(list);
        _hss.Store.CompleteNotifications(answered);
        return new BatchDone(outcomes, due.Count == batch, null);
    }

    private async Task<Outcome> SendAsync(DiameterNode node, PendingNotification n, System.Collections.Concurrent.ConcurrentQueue<long> answered)
    {
        var store = _hss.Store;
        if (n.Kind == NotificationKind.Reset) return await ResetAsync(node, n);
        string host, realm;
        if (n.MmeHost is not null) (host, realm) = (n.MmeHost, n.MmeRealm!);
        else if (store.FindRegistration(n.Imsi) is { Purged: false } r) (host, realm) = (r.MmeHost, r.MmeRealm);
        else
        {
            // The UE was purged or left since the change: nothing is owed (§5.2.2.1.1 sends IDR to the registered MME only).
            store.CompleteNotification(n.Id);
            return new Outcome(n, "no serving MME", null, null, n.Attempts, false);
        }
        DiameterMessage request;
        switch (n.Kind)
        {
            case NotificationKind.CancelLocation:
                request = new CancelLocationRequest(n.Imsi, n.Detail.CancellationType).ToMessage(host, realm);
                break;
            case NotificationKind.DeleteSubscriberData:
                request = new DeleteSubscriberDataRequest(n.Imsi, n.Detail.DsrFlags, n.Detail.ContextIdentifiers).ToMessage(host, realm);
                break;
            default:
                if (store.Find(n.Imsi) is not { } subscriber) { store.CompleteNotification(n.Id); return new Outcome(n, host, null, null, n.Attempts, false); }
                request = new InsertSubscriberDataRequest(n.Imsi, SubscriptionData.Of(subscriber)).ToMessage(host, realm);
                break;
        }
        var (answer, failure) = await AskAsync(node, request);
        if (failure is not null) return Defer(n, host, failure);
        answered.Enqueue(n.Id);
        // §5.2.1.2: once the MME confirmed a withdrawal, the HSS forgets the registration.
        if (answer!.IsSuccess && n is { Kind: NotificationKind.CancelLocation, Detail.CancellationType: CancellationType.SubscriptionWithdrawal })
            store.Deregister(n.Imsi, host);
        return new Outcome(n, host, answer, null, n.Attempts, true);
    }

    private async Task<Outcome> ResetAsync(DiameterNode node, PendingNotification n)
    {
        var mmes = _hss.Store.ServingMmes(n.Detail.UserIds);
        var results = await Task.WhenAll(mmes.Select(async m => (m.Host, Result: await AskAsync(node, new ResetRequest(n.Detail.UserIds).ToMessage(m.Host, m.Realm)))));
        // One outcome stands for the reset: the first failure (all MMEs are asked again: RSR is idempotent), else the
        // first answer.
        if (results.FirstOrDefault(r => r.Result.Failure is not null) is { Host: not null } failed) return Defer(n, failed.Host, failed.Result.Failure!);
        _hss.Store.CompleteNotification(n.Id);
        return results.Length == 0
            ? new Outcome(n, "no serving MME", null, null, n.Attempts, false)
            : new Outcome(n, string.Join(", ", results.Select(r => r.Host)), results[0].Result.Answer, null, n.Attempts, true);
    }

    // The answer, or why there is none worth keeping: an answer that says "not now" (the MME is not reachable or is
    // overloaded) is retried; any other answer is final, even 5001 (the MME does not know the UE, TS 29.272 §5.2.2.1.2).
    private static async Task<(S6aAnswer? Answer, string? Failure)> AskAsync(DiameterNode node, DiameterMessage request)
    {
        try
        {
            var answer = await node.AskAsync(request);
            var typed = S6aAnswer.Parse(answer.Message);
            // A protocol error our own node made (Peer null: the MME is not connected, so no route: 3002/3003), or
            // 3002/3004 from an agent on the way, is retried.
            var retry = typed.Result is { Experimental: false } r && ResultCodes.IsProtocolError(r.Code)
                && (answer.Peer is null || r.Code is ResultCodes.UnableToDeliver or ResultCodes.TooBusy);
            return retry ? (null, $"{typed.Result} ({answer.Error?.Reason ?? "no reason given"})") : (typed, null);
        }
        catch (Exception e) when (e is AskTimeoutException or DiameterException or FormatException or TaskCanceledException)
        {
            return (null, e.Message);
        }
    }

    private Outcome Defer(PendingNotification n, string host, string why)
    {
        var attempts = n.Attempts + 1;
        if (attempts >= _settings.MaxAttempts)
        {
            _hss.Store.CompleteNotification(n.Id);
            return new Outcome(n, host, null, why, attempts, true);
        }
        var delay = TimeSpan.FromTicks(Math.Min(_settings.MaxBackoff.Ticks, _settings.Interval.Ticks * (1L << Math.Min(attempts - 1, 20))));
        _hss.Store.DeferNotification(n.Id, DateTimeOffset.UtcNow + delay);
        return new Outcome(n, host, null, why, attempts, false);
    }
}
