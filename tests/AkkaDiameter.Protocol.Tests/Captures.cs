namespace AkkaDiameter.Protocol.Tests;

/// <summary>The real frames of shared/reference/captures (copied to TestData/captures; see its README for how
/// each was captured): freeDiameter 1.2.1, Erlang/OTP diameter 2.2.7 and bromelia.</summary>
public static class Captures
{
    public sealed record Frame(string Producer, string Label, byte[] Bytes)
    {
        public override string ToString() => $"{Producer} {Label}";
    }

    public static IReadOnlyList<Frame> All { get; } = Load();

    public static IEnumerable<object[]> AllData() => All.Select((f, i) => new object[] { f.Producer, f.Label, i });

    public static Frame Get(string producer, string label) => All.First(f => f.Producer == producer && f.Label == label);

    private static List<Frame> Load()
    {
        var dir = Path.Combine(AppContext.BaseDirectory, "TestData", "captures");
        var frames = new List<Frame>();
        foreach (var file in Directory.GetFiles(dir, "*.hex").Order())
        {
            var producer = Path.GetFileNameWithoutExtension(file);
            foreach (var line in File.ReadAllLines(file).Where(l => l.Contains('\t')))
            {
                var parts = line.Split('\t');
                frames.Add(new Frame(producer, parts[0], Convert.FromHexString(parts[1].Trim())));
            }
        }
        return frames;
    }
}
