using Akka.Actor;
using Akka.Configuration;
using Xunit;

namespace AkkaDiameter.Tests;

/// <summary>The README's bromelia walk-through (configure two nodes, start them, read the states, look at the base
/// messages), kept compiling and true. The README writes port 3868; the test takes a free one.</summary>
public class ReadmeWalkthroughTests
{
    [Fact]
    public async Task The_README_two_node_walkthrough_works_as_written()
    {
        var port = Loopback.FreePort();
        var output = new StringWriter();
        var Console = output;   // the README prints to the console

        // --- README walkthrough start ---
        // bromelia: app = Diameter(); app.config = {'MODE': 'SERVER', 'LOCAL_NODE_HOSTNAME': ..., ...}
        var hssConfig = ConfigurationFactory.ParseString($$"""
            akka.diameter {
              node { origin-host = "hss.epc.mynetwork.com", origin-realm = "epc.mynetwork.com" }
              listen = [ { address = "127.0.0.1", port = {{port}} } ]
              applications = [ { vendor-id = 10415, auth-application-id = 16777251 } ]
              peers = [ { origin-host = "mme.epc.mynetwork.com", realm = "epc.mynetwork.com", connect = false } ]
            }
            """);
        var mmeConfig = ConfigurationFactory.ParseString($$"""
            akka.diameter {
              node { origin-host = "mme.epc.mynetwork.com", origin-realm = "epc.mynetwork.com" }
              applications = [ { vendor-id = 10415, auth-application-id = 16777251 } ]
              peers = [ { origin-host = "hss.epc.mynetwork.com", realm = "epc.mynetwork.com",
                          address = "127.0.0.1", port = {{port}}, connect = true } ]
            }
            """);

        // bromelia: app.start()
        using var hssSystem = ActorSystem.Create("hss", hssConfig);
        using var mmeSystem = ActorSystem.Create("mme", mmeConfig);
        await using var hss = await DiameterNode.StartAsync(hssSystem);
        await using var mme = await DiameterNode.StartAsync(mmeSystem);

        // bromelia: app.get_current_state()
        await mme.WaitUntilOpenAsync("hss.epc.mynetwork.com", TimeSpan.FromSeconds(10));
        Console.WriteLine((await mme.GetPeerStatusAsync("hss.epc.mynetwork.com")).StateName);   // I-Open
        Console.WriteLine((await hss.GetPeerStatusAsync("mme.epc.mynetwork.com")).StateName);   // R-Open

        // bromelia: app.get_base_messages()
        var seen = await mme.GetBaseMessagesAsync("hss.epc.mynetwork.com");
        Console.WriteLine(seen.Cer);   // <Diameter Message: 257 [CER] REQ, 0 [Diameter-Common-Messages], 10 AVP(s)>
        Console.WriteLine(seen.Cea);   // <Diameter Message: 257 [CEA], 0 [Diameter-Common-Messages], 11 AVP(s)>
        Console.WriteLine(seen.Cea!.GetIPAddress("Host-IP-Address"));                        // 127.0.0.1
        Console.WriteLine(seen.Cea.Get("Result-Code").GetValueName());                        // DIAMETER_SUCCESS
        // --- README walkthrough end ---

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim()).ToList();
        Assert.Equal("I-Open", lines[0]);
        Assert.Equal("R-Open", lines[1]);
        Assert.StartsWith("<Diameter Message: 257 [CER] REQ, 0 [Diameter-Common-Messages], ", lines[2]);
        Assert.StartsWith("<Diameter Message: 257 [CEA], 0 [Diameter-Common-Messages], ", lines[3]);
        Assert.Equal("127.0.0.1", lines[4]);
        Assert.Equal("DIAMETER_SUCCESS", lines[5]);
    }
}
