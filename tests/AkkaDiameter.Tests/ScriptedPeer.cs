using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using AkkaDiameter.Protocol;

namespace AkkaDiameter.Tests;

/// <summary>A hand-driven Diameter peer over a plain loopback socket: the test decides every byte it sends and
/// reads every message the node sends. Used where a well-behaved AkkaDiameter node cannot play the part (a peer
/// that stops answering, closes abruptly, or sends garbage).</summary>
public sealed class ScriptedPeer : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private readonly TcpListener? _listener;
    private Socket? _socket;

    private ScriptedPeer(TcpListener? listener, Socket? socket) { _listener = listener; _socket = socket; }

    public int Port => ((IPEndPoint)_listener!.LocalEndpoint).Port;

    public static ScriptedPeer Listen(int port = 0)
    {
        var l = new TcpListener(IPAddress.Loopback, port);
        l.Start();
        return new ScriptedPeer(l, null);
    }

    public static async Task<ScriptedPeer> ConnectAsync(int port)
    {
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var cts = new CancellationTokenSource(Timeout);
        await s.ConnectAsync(IPAddress.Loopback, port, cts.Token);
        return new ScriptedPeer(null, s);
    }

    public async Task AcceptAsync()
    {
        using var cts = new CancellationTokenSource(Timeout);
        _socket = await _listener!.AcceptSocketAsync(cts.Token);
        _socket.NoDelay = true;
    }

    public async Task SendAsync(DiameterMessage message) => await SendRawAsync(message.Encode());

    public async Task SendRawAsync(byte[] bytes)
    {
        using var cts = new CancellationTokenSource(Timeout);
        await _socket!.SendAsync(bytes, SocketFlags.None, cts.Token);
    }

    /// <summary>The next message, or null when the node closed the connection.</summary>
    public async Task<DiameterMessage?> ReceiveAsync()
    {
        var header = new byte[20];
        if (!await ReadExactlyAsync(header)) return null;
        var length = (int)(BinaryPrimitives.ReadUInt32BigEndian(header) & 0xFF_FFFF);
        var frame = new byte[length];
        header.CopyTo(frame, 0);
        if (!await ReadExactlyAsync(frame.AsMemory(20))) return null;
        return DiameterMessage.Decode(frame);
    }

    /// <summary>Reads until a message of the given command and direction arrives, answering DWRs on the way.</summary>
    public async Task<DiameterMessage> ExpectAsync(uint commandCode, bool request, bool answerDwr = true)
    {
        while (true)
        {
            var m = await ReceiveAsync() ?? throw new InvalidOperationException($"connection closed while waiting for {commandCode}");
            if (m.CommandCode == commandCode && m.IsRequest == request) return m;
            if (answerDwr && m.CommandCode == 280 && m.IsRequest) await SendAsync(Answer(m, "scripted.localdomain"));
        }
    }

    /// <summary>True when the node closes the connection before <see cref="Timeout"/>; messages on the way are skipped.</summary>
    public async Task<bool> ClosedByNodeAsync()
    {
        while (await ReceiveAsync() is not null) { }
        return true;
    }

    public static DiameterMessage Answer(DiameterMessage request, string host, uint resultCode = ResultCodes.Success) =>
        request.CreateAnswer().Add("Result-Code", resultCode).Add("Origin-Host", host).Add("Origin-Realm", TestNodes.Realm);

    public static DiameterMessage Cea(DiameterMessage cer, string host, uint resultCode = ResultCodes.Success) =>
        Answer(cer, host, resultCode).Add("Host-IP-Address", IPAddress.Loopback).Add("Vendor-Id", 0u).Add("Product-Name", "scripted")
            .AddGroup("Vendor-Specific-Application-Id", g => g.Add("Vendor-Id", 10415u).Add("Auth-Application-Id", 16777251u));

    public static DiameterMessage Cer(string host, uint applicationId = 16777251) =>
        DiameterMessage.CreateRequest("CER").Add("Origin-Host", host).Add("Origin-Realm", TestNodes.Realm)
            .Add("Host-IP-Address", IPAddress.Loopback).Add("Vendor-Id", 0u).Add("Product-Name", "scripted")
            .AddGroup("Vendor-Specific-Application-Id", g => g.Add("Vendor-Id", 10415u).Add("Auth-Application-Id", applicationId));

    /// <summary>A DWR from <paramref name="host"/> with the given Hop-by-Hop Identifier.</summary>
    public static DiameterMessage Dwr(string host, uint hopByHop = 0)
    {
        var dwr = DiameterMessage.CreateRequest("DWR").Add("Origin-Host", host).Add("Origin-Realm", TestNodes.Realm);
        dwr.HopByHopId = hopByHop;
        return dwr;
    }

    /// <summary>A ULR from <paramref name="host"/> (NO_STATE_MAINTAINED, every AVP TS 29.272 requires) with the given
    /// Hop-by-Hop Identifier, for the user <paramref name="imsi"/>.</summary>
    public static DiameterMessage Ulr(string host, uint hopByHop, string imsi = "001010000000001")
    {
        var ulr = DiameterMessage.CreateRequest("ULR").Add("Session-Id", $"{host};1;{hopByHop}").Add("Auth-Session-State", "NO_STATE_MAINTAINED")
            .Add("Origin-Host", host).Add("Origin-Realm", TestNodes.Realm).Add("Destination-Realm", TestNodes.Realm)
            .Add("User-Name", imsi).Add("RAT-Type", "EUTRAN").Add("ULR-Flags", 34u).Add("Visited-PLMN-Id", new byte[] { 0x00, 0xF1, 0x10 });
        ulr.HopByHopId = hopByHop;
        ulr.EndToEndId = hopByHop;
        return ulr;
    }

    /// <summary>A DPR from <paramref name="host"/> with Disconnect-Cause REBOOTING (0).</summary>
    public static DiameterMessage Dpr(string host) =>
        DiameterMessage.CreateRequest("DPR").Add("Origin-Host", host).Add("Origin-Realm", TestNodes.Realm).Add("Disconnect-Cause", 0);

    /// <summary>Closes the sending side with a FIN (the node reads the end of the stream); reading goes on.</summary>
    public void CloseSend() => _socket!.Shutdown(SocketShutdown.Send);

    /// <summary>Closes with RST, not FIN: an abrupt loss of the connection.</summary>
    public void Abort()
    {
        _socket?.Close(0);
        _socket = null;
    }

    private async Task<bool> ReadExactlyAsync(Memory<byte> buffer)
    {
        using var cts = new CancellationTokenSource(Timeout);
        var read = 0;
        while (read < buffer.Length)
        {
            int n;
            try { n = await _socket!.ReceiveAsync(buffer[read..], SocketFlags.None, cts.Token); }
            catch (SocketException) { return false; }
            if (n == 0) return false;
            read += n;
        }
        return true;
    }

    public ValueTask DisposeAsync()
    {
        _socket?.Dispose();
        _listener?.Stop();
        return ValueTask.CompletedTask;
    }
}
