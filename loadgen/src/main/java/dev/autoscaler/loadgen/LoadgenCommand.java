package dev.autoscaler.loadgen;

import dev.autoscaler.common.msg.Json;
import java.net.URI;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code autoscaler loadgen}: open-loop load against a loopback URL; {@code --json} prints one summary object. */
@Command(name = "loadgen", mixinStandardHelpOptions = true,
        description = "Open-loop load generator (constant, step, ramp, spike, sine, trace), bounded in count and time.")
public final class LoadgenCommand implements Callable<Integer> {
    @Option(names = "--url", defaultValue = "${env:LB_URL:-http://127.0.0.1:8080/}", description = "target URL (loopback only; default ${DEFAULT-VALUE})")
    URI url;

    @Option(names = "--pattern", defaultValue = "constant", description = "constant|step|ramp|spike|sine|trace (default ${DEFAULT-VALUE})")
    String pattern;

    @Option(names = "--rps", defaultValue = "50", description = "base rate (default ${DEFAULT-VALUE})")
    double rps;

    @Option(names = "--to-rps", defaultValue = "200", description = "step/ramp target rate, spike peak (default ${DEFAULT-VALUE})")
    double toRps;

    @Option(names = "--at", defaultValue = "10", description = "step/spike time in s (default ${DEFAULT-VALUE})")
    double at;

    @Option(names = "--length", defaultValue = "30", description = "spike length, ramp duration, sine period in s (default ${DEFAULT-VALUE})")
    double length;

    @Option(names = "--trace", description = "t_seconds,rps CSV for --pattern trace")
    Path trace;

    @Option(names = "--time-scale", defaultValue = "1", description = "trace: 0.1 plays 10x faster (default ${DEFAULT-VALUE})")
    double timeScale;

    @Option(names = "--rate-scale", defaultValue = "1", description = "trace: multiply every rate (default ${DEFAULT-VALUE})")
    double rateScale;

    @Option(names = "--duration", defaultValue = "60", description = "seconds, at most 3600 (default ${DEFAULT-VALUE})")
    double duration;

    @Option(names = "--max-requests", defaultValue = "1000000", description = "stop after this many (default ${DEFAULT-VALUE})")
    long maxRequests;

    @Option(names = "--max-inflight", defaultValue = "2000", description = "concurrency bound (default ${DEFAULT-VALUE})")
    int maxInFlight;

    @Option(names = "--timeout", defaultValue = "10", description = "per-request timeout in s (default ${DEFAULT-VALUE})")
    double timeout;

    @Option(names = "--poisson", description = "exponential inter-arrival times instead of even pacing")
    boolean poisson;

    @Option(names = "--seed", defaultValue = "1")
    long seed;

    @Option(names = "--json", description = "print one JSON summary on stdout")
    boolean json;

    @Option(names = "--quiet", description = "no progress lines")
    boolean quiet;

    public RateShape shape() throws Exception {
        return switch (pattern.toLowerCase(Locale.ROOT)) {
            case "constant" -> new RateShape.Constant(rps);
            case "step" -> new RateShape.Step(rps, toRps, at);
            case "ramp" -> new RateShape.Ramp(rps, toRps, length);
            case "spike" -> new RateShape.Spike(rps, toRps, at, length);
            case "sine" -> new RateShape.Sine(rps, toRps, length);
            case "trace" -> {
                if (trace == null) throw new IllegalArgumentException("--pattern trace needs --trace FILE");
                yield RateShape.Trace.read(trace, timeScale, rateScale);
            }
            default -> throw new IllegalArgumentException("unknown --pattern " + pattern + " (constant|step|ramp|spike|sine|trace)");
        };
    }

    @Override
    public Integer call() throws Exception {
        RateShape shape;
        try {
            if (duration <= 0 || duration > 3600) throw new IllegalArgumentException("--duration must be in (0, 3600]");
            if (maxInFlight < 1) throw new IllegalArgumentException("--max-inflight must be >= 1");
            shape = shape();
            if (shape instanceof RateShape.Trace tr && duration > tr.durationSec()) duration = tr.durationSec();
            LoadGenerator.requireLoopback(url);
        } catch (Exception e) {
            System.err.println("autoscaler loadgen: " + e.getMessage());
            return 2;
        }
        var gen = new LoadGenerator(new LoadGenerator.Config(url, shape, duration, maxRequests, maxInFlight, timeout, poisson, seed));
        Runtime.getRuntime().addShutdownHook(new Thread(gen::stop));
        LoadReport r = gen.run(quiet ? null : p -> System.err.printf(Locale.ROOT,
                "t=%5.1fs target=%7.1f rps sent=%d ok=%d failed=%d p95=%.1f ms%n", p.tSec(), p.targetRps(), p.sent(), p.ok(),
                p.failed(), p.p95Ms()));
        if (json) {
            System.out.println(Json.write(r));
        } else {
            System.out.printf(Locale.ROOT, "sent %d, ok %d, failed %d (dropped %d) in %.1f s (%.1f rps); p50 %.1f ms, p95 %.1f ms, p99 %.1f ms, max %.1f ms%n",
                    r.sent(), r.ok(), r.failed(), r.dropped(), r.durationSec(), r.achievedRps(), r.p50Ms(), r.p95Ms(), r.p99Ms(), r.maxMs());
        }
        return 0;
    }
}
