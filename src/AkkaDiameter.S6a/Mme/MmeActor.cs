using Akka.Actor;
using Akka.Configuration;
using Akka.Event;
using AkkaDiameter.Applications;
using AkkaDiameter.Protocol;
using AkkaDiameter.Protocol.Dictionary;
using AkkaDiameter.Routing;
using AkkaDiameter.S6a.Security;
using AkkaDiameter.Settings;

namespace AkkaDiameter.S6a.Mme;

/// <summary><c>akka.diameter.mme</c>: where the MME's S6a requests go and which PLMN it serves.</summary>
/// <param name="VisitedPlmn">visited-plmn-id, MCC+MNC digits (sent as TS 29.272 Visited-PLMN-Id octets).</param>
/// <param name="DestinationRealm">destination-realm: the HSS realm.</param>
/// <param name="DestinationHost">destination-host, or null to let the realm route.</param>
public sealed record MmeSettings(PlmnId VisitedPlmn, string DestinationRealm, string? DestinationHost)
{
    /// <summary>Reads <c>akka.diameter.mme</c>; errors name the key.</summary>
    public static MmeSettings Create(Config config)
    {
        const string P = "akka.diameter.mme";
        if (!config.HasPath(P)) throw new DiameterConfigurationException(P, "missing");
        var c = config.GetConfig(P);
        var plmnText = DiameterSettings.NonEmpty(c, "visited-plmn-id", $"{P}.visited-plmn-id");
        PlmnId plmn;
        try { plmn = PlmnId.Parse(plmnText); }
        catch (FormatException e) { throw new DiameterConfigurationException($"{P}.visited-plmn-id", e.Message); }
        var realm = DiameterSettings.Identity(c, "destination-realm", $"{P}.destination-realm");
        var host = c.HasPath("destination-host") && !string.IsNullOrWhiteSpace(c.GetString("destination-host"))
            ? DiameterSettings.Identity(c, "destination-host", $"{P}.destination-host") : null;
        return new MmeSettings(plmn, realm, host);
    }
}

/// <summary>The MME actor's protocol: ask it, get a <see cref="ProcedureResult"/> (or a list for Attach).</summary>
public static class MmeProtocol
{
    /// <summary>AIR then ULR for one UE; the reply is the list of both results (the ULR only if AIR succeeded).</summary>
    public sealed record Attach(string Imsi);
    /// <summary>AIR for <paramref name="Vectors"/> vectors; with <paramref name="ResynchronizationInfo"/> after a
    /// synchronisation failure.</summary>
    public sealed record AuthenticationInfo(string Imsi, uint Vectors = 1, byte[]? ResynchronizationInfo = null);
    /// <summary>ULR.</summary>
    public sealed record UpdateLocation(string Imsi, UlrFlags Flags = UlrFlags.S6aS6dIndicator | UlrFlags.InitialAttachIndicator);
    /// <summary>PUR: the UE is detached here and purged at the HSS.</summary>
    public sealed record Purge(string Imsi);
    /// <summary>NOR.</summary>
    public sealed record Notify(string Imsi);
    /// <summary>Asks for the UE's state; the reply is a <see cref="UeState"/> or null (as <see cref="NoUe"/>).</summary>
    public sealed record GetUe(string Imsi);
    /// <summary>The reply to <see cref="GetUe"/> for a UE the MME does not hold.</summary>
    public sealed record NoUe(string Imsi);

    /// <summary>The outcome of one request: the command, Result-Code or Experimental-Result-Code, the answer, and
    /// the vectors of an AIA.</summary>
    public sealed record ProcedureResult(string Command, string Imsi, uint ResultCode, DiameterAnswer Answer, IReadOnlyList<EutranVector> Vectors)
    {
        /// <summary>2xxx.</summary>
        public bool IsSuccess => Answer.IsSuccess;

        /// <summary>The answer with its typed members (e.g. <see cref="UpdateLocationAnswer.Subscription"/>).</summary>
        public S6aAnswer Typed => S6aAnswer.Parse(Answer.Message);

