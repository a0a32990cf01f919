using System.Net;
using System.Threading.Channels;
using Akka.Actor;
using Akka.IO;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using AkkaDiameter.Applications;
using AkkaDiameter.Peers;
using AkkaDiameter.Protocol;
using AkkaDiameter.Protocol.Dictionary;
using AkkaDiameter.Settings;
using AkkaDiameter.Transport;
using Xunit;
using Xunit.Abstractions;
using static AkkaDiameter.Transport.ConnectionEvents;

namespace AkkaDiameter.Tests;

/// <summary>
/// Every row of the RFC 6733 §5.6 peer state machine table, one test case each: the PeerActor is driven into the
/// row's state, given the row's event, and checked for the row's actions and next state. The transport is scripted:
/// connections are test probes and their outbound queues are channels the test reads.
/// </summary>
public class PeerStateMachineTests(ITestOutputHelper output) : TestKit("akka.loglevel = WARNING", output)
{
    private const string PeerHost = "peer.example.org";
    private const string Winner = "zzz.example.org";   // > PeerHost: wins elections
    private const string Loser = "aaa.example.org";    // < PeerHost: loses them
    private static readonly IPEndPoint Remote = new(IPAddress.Loopback, 3868);

    /// <summary>One PeerActor with scripted connections.</summary>
    public sealed class Harness
    {
        private readonly TestKitBase _kit;
        public TestProbe Parent { get; }
        public TestProbe Events { get; }
        public TestProbe IConn { get; }
        public TestProbe RConn { get; }
        public TestProbe RConn2 { get; }
        public Channel<OutboundBytes> IOut { get; } = Channel.CreateUnbounded<OutboundBytes>();
        public Channel<OutboundBytes> ROut { get; } = Channel.CreateUnbounded<OutboundBytes>();
        public Channel<OutboundBytes> ROut2 { get; } = Channel.CreateUnbounded<OutboundBytes>();
        public IActorRef Peer { get; }
        public int ConnectCalls;

        internal Harness(TestKitBase kit, string localHost, HandlerDirectory? handlers = null, IActorRef? dispatcher = null)
        {
            _kit = kit;
            Parent = kit.CreateTestProbe();
            Events = kit.CreateTestProbe();
            kit.Sys.EventStream.Subscribe(Events.Ref, typeof(PeerStateChanged));
            IConn = kit.CreateTestProbe();
            RConn = kit.CreateTestProbe();
            RConn2 = kit.CreateTestProbe();
            var settings = TestNodes.NodeSettings(localHost, null, TestNodes.Peer(PeerHost, 3868, connect: false),
                "capabilities-exchange-timeout = 600ms\nconnect-timeout = 400ms\ndisconnect-timeout = 600ms\nwatchdog-interval = 30s\nwatchdog-jitter = 1s");
            var configured = new PeerSettings(PeerHost, TestNodes.Realm, IPAddress.Loopback, 3868, Connect: false);
            Peer = Parent.ChildActorOf(PeerActor.Props(settings, DiameterDictionary.Default, PeerHost, TestNodes.Realm, configured,
                (_, _) => { ConnectCalls++; return IConn.Ref; }, dispatcher: dispatcher, handlerDirectory: handlers));
        }

        public PeerState State => Peer.Ask<PeerStatus>(new PeerCommands.GetPeerStatus(PeerHost), TimeSpan.FromSeconds(3)).GetAwaiter().GetResult().State;

        public static async Task<DiameterMessage> Read(Channel<OutboundBytes> channel)
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            return DiameterMessage.Decode((await channel.Reader.ReadAsync(cts.Token)).Span.ToArray());
        }

        public bool Nothing(Channel<OutboundBytes> channel) => !channel.Reader.TryRead(out _);

