using System.Net;
using Akka.Actor;
using Akka.Configuration;
using Akka.IO;
using Akka.Streams;
using Akka.Streams.Dsl;
using AkkaDiameter.Applications;
using AkkaDiameter.Protocol;
using AkkaDiameter.Protocol.Dictionary;
using AkkaDiameter.S6a.Hss;
using AkkaDiameter.Settings;

namespace AkkaDiameter.Bench;

/// <summary>The servers the load is measured against, each run in its own process by <c>serve KIND PORT</c>.</summary>
internal static class Servers
{
    public const string Realm = "bench.localdomain";
    public const string Host = "hss.bench.localdomain";

    private const string Quiet = "akka.loglevel = WARNING\nakka.log-dead-letters = off\nakka.log-dead-letters-during-shutdown = off";

    /// <summary>Starts the server and returns when it listens.</summary>
    public static async Task<IAsyncDisposable> StartAsync(string kind, int port, string? option)
    {
        return kind switch
        {
            "echo" => await EchoAsync(port),
            "node" => await NodeAsync(port, option),    // option: extra akka.diameter settings
            "hss" => await HssAsync(port, int.Parse(option ?? "10000")),
            "freediameter" => await FreeDiameterAsync(port, option ?? throw new ArgumentException("freediameter needs the path of s6a_ula.fdx")),
            "c-echo" => await CEchoAsync(port, option ?? throw new ArgumentException("c-echo needs the path of epoll_echo")),
            "socket-echo" => await SocketEchoAsync(port),
            _ => throw new ArgumentException($"unknown server '{kind}': echo, socket-echo, node, hss, freediameter or c-echo"),
        };
    }

