package dev.autoscaler.bench;

import dev.autoscaler.bench.peers.PeerVectors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The bench's subcommands; {@code cli}'s {@code bench} group holds them. */
public final class BenchCli {
    private BenchCli() {}

    @Command(name = "verify-peers", mixinStandardHelpOptions = true,
            description = "Run the upstream HPA/KPA test vectors in DIR against our implementations.")
    public static final class VerifyPeers implements Callable<Integer> {
        @Option(names = "--vectors", required = true, description = "folder with hpa_replica_calculator.json, hpa_behavior.json, kpa_autoscaler.json")
        Path vectors;

        @Override
        public Integer call() throws Exception {
            if (!Files.isDirectory(vectors)) {
                System.err.println("autoscaler bench verify-peers: " + vectors + " is not a folder");
                return 2;
            }
            PeerVectors pv = new PeerVectors(System.out);
            if (!pv.runAll(vectors)) {
                System.err.println("autoscaler bench verify-peers: no vector files in " + vectors);
                return 2;
            }
            System.out.println(pv.passed() + " passed, " + pv.failed() + " failed");
            return pv.failed() == 0 ? 0 : 1;
        }
    }
}
