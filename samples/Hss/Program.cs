// samples/Hss: what bromelia's examples/hss.py does — wait for the MME and answer its Update-Location-Requests —
// with AkkaDiameter's HSS: subscribers from config/hss.conf in a SQLite database, AIR answered with MILENAGE vectors,
// ULR with the subscription (or DIAMETER_ERROR_USER_UNKNOWN and the other TS 29.272 errors), CLR to the old MME when
// a UE moves, PUR and NOR. Ctrl-C sends DPR and stops.
//
//   dotnet run --project samples/Hss
using System.Runtime.InteropServices;
using Akka.Actor;
using Akka.Configuration;
using AkkaDiameter.S6a.Hss;
using AkkaDiameter.Settings;

var config = ConfigurationFactory.ParseString(File.ReadAllText(args.Length > 0 ? args[0] : "config/hss.conf"))
    .WithFallback("akka.loglevel = INFO")
    .WithFallback(DiameterSettings.SystemDefaults);   // a node's scheduler tick
using var system = ActorSystem.Create("hss", config);

await using var hss = await HssNode.StartAsync(system, config);
Console.WriteLine($"{hss.Node.Settings.OriginHost} listening on {string.Join(", ", hss.Node.ListenEndpoints)}");
foreach (var s in hss.Store.List())
    Console.WriteLine($"  {s.Imsi} MSISDN {s.Msisdn ?? "-"} APNs {string.Join(", ", s.Apns.Select(a => a.Name))}");

// Run until Ctrl-C (SIGINT) or SIGTERM; leaving the `await using` scope sends DPR to every MME.
var stop = new TaskCompletionSource();
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.TrySetResult(); });
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.TrySetResult(); });
await stop.Task;
Console.WriteLine("stopping");
