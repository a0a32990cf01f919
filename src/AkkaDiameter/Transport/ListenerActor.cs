using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Event;
using Akka.Streams;
using AkkaDiameter.Protocol.Dictionary;
using AkkaDiameter.Settings;

namespace AkkaDiameter.Transport;

/// <summary>
/// Accepts TCP connections on one address (RFC 6733 §2.1). Each accepted connection gets a
/// <see cref="ConnectionActor"/> owned by the peer table, which reads the CER and hands the connection to the
/// peer's <c>PeerActor</c> (R-Conn-CER). One accept is outstanding at a time; its result comes back as a message.
/// </summary>
internal sealed class ListenerActor : ReceiveActor, IWithTimers
{
    /// <summary>Told to the parent when the socket is bound (the port is the real one when 0 was configured).</summary>
    public sealed record Bound(IPEndPoint Endpoint);
    /// <summary>Told to the parent when binding failed.</summary>
    public sealed record BindFailed(ListenSettings Listen, string Reason);

    private sealed record Accepted(Socket Socket);
    private sealed record AcceptFailed(Exception Cause);
    private sealed class RetryAccept { public static readonly RetryAccept Instance = new(); }

    private static readonly TimeSpan AcceptRetry = TimeSpan.FromMilliseconds(100);

    private readonly ListenSettings _listen;
    private readonly IActorRef _peerTable;
    private readonly DiameterSettings _settings;
    private readonly DiameterDictionary _dictionary;
    private readonly IMaterializer _materializer;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private Socket? _listener;
    // Cancels the accept under way when the actor stops.
    private readonly CancellationTokenSource _stopped = new();
    private int _accepted;

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(ListenSettings listen, IActorRef peerTable, DiameterSettings settings, DiameterDictionary dictionary, IMaterializer materializer) =>
        Akka.Actor.Props.Create(() => new ListenerActor(listen, peerTable, settings, dictionary, materializer));

    public ListenerActor(ListenSettings listen, IActorRef peerTable, DiameterSettings settings, DiameterDictionary dictionary, IMaterializer materializer)
    {
        _listen = listen;
        _peerTable = peerTable;
        _settings = settings;
        _dictionary = dictionary;
        _materializer = materializer;

        Receive<Accepted>(a =>
        {
            Context.ActorOf(ConnectionActor.Props(new ConnectionActor.Incoming(a.Socket), _peerTable, _settings, _dictionary, _materializer).OnDispatcherOf(Context),
                $"r-conn-{++_accepted}");
            Accept();
        });
        Receive<AcceptFailed>(f =>
        {
            // A connection reset before it was accepted, or out of descriptors for a moment: the listener carries on.
            // Once the listening socket itself is gone (closed under us), accepting again fails at once: stop then.
            if (f.Cause is ObjectDisposedException || f.Cause is SocketException { SocketErrorCode: SocketError.OperationAborted or SocketError.Shutdown })
            {
                _log.Error("Listener on {0} failed: {1}", _listener?.LocalEndPoint, f.Cause.Message);
                Context.Stop(Self);
                return;
            }
            // Not at once: out of descriptors, an immediate retry would fail again in a tight loop.
            _log.Warning("Accepting a connection on {0} failed: {1}; accepting again in {2} ms", _listener?.LocalEndPoint, f.Cause.Message, AcceptRetry.TotalMilliseconds);
            Timers.StartSingleTimer(RetryAccept.Instance, RetryAccept.Instance, AcceptRetry);
        });
        Receive<RetryAccept>(_ => Accept());
    }

    protected override void PreStart()
    {
        var endpoint = new IPEndPoint(_listen.Address, _listen.Port);
        var listener = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            // As most servers do: a restarted node can listen again while its old connections linger in TIME_WAIT.
            listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            listener.Bind(endpoint);
            listener.Listen(128);
        }
        catch (SocketException ex)
        {
            listener.Dispose();
            _log.Error("Cannot listen on {0}:{1}: {2}", _listen.Address, _listen.Port, ex.Message);
            Context.Parent.Tell(new BindFailed(_listen, ex.Message));
            Context.Stop(Self);
            return;
        }
        _listener = listener;
        var bound = (IPEndPoint)listener.LocalEndPoint!;
        _log.Info("Listening for Diameter peers on {0}", bound);
        Context.Parent.Tell(new Bound(bound));
        Accept();
    }

    private void Accept() =>
        _listener!.AcceptAsync(_stopped.Token).AsTask().PipeSocketTo(Self, _stopped.Token, success: s => new Accepted(s), failure: ex => new AcceptFailed(ex));

    protected override void PostStop()
    {
        _stopped.Cancel();
        _listener?.Dispose();
    }
}