        /// <summary>One line: <c>ULA 001010000000001 2001 DIAMETER_SUCCESS</c>, with the vectors of an AIA.</summary>
        public override string ToString() =>
            $"{Answer.Message.Command?.AnswerAbbreviation ?? Answer.Message.CommandName} {Imsi} {ResultCode} {ResultName}" +
            string.Concat(Vectors.Select((v, i) => $" vector[{i}] RAND={Convert.ToHexString(v.Rand)} XRES={Convert.ToHexString(v.Xres)} AUTN={Convert.ToHexString(v.Autn)} KASME={Convert.ToHexString(v.Kasme)}"));

        private string ResultName => Answer.Message.ResultCode is null ? S6aResultCodes.NameOf(ResultCode) : ResultCodes.NameOf(ResultCode);
    }

    /// <summary>What the MME knows of a UE.</summary>
    /// <param name="Imsi">IMSI.</param>
    /// <param name="Registered">ULA 2001 received and not cancelled or purged.</param>
    /// <param name="Subscription">The subscription from the ULA, as changed since by IDR and DSR.</param>
    /// <param name="Vectors">Unused E-UTRAN vectors.</param>
    /// <param name="RestorationNeeded">An RSR from the HSS named this UE (TS 29.272 §5.2.4.1.2): its data must be
    /// restored with a ULR at the next contact; cleared by the next successful ULR.</param>
    public sealed record UeState(string Imsi, bool Registered, SubscriptionData? Subscription, int Vectors, bool RestorationNeeded = false)
    {
        /// <summary>MSISDN from the subscription.</summary>
        public string? Msisdn => Subscription?.Msisdn;
        /// <summary>Service-Selection of each APN-Configuration.</summary>
        public IReadOnlyList<string> Apns => Subscription?.Apns.Select(a => a.ServiceSelection).ToList() ?? [];
    }

    /// <summary>A request from the HSS (CLR, IDR, DSR, RSR) the MME's node received, for the MME actor.</summary>
    internal sealed record HssRequest(IncomingRequest Request);
}

/// <summary>
/// An MME's S6a side (TS 29.272 §5.2): other actors Ask it to attach a UE (AIR then ULR), update location, purge or
/// notify; it answers the HSS-initiated CLR (detaching the UE), IDR and DSR (changing the stored subscription) and RSR
/// (marking UEs for restoration), and keeps its UEs' state. It sends through its
/// <see cref="DiameterNode"/>, which routes to the configured destination-realm/host.
/// </summary>
public sealed class MmeActor : ReceiveActor, IWithStash
{
    private readonly MmeSettings _settings;
    private readonly Dictionary<string, MmeProtocol.UeState> _ues = [];
    private readonly Dictionary<string, List<EutranVector>> _vectors = [];
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private DiameterNode? _node;

    /// <inheritdoc />
    public IStash Stash { get; set; } = null!;

    /// <summary>Given the node once it runs.</summary>
    internal sealed record UseNode(DiameterNode Node);

    private sealed record Completed(IActorRef ReplyTo, string Command, string Imsi, DiameterAnswer Answer, object? Then);

    /// <summary>Props for an MME actor; <see cref="MmeNode.StartAsync"/> wires it to a node.</summary>
    public static Props Props(MmeSettings settings) => Akka.Actor.Props.Create(() => new MmeActor(settings));

    /// <summary>An MME actor; it stashes requests until <see cref="MmeNode.StartAsync"/> gives it its node.</summary>
    public MmeActor(MmeSettings settings)
    {
        _settings = settings;
        Receive<UseNode>(u => { _node = u.Node; Stash.UnstashAll(); Become(Running); });
        ReceiveAny(_ => Stash.Stash());
    }

