package dev.autoscaler.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;

/** {@code autoscaler bench ...}: benchmarks that print numbers. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks that print numbers.",
        subcommands = {dev.autoscaler.bench.BenchCli.Run.class, dev.autoscaler.bench.BenchCli.Replay.class, dev.autoscaler.bench.BenchCli.Frontier.class, dev.autoscaler.bench.BenchCli.Suite.class,
                dev.autoscaler.bench.BenchCli.Ablation.class, dev.autoscaler.bench.BenchCli.VerifyPeers.class,
                dev.autoscaler.bench.BenchCli.Decision.class, PipelineBenchCommand.class, FaultsCommand.class,
                dev.autoscaler.cli.scale.ScaleBenchCommand.class})
public final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(System.out);
        return 0;
    }
}
