using System.Net;
using System.Net.Sockets;

namespace AkkaDiameter.S6a.Tests;

/// <summary>A loopback port free at the moment of asking.</summary>
internal static class TestPorts
{
    public static int Free()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }
}