    private void Running()
    {
        Receive<MmeProtocol.Attach>(a => Send("AIR", a.Imsi, S6aMessages.Air(a.Imsi, _settings.VisitedPlmn, _settings.DestinationRealm, _settings.DestinationHost), Sender, then: a));
        Receive<MmeProtocol.AuthenticationInfo>(a => Send("AIR", a.Imsi,
            S6aMessages.Air(a.Imsi, _settings.VisitedPlmn, _settings.DestinationRealm, _settings.DestinationHost, a.Vectors, a.ResynchronizationInfo), Sender));
        Receive<MmeProtocol.UpdateLocation>(u => Send("ULR", u.Imsi, S6aMessages.Ulr(u.Imsi, _settings.VisitedPlmn, _settings.DestinationRealm, _settings.DestinationHost, u.Flags), Sender));
        Receive<MmeProtocol.Purge>(p => Send("PUR", p.Imsi, S6aMessages.Pur(p.Imsi, _settings.DestinationRealm, _settings.DestinationHost), Sender));
        Receive<MmeProtocol.Notify>(n => Send("NOR", n.Imsi, S6aMessages.Nor(n.Imsi, _settings.DestinationRealm, _settings.DestinationHost), Sender));
        Receive<MmeProtocol.GetUe>(g => Sender.Tell(_ues.TryGetValue(g.Imsi, out var ue) ? ue : new MmeProtocol.NoUe(g.Imsi)));
        Receive<Completed>(OnCompleted);
        Receive<MmeProtocol.HssRequest>(r =>
        {
            switch (r.Request.Request.CommandCode)
            {
                case 317: CancelLocation(r.Request); break;
                case 319: InsertSubscriberData(r.Request); break;
                case 320: DeleteSubscriberData(r.Request); break;
                case 322: Reset(r.Request); break;
                default: r.Request.ReplyError(ResultCodes.CommandUnsupported, $"the MME does not serve {r.Request.Request.CommandName}"); break;
            }
        });
    }

    private static DiameterMessage Answer(IncomingRequest r) => r.CreateAnswer().Add("Auth-Session-State", "NO_STATE_MAINTAINED");

    private static void UserUnknown(IncomingRequest r) => r.Reply(S6aMessages.WithExperimentalResult(Answer(r), S6aResultCodes.UserUnknown));

    /// <summary>§5.2.1.2.2: the MME deletes the subscription data and detaches the UE, then answers CLA (also for a UE
    /// it does not know: the cancellation has happened).</summary>
    private void CancelLocation(IncomingRequest r)
    {
        var clr = CancelLocationRequest.From(r.Request);
        var known = _ues.Remove(clr.Imsi);
        _vectors.Remove(clr.Imsi);
        _log.Info("CLR for {0} from {1} ({2}): {3}", clr.Imsi, r.Peer, clr.Type, known ? "UE detached" : "UE not known here");
        r.Reply(Answer(r));
    }

    /// <summary>§5.2.2.1.2: IDR for a UE the MME does not hold is answered DIAMETER_ERROR_USER_UNKNOWN; otherwise the
    /// subscription is replaced (complete APN list) or merged (added/modified contexts).</summary>
    private void InsertSubscriberData(IncomingRequest r)
    {
        var idr = InsertSubscriberDataRequest.From(r.Request);
        if (!_ues.TryGetValue(idr.Imsi, out var ue) || ue.Subscription is null) { UserUnknown(r); return; }
        _ues[idr.Imsi] = ue with { Subscription = ue.Subscription.Apply(idr.Subscription) };
        _log.Info("IDR for {0}: APNs now {1}", idr.Imsi, string.Join(", ", _ues[idr.Imsi].Apns));
        r.Reply(Answer(r));
    }

    /// <summary>§5.2.2.2.2: DSR deletes what its flags name (APN contexts by Context-Identifier, MSISDN).</summary>
    private void DeleteSubscriberData(IncomingRequest r)
    {
        var dsr = DeleteSubscriberDataRequest.From(r.Request);
        if (!_ues.TryGetValue(dsr.Imsi, out var ue) || ue.Subscription is null) { UserUnknown(r); return; }
        _ues[dsr.Imsi] = ue with { Subscription = ue.Subscription.Delete(dsr.Flags, dsr.ContextIdentifiers) };
        _log.Info("DSR for {0} ({1}): APNs now {2}", dsr.Imsi, dsr.Flags, string.Join(", ", _ues[dsr.Imsi].Apns));
        r.Reply(Answer(r));
    }

    /// <summary>§5.2.4.1.2: the UEs the reset names are marked for restoration (a ULR at their next contact).</summary>
    private void Reset(IncomingRequest r)
    {
        var rsr = ResetRequest.From(r.Request);
        var affected = _ues.Values.Where(u => rsr.Affects(u.Imsi)).ToList();
        foreach (var ue in affected) _ues[ue.Imsi] = ue with { RestorationNeeded = true };
        _log.Info("RSR from {0} ({1}): {2} UE(s) to restore", r.Peer, rsr.UserIds.Count == 0 ? "all UEs" : string.Join(", ", rsr.UserIds), affected.Count);
        r.Reply(Answer(r));
    }

