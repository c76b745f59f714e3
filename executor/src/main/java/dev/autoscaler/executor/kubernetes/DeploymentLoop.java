package dev.autoscaler.executor.kubernetes;

import dev.autoscaler.executor.backend.Outcome;
import dev.autoscaler.common.kube.KubeLease;
import dev.autoscaler.common.bus.DesiredReplicas;
import dev.autoscaler.common.bus.Keys;
import dev.autoscaler.common.bus.RedisBus;
import dev.autoscaler.common.bus.ReplicaRegistry;
import dev.autoscaler.common.bus.TargetSettings;
import dev.autoscaler.common.msg.ExecResult;
import dev.autoscaler.executor.backend.ExecutorSettings;
import dev.autoscaler.executor.Reconciler;
import dev.autoscaler.executor.backend.ResultLog;
import dev.autoscaler.executor.backend.TargetLoop;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.CrossVersionObjectReference;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One target's loop in Kubernetes: reconciles {@code desired:{target}} to the {@code spec.replicas} of the one
 * Deployment that opted in for this target (see {@link DeploymentOptIn}), through its scale subresource. Kubernetes
 * then starts pods, waits for their readiness and drains the removed ones (readiness, preStop, grace period), so this
 * loop neither probes nor drains; it mirrors the Deployment's {@code readyReplicas} into {@code registry:{target}},
 * where the monitor, the planner and the dashboard read the ready count for every backend.
 */
public final class DeploymentLoop implements TargetLoop {
    private static final Logger log = LoggerFactory.getLogger(DeploymentLoop.class);

    private final String target;
    private final KubernetesClient client;
    private final String namespace;
    private final ExecutorSettings settings;
    private final KubeLease lease;
    private final RedisBus bus;
    private final Keys keys;
    private final RegistryMirror registry;
    private final RescaleEvents events;
    /**
     * The last scale, until its Event is recorded: the plan's reason, which the Event carries, reaches this loop only
     * with {@link #publishResult}, after the reconcile that scaled.
     */
    private Rescale unannounced;
    /** What the last reconcile found, for {@code /health}. */
    private volatile Map<String, Object> facts = Map.of();
    /** The last level-triggered outcome published, so a lasting problem is reported once, not every RECONCILE_SEC. */
    private String lastPublished = "";

    public DeploymentLoop(String target, KubernetesClient client, String namespace, ExecutorSettings settings, KubeLease lease,
                          RedisBus bus, RescaleEvents events) {
        this.target = target;
        this.client = client;
        this.namespace = namespace;
        this.settings = settings;
        this.lease = lease;
        this.bus = bus;
        this.keys = bus.keys();
        this.registry = new RegistryMirror(target, namespace, bus);
        this.events = events;
    }

    /** Kubernetes keeps the pods; there is nothing to take in beyond mirroring what the Deployment reports. */
    @Override
    public void adopt() {
        if (lease.isLeader()) reconcile();
        else log.info("{}: standing by until this executor holds the Lease", target);
    }

