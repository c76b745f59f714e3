package dev.autoscaler.planner;

import dev.autoscaler.common.bus.Keys;
import dev.autoscaler.common.bus.RedisBus;
import dev.autoscaler.common.msg.Channels;
import dev.autoscaler.common.msg.Json;
import dev.autoscaler.common.msg.LatencyMetrics;
import dev.autoscaler.common.msg.Plan;
import dev.autoscaler.common.ops.OpsServer;
import dev.autoscaler.common.service.Service;
import dev.autoscaler.common.service.ServiceContext;
import dev.autoscaler.planner.policy.PolicyConfig;
import dev.autoscaler.planner.policy.PolicyDecision;
import dev.autoscaler.planner.policy.PolicyState;
import dev.autoscaler.planner.policy.ScalingPolicy;
import dev.autoscaler.planner.policy.Window;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The I/O around {@link ScalingPolicy}: one decision per {@code latency_metrics} window per target. Publishes
 * {@code plan} on {@code actions}; in enforce mode writes {@code desired:{target}} (what the executor reconciles
 * to); keeps the policy state in {@code planner:{target}} so a restart continues where it left off.
 * The LLM advisor (a later issue) plugs in after the policy and before the guardrails below.
 */
public final class PlannerService implements Service {
    private static final Logger log = LoggerFactory.getLogger(PlannerService.class);

    private final RedisBus bus;
    private final Keys keys;
    private final PolicyConfig baseConfig;
    private final String defaultMode;
    private final Map<String, PolicyState> states = new ConcurrentHashMap<>();
    private final AtomicLong windows = new AtomicLong();
    private final AtomicLong ignored = new AtomicLong();
    private final MeterRegistry meters;
    private final Timer decisionTimer;
    private volatile double lastDecisionTs;

    public PlannerService(ServiceContext ctx) {
        this.baseConfig = PolicyConfig.from(ctx.env());
        this.defaultMode = ctx.env().oneOf("PLANNER_MODE", "enforce", "enforce", "advise", "off");
        this.meters = ctx.meters();
        this.decisionTimer = Timer.builder("autoscaler_planner_decision_seconds").publishPercentiles(0.5, 0.99).register(meters);
        this.bus = ctx.bus();
        this.keys = bus.keys();
        bus.subscribe(Channels.ALERTS, LatencyMetrics.class, this::onWindow);
        log.info("planner: mode {}, {} mode, replicas {}..{}", defaultMode,
                baseConfig.sloP95Ms() != null ? "SLO " + baseConfig.sloP95Ms() + " ms" : "baseline", baseConfig.minReplicas(),
                baseConfig.maxReplicas());
    }

    void onWindow(LatencyMetrics m) {
        if (!m.isLatencyMetrics()) {
            ignored.incrementAndGet();
            return;
        }
        long t0 = System.nanoTime();
        String target = m.target();
        var redis = bus.redis();
        TargetOverrides o = TargetOverrides.parse(target, redis.hgetall(keys.targetSettings(target)));
        String mode = o.mode() != null ? o.mode() : defaultMode;
        PolicyConfig cfg = o.apply(baseConfig);
        PolicyState state = states.computeIfAbsent(target, this::loadState);

        boolean enforce = "enforce".equals(mode);
        int current = m.replicas();
        if (enforce) {
            String d = redis.hget(keys.desired(target), "replicas");
            if (d != null) {
                try {
                    current = Integer.parseInt(d);
                } catch (NumberFormatException e) {
                    log.warn("desired:{} replicas={} is not a number; using the ready count", target, d);
                }
            }
        }
        double now = System.currentTimeMillis() / 1000.0;
        PolicyDecision.Result r = new ScalingPolicy(cfg).decide(state, Window.of(m, current), now);
        PolicyDecision dec = r.decision();
        states.put(target, r.state());
        redis.set(keys.plannerState(target), Json.write(r.state()));
        redis.sadd(keys.targetsSet(), target);
        windows.incrementAndGet();
        lastDecisionTs = now;

        if ("off".equals(mode)) {
            writeLast(target, m, null, mode);
            return;
        }
        String id = UUID.randomUUID().toString();
        var n = dec.numbers();
        Plan plan = new Plan(Plan.KIND, now, id, target, target,
                new Plan.Decision(dec.action(), target, dec.targetReplicas(), dec.reason(), dec.confidence(), dec.source(), mode),
                new Plan.Telemetry(n.p95Ms(), n.baselineMs(), n.sigmaMs(), n.lowWindows(), n.readyReplicas(), n.rps(),
                        n.capacityRps(), n.thresholdMs(), n.forecastRps(), n.recommendedReplicas(), n.thresholdSource(), n.loadRps(),
                        n.loadSource(), n.perReplicaRps(), n.rateBasis(), n.currentReplicas(), n.guardrail()));
        if (enforce && (dec.action() != Plan.Action.noop || !redis.exists(keys.desired(target)).equals(1L))) {
            redis.hset(keys.desired(target), Map.of("replicas", String.valueOf(dec.targetReplicas()), "plan_id", id,
                    "ts", String.valueOf(now)));
        }
        bus.publish(Channels.ACTIONS, plan);
        writeLast(target, m, plan, mode);
        if (dec.action() != Plan.Action.noop) {
            log.info("{} {}: {} -> {} ({})", target, dec.action(), n.currentReplicas(), dec.targetReplicas(), dec.reason());
            bus.appendCapped(keys.eventsStream(), Map.of("type", "plan", "target", target, "json", Json.write(plan)), 10_000);
        }
        meters.counter("autoscaler_planner_decisions", "target", target, "action", dec.action().name()).increment();
        decisionTimer.record(System.nanoTime() - t0, java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    private void writeLast(String target, LatencyMetrics m, Plan plan, String mode) {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("window", Json.write(m));
        h.put("mode", mode);
        if (plan != null) h.put("plan", Json.write(plan));
        bus.redis().hset(keys.last(target), h);
    }

    private PolicyState loadState(String target) {
        String json = bus.redis().get(keys.plannerState(target));
        if (json == null) return PolicyState.initial();
        try {
            PolicyState s = Json.read(json, PolicyState.class);
            log.info("{}: resumed planner state ({} healthy windows, capacity {})", target, s.healthy().size(), s.rates().capacityRps());
            return s;
        } catch (Json.MalformedMessageException e) {
            log.warn("{}: stored planner state unreadable ({}); starting fresh", target, e.getMessage());
            return PolicyState.initial();
        }
    }

    @Override
    public OpsServer.Health health() {
        return new OpsServer.Health(true, Map.of("windows", windows.get(), "ignored", ignored.get(),
                "last_decision_ts", lastDecisionTs, "targets", states.keySet()));
    }

    @Override
    public void close() {
        // nothing to flush: state is written after every decision
    }
}