    private void Send(string command, string imsi, DiameterMessage request, IActorRef replyTo, object? then = null)
    {
        _node!.AskAsync(request).PipeTo(Self,
            success: a => new Completed(replyTo, command, imsi, a, then),
            failure: e => new Completed(replyTo, command, imsi, new DiameterAnswer(
                DiameterMessage.CreateErrorAnswer(request.Header, new DiameterError(ResultCodes.UnableToDeliver, $"no answer: {e.Message}"),
                    _node.Settings.OriginHost, _node.Settings.OriginRealm), null), then));
    }

    private void OnCompleted(Completed c)
    {
        var answer = c.Answer;
        var vectors = c.Command == "AIR" && answer.IsSuccess ? S6aMessages.Vectors(answer.Message) : [];
        var result = new MmeProtocol.ProcedureResult(c.Command, c.Imsi, answer.ResultCode, answer, vectors);
        if (vectors.Count > 0) _vectors[c.Imsi] = vectors.ToList();
        switch (c.Command)
        {
            case "ULR" when answer.IsSuccess:
                // Skip-Subscriber-Data: the HSS may leave it out and the MME keeps what it has (§5.2.1.1.2).
                var data = answer.Message.Find("Subscription-Data") is { } d ? SubscriptionData.From(d) : _ues.GetValueOrDefault(c.Imsi)?.Subscription;
                _ues[c.Imsi] = new MmeProtocol.UeState(c.Imsi, true, data, _vectors.GetValueOrDefault(c.Imsi)?.Count ?? 0);
                break;
            case "PUR":
                _ues.Remove(c.Imsi);
                _vectors.Remove(c.Imsi);
                break;
        }
        if (c.Then is MmeProtocol.Attach attach)
        {
            if (!answer.IsSuccess) { c.ReplyTo.Tell(new List<MmeProtocol.ProcedureResult> { result }); return; }
            // Attach continues with ULR; the AIA result rides along.
            Send("ULR", attach.Imsi, S6aMessages.Ulr(attach.Imsi, _settings.VisitedPlmn, _settings.DestinationRealm, _settings.DestinationHost),
                c.ReplyTo, then: result);
            return;
        }
        if (c.Then is MmeProtocol.ProcedureResult air) { c.ReplyTo.Tell(new List<MmeProtocol.ProcedureResult> { air, result }); return; }
        c.ReplyTo.Tell(result);
    }
}

/// <summary>Hands the HSS's requests (CLR, IDR, DSR, RSR) to the MME actor, which holds the UEs.</summary>
internal sealed class MmeRequestHandler(IActorRef mme) : DiameterRequestHandler
{
    protected override void Handle(IncomingRequest request) => mme.Tell(new MmeProtocol.HssRequest(request));
}

/// <summary>An MME: a Diameter node with an <see cref="MmeActor"/> that answers CLR, IDR, DSR and RSR.</summary>
public sealed class MmeNode : IAsyncDisposable
{
    private MmeNode(DiameterNode node, IActorRef mme) { Node = node; Actor = mme; }

    /// <summary>The Diameter node.</summary>
    public DiameterNode Node { get; }
    /// <summary>The MME actor: Ask it <see cref="MmeProtocol.Attach"/> and the rest.</summary>
    public IActorRef Actor { get; }

    /// <summary>The S6a requests an MME answers.</summary>
    public static readonly string[] HssInitiatedCommands = ["CLR", "IDR", "DSR", "RSR"];

    /// <summary>Starts an MME from a configuration holding <c>akka.diameter</c> and <c>akka.diameter.mme</c>.</summary>
    public static async Task<MmeNode> StartAsync(ActorSystem system, Config config, string name = "mme")
    {
        var mmeSettings = MmeSettings.Create(config);
        var diameter = DiameterSettings.Create(config);
        var mme = system.ActorOf(MmeActor.Props(mmeSettings), name + "-s6a");
        var handlers = new DiameterHandlers();
        foreach (var command in HssInitiatedCommands) handlers.Add(command, Akka.Actor.Props.Create(() => new MmeRequestHandler(mme)));
        var node = await DiameterNode.StartAsync(system, diameter, DiameterDictionary.Default, name, handlers);
        mme.Tell(new MmeActor.UseNode(node));
        return new MmeNode(node, mme);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await Node.StopAsync();
        await Actor.GracefulStop(TimeSpan.FromSeconds(5));
    }
}
