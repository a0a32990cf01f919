using System.Net;
using Akka.Actor;
using Akka.Event;
using Akka.Streams;
using Akka.Streams.Dsl;
using AkkaDiameter.Protocol.Dictionary;
using AkkaDiameter.Settings;

namespace AkkaDiameter.Transport;

/// <summary>
/// Accepts TCP connections on one address (RFC 6733 §2.1). Each accepted connection gets a
/// <see cref="ConnectionActor"/> owned by the peer table, which reads the CER and hands the connection to the
/// peer's <c>PeerActor</c> (R-Conn-CER).
/// </summary>
internal sealed class ListenerActor : ReceiveActor
{
    /// <summary>Told to the parent when the socket is bound (the port is the real one when 0 was configured).</summary>
    public sealed record Bound(IPEndPoint Endpoint);
    /// <summary>Told to the parent when binding failed.</summary>
    public sealed record BindFailed(ListenSettings Listen, string Reason);

    private sealed class Init { public static readonly Init Instance = new(); }
    private sealed class Ack { public static readonly Ack Instance = new(); }
    private sealed class Completed { public static readonly Completed Instance = new(); }
    private sealed record Failed(Exception Cause);

    private readonly ListenSettings _listen;
    private readonly IActorRef _peerTable;
    private readonly DiameterSettings _settings;
    private readonly DiameterDictionary _dictionary;
    private readonly IMaterializer _materializer;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private Tcp.ServerBinding? _binding;
    private int _accepted;

    public static Props Props(ListenSettings listen, IActorRef peerTable, DiameterSettings settings, DiameterDictionary dictionary, IMaterializer materializer) =>
        Akka.Actor.Props.Create(() => new ListenerActor(listen, peerTable, settings, dictionary, materializer));

    public ListenerActor(ListenSettings listen, IActorRef peerTable, DiameterSettings settings, DiameterDictionary dictionary, IMaterializer materializer)
    {
        _listen = listen;
        _peerTable = peerTable;
        _settings = settings;
        _dictionary = dictionary;
        _materializer = materializer;

        Receive<Tcp.ServerBinding>(b =>
        {
            _binding = b;
            var endpoint = (IPEndPoint)b.LocalAddress;
            _log.Info("Listening for Diameter peers on {0}", endpoint);
            Context.Parent.Tell(new Bound(endpoint));
        });
        Receive<Status.Failure>(f =>
        {
            _log.Error("Cannot listen on {0}:{1}: {2}", _listen.Address, _listen.Port, f.Cause.Message);
            Context.Parent.Tell(new BindFailed(_listen, f.Cause.Message));
            Context.Stop(Self);
        });
        Receive<Init>(_ => Sender.Tell(Ack.Instance));
        Receive<Tcp.IncomingConnection>(c =>
        {
            Context.ActorOf(ConnectionActor.Props(new ConnectionActor.Incoming(c), _peerTable, _settings, _dictionary, _materializer),
                $"r-conn-{++_accepted}");
            Sender.Tell(Ack.Instance);
        });
        Receive<Completed>(_ => Context.Stop(Self));
        Receive<Failed>(f =>
        {
            // Before the binding exists, a failed stream is a failed bind (the address is taken or not local).
            if (_binding is null) Self.Forward(new Status.Failure(f.Cause.InnerException ?? f.Cause));
            else
            {
                _log.Error("Listener on {0} failed: {1}", _binding?.LocalAddress, f.Cause.Message);
                Context.Stop(Self);
            }
        });
    }

    protected override void PreStart()
    {
        Context.System.TcpStream()
            .Bind(_listen.Address.ToString(), _listen.Port, backlog: 128, options: null, halfClose: false, idleTimeout: null)
            .ToMaterialized(Sink.ActorRefWithAck<Tcp.IncomingConnection>(Self, Init.Instance, Ack.Instance, Completed.Instance, ex => new Failed(ex)), Keep.Left)
            .Run(_materializer)
            .PipeTo(Self);
    }

    protected override void PostStop() => _binding?.Unbind();
}