        // ---- events ----
        public void Start() => Peer.Tell(new PeerActor.Start("test"));
        public void Stop() => Peer.Tell(new PeerActor.Stop(DisconnectCause.Rebooting, null));
        public void IRcvConnAck() => Peer.Tell(new Connected(IConn.Ref, new Outbound(IOut.Writer, 1 << 20), Remote, Remote));
        public void IRcvConnNack() => Peer.Tell(new ConnectFailed(IConn.Ref, "connection refused"));
        public void RConnCer() => Peer.Tell(new PeerActor.IncomingCer(RConn.Ref, new Outbound(ROut.Writer, 1 << 20), ScriptedPeer.Cer(PeerHost), Remote));
        public void RConnCer2() => Peer.Tell(new PeerActor.IncomingCer(RConn2.Ref, new Outbound(ROut2.Writer, 1 << 20), ScriptedPeer.Cer(PeerHost), Remote));
        public void IRcv(DiameterMessage m) => Peer.Tell(new Received(IConn.Ref, m));
        public void RRcv(DiameterMessage m) => Peer.Tell(new Received(RConn.Ref, m));
        public void IPeerDisc() => Peer.Tell(new Disconnected(IConn.Ref, "closed by peer"));
        public void RPeerDisc() => Peer.Tell(new Disconnected(RConn.Ref, "closed by peer"));

        // ---- getting into a state ----
        public async Task<DiameterMessage> ToWaitICea()
        {
            Start();
            IRcvConnAck();
            return await Read(IOut);                 // the CER
        }

        public async Task ToIOpen()
        {
            var cer = await ToWaitICea();
            IRcv(ScriptedPeer.Cea(cer, PeerHost));
            Assert.Equal(PeerState.IOpen, State);
        }

        public async Task ToROpen()
        {
            RConnCer();
            Assert.Equal(ResultCodes.Success, (await Read(ROut)).ResultCode);
            Assert.Equal(PeerState.ROpen, State);
        }

        public void ToWaitConnAckElect()
        {
            Start();
            RConnCer();
            Assert.Equal(PeerState.WaitConnAckElect, State);
        }

        public async Task<DiameterMessage> ToWaitReturnsAsLoser()
        {
            var cer = await ToWaitICea();
            RConnCer();
            Assert.Equal(PeerState.WaitReturns, State);
            return cer;
        }

        public async Task ToClosing()
        {
            await ToIOpen();
            Stop();
            Assert.Equal(282u, (await Read(IOut)).CommandCode);   // DPR
            Assert.Equal(PeerState.Closing, State);
        }

        /// <summary>The state's Timeout event fired: a transition from <paramref name="from"/> to Closed for "Timeout".</summary>
        public void ExpectTimeout(string from) =>
            Events.FishForMessage<PeerStateChanged>(e => e.From == from && e.To == "Closed" && e.Reason.StartsWith("Timeout"), TimeSpan.FromSeconds(3));

