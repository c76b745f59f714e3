package dev.autoscaler.executor;

import dev.autoscaler.common.bus.RedisBus;
import dev.autoscaler.common.msg.Channels;
import dev.autoscaler.common.msg.Plan;
import dev.autoscaler.common.msg.Upstreams;
import dev.autoscaler.common.ops.OpsServer;
import dev.autoscaler.common.service.Service;
import dev.autoscaler.common.service.ServiceContext;
import dev.autoscaler.executor.backend.ProcessBackend;
import dev.autoscaler.executor.backend.ReplicaBackend;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The executor service: one {@link Reconciler} per target, woken by every {@code plan} and every
 * {@code RECONCILE_SEC}. Reconciles of a target never overlap (one lane per target).
 */
public final class ReplicaExecutor implements Service {
    private static final Logger log = LoggerFactory.getLogger(ReplicaExecutor.class);

    private final RedisBus bus;
    private final ExecutorSettings settings;
    private final Map<String, Reconciler> reconcilers = new LinkedHashMap<>();
    private final Map<String, ScheduledExecutorService> lanes = new ConcurrentHashMap<>();
    private final Map<String, Set<String>> upstreams = new ConcurrentHashMap<>();
    private final AtomicLong reconciles = new AtomicLong();
    private volatile String lastError = "";

    public ReplicaExecutor(ServiceContext ctx) {
        this.settings = ExecutorSettings.from(ctx.env());
        this.bus = ctx.bus();
        String scope = ReplicaScope.of(ctx.redisSettings());
        List<String> command = settings.appCommand().isEmpty()
                ? ProcessBackend.defaultAppCommand(settings.appJavaOpts()) : settings.appCommand();
        for (String target : settings.targets()) {
            ReplicaBackend backend = new ProcessBackend(scope, command, Map.of(), settings.portBase(), settings.logDir(),
                    () -> usedPorts());
            reconcilers.put(target, new Reconciler(target, settings, backend, bus, upstreams));
        }
        bus.subscribe(Channels.UPSTREAMS, Upstreams.class, u -> upstreams.put(u.target(), new HashSet<>(u.servers())));
        for (Map.Entry<String, Reconciler> e : reconcilers.entrySet()) {
            String target = e.getKey();
            var lane = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("reconcile-" + target).daemon().factory());
            lanes.put(target, lane);
            lane.execute(() -> e.getValue().adopt());
            long period = (long) (settings.reconcileSec() * 1000);
            lane.scheduleWithFixedDelay(() -> run(target, null), period, period, TimeUnit.MILLISECONDS);
        }
        bus.subscribe(Channels.ACTIONS, Plan.class, this::onPlan);
        log.info("executor: backend {}, targets {}, replicas {}..{}", settings.backend(), settings.targets(),
                settings.minReplicas(), settings.maxReplicas());
    }

    private Set<Integer> usedPorts() {
        Set<Integer> ports = new HashSet<>();
        for (Reconciler r : reconcilers.values()) {
            r.readRegistry().values().forEach(rec -> {
                String a = rec.address();
                ports.add(Integer.parseInt(a.substring(a.lastIndexOf(':') + 1)));
            });
        }
        return ports;
    }

    private void onPlan(Plan p) {
        if (!p.isPlan()) return;
        String target = p.decision().target();
        if (!lanes.containsKey(target)) return;
        lanes.get(target).execute(() -> run(target, p));
    }

    private void run(String target, Plan plan) {
        Reconciler r = reconcilers.get(target);
        try {
            Reconciler.Outcome o = r.reconcile();
            reconciles.incrementAndGet();
            if (plan != null) {
                String status = "enforce".equals(plan.decision().mode()) || plan.decision().mode() == null ? o.status() : "skipped";
                String msg = "skipped".equals(status) ? "advise mode: nothing applied" : o.message();
                r.publishResult(plan.id(), plan.decision().action().name(), plan.decision().reason(),
                        new Reconciler.Outcome(o.before(), o.after(), status, msg));
            } else if (!"noop".equals(o.status())) {
                String planId = bus.redis().hget(bus.keys().desired(target), "plan_id");
                r.publishResult(planId, "reconcile", "level-triggered reconcile to desired state", o);
            }
        } catch (RuntimeException e) {
            lastError = e.getMessage();
            log.error("{}: reconcile failed", target, e);
        }
    }

    @Override
    public OpsServer.Health health() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("backend", settings.backend());
        d.put("reconciles", reconciles.get());
        d.put("last_error", lastError);
        return new OpsServer.Health(true, d);
    }

    /** Leaves replicas running: a restarted executor adopts them. */
    @Override
    public void close() {
        lanes.values().forEach(l -> l.shutdownNow());
    }
}
