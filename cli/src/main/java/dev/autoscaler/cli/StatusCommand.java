package dev.autoscaler.cli;

import dev.autoscaler.common.bus.RedisBus;
import dev.autoscaler.common.config.ConfigException;
import dev.autoscaler.common.config.Env;
import dev.autoscaler.common.config.RedisSettings;
import dev.autoscaler.common.msg.Json;
import dev.autoscaler.common.msg.Plan;
import dev.autoscaler.common.status.ServiceInfo;
import dev.autoscaler.common.status.StatusReader;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintStream;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code autoscaler status [--json]}: per target, mode, desired and ready replicas, last window, last decision; then the
 * services that keep a heartbeat.
 */
@Command(name = "status", mixinStandardHelpOptions = true, description = "Show each target's mode, replicas, last window and last decision, and the running services.")
public final class StatusCommand implements Callable<Integer> {
    @Option(names = "--json", description = "one JSON object: {\"targets\":[...],\"services\":[...]}")
    boolean json;

    @Option(names = "--redis", description = "Redis URL (default: REDIS_URL, else REDIS_HOST/REDIS_PORT, else the running demo's)")
    String redis;

    @Override
    public Integer call() {
        Map<String, String> env = new HashMap<>(System.getenv());
        if (redis != null) env.put("REDIS_URL", redis);
        else if (!env.containsKey("REDIS_URL") && !env.containsKey("REDIS_HOST")) {
            DemoCommand.runningDemoRedis().ifPresent(u -> {
                env.put("REDIS_URL", u);
                // the demo's Redis has ACLs (and TLS with --tls): read it as its admin user, with what the demo left for this
                if (!env.containsKey("REDIS_USER")) env.putAll(LocalStack.operatorEnv(DemoCommand.RUN_DIR));
            });
        }
        RedisSettings rs;
        try {
            rs = RedisSettings.from(new Env(env));
        } catch (ConfigException e) {
            System.err.println("autoscaler status: " + e.getMessage());
            return 2;
        }
        List<StatusReader.TargetStatus> rows;
        List<ServiceInfo> services;
        try (RedisBus bus = new RedisBus(rs, new SimpleMeterRegistry(), false)) {
            rows = StatusReader.read(bus);
            services = StatusReader.services(bus);
        } catch (RuntimeException e) {
            System.err.println("autoscaler status: cannot read " + rs.safeUrl() + ": " + e.getMessage());
            return 1;
        }
        if (json) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("targets", rows);
            out.put("services", services);
            System.out.println(Json.write(out));
        } else {
            print(rows, System.out);
            printServices(services, System.out);
        }
        return 0;
    }

    /** The last LLM advice and whether it was applied: "llm advice (gemini ...): scale_up -> 6 at 0.80, applied: ...". */
    static String adviceLine(dev.autoscaler.common.msg.Plan.Advice a) {
        String status = a.rejection() == null ? a.status() : a.status() + " (" + a.rejection() + ")";
        return String.format(Locale.ROOT, "llm advice (%s %s, %s role): %s -> %s at confidence %.2f, %s: %s", a.provider(), a.model(),
                a.role(), a.action(), a.targetReplicas(), a.confidence() == null ? 0.5 : a.confidence(), status,
                a.reasoning() == null ? "" : a.reasoning());
    }

    static void print(List<StatusReader.TargetStatus> rows, PrintStream out) {
        if (rows.isEmpty()) {
            out.println("no targets yet (is the planner running?)");
            return;
        }
        out.printf(Locale.ROOT, "%-12s %-8s %7s %5s %9s %8s  %s%n", "TARGET", "MODE", "DESIRED", "READY", "P95_MS", "RPS", "LAST DECISION");
        for (var r : rows) {
            String dec = r.lastDecision() == null ? "-" : r.lastDecision().action() + " -> " + r.lastDecision().targetReplicas()
                    + ": " + r.lastDecision().reason();
            out.printf(Locale.ROOT, "%-12s %-8s %7s %5d %9s %8s  %s%n", r.target(), r.mode(), r.desired() == null ? "-" : r.desired(),
                    r.ready(), r.p95Ms() == null ? "-" : String.format(Locale.ROOT, "%.1f", r.p95Ms()),
                    r.rps() == null ? "-" : String.format(Locale.ROOT, "%.1f", r.rps()), dec);
            // the planners share the targets out: which one decided this target's last window
            if (r.planner() != null && !r.planner().isEmpty()) out.println("             planner " + r.planner());
            if (r.lastAdvice() != null) out.println("             " + adviceLine(r.lastAdvice()));
            if (r.shadow() != null && r.windowTs() != null) out.println("             " + shadowLine(r.shadow(), r.windowTs()));
            // the executor could not do what was asked (an HPA on the Deployment, no base container): say why
            if (r.lastResult() != null && "error".equals(r.lastResult().result().status())) {
                out.println("             executor " + r.lastResult().result().status() + ": " + r.lastResult().result().message());
            }
        }
    }

    /**
     * Our totals beside what HPA and KPA would have held on the same windows since the shadows started, ending with
     * the planner's own words on what is estimated and assumed.
     */
    static String shadowLine(Plan.Shadow s, double nowTs) {
        String since = s.sinceTs() == null ? "" : " over " + age(Math.max(0, nowTs - s.sinceTs()));
        return "shadow" + since + ": " + peer("ours", s.ours()) + "; " + peer("hpa", s.hpa()) + "; " + peer("kpa", s.kpa())
                + " (" + (s.basis() != null ? s.basis() : "estimates") + ")";
    }

    private static String peer(String name, Plan.Peer p) {
        if (p == null) return name + " -";
        return String.format(Locale.ROOT, "%s %d now, %.0f replica-s, %.0f s over", name, p.replicas(), p.replicaS(), p.estViolationS());
    }

    /** After the targets: which services run, where their /health is, and for how long. */
    static void printServices(List<ServiceInfo> services, PrintStream out) {
        out.println();
        if (services.isEmpty()) {
            out.println("no services with a heartbeat (none running, or all older than this version)");
            return;
        }
        out.printf(Locale.ROOT, "%-10s %-28s %-28s %s%n", "SERVICE", "INSTANCE", "OPS URL", "AGE");
        for (ServiceInfo s : services) {
            // a service with a lease says whether it acts or stands by (and for whom)
            String role = s.roleText() == null ? "" : "  " + s.roleText();
            out.printf(Locale.ROOT, "%-10s %-28s %-28s %s%s%n", s.name(), s.instance(), s.opsUrl(), age(s.ageSec()), role);
        }
    }

    /** 42s, 7m05s, 3h04m, 2d05h: short enough for a column, exact enough to spot a restart. */
    static String age(double sec) {
        long s = (long) sec;
        if (s < 60) return s + "s";
        if (s < 3600) return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        if (s < 86400) return String.format(Locale.ROOT, "%dh%02dm", s / 3600, s % 3600 / 60);
        return String.format(Locale.ROOT, "%dd%02dh", s / 86400, s % 86400 / 3600);
    }
}
