using AkkaDiameter.Cli;

// Before anything makes a socket: the setting is read once per process.
if (args is ["load", ..]) AkkaDiameter.Load.LoadRun.ReadSocketsInline();
return CommandLine.Run(args, Console.In, Console.Out, Console.Error);
