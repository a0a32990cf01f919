using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(AkkaDiameter.Benchmarks.CodecBenchmarks).Assembly).Run(args);