    @Override
    public synchronized Outcome reconcile() {
        announceUnpublished();
        if (!lease.isLeader()) {
            int ready = ReplicaRegistry.ready(bus, target);
            String holder = lease.holder().isEmpty() ? "nobody yet" : lease.holder();
            facts = Map.of("leader", false, "leaseHolder", lease.holder());
            return Outcome.standingBy(ready, "standing by: the Lease is held by " + holder);
        }
        List<Deployment> mine = client.apps().deployments().inNamespace(namespace).list().getItems().stream()
                .filter(DeploymentOptIn::optedIn).filter(d -> target.equals(DeploymentOptIn.target(d)))
                .sorted(Comparator.comparing(d -> d.getMetadata().getName())).toList();
        if (mine.isEmpty()) {
            // nothing runs for this target as far as this executor may know: the monitor must not count stale replicas
            registry.clear();
            return problem(0, "no Deployment in namespace " + namespace + " has " + DeploymentOptIn.ENABLED
                    + ": \"true\" for target " + target, null);
        }
        if (mine.size() > 1) {
            return problem(0, "more than one Deployment in namespace " + namespace + " opted in for target " + target + ": "
                    + mine.stream().map(d -> d.getMetadata().getName()).toList() + "; scaling none", null);
        }
        Deployment d = mine.get(0);
        String name = d.getMetadata().getName();
        int spec = specReplicas(d);
        Optional<String> hpa = hpaFor(name);
        if (hpa.isPresent()) {
            return problem(spec, "refused: HorizontalPodAutoscaler " + namespace + "/" + hpa.get() + " also scales Deployment "
                    + namespace + "/" + name + "; two autoscalers on one Deployment fight, so this executor leaves it alone", d);
        }
        OptionalInt annotatedMin;
        OptionalInt annotatedMax;
        try {
            annotatedMin = DeploymentOptIn.bound(d, DeploymentOptIn.MIN);
            annotatedMax = DeploymentOptIn.bound(d, DeploymentOptIn.MAX);
        } catch (IllegalArgumentException e) {
            return problem(spec, e.getMessage() + "; not scaling it until fixed", d);
        }
        Bounds own = new Bounds(annotatedMin.orElse(settings.minReplicas()), annotatedMax.orElse(settings.maxReplicas()));
        if (own.lo() > own.hi()) {
            return problem(spec, "Deployment " + name + ": min replicas " + own.lo() + " > max replicas " + own.hi() + "; not scaling it", d);
        }
        // an operator's run-time bounds (target:{target}, as the planner reads them) may narrow these, never widen them
        Map<String, String> runtime = bus.redis().hgetall(keys.targetSettings(target));
        Integer runtimeMin = TargetSettings.wholeNumber(target, runtime, "min");
        Integer runtimeMax = TargetSettings.wholeNumber(target, runtime, "max");
        Bounds b = own.narrowedBy(runtimeMin, runtimeMax);
        if (b.lo() > b.hi()) {
            return problem(spec, "target:" + target + " min " + runtimeMin + " > max " + runtimeMax + " within the bounds "
                    + own.lo() + ".." + own.hi() + " of Deployment " + name + "; not scaling it", d);
        }
        int lo = b.lo();
        int hi = b.hi();
        int want = Math.max(lo, Math.min(hi, DesiredReplicas.read(bus, target).orElse(spec)));
        if (want == spec) {
            remember(d, null);
            return new Outcome(spec, spec, "noop", spec + " replica(s) as desired (" + readyReplicas(d) + " ready)");
        }
        Deployment shown = scale(d, spec, want);
        remember(shown, null);
        return new Outcome(spec, want, "ok", "Deployment " + namespace + "/" + name + " scaled from " + spec + " to "
                + want + " replica(s) (" + readyReplicas(shown) + " ready); Kubernetes starts pods and drains removed ones");
    }

    /**
     * Sets {@code d}'s replicas through /scale. scale() reads the Deployment back: what Kubernetes now reports is what
     * the registry and the result show.
     */
    private Deployment scale(Deployment d, int from, int to) {
        String name = d.getMetadata().getName();
        Deployment now;
        try {
            now = client.apps().deployments().inNamespace(namespace).withName(name).scale(to);
        } catch (RuntimeException e) {
            events.rescaleFailed(d, from, to, e);
            throw e;
        }
        log.info("{}: Deployment {}/{} spec.replicas {} -> {}", target, namespace, name, from, to);
        // the Deployment as listed: its uid is what kubectl describe matches the Event by
        unannounced = new Rescale(d, from, to);
        return now != null ? now : d;
    }

    /** A scale whose Event waits for the plan's reason. */
    private record Rescale(Deployment deployment, int from, int to) {}

    /** The Event of the scale {@code o} reports, with the reason of the plan (or the reconcile) it answers. */
    private void announce(String planId, String why, Outcome o) {
        Rescale r = unannounced;
        if (r == null || o.before() != r.from() || o.after() != r.to()) return;
        unannounced = null;
        events.rescaled(r.deployment(), r.from(), r.to(), why, planId);
    }

