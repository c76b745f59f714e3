package dev.autoscaler.it;

import dev.autoscaler.cli.local.Ports;
import dev.autoscaler.cli.local.Prerequisites;
import dev.autoscaler.cli.local.ProcessSupervisor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A real Prometheus server (the Debian binary) on a free 127.0.0.1 port, scraping {@code job} every second from the
 * given loopback ports; its data lives in a temporary directory that {@link #close} deletes. All three flags are
 * passed because the defaults listen on every interface and write under /var/lib.
 */
final class PrometheusProcess implements AutoCloseable {
    private final Path dir;
    private final ProcessSupervisor procs;
    private final int port;

    PrometheusProcess(String job, List<Integer> targetPorts) throws Exception {
        this(Ports.free(), Map.of(job, targetPorts.stream().map(p -> "127.0.0.1:" + p).toList()));
    }

    /** One scrape job per entry (job name → host:port addresses), listening on {@code port}. */
    PrometheusProcess(int port, Map<String, List<String>> jobs) throws Exception {
        String bin = Prerequisites.ensure(Map.of("prometheus", "prometheus")).get("prometheus");
        dir = Files.createTempDirectory("it-prometheus");
        procs = new ProcessSupervisor(dir.resolve("logs"));
        this.port = port;
        StringBuilder scrape = new StringBuilder();
        jobs.forEach((job, addresses) -> scrape.append("""
                  - job_name: '%s'
                    static_configs:
                      - targets: [%s]
                """.formatted(job, addresses.stream().map(a -> "'" + a + "'").collect(Collectors.joining(", ")))));
        // 1 s scrapes so that rate() over a few seconds has enough samples; the timeout may not exceed the interval
        Files.writeString(dir.resolve("prometheus.yml"), """
                global:
                  scrape_interval: 1s
                  scrape_timeout: 1s
                  evaluation_interval: 1s
                scrape_configs:
                """ + scrape);
        procs.start("prometheus", List.of(bin, "--config.file=" + dir.resolve("prometheus.yml"),
                "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + port), Map.of());
        awaitReady(20);
    }

    private void awaitReady(double seconds) throws Exception {
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        while (System.nanoTime() < deadline) {
            Process p = procs.get("prometheus");
            if (p == null || !p.isAlive()) throw new IllegalStateException("prometheus exited; see " + procs.logFile("prometheus"));
            try {
                if (Http.get(url() + "/-/ready").statusCode() == 200) return;
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("prometheus not ready within " + seconds + " s; see " + procs.logFile("prometheus"));
    }

    String url() {
        return "http://127.0.0.1:" + port;
    }

    @Override
    public void close() throws IOException {
        procs.close();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
