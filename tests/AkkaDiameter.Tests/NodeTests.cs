using Akka.Actor;
using Akka.TestKit.Xunit2;
using AkkaDiameter.Peers;
using AkkaDiameter.Protocol;
using AkkaDiameter.Protocol.Dictionary;
using Xunit;
using Xunit.Abstractions;
using static AkkaDiameter.Tests.TestNodes;

namespace AkkaDiameter.Tests;

/// <summary>Two AkkaDiameter nodes, or a node and a scripted peer, over loopback TCP.</summary>
public class NodeTests(ITestOutputHelper output) : TestKit("akka.loglevel = INFO", output)
{
    private async Task<(DiameterNode Hss, DiameterNode Mme)> HssAndMme(string mmeExtra = "", string hssExtra = "")
    {
        var hssPort = FreePort();
        var hss = await DiameterNode.StartAsync(Sys, NodeSettings(Hss, hssPort, Peer(Mme, 1, connect: false), hssExtra), DiameterDictionary.Default, "hss");
        var mme = await DiameterNode.StartAsync(Sys, NodeSettings(Mme, null, Peer(Hss, hssPort, connect: true), mmeExtra), DiameterDictionary.Default, "mme");
        return (hss, mme);
    }

    private async Task AwaitState(DiameterNode node, string peer, PeerState state, TimeSpan? within = null) =>
        await AwaitAssertAsync(async () => Assert.Equal(state, (await node.GetPeerStatusAsync(peer)).State), within ?? TimeSpan.FromSeconds(10));

    [Fact]
    public async Task CER_CEA_opens_I_Open_on_the_initiator_and_R_Open_on_the_responder()
    {
        var (hss, mme) = await HssAndMme();
        await AwaitState(mme, Hss, PeerState.IOpen);
        await AwaitState(hss, Mme, PeerState.ROpen);
        var status = await mme.GetPeerStatusAsync(Hss);
        Assert.Equal("I-Open", status.StateName);
        Assert.Equal([16777251u], status.Applications);
        Assert.True(status.IsAvailable);
        var open = await hss.GetOpenPeersAsync();
        Assert.Equal(Mme, Assert.Single(open).OriginHost);
        var seen = await mme.GetBaseMessagesAsync(Hss);
        Assert.Equal("<Diameter Message: 257 [CER] REQ, 0 [Diameter-Common-Messages], 10 AVP(s)>", seen.Cer!.ToString());
        Assert.Equal(ResultCodes.Success, seen.Cea!.ResultCode);
        Assert.Equal(Hss, seen.Cea.GetString("Origin-Host"));
        Assert.Null(seen.Cea.Validate());
        await mme.StopAsync();
        await hss.StopAsync();
    }
}