    /** A scale whose result was never published (Redis failed in between) still gets its Event, without a reason. */
    private void announceUnpublished() {
        Rescale r = unannounced;
        if (r == null) return;
        unannounced = null;
        events.rescaled(r.deployment(), r.from(), r.to(), null, null);
    }

    private Outcome problem(int replicas, String message, Deployment d) {
        log.warn("{}: {}", target, message);
        remember(d, message);
        return new Outcome(replicas, replicas, "error", message);
    }

    /** Mirrors {@code d} (when there is one) into the registry and keeps what was found for {@code /health}. */
    private void remember(Deployment d, String problem) {
        if (d != null) registry.write(d);
        // a problem that went away and comes back is news again
        if (problem == null) lastPublished = "";
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("leader", true);
        f.put("leaseHolder", lease.identity());
        f.put("namespace", namespace);
        if (d != null) {
            f.put("deployment", d.getMetadata().getName());
            f.put("specReplicas", specReplicas(d));
            f.put("readyReplicas", readyReplicas(d));
        }
        if (problem != null) f.put(problem.startsWith("refused") ? "refused" : "problem", problem);
        facts = f;
    }

    /** The name of an autoscaling/v2 HPA whose scale target is this Deployment, if any. */
    private Optional<String> hpaFor(String deployment) {
        for (HorizontalPodAutoscaler h : client.autoscaling().v2().horizontalPodAutoscalers().inNamespace(namespace).list().getItems()) {
            CrossVersionObjectReference ref = h.getSpec() == null ? null : h.getSpec().getScaleTargetRef();
            if (ref != null && "Deployment".equals(ref.getKind()) && deployment.equals(ref.getName())) {
                return Optional.of(h.getMetadata().getName());
            }
        }
        return Optional.empty();
    }

    /**
     * The replica bounds of one Deployment. Its own (annotations, else the executor's MIN/MAX) are what the cluster's
     * operator allowed; Redis, writable by more hands, may only narrow them: each run-time bound is clamped into them.
     */
    record Bounds(int lo, int hi) {
        Bounds narrowedBy(Integer runtimeMin, Integer runtimeMax) {
            return new Bounds(runtimeMin == null ? lo : clamp(runtimeMin), runtimeMax == null ? hi : clamp(runtimeMax));
        }

        private int clamp(int v) {
            return Math.max(lo, Math.min(hi, v));
        }
    }

    static int specReplicas(Deployment d) {
        // Kubernetes defaults an unset spec.replicas to 1
        Integer r = d.getSpec() == null ? null : d.getSpec().getReplicas();
        return r == null ? 1 : r;
    }

    static int readyReplicas(Deployment d) {
        Integer r = d.getStatus() == null ? null : d.getStatus().getReadyReplicas();
        return r == null ? 0 : r;
    }

    /** Only the acting executor reports: a standby's "nothing done" would double every result. */
    @Override
    public synchronized void publishResult(String planId, String action, String reason, Outcome o) {
        // before the leader check: a scale made while this executor led gets its Event even if the Lease was lost since
        announce(planId, reason, o);
        if (!lease.isLeader()) return;
        String key = o.status() + "|" + o.message();
        if ("reconcile".equals(action) && key.equals(lastPublished)) return;
        lastPublished = "reconcile".equals(action) ? key : "";
        ResultLog.publish(bus, new ExecResult(System.currentTimeMillis() / 1000.0, planId, action, target, reason,
                o.before(), o.after(), new ExecResult.Outcome(o.status(), o.message())));
    }

    @Override
    public Map<String, Object> health() {
        if (!lease.isLeader()) return Map.of("leader", false, "leaseHolder", lease.holder());
        Map<String, Object> f = facts;
        // just elected: what the last reconcile found was seen as a standby, or nothing was seen yet
        boolean fresh = Boolean.TRUE.equals(f.get("leader"));
        return fresh ? f : Map.of("leader", true, "leaseHolder", lease.identity());
    }
}
