using AkkaDiameter.Cli;
using Xunit;

namespace AkkaDiameter.Cli.Tests;

/// <summary>The README's main job: <c>akka-diameter demo</c>.</summary>
public class DemoCommandTests
{
    [Fact]
    public void The_demo_attaches_moves_a_UE_with_CLR_changes_a_subscription_with_IDR_purges_and_exits_0_with_a_readable_trace()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = CommandLine.Run(["demo"], TextReader.Null, stdout, stderr);
        var text = stdout.ToString();
        Assert.True(code == 0, $"exit {code}\n{stderr}\n{text}");
        Assert.Equal("", stderr.ToString());
        Assert.Contains("[CER] REQ", text);
        Assert.Contains("AIA 001010000000001 2001 DIAMETER_SUCCESS vector[0] RAND=", text);
        Assert.Contains("ULA 001010000000003 2001 DIAMETER_SUCCESS", text);
        Assert.Contains("hss  -> mme1.epc.mnc001.mcc001.3gppnetwork.org <Diameter Message: 317 [CLR] REQ PXY", text);
        Assert.Contains("mme1 holds 001010000000002: no (detached by CLR)", text);
        Assert.Contains("hss  -> mme1.epc.mnc001.mcc001.3gppnetwork.org <Diameter Message: 319 [IDR] REQ PXY", text);
        Assert.Contains("mme1 -> hss.epc.mnc001.mcc001.3gppnetwork.org <Diameter Message: 319 [IDA] PXY", text);
        Assert.Contains("mme1 holds 001010000000001 with APNs: internet, ims", text);
        Assert.Contains("PUA 001010000000003 2001 DIAMETER_SUCCESS", text);
        Assert.Contains("001010000000003: mme1.epc.mnc001.mcc001.3gppnetwork.org (purged)", text);
        Assert.Contains("mme1: hss.epc.mnc001.mcc001.3gppnetwork.org I-Open, watchdog Okay", text);
        Assert.Contains("[DPA]", text);
        Assert.EndsWith("demo: every answer as expected" + Environment.NewLine, text);
    }
}
