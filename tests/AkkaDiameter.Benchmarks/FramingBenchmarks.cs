using Akka.Actor;
using Akka.IO;
using Akka.Streams;
using Akka.Streams.Dsl;
using AkkaDiameter.Protocol;
using AkkaDiameter.Protocol.Dictionary;
using AkkaDiameter.Transport;
using BenchmarkDotNet.Attributes;

namespace AkkaDiameter.Benchmarks;

/// <summary>
/// The inbound framing stage on 10,000 ULRs (the Erlang capture, 448 bytes) arriving in 4 KiB TCP-sized chunks that
/// cut messages anywhere. Baseline: Akka.Streams' own <c>Framing.LengthField</c> cutting the same bytes without
/// decoding them; the Diameter stage also checks the length rules and decodes every message.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(warmupCount: 3, iterationCount: 10)]
public class FramingBenchmarks
{
    private const int Messages = 10_000;
    private ActorSystem _system = null!;
    private IMaterializer _materializer = null!;
    private List<ByteString> _chunks = [];
    private List<ReadOnlyMemory<byte>> _reads = [];   // the same chunks, as the socket stage hands them on

    [GlobalSetup]
    public void Setup()
    {
        _system = ActorSystem.Create("framing-bench", "akka.loglevel = WARNING");
        _materializer = _system.Materializer();
        var ulr = CodecBenchmarks.LoadUlr();
        var all = Enumerable.Range(0, Messages).SelectMany(_ => ulr).ToArray();
        _chunks = all.Chunk(4096).Select(c => ByteString.FromBytes(c)).ToList();
        _reads = all.Chunk(4096).Select(c => (ReadOnlyMemory<byte>)c).ToList();
    }

    [GlobalCleanup]
    public void Cleanup() => _system.Terminate().Wait();

    [Benchmark(Baseline = true, OperationsPerInvoke = Messages, Description = "Framing.LengthField (cut only)")]
    public int AkkaLengthField() => Source.From(_chunks)
        .Via(Framing.LengthField(fieldLength: 3, fieldOffset: 1, maximumFrameLength: 1 << 20, byteOrder: ByteOrder.BigEndian,
            computeFrameSize: (_, n) => n))
        .RunWith(Sink.Aggregate<ByteString, int>(0, (n, _) => n + 1), _materializer).Result;

    [Benchmark(OperationsPerInvoke = Messages, Description = "DiameterFrameStage (cut + check + decode)")]
    public int DiameterFrames() => Source.From(_reads)
        .Via(new DiameterFrameStage(1 << 20, DiameterDictionary.Default))
        .RunWith(Sink.Aggregate<InboundFrames, int>(0, (n, read) => n + read.Frames.Count(f => f is InboundMessage ? true : throw new InvalidOperationException(f.ToString()))), _materializer).Result;
}