        public void ExpectClosed(TestProbe connection) => connection.FishForMessage(m => m is ConnectionCommands.Close or ConnectionCommands.Abort, TimeSpan.FromSeconds(3));
    }

    /// <summary>A row of the §5.6 table.</summary>
    public sealed record Row(string State, string Event, string Actions, string Next, string Local, Func<Harness, Task> Run)
    {
        public override string ToString() => $"{State} | {Event} | {Actions} | {Next}";
    }

    private static readonly Row[] Table =
    [
        // ---- Closed ----
        new("Closed", "Start", "I-Snd-Conn-Req", "Wait-Conn-Ack", Loser, async h =>
        {
            h.Start();
            Assert.Equal(PeerState.WaitConnAck, h.State);
            Assert.Equal(1, h.ConnectCalls);
            await Task.CompletedTask;
        }),
        new("Closed", "R-Conn-CER", "R-Accept, Process-CER, R-Snd-CEA", "R-Open", Loser, async h =>
        {
            h.RConnCer();
            var cea = await Harness.Read(h.ROut);
            Assert.Equal((257u, false, ResultCodes.Success), (cea.CommandCode, cea.IsRequest, cea.ResultCode!.Value));
            Assert.Equal(PeerState.ROpen, h.State);
        }),
        // ---- Wait-Conn-Ack ----
        new("Wait-Conn-Ack", "I-Rcv-Conn-Ack", "I-Snd-CER", "Wait-I-CEA", Loser, async h =>
        {
            h.Start();
            h.IRcvConnAck();
            var cer = await Harness.Read(h.IOut);
            Assert.Equal((257u, true), (cer.CommandCode, cer.IsRequest));
            Assert.Null(cer.Validate());
            Assert.Equal(PeerState.WaitICea, h.State);
        }),
        new("Wait-Conn-Ack", "I-Rcv-Conn-Nack", "Cleanup", "Closed", Loser, async h =>
        {
            h.Start();
            h.IRcvConnNack();
            Assert.Equal(PeerState.Closed, h.State);
            await Task.CompletedTask;
        }),
        new("Wait-Conn-Ack", "R-Conn-CER", "R-Accept, Process-CER", "Wait-Conn-Ack/Elect", Loser, async h =>
        {
            h.Start();
            h.RConnCer();
            Assert.Equal(PeerState.WaitConnAckElect, h.State);
            Assert.True(h.Nothing(h.ROut));                              // no CEA yet
            await Task.CompletedTask;
        }),
        new("Wait-Conn-Ack", "Timeout", "Error", "Closed", Loser, async h =>
        {
            h.Start();
            h.ExpectTimeout("Wait-Conn-Ack");
        }),
        // ---- Wait-I-CEA ----
        new("Wait-I-CEA", "I-Rcv-CEA", "Process-CEA", "I-Open", Loser, async h =>
        {
            var cer = await h.ToWaitICea();
            h.IRcv(ScriptedPeer.Cea(cer, PeerHost));
            Assert.Equal(PeerState.IOpen, h.State);
        }),
        new("Wait-I-CEA", "R-Conn-CER", "R-Accept, Process-CER, Elect", "Wait-Returns", Loser, async h =>
        {
            await h.ToWaitICea();
            h.RConnCer();
            Assert.Equal(PeerState.WaitReturns, h.State);
        }),
        new("Wait-I-CEA", "I-Peer-Disc", "I-Disc", "Closed", Loser, async h =>
        {
            await h.ToWaitICea();
            h.IPeerDisc();
            Assert.Equal(PeerState.Closed, h.State);
        }),
        new("Wait-I-CEA", "I-Rcv-Non-CEA", "Error", "Closed", Loser, async h =>
        {
            await h.ToWaitICea();
            h.IRcv(ScriptedPeer.Dwr(PeerHost));
            Assert.Equal(PeerState.Closed, h.State);
            h.ExpectClosed(h.IConn);
        }),
        new("Wait-I-CEA", "Timeout", "Error", "Closed", Loser, async h =>
        {
            await h.ToWaitICea();
            h.ExpectTimeout("Wait-I-CEA");
            h.ExpectClosed(h.IConn);
        }),
        // ---- Wait-Conn-Ack/Elect ----
        new("Wait-Conn-Ack/Elect", "I-Rcv-Conn-Ack", "I-Snd-CER, Elect", "Wait-Returns", Loser, async h =>
        {
            h.ToWaitConnAckElect();
            h.IRcvConnAck();
            Assert.Equal(257u, (await Harness.Read(h.IOut)).CommandCode);
            Assert.Equal(PeerState.WaitReturns, h.State);
        }),
        new("Wait-Conn-Ack/Elect", "I-Rcv-Conn-Nack", "R-Snd-CEA", "R-Open", Loser, async h =>
        {
            h.ToWaitConnAckElect();
            h.IRcvConnNack();
            Assert.Equal(ResultCodes.Success, (await Harness.Read(h.ROut)).ResultCode);
            Assert.Equal(PeerState.ROpen, h.State);
        }),
        new("Wait-Conn-Ack/Elect", "R-Peer-Disc", "R-Disc", "Wait-Conn-Ack", Loser, async h =>
        {
            h.ToWaitConnAckElect();
            h.RPeerDisc();
            Assert.Equal(PeerState.WaitConnAck, h.State);
            await Task.CompletedTask;
        }),
        new("Wait-Conn-Ack/Elect", "R-Conn-CER", "R-Reject", "Wait-Conn-Ack/Elect", Loser, async h =>
        {
            h.ToWaitConnAckElect();
            h.RConnCer2();
            Assert.Equal(ResultCodes.ElectionLost, (await Harness.Read(h.ROut2)).ResultCode);
            h.ExpectClosed(h.RConn2);
            Assert.Equal(PeerState.WaitConnAckElect, h.State);
        }),
        new("Wait-Conn-Ack/Elect", "Timeout", "Error", "Closed", Loser, async h =>
        {
            h.ToWaitConnAckElect();
            h.ExpectTimeout("Wait-Conn-Ack/Elect");
            h.ExpectClosed(h.RConn);
            await Task.CompletedTask;
        }),
        // ---- Wait-Returns ----
        new("Wait-Returns", "Win-Election", "I-Disc, R-Snd-CEA", "R-Open", Winner, async h =>
        {
            await h.ToWaitICea();
            h.RConnCer();                                                 // Elect: the local host is higher
            Assert.Equal(ResultCodes.Success, (await Harness.Read(h.ROut)).ResultCode);
            h.ExpectClosed(h.IConn);
            Assert.Equal(PeerState.ROpen, h.State);
        }),
        new("Wait-Returns", "I-Peer-Disc", "I-Disc, R-Snd-CEA", "R-Open", Loser, async h =>
        {
            await h.ToWaitReturnsAsLoser();
            h.IPeerDisc();
            Assert.Equal(ResultCodes.Success, (await Harness.Read(h.ROut)).ResultCode);
            Assert.Equal(PeerState.ROpen, h.State);
        }),
        new("Wait-Returns", "I-Rcv-CEA", "R-Disc", "I-Open", Loser, async h =>
        {
            var cer = await h.ToWaitReturnsAsLoser();
            h.IRcv(ScriptedPeer.Cea(cer, PeerHost));
            h.ExpectClosed(h.RConn);
            Assert.Equal(PeerState.IOpen, h.State);
        }),
        new("Wait-Returns", "R-Peer-Disc", "R-Disc", "Wait-I-CEA", Loser, async h =>
        {
            await h.ToWaitReturnsAsLoser();
            h.RPeerDisc();
            Assert.Equal(PeerState.WaitICea, h.State);
        }),
        new("Wait-Returns", "R-Conn-CER", "R-Reject", "Wait-Returns", Loser, async h =>
        {
            await h.ToWaitReturnsAsLoser();
            h.RConnCer2();
            Assert.Equal(ResultCodes.ElectionLost, (await Harness.Read(h.ROut2)).ResultCode);
            Assert.Equal(PeerState.WaitReturns, h.State);
        }),
        new("Wait-Returns", "Timeout", "Error", "Closed", Loser, async h =>
        {
            await h.ToWaitReturnsAsLoser();
            h.ExpectTimeout("Wait-Returns");
            h.ExpectClosed(h.IConn);
        }),
        // ---- R-Open (the I-Open rows are the same actions on the other connection; see below) ----
        new("R-Open", "Send-Message", "R-Snd-Message", "R-Open", Loser, async h =>
        {
            await h.ToROpen();
            var ulr = DiameterMessage.CreateRequest("ULR").Add("Session-Id", "a;1");
            var asker = new TaskCompletionSource<DiameterMessage>();
            _ = h.Peer.Ask<DiameterMessage>(new PeerCommands.SendRequest(PeerHost, ulr), TimeSpan.FromSeconds(3)).ContinueWith(t => asker.TrySetResult(t.Result));
            var sent = await Harness.Read(h.ROut);
            Assert.Equal(316u, sent.CommandCode);
            Assert.Equal(PeerState.ROpen, h.State);
            h.RRcv(ScriptedPeer.Answer(sent, PeerHost));                 // R-Rcv-Message: Process
            Assert.Equal(ResultCodes.Success, (await asker.Task).ResultCode);
        }),
        new("R-Open", "R-Rcv-DWR", "Process-DWR, R-Snd-DWA", "R-Open", Loser, async h =>
        {
            await h.ToROpen();
            h.RRcv(ScriptedPeer.Dwr(PeerHost));
            var dwa = await Harness.Read(h.ROut);
            Assert.Equal((280u, false, ResultCodes.Success), (dwa.CommandCode, dwa.IsRequest, dwa.ResultCode!.Value));
            Assert.Null(dwa.Validate());
            Assert.Equal(PeerState.ROpen, h.State);
        }),
        new("R-Open", "R-Conn-CER", "R-Reject", "R-Open", Loser, async h =>
        {
            await h.ToROpen();
            h.RConnCer2();
            Assert.Equal(ResultCodes.ElectionLost, (await Harness.Read(h.ROut2)).ResultCode);
            h.ExpectClosed(h.RConn2);
            Assert.Equal(PeerState.ROpen, h.State);
        }),
        new("R-Open", "Stop", "R-Snd-DPR", "Closing", Loser, async h =>
        {
            await h.ToROpen();
            h.Stop();
            var dpr = await Harness.Read(h.ROut);
            Assert.Equal((282u, true, 0), (dpr.CommandCode, dpr.IsRequest, dpr.GetInt32("Disconnect-Cause")));
            Assert.Equal(PeerState.Closing, h.State);
        }),
        new("R-Open", "R-Rcv-DPR", "R-Snd-DPA, R-Disc", "Closed", Loser, async h =>
        {
            await h.ToROpen();
            h.RRcv(DiameterMessage.CreateRequest("DPR").Add("Origin-Host", PeerHost).Add("Origin-Realm", TestNodes.Realm).Add("Disconnect-Cause", "BUSY"));
            var dpa = await Harness.Read(h.ROut);
            Assert.Equal((282u, false, ResultCodes.Success), (dpa.CommandCode, dpa.IsRequest, dpa.ResultCode!.Value));
            h.ExpectClosed(h.RConn);
            Assert.Equal(PeerState.Closed, h.State);
        }),
        new("R-Open", "R-Peer-Disc", "R-Disc", "Closed", Loser, async h =>
        {
            await h.ToROpen();
            h.RPeerDisc();
            Assert.Equal(PeerState.Closed, h.State);
        }),
        new("R-Open", "R-Rcv-CER", "R-Snd-CEA", "R-Open", Loser, async h =>
        {
            await h.ToROpen();
            h.RRcv(ScriptedPeer.Cer(PeerHost));
            Assert.Equal(ResultCodes.Success, (await Harness.Read(h.ROut)).ResultCode);
            Assert.Equal(PeerState.ROpen, h.State);
        }),
        // ---- I-Open ----
        new("I-Open", "I-Rcv-DWR", "Process-DWR, I-Snd-DWA", "I-Open", Loser, async h =>
        {
            await h.ToIOpen();
            h.IRcv(ScriptedPeer.Dwr(PeerHost));
            Assert.Equal(280u, (await Harness.Read(h.IOut)).CommandCode);
            Assert.Equal(PeerState.IOpen, h.State);
        }),
        new("I-Open", "I-Rcv-DWA", "Process-DWA", "I-Open", Loser, async h =>
        {
            await h.ToIOpen();
            var dwr = DiameterMessage.CreateRequest("DWR");
            h.IRcv(ScriptedPeer.Answer(dwr, PeerHost));
            Assert.Equal(PeerState.IOpen, h.State);
            Assert.True(h.Nothing(h.IOut));
        }),
        new("I-Open", "Stop", "I-Snd-DPR", "Closing", Loser, async h =>
        {
            await h.ToClosing();
        }),
        new("I-Open", "I-Rcv-DPR", "I-Snd-DPA, I-Disc", "Closed", Loser, async h =>
        {
            await h.ToIOpen();
            h.IRcv(ScriptedPeer.Dpr(PeerHost));
            Assert.Equal(282u, (await Harness.Read(h.IOut)).CommandCode);
            h.ExpectClosed(h.IConn);
            Assert.Equal(PeerState.Closed, h.State);
        }),
        new("I-Open", "I-Peer-Disc", "I-Disc", "Closed", Loser, async h =>
        {
            await h.ToIOpen();
            h.IPeerDisc();
            Assert.Equal(PeerState.Closed, h.State);
        }),
        new("I-Open", "R-Conn-CER", "R-Reject", "I-Open", Loser, async h =>
        {
            await h.ToIOpen();
            h.RConnCer2();
            Assert.Equal(ResultCodes.ElectionLost, (await Harness.Read(h.ROut2)).ResultCode);
            Assert.Equal(PeerState.IOpen, h.State);
        }),
        // ---- Closing ----
        new("Closing", "I-Rcv-DPA", "I-Disc", "Closed", Loser, async h =>
        {
            await h.ToClosing();
            h.IRcv(ScriptedPeer.Answer(DiameterMessage.CreateRequest("DPR"), PeerHost));
            h.ExpectClosed(h.IConn);
            Assert.Equal(PeerState.Closed, h.State);
        }),
        new("Closing", "I-Peer-Disc", "I-Disc", "Closed", Loser, async h =>
        {
            await h.ToClosing();
            h.IPeerDisc();
            Assert.Equal(PeerState.Closed, h.State);
        }),
        new("Closing", "Timeout", "Error", "Closed", Loser, async h =>
        {
            await h.ToClosing();
            h.ExpectTimeout("Closing");
            h.ExpectClosed(h.IConn);
        }),
    ];

    public static IEnumerable<object[]> Rows => Table.Select((r, i) => new object[] { i, r.ToString() });

    [Theory]
    [MemberData(nameof(Rows))]
    public async Task Each_row_of_the_RFC_6733_peer_state_table(int index, string row)
    {
        var r = Table[index];
        Assert.Equal(row, r.ToString());
        var h = new Harness(this, r.Local);
        await r.Run(h);
        Assert.Equal(r.Next, h.State.RfcName());
    }

    [Fact]
    public void The_table_covers_every_state_and_every_event_of_RFC_6733_section_5_6()
    {
        Assert.Equal(Enum.GetValues<PeerState>().Select(s => s.RfcName()).Where(s => s is not ("R-Open" or "I-Open")).Order(),
            Table.Select(r => r.State).Where(s => s is not ("R-Open" or "I-Open")).Distinct().Order());
        Assert.Equal(38, Table.Length);
    }

    [Fact]
    public async Task A_pending_request_completes_with_3002_when_the_connection_drops()
    {
        var h = new Harness(this, Loser);
        await h.ToIOpen();
        var answer = h.Peer.Ask<DiameterMessage>(new PeerCommands.SendRequest(PeerHost, DiameterMessage.CreateRequest("ULR").Add("Session-Id", "a;1")), TimeSpan.FromSeconds(3));
        await Harness.Read(h.IOut);
        h.IPeerDisc();
        var local = await answer;
        Assert.Equal((ResultCodes.UnableToDeliver, true), (local.ResultCode!.Value, local.IsError));
        Assert.Equal("a;1", local.SessionId);
    }

    private static DiameterMessage Dwr(uint hopByHop) => ScriptedPeer.Dwr(PeerHost, hopByHop);

    [Fact]
    public async Task Messages_that_arrive_together_are_handled_in_order_and_acknowledged_with_one_ack()
    {
        var h = new Harness(this, Loser);
        await h.ToIOpen();
        h.IConn.FishForMessage(m => m is ConnectionCommands.Pipeline, TimeSpan.FromSeconds(3));
        h.Peer.Tell(new ReceivedBatch(h.IConn.Ref, [Dwr(1), Dwr(2), Dwr(3)]));
        foreach (var hopByHop in new uint[] { 1, 2, 3 })
        {
            var dwa = await Harness.Read(h.IOut);
            Assert.Equal((280u, false, hopByHop), (dwa.CommandCode, dwa.IsRequest, dwa.HopByHopId));
        }
        h.IConn.FishForMessage<ConnectionCommands.Ack>(a => a.Count == 3, TimeSpan.FromSeconds(3));   // after the CEA's own ack
        Assert.Equal(PeerState.IOpen, h.State);
    }

    [Fact]
    public async Task A_batch_is_read_by_the_state_each_message_leaves_and_what_follows_a_DPR_is_dropped_but_acknowledged()
    {
        var h = new Harness(this, Loser);
        await h.ToIOpen();
        h.IConn.FishForMessage(m => m is ConnectionCommands.Pipeline, TimeSpan.FromSeconds(3));
        h.Peer.Tell(new ReceivedBatch(h.IConn.Ref, [Dwr(1), ScriptedPeer.Dpr(PeerHost), Dwr(3)]));
        Assert.Equal(1u, (await Harness.Read(h.IOut)).HopByHopId);        // DWA
        Assert.Equal(282u, (await Harness.Read(h.IOut)).CommandCode);      // DPA, then I-Disc
        h.IConn.FishForMessage<ConnectionCommands.Ack>(a => a.Count == 3, TimeSpan.FromSeconds(3));
        Assert.Equal(PeerState.Closed, h.State);
        Assert.True(h.Nothing(h.IOut));                                    // the DWR after the DPR is not answered
    }

    [Fact]
    public async Task Requests_that_arrive_together_go_to_a_batch_taking_handler_as_one_batch_and_its_answers_go_out_in_order()
    {
        var ulrHandler = CreateTestProbe();   // published as taking batches, as a DiameterRequestHandler is
        var airHandler = CreateTestProbe();   // published as a plain actor: one request at a time
        var directory = new HandlerDirectory();
        var ulr = HandlerDirectory.Key(16777251, 316);
        var air = HandlerDirectory.Key(16777251, 318);
        directory.Publish(new Dictionary<ulong, IActorRef> { [ulr] = ulrHandler.Ref, [air] = airHandler.Ref }, new HashSet<IActorRef> { ulrHandler.Ref });
        var h = new Harness(this, Loser, directory, dispatcher: CreateTestProbe().Ref);
        await h.ToIOpen();
        h.IConn.FishForMessage(m => m is ConnectionCommands.Pipeline, TimeSpan.FromSeconds(3));

        var airRequest = DiameterMessage.CreateRequest("AIR").Add("Session-Id", "a;2").Add("Auth-Session-State", "NO_STATE_MAINTAINED")
            .Add("Origin-Host", PeerHost).Add("Origin-Realm", TestNodes.Realm).Add("Destination-Realm", TestNodes.Realm)
            .Add("User-Name", "001010000000001").Add("Visited-PLMN-Id", new byte[] { 0x00, 0xF1, 0x10 });
        airRequest.HopByHopId = 20;
        h.Peer.Tell(new ReceivedBatch(h.IConn.Ref, [ScriptedPeer.Ulr(PeerHost, 11), airRequest, ScriptedPeer.Ulr(PeerHost, 12), ScriptedPeer.Ulr(PeerHost, 13)]));

        var batch = ulrHandler.ExpectMsg<IncomingRequestBatch>();
        Assert.Equal([11u, 12u, 13u], batch.Requests.Select(r => r.Request.HopByHopId));
        Assert.Equal(20u, airHandler.ExpectMsg<IncomingRequest>().Request.HopByHopId);
        h.IConn.FishForMessage<ConnectionCommands.Ack>(a => a.Count == 4, TimeSpan.FromSeconds(3));

        // Answers given together come back together, and go out in the order given.
        h.Peer.Tell(new HandlerAnswers([.. batch.Requests.Reverse().Select(r => r.CreateAnswer())]));
        foreach (var hopByHop in new uint[] { 13, 12, 11 })
        {
            var ula = await Harness.Read(h.IOut);
            Assert.Equal((316u, false, hopByHop, ResultCodes.Success), (ula.CommandCode, ula.IsRequest, ula.HopByHopId, ula.ResultCode));
        }
    }
}
