using Xunit;

namespace AkkaDiameter.Interop.Tests;

/// <summary>
/// The third-party programs the interop suite runs, and the Debian package each comes from. A test that needs a
/// missing one is skipped with a message naming the package; <c>.ci/run</c> installs them all and fails the run if
/// any interop test was skipped.
/// </summary>
public static class ThirdParty
{
    public const string ExtensionDir = "/usr/lib/freeDiameter";

    public static readonly string? FreeDiameterd = FindExecutable("freeDiameterd");
    public static readonly string? Dumpcap = FindExecutable("dumpcap");
    public static readonly string? Tshark = FindExecutable("tshark");
    public static readonly string? Openssl = FindExecutable("openssl");

    /// <summary>Null when freeDiameter can run here; otherwise which package is missing.</summary>
    public static string? MissingForFreeDiameter() =>
        FreeDiameterd is null ? "Debian package 'freediameterd' (freeDiameterd not on PATH)"
        : new[] { "acl_wl", "dict_nasreq", "dict_dcca", "dict_dcca_3gpp", "dbg_msg_dumps" }
            .FirstOrDefault(e => !File.Exists(Path.Combine(ExtensionDir, e + ".fdx"))) is { } ext
            ? $"Debian package 'freediameter-extensions' ({ExtensionDir}/{ext}.fdx not found)"
        : Openssl is null ? "Debian package 'openssl' (needed for freeDiameter's certificate and DH parameters)"
        : MissingForCapture();

    /// <summary>Null when loopback traffic can be captured and dissected here; otherwise which package is missing.</summary>
    public static string? MissingForCapture() =>
        Tshark is null ? "Debian package 'tshark' (tshark not on PATH)"
        : Dumpcap is null ? "Debian package 'tshark' (its dependency wireshark-common provides dumpcap; not on PATH)"
        : null;

    private static string? FindExecutable(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/sbin", "/sbin"])
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);
}

/// <summary>A test against freeDiameter, with its traffic captured: skipped, naming the package, when one is missing.</summary>
public sealed class FreeDiameterFactAttribute : FactAttribute
{
    public FreeDiameterFactAttribute()
    {
        if (ThirdParty.MissingForFreeDiameter() is { } missing) Skip = $"interop: needs {missing}; .ci/run installs it";
    }
}

/// <summary>A test whose traffic is captured and checked by Wireshark's dissector: skipped, naming the package, when
/// tshark is missing.</summary>
public sealed class CapturedFactAttribute : FactAttribute
{
    public CapturedFactAttribute()
    {
        if (ThirdParty.MissingForCapture() is { } missing) Skip = $"interop: needs {missing}; .ci/run installs it";
    }
}

/// <summary>A theory against freeDiameter (typically: AkkaDiameter as initiator, then as responder).</summary>
public sealed class FreeDiameterTheoryAttribute : TheoryAttribute
{
    public FreeDiameterTheoryAttribute()
    {
        if (ThirdParty.MissingForFreeDiameter() is { } missing) Skip = $"interop: needs {missing}; .ci/run installs it";
    }
}
