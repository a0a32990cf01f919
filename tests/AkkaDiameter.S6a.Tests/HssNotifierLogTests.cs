using Akka.Event;
using AkkaDiameter.S6a.Hss;
using Xunit;

namespace AkkaDiameter.S6a.Tests;

/// <summary>How the HSS outbox reports failed notifications: one line for those that failed alike in a round.</summary>
public class HssNotifierLogTests
{
    private static HssNotifier.Outcome Failed(NotificationKind kind, string imsi, string mme, string failure, int attempts = 1, bool final = false) =>
        new(new PendingNotification(1, kind, imsi, mme, "epc.example", new NotificationDetail(), attempts), mme, null, failure, attempts, final);

    [Fact]
    public void Failures_alike_share_one_line_with_the_count_and_the_first_IMSIs_and_the_rest_keep_their_own()
    {
        const string gone = "3002 DIAMETER_UNABLE_TO_DELIVER (no peer for realm epc.example is available)";
        var round = Enumerable.Range(1, 300).Select(i => Failed(NotificationKind.CancelLocation, $"00101{i:D10}", "mme8.example", gone))
            .Append(Failed(NotificationKind.InsertSubscriberData, "001019999999999", "mme1.example", "timed out after 10 s"))
            .Append(Failed(NotificationKind.CancelLocation, "001018888888888", "mme8.example", gone, attempts: 5, final: true))
            .ToList();

        var lines = HssNotifier.FailureLines(round);

        Assert.Equal(
        [
            (LogLevel.WarningLevel, $"CLR for 300 subscribers (001010000000001, 001010000000002, 001010000000003, ...) to mme8.example: {gone} (attempt 1, will retry)"),
            (LogLevel.WarningLevel, "IDR 001019999999999 to mme1.example: timed out after 10 s (attempt 1, will retry)"),
            (LogLevel.ErrorLevel, $"CLR 001018888888888 to mme8.example: dropped after 5 attempts: {gone}; the MME gets the subscription at its next ULR"),
        ], lines);
    }
}
