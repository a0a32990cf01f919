using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace AkkaDiameter.TestSupport;

/// <summary>Ports and processes for tests on loopback.</summary>
public static class Loopback
{
    /// <summary>A port nobody listens on now (bound to 0, read, released): tests choose their ports at run time.</summary>
    public static int FreePort()
    {
        // Once a probe listener is closed the kernel may give the same port to the next probe: seen in CI, where an
        // interop test's node and freeDiameter got one port and freeDiameter could not listen. A port handed out
        // once in this process is not handed out again.
        for (var attempt = 0; attempt < 1000; attempt++)
        {
            var l = new TcpListener(IPAddress.Loopback, 0);
            l.Start();
            var port = ((IPEndPoint)l.LocalEndpoint).Port;
            l.Stop();
            lock (HandedOut)
                if (HandedOut.Add(port)) return port;
        }
        throw new InvalidOperationException("no free loopback port that was not handed out before");
    }

    private static readonly HashSet<int> HandedOut = [];

    /// <summary>SIGTERM (15), as an operator's stop sends it.</summary>
    public const int SigTerm = 15;

    /// <summary>Sends a signal to a process straight through libc: no dependency on a kill binary being installed.</summary>
    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static extern int SendSignal(int pid, int signal);
}
