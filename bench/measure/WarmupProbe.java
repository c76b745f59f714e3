import dev.autoscaler.loadgen.LoadGenerator;
import dev.autoscaler.loadgen.RateShape;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The warm-up measurement of bench/README ("Measured on the real app"): a client kept warm in one JVM (as nginx is in
 * the pipeline) loads a fresh replica, then a warm one, and prints per second what each completed and its p95. Replicas
 * run with the executor's replica JVM flags. Run from the project root after a build:
 * <pre>java -cp "cli/target/autoscaler.jar:cli/target/lib/*" bench/measure/WarmupProbe.java RPS SECONDS PORT [REPEATS]</pre>
 */
public class WarmupProbe {
    static final String FLAGS = "-Xms16m -Xmx64m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k";

    static Process start(int port) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java")));
        cmd.addAll(List.of(FLAGS.split(" ")));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.autoscaler.app.AppMain"));
        var pb = new ProcessBuilder(cmd);
        pb.environment().putAll(Map.of("PORT", "" + port, "WORKERS", "4", "WORK_MS", "20", "REPLICA_ID", "probe-" + port));
        pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        Process p = pb.start();
        var http = HttpClient.newHttpClient();
        long t0 = System.nanoTime();
        while (true) {
            try {
                var req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health")).build();
                if (http.send(req, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) break;
            } catch (Exception e) {
                Thread.sleep(20);
            }
        }
        System.out.printf(Locale.ROOT, "replica on %d healthy after %.2f s%n", port, (System.nanoTime() - t0) / 1e9);
        return p;
    }

    static void load(String label, int port, double rps, double sec) throws Exception {
        var cfg = LoadGenerator.Config.bounded(URI.create("http://127.0.0.1:" + port + "/"), new RateShape.Constant(rps), sec);
        StringBuilder sb = new StringBuilder(label + " (second:completed/p95 ms):");
        long[] prev = {0};
        var r = new LoadGenerator(cfg).run(p -> {
            sb.append(String.format(Locale.ROOT, " %.0f:%d/%.0f", p.tSec(), p.ok() - prev[0], p.p95Ms()));
            prev[0] = p.ok();
        });
        System.out.println(sb);
        System.out.printf(Locale.ROOT, "%s: ok %d, failed %d, p95 %.1f ms%n", label, r.ok(), r.failed(), r.p95Ms());
    }

    public static void main(String[] a) throws Exception {
        double rps = Double.parseDouble(a[0]);
        double sec = Double.parseDouble(a[1]);
        int base = Integer.parseInt(a[2]);
        int repeats = a.length > 3 ? Integer.parseInt(a[3]) : 1;
        Process warm = start(base);
        try {
            load("client and replica warm-up, 150 rps", base, 150, 20);
            for (int rep = 1; rep <= repeats; rep++) {
                Process fresh = start(base + rep);
                try {
                    load("FRESH replica, " + rps + " rps", base + rep, rps, sec);
                } finally {
                    fresh.destroy();
                    fresh.waitFor();
                }
                Thread.sleep(3000);
                load("WARM replica, " + rps + " rps", base, rps, sec);
                Thread.sleep(3000);
            }
        } finally {
            warm.destroy();
            warm.waitFor();
        }
    }
}
