using System.Net;
using AkkaDiameter.Peers;
using AkkaDiameter.Protocol;

namespace AkkaDiameter;

/// <summary>The states of the RFC 6733 §5.6 peer state machine.</summary>
public enum PeerState
{
    /// <summary>Closed.</summary>
    Closed,
    /// <summary>Wait-Conn-Ack: connecting.</summary>
    WaitConnAck,
    /// <summary>Wait-I-CEA: CER sent on our connection.</summary>
    WaitICea,
    /// <summary>Wait-Conn-Ack/Elect: connecting, and the peer's CER arrived on its connection.</summary>
    WaitConnAckElect,
    /// <summary>Wait-Returns: both connections up, election held, waiting for the outcome.</summary>
    WaitReturns,
    /// <summary>R-Open: open on the connection the peer made.</summary>
    ROpen,
    /// <summary>I-Open: open on the connection this node made.</summary>
    IOpen,
    /// <summary>Closing: DPR sent, waiting for DPA.</summary>
    Closing,
}

/// <summary>RFC names of <see cref="PeerState"/>.</summary>
public static class PeerStateNames
{
    /// <summary>The state as RFC 6733 §5.6 writes it: <c>Closed</c>, <c>Wait-Conn-Ack</c>, <c>Wait-I-CEA</c>,
    /// <c>Wait-Conn-Ack/Elect</c>, <c>Wait-Returns</c>, <c>R-Open</c>, <c>I-Open</c>, <c>Closing</c>.</summary>
    public static string RfcName(this PeerState state) => state switch
    {
        PeerState.Closed => "Closed",
        PeerState.WaitConnAck => "Wait-Conn-Ack",
        PeerState.WaitICea => "Wait-I-CEA",
        PeerState.WaitConnAckElect => "Wait-Conn-Ack/Elect",
        PeerState.WaitReturns => "Wait-Returns",
        PeerState.ROpen => "R-Open",
        PeerState.IOpen => "I-Open",
        PeerState.Closing => "Closing",
        _ => state.ToString(),
    };

    /// <summary>True for I-Open and R-Open.</summary>
    public static bool IsOpen(this PeerState state) => state is PeerState.IOpen or PeerState.ROpen;
}

/// <summary>Disconnect-Cause values (RFC 6733 §5.4.3).</summary>
public enum DisconnectCause
{
    /// <summary>REBOOTING: the peer will be back; reconnect.</summary>
    Rebooting = 0,
    /// <summary>BUSY: the peer is overloaded; reconnect later.</summary>
    Busy = 1,
    /// <summary>DO_NOT_WANT_TO_TALK_TO_YOU: do not reconnect.</summary>
    DoNotWantToTalkToYou = 2,
}

/// <summary>Published on the event stream at every peer state change.</summary>
/// <param name="Peer">The peer's Origin-Host.</param>
/// <param name="From">RFC name of the old state.</param>
/// <param name="To">RFC name of the new state.</param>
/// <param name="Reason">The event that caused it.</param>
public sealed record PeerStateChanged(string Peer, string From, string To, string Reason)
{
    /// <summary>The Origin-Host of the node whose peer changed: tells nodes sharing one actor system apart.</summary>
    public string LocalHost { get; init; } = "";
}

/// <summary>Published on the event stream at every watchdog state change (RFC 3539).</summary>
/// <param name="Peer">The peer's Origin-Host.</param>
/// <param name="From">Old state.</param>
/// <param name="To">New state.</param>
public sealed record WatchdogStateChanged(string Peer, WatchdogState From, WatchdogState To)
{
    /// <summary>The Origin-Host of the node whose peer changed.</summary>
    public string LocalHost { get; init; } = "";
}

/// <summary>Where a peer stands.</summary>
/// <param name="OriginHost">The peer's Origin-Host.</param>
/// <param name="Realm">The peer's realm (configured, or from its CER/CEA).</param>
/// <param name="State">RFC 6733 §5.6 state.</param>
/// <param name="Watchdog">RFC 3539 watchdog state.</param>
/// <param name="Applications">Applications common to both sides once open.</param>
/// <param name="Remote">The connection's remote endpoint when open.</param>
/// <param name="PendingRequests">Requests sent and not yet answered.</param>
public sealed record PeerStatus(string OriginHost, string Realm, PeerState State, WatchdogState Watchdog,
    IReadOnlyList<uint> Applications, EndPoint? Remote, int PendingRequests)
{
    /// <summary>Requests from the peer in process (handed to a handler or relayed, not yet answered).</summary>
    public int InboundRequests { get; init; }
    /// <summary>Requests from the peer refused by the overload bounds since the node started.</summary>
    public long RefusedOverload { get; init; }
    /// <summary>True while the connection is not read because <c>pause-reading-at</c> of the peer's requests are in
    /// process; its further messages wait in TCP.</summary>
    public bool ReadingPaused { get; init; }
    /// <summary>How often reading from the peer was paused since the node started.</summary>
    public long ReadPauses { get; init; }

    /// <summary>The RFC name of <see cref="State"/> (<c>I-Open</c>).</summary>
    public string StateName => State.RfcName();
    /// <summary>Open and the watchdog says the connection answers: requests may be sent.</summary>
    public bool IsAvailable => State.IsOpen() && Watchdog == WatchdogState.Okay;
}

/// <summary>The last base protocol messages exchanged with a peer, sent or received (like bromelia's
/// <c>get_base_messages()</c>).</summary>
public sealed record BaseMessages(DiameterMessage? Cer, DiameterMessage? Cea, DiameterMessage? Dwr, DiameterMessage? Dwa,
    DiameterMessage? Dpr, DiameterMessage? Dpa);

/// <summary>Messages the node and its peers answer.</summary>
public static class PeerCommands
{
    /// <summary>Ask for one peer's <see cref="PeerStatus"/>; the reply is the status, or
    /// <see cref="Akka.Actor.Status.Failure"/> with <see cref="UnknownPeerException"/>.</summary>
    public sealed record GetPeerStatus(string OriginHost);

    /// <summary>Ask for every peer's status: the reply is <c>IReadOnlyList&lt;PeerStatus&gt;</c>.</summary>
    public sealed class GetPeers
    {
        /// <summary>The instance.</summary>
        public static readonly GetPeers Instance = new();
        private GetPeers() { }
    }

    /// <summary>Ask for the last base messages exchanged with a peer: the reply is <see cref="BaseMessages"/>.</summary>
    public sealed record GetBaseMessages(string OriginHost);

    /// <summary>Send a request to a peer; the reply is the answer <see cref="DiameterMessage"/>: the peer's, or a
    /// locally made DIAMETER_UNABLE_TO_DELIVER 3002 (peer not open, timeout, connection lost, send queue full).</summary>
    public sealed record SendRequest(string OriginHost, DiameterMessage Request);

    /// <summary>Disconnect a peer with DPR (RFC 6733 §5.4); the reply is <see cref="Disconnected"/> once it is Closed.</summary>
    public sealed record Disconnect(string OriginHost, DisconnectCause Cause);

    /// <summary>Reply to <see cref="Disconnect"/>.</summary>
    public sealed record Disconnected(string OriginHost);

    /// <summary>Connect (or reconnect now) to a configured peer.</summary>
    public sealed record Connect(string OriginHost);
}

/// <summary>The peer asked for is neither configured nor connected.</summary>
public sealed class UnknownPeerException(string originHost) : DiameterException($"no peer '{originHost}' is configured or connected")
{
    /// <summary>The Origin-Host asked for.</summary>
    public string OriginHost { get; } = originHost;
}
