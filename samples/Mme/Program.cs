// samples/Mme: what bromelia's examples/mme.py does — connect to the HSS and send five Update-Location-Requests —
// with AkkaDiameter. The node (CER/CEA, watchdog, reconnection, DPR) and the ULR's AVPs come from the library; the
// addresses and names come from config/mme.conf.
//
//   dotnet run --project samples/Hss            (in one terminal)
//   dotnet run --project samples/Mme            (in another)
using Akka.Actor;
using Akka.Configuration;
using AkkaDiameter.S6a;
using AkkaDiameter.S6a.Mme;
using AkkaDiameter.Settings;

var config = ConfigurationFactory.ParseString(File.ReadAllText(args.Length > 0 ? args[0] : "config/mme.conf"))
    .WithFallback("akka.loglevel = WARNING")
    .WithFallback(DiameterSettings.SystemDefaults);   // a node's scheduler tick
using var system = ActorSystem.Create("mme", config);

// An MME: a Diameter node that connects to the peers of akka.diameter.peers, with an MmeActor that answers the HSS's
// CLR, IDR, DSR and RSR and keeps its UEs.
await using var mme = await MmeNode.StartAsync(system, config);
var hss = mme.Node.Settings.Peers[0].OriginHost;
await mme.Node.WaitUntilOpenAsync(hss, TimeSpan.FromSeconds(30));
Console.WriteLine($"connected to {hss}");

var allSucceeded = true;
for (var i = 1; i <= 5; i++)
{
    var imsi = $"00101000000000{i}";
    // Ask the MME actor; it builds the ULR (Session-Id, Auth-Session-State, Origin-*, Destination-*, User-Name,
    // RAT-Type, ULR-Flags, Visited-PLMN-Id), sends it and replies with the ULA.
    var result = await mme.Actor.Ask<MmeProtocol.ProcedureResult>(new MmeProtocol.UpdateLocation(imsi), TimeSpan.FromSeconds(30));
    Console.WriteLine(result);                                   // ULA 001010000000001 2001 DIAMETER_SUCCESS
    if (result.Typed is UpdateLocationAnswer { Subscription: { } subscription })
        Console.WriteLine($"  MSISDN {subscription.Msisdn}, APNs {string.Join(", ", subscription.Apns.Select(a => a.ServiceSelection))}");
    allSucceeded &= result.IsSuccess;
}

// Leaving the `await using` scope sends DPR and closes the connection.
return allSucceeded ? 0 : 1;
