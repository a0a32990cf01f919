using BenchmarkDotNet.Running;

if (args is ["sessions-memory", var count])
    return await AkkaDiameter.Benchmarks.SessionMemory.RunAsync(int.Parse(count));

BenchmarkSwitcher.FromAssembly(typeof(AkkaDiameter.Benchmarks.CodecBenchmarks).Assembly).Run(args);
return 0;