    private sealed class Stopper(Func<Task> stop) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await stop();
    }

    /// <summary>The ceiling: an Akka.Streams TCP server that frames Diameter messages by their length and answers each
    /// with the same bytes with the R bit cleared (CER with a real CEA), writes batched as the node batches them. No
    /// decoding, no actors per message.</summary>
    private static async Task<IAsyncDisposable> EchoAsync(int port)
    {
        var system = ActorSystem.Create("echo", ConfigurationFactory.ParseString(Quiet).WithFallback(DiameterSettings.SystemDefaults));
        var materializer = system.Materializer();
        var handler = Flow.Create<ByteString>()
            // The Message Length (RFC 6733 §3) counts the whole message, header included.
            .Via(Framing.LengthField(3, 1, 1 << 24, ByteOrder.BigEndian, (_, length) => length))
            .Select(frame =>
            {
                var bytes = frame.ToArray();
                if ((bytes[4] & 0x80) != 0 && bytes[5] == 0 && bytes[6] == 1 && bytes[7] == 1) return ByteString.FromBytes(Cea(bytes));   // 257
                bytes[4] &= 0x7F;
                return ByteString.FromBytes(bytes);
            })
            .BatchWeighted(64 * 1024, b => b.Count, b => b, (acc, b) => acc.Concat(b));
        var binding = await system.TcpStream().Bind("127.0.0.1", port)
            .To(Sink.ForEach<Akka.Streams.Dsl.Tcp.IncomingConnection>(c => c.HandleWith(handler, materializer)))
            .Run(materializer);
        return new Stopper(async () =>
        {
            await binding.Unbind();
            await system.Terminate();
        });
    }

    /// <summary>A real CEA to the generator's CER, for the echoes.</summary>
    private static byte[] Cea(byte[] cer) => DiameterMessage.Decode(cer).CreateAnswer().Add("Result-Code", ResultCodes.Success)
        .Add("Origin-Host", Host).Add("Origin-Realm", Realm).Add("Host-IP-Address", IPAddress.Loopback).Add("Vendor-Id", 0u)
        .Add("Product-Name", "echo").AddGroup("Vendor-Specific-Application-Id", g => g.Add("Vendor-Id", 10415u).Add("Auth-Application-Id", 16777251u))
        .Encode();

    /// <summary>Plain .NET sockets, no Akka: per connection one async loop that reads, answers every whole message of
    /// the read (R bit cleared, CER with a real CEA) and sends them in one write. What .NET's own socket path costs:
    /// the floor of any .NET transport, as the C echo is the generator's.</summary>
    private static Task<IAsyncDisposable> SocketEchoAsync(int port)
    {
        var listener = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, port));
        listener.Listen(512);
        var stop = new CancellationTokenSource();
        _ = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                System.Net.Sockets.Socket s;
                try { s = await listener.AcceptAsync(stop.Token); } catch { return; }
                s.NoDelay = true;
                _ = Task.Run(() => Serve(s));
            }
        });
        return Task.FromResult<IAsyncDisposable>(new Stopper(() => { stop.Cancel(); listener.Dispose(); return Task.CompletedTask; }));

        static async Task Serve(System.Net.Sockets.Socket s)
        {
            var buffer = new byte[256 * 1024];
            int have = 0;
            try
            {
                while (true)
                {
                    var n = await s.ReceiveAsync(buffer.AsMemory(have), System.Net.Sockets.SocketFlags.None);
                    if (n == 0) return;
                    have += n;
                    int at = 0, start = 0;
                    while (have - at >= 20)
                    {
                        var length = (buffer[at + 1] << 16) | (buffer[at + 2] << 8) | buffer[at + 3];
                        if (have - at < length) break;
                        if ((buffer[at + 4] & 0x80) != 0 && buffer[at + 5] == 0 && buffer[at + 6] == 1 && buffer[at + 7] == 1)
                        {
                            if (at > start) await s.SendAsync(buffer.AsMemory(start, at - start), System.Net.Sockets.SocketFlags.None);
                            await s.SendAsync(Cea(buffer.AsSpan(at, length).ToArray()), System.Net.Sockets.SocketFlags.None);
                            at += length;
                            start = at;
                            continue;
                        }
                        buffer[at + 4] &= 0x7F;
                        at += length;
                    }
                    if (at > start) await s.SendAsync(buffer.AsMemory(start, at - start), System.Net.Sockets.SocketFlags.None);
                    Buffer.BlockCopy(buffer, at, buffer, 0, have - at);
                    have -= at;
                }
            }
            catch { }
            finally { s.Dispose(); }
        }
    }

    /// <summary>The generator's floor: <c>bench/echo/epoll_echo.c</c> (built by bench/run), one C thread on epoll
    /// sending each message back as its answer. What the generator and the kernel add to every server's latency.</summary>
    private static async Task<IAsyncDisposable> CEchoAsync(int port, string binary)
    {
        var echo = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(binary, [port.ToString()])
        {
            RedirectStandardOutput = true, UseShellExecute = false,
        })!;
        if (await echo.StandardOutput.ReadLineAsync() != "ready")
        {
            if (!echo.HasExited) echo.Kill();
            throw new InvalidOperationException($"{binary} did not start");
        }
        return new Stopper(async () =>
        {
            if (!echo.HasExited) echo.Kill();
            await echo.WaitForExitAsync();
            echo.Dispose();
        });
    }

    /// <summary>ULA 2001 with Auth-Session-State: the node's overhead and nothing else.</summary>
    private sealed class UlaHandler : DiameterRequestHandler
    {
        protected override void Handle(IncomingRequest r) => r.Reply(r.CreateAnswer().Add("Auth-Session-State", 1));
    }

    private static string NodeConfig(int port, string? extra) => $$"""
        {{Quiet}}
        akka.diameter {
          node { origin-host = "{{Host}}", origin-realm = "{{Realm}}" }
          listen = [ { address = "127.0.0.1", port = {{port}} } ]
          applications = [ { vendor-id = 10415, auth-application-id = 16777251 } ]
          accept-unknown-peers = true
          {{extra}}
        }
        """;

    private static async Task<IAsyncDisposable> NodeAsync(int port, string? extra)
    {
        // BENCH_AKKA: HOCON for the node's actor system (a dispatcher to try, say) ahead of everything else.
        var config = ConfigurationFactory.ParseString(Environment.GetEnvironmentVariable("BENCH_AKKA") ?? "")
            .WithFallback(ConfigurationFactory.ParseString(NodeConfig(port, extra))).WithFallback(DiameterSettings.SystemDefaults);
        var system = ActorSystem.Create("node", config);
        var handlers = new DiameterHandlers();
        foreach (var c in new[] { "ULR", "AIR", "NOR", "PUR" }) handlers.Add<UlaHandler>(c);
        var node = await DiameterNode.StartAsync(system, DiameterSettings.Create(config), DiameterDictionary.Default, "node", handlers);
        return new Stopper(async () =>
        {
            await node.StopAsync();
            await system.Terminate();
        });
    }

    /// <summary>The full HSS: SQLite store (a temporary file), <paramref name="ues"/> subscribers from 001010000000001.</summary>
    private static async Task<IAsyncDisposable> HssAsync(int port, int ues)
    {
        var db = Path.Combine(Path.GetTempPath(), $"akkadiameter-bench-{Environment.ProcessId}.db");
        var config = ConfigurationFactory.ParseString(NodeConfig(port, $$"""
            hss {
              database = "{{db}}"
              subscribers = [ { imsi = "001010000000001", count = {{ues}}, k = "465b5ce8b199b49faa5f0a2ee238a6bc",
                opc = "cd63cb71954a9f4e48a5994e37a02baf", msisdn = "5511900000001", apns = [ { name = "internet" }, { name = "ims", qci = 5 } ] } ]
            }
            """)).WithFallback(DiameterSettings.SystemDefaults);
        var system = ActorSystem.Create("hss", config);
        var hss = await HssNode.StartAsync(system, config);
        return new Stopper(async () =>
        {
            await hss.DisposeAsync();
            await system.Terminate();
            foreach (var f in new[] { db, db + "-wal", db + "-shm" }) File.Delete(f);
        });
    }

    /// <summary>
    /// freeDiameter 1.2.1 (Debian's freeDiameterd) answering ULR with ULA 2001 from <c>bench/freediameter/s6a_ula.c</c>
    /// (<paramref name="fdx"/>, built by bench/run): the same trivial handler as <c>node</c>, in C. Its configuration is
    /// written to a temporary directory with the self-signed certificate 1.2.1 insists on even without TLS peers, the
    /// TS 29.272 dictionary and <c>acl_wl</c> admitting the generator's <c>*.localdomain</c> peers.
    /// </summary>
    private static async Task<IAsyncDisposable> FreeDiameterAsync(int port, string fdx)
    {
        const string Extensions = "/usr/lib/freeDiameter";
        var dir = Directory.CreateTempSubdirectory("akkadiameter-bench-fd-").FullName;
        string P(string name) => Path.Combine(dir, name);
        await Run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", P("key.pem"), "-out", P("cert.pem"), "-days", "2", "-subj", $"/CN={Host}");
        await Run("openssl", "dhparam", "-out", P("dh.pem"), "1024");
        await File.WriteAllTextAsync(P("acl_wl.conf"), "ALLOW_IPSEC *.localdomain\n");
        await File.WriteAllTextAsync(P("freeDiameter.conf"), $"""
            Identity = "{Host}";
            Realm = "{Realm}";
            Port = {port};
            SecPort = 0;
            No_SCTP;
            No_IPv6;
            NoRelay;
            ListenOn = "127.0.0.1";
            TLS_Cred = "{P("cert.pem")}", "{P("key.pem")}";
            TLS_CA = "{P("cert.pem")}";
            TLS_DH_File = "{P("dh.pem")}";
            LoadExtension = "{Extensions}/acl_wl.fdx" : "{P("acl_wl.conf")}";
            LoadExtension = "{Extensions}/dict_nasreq.fdx";
            LoadExtension = "{Extensions}/dict_dcca.fdx";
            LoadExtension = "{Extensions}/dict_dcca_3gpp.fdx";
            LoadExtension = "{Path.GetFullPath(fdx)}";
            """);
        var daemon = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("freeDiameterd", ["-c", P("freeDiameter.conf")])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = dir,
        })!;
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var initialized = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Read(TextReader r) => _ = Task.Run(async () =>
        {
            while (await r.ReadLineAsync() is { } line)
            {
                log.Enqueue(line);
                if (line.Contains("daemon initialized")) initialized.TrySetResult();
            }
        });
        Read(daemon.StandardOutput);
        Read(daemon.StandardError);
        var exited = daemon.WaitForExitAsync();
        if (await Task.WhenAny(initialized.Task, exited, Task.Delay(TimeSpan.FromSeconds(30))) != initialized.Task)
        {
            if (!daemon.HasExited) daemon.Kill();
            throw new InvalidOperationException("freeDiameterd did not start:\n" + string.Join("\n", log));
        }
        return new Stopper(async () =>
        {
            // SIGTERM: freeDiameter sends DPR to its peers and exits.
            if (!daemon.HasExited) _ = Kill(daemon.Id, 15);
            if (await Task.WhenAny(exited, Task.Delay(TimeSpan.FromSeconds(10))) != exited) daemon.Kill();
            daemon.Dispose();
            Directory.Delete(dir, recursive: true);
        });

        static async Task Run(string file, params string[] args)
        {
            using var p = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(file, args)
            {
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            })!;
            var err = p.StandardError.ReadToEndAsync();
            await p.StandardOutput.ReadToEndAsync();
            await p.WaitForExitAsync();
            if (p.ExitCode != 0) throw new InvalidOperationException($"{file} {args[0]} failed ({p.ExitCode}): {await err}");
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill")]
    private static extern int Kill(int pid, int signal);
}
