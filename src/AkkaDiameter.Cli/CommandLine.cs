namespace AkkaDiameter.Cli;

/// <summary>Entry point of <c>akka-diameter</c>: picks the subcommand. Exit codes: 0 success, 1 usage or input
/// error, 2 a malformed Diameter message.</summary>
public static class CommandLine
{
    /// <summary>Exit code for success.</summary>
    public const int Ok = 0;
    /// <summary>Exit code for a usage or input error (unknown option, missing file, text that is not hex).</summary>
    public const int UsageError = 1;
    /// <summary>Exit code for a malformed message.</summary>
    public const int Malformed = 2;

    private const string Usage = """
        usage: akka-diameter <command> [options]

        commands:
          decode [HEX...]       decode Diameter messages given as hex (arguments, or stdin one per line;
                                a line "LABEL<TAB>HEX" is read too) and print each as a tree
              --file PATH       read raw bytes instead: one or more messages back to back
              --json            print one JSON object per message instead of the tree
              --reencode        print each message encoded again, as hex, instead of the tree
              --dictionary FILE load an extra dictionary file (repeatable); see the README
          node CONFIG.conf      run a Diameter node from a HOCON file (akka.diameter): listen, connect,
                                answer CER/DWR/DPR; SIGINT/SIGTERM sends DPR (REBOOTING) and exits 0
          hss CONFIG.conf       run the S6a HSS of a HOCON file (akka.diameter, akka.diameter.hss) until
                                SIGINT/SIGTERM, then DPR and exit 0
          hss provision CONFIG.conf --imsi IMSI [--count N] --k K --opc OPC [--amf AMF] [--sqn SQN]
                                [--msisdn MSISDN] [--apn NAME]...
                                add or change subscribers in its database (the options are the whole
                                profile); a running HSS sends the serving MME the IDR/DSR/CLR it owes
          hss list CONFIG.conf  list the subscribers, their SQN and serving MME
          mme CONFIG.conf --imsi IMSI [--count N] [--procedure attach|air|ulr|pur|notify]
                                an MME (akka.diameter, akka.diameter.mme): connect, run the procedure for
                                N consecutive IMSIs (attach = AIR then ULR), one line per answer, DPR;
                                exit 0 only if every answer was a success, 3 otherwise
          load --target IP:PORT --origin-host NAME --origin-realm REALM --destination-realm REALM ...
                                S6a load against any server: N peers, K outstanding or --rate RPS open loop,
                                ulr|attach|mixed; progress per second, report, --json, --report FILE.html;
                                `akka-diameter load` alone lists every option
          demo                  an HSS and two MMEs on loopback: attach (AIR, ULR), a UE moving to the
                                second MME (CLR), a changed subscription (IDR), purge (PUR), DPR; prints
                                every message and the peer states
          help                  this text

        exit codes: 0 success, 1 usage, input or configuration error (the key at fault is named),
                    2 a decoded message is malformed (its Result-Code name, number and reason on stderr),
                    3 mme: an answer was not a success, or no peer opened; load: a request got no answer
        """;

    /// <summary>Runs the tool with the given streams; returns the exit code.</summary>
    public static int Run(string[] args, TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        if (args.Length == 0 || args[0] is "help" or "--help" or "-h")
        {
            (args.Length == 0 ? stderr : stdout).WriteLine(Usage);
            return args.Length == 0 ? UsageError : Ok;
        }
        switch (args[0])
        {
            case "decode":
                return DecodeCommand.Run(args[1..], stdin, stdout, stderr);
            case "node":
                return NodeCommand.Run(args[1..], stdout, stderr);
            case "hss":
                return HssCommand.Run(args[1..], stdout, stderr);
            case "mme":
                return MmeCommand.Run(args[1..], stdout, stderr);
            case "load":
                return LoadCommand.Run(args[1..], stdout, stderr);
            case "demo":
                return DemoCommand.Run(stdout, stderr);
            default:
                stderr.WriteLine($"akka-diameter: unknown command '{args[0]}'");
                stderr.WriteLine(Usage);
                return UsageError;
        }
    }
}
