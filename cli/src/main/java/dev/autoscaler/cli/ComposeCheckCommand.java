package dev.autoscaler.cli;

import com.fasterxml.jackson.databind.SerializationFeature;
import dev.autoscaler.common.msg.Json;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "compose-check", description = "Bring docker-compose.yml up with locally built images on free loopback ports, "
        + "drive a step load through lb, check the app's duplicates rise and fall and that down leaves nothing behind.")
final class ComposeCheckCommand implements Callable<Integer> {
    @Option(names = "--tag", defaultValue = "check", description = "tag of the images to build and run (default ${DEFAULT-VALUE})")
    String tag;

    @Option(names = "--no-build", description = "use images already built with this tag (docker/build-images.sh --from-host --tag TAG)")
    boolean noBuild;

    @Override
    public Integer call() throws Exception {
        Path root = Path.of(System.getProperty("autoscaler.home", "."));
        if (ComposeCheck.run(List.of("docker", "info"), Map.of(), 60).code() != 0) {
            System.err.println("compose-check: no Docker daemon answers (start dockerd, or set DOCKER_HOST)");
            return 1;
        }
        if (!noBuild) {
            // built FROM scratch out of this machine's files: the check needs no image registry
            var build = ComposeCheck.run(List.of("bash", root.resolve("docker/build-images.sh").toString(), "--from-host",
                    "--tag", tag), System.getenv(), 600);
            if (build.code() != 0) {
                System.err.println("compose-check: building the images failed:\n" + build.tail());
                return 1;
            }
        }
        ComposeCheck.Report r = new ComposeCheck(root, tag).run();
        System.out.println(Json.MAPPER.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(r.facts()));
        if (r.passed()) {
            System.out.println("compose-check: passed");
            return 0;
        }
        r.failures().forEach(f -> System.out.println("compose-check: FAILED: " + f));
        return 1;
    }
}
