package dev.autoscaler.executor;

import dev.autoscaler.executor.backend.LoopbackPorts;
import dev.autoscaler.executor.backend.DryBackend;
import dev.autoscaler.executor.backend.ProcessSettings;
import dev.autoscaler.executor.backend.ProcessBackend;
import dev.autoscaler.executor.backend.ReplicaBackend;
import dev.autoscaler.common.config.ConfigException;
import dev.autoscaler.common.docker.DockerClients;
import dev.autoscaler.common.service.ServiceContext;
import dev.autoscaler.executor.backend.ExecutorSettings;
import dev.autoscaler.executor.backend.LeaderGauge;
import dev.autoscaler.executor.backend.Loops;
import dev.autoscaler.executor.backend.TargetLoop;
import dev.autoscaler.executor.docker.DockerBackend;
import dev.autoscaler.executor.docker.DockerSettings;
import dev.autoscaler.executor.kubernetes.KubernetesBackend;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The one place {@code EXECUTOR_BACKEND} is turned into running parts: each backend reads its own settings and
 * gives one {@link TargetLoop} per target.
 */
public final class Backends {
    private Backends() {}


    /**
     * @param upstreams addresses the watcher reported in nginx, by target (the drain waits on them)
     * @param wake      asks for a reconcile of a target now (a backend saw a replica die)
     */
    public static Loops create(ExecutorSettings settings, ServiceContext ctx, Map<String, Set<String>> upstreams,
                               Consumer<String> wake) {
        return switch (settings.backend()) {
            case "process" -> processLoops(settings, ctx, upstreams, wake);
            case "docker" -> dockerLoops(settings, ctx, upstreams, wake);
            case "kubernetes" -> KubernetesBackend.loops(settings, ctx, wake);
            case "dry" -> dryLoops(settings, ctx, upstreams, wake);
            default -> throw new ConfigException("invalid EXECUTOR_BACKEND=\"" + settings.backend()
                    + "\": expected one of " + ExecutorSettings.BACKENDS);
        };
    }

    private static Loops processLoops(ExecutorSettings settings, ServiceContext ctx, Map<String, Set<String>> upstreams,
                                      Consumer<String> wake) {
        ProcessSettings ps = ProcessSettings.from(ctx.env());
        String scope = ReplicaScope.of(ctx.redisSettings());
        Map<String, Reconciler> reconcilers = new LinkedHashMap<>();
        var backend = new ProcessBackend(scope, ps.command(), Map.of(), ps.portBase(), ps.logDir(), () -> usedPorts(reconcilers))
                .onExit(wake);
        return replicaLoops(settings, ctx, upstreams, reconcilers, backend, () -> {}, wake);
    }

    private static Loops dryLoops(ExecutorSettings settings, ServiceContext ctx, Map<String, Set<String>> upstreams,
                                  Consumer<String> wake) {
        DryBackend backend = new DryBackend();
        ctx.meters().gauge("autoscaler_executor_dry_starts", backend, DryBackend::starts);
        ctx.meters().gauge("autoscaler_executor_dry_stops", backend, DryBackend::stops);
        return replicaLoops(settings, ctx, upstreams, new LinkedHashMap<>(), backend, () -> {}, wake);
    }

    private static Loops dockerLoops(ExecutorSettings settings, ServiceContext ctx, Map<String, Set<String>> upstreams,
                                     Consumer<String> wake) {
        DockerSettings ds = DockerSettings.from(ctx.env());
        String scope = ReplicaScope.of(ctx.redisSettings());
        // a stop waits up to GRACE_SEC for the container to exit within one call
        var calls = DockerClients.ping(DockerClients.connect(ds.dockerHost(),
                Duration.ofSeconds(60 + (long) Math.ceil(settings.graceSec()))), ds.dockerHost());
        Map<String, Reconciler> reconcilers = new LinkedHashMap<>();
        var backend = new DockerBackend(calls, DockerClients.connect(ds.dockerHost(), Duration.ZERO), scope, ds,
                () -> usedPorts(reconcilers), wake);
        return replicaLoops(settings, ctx, upstreams, reconcilers, backend, backend, wake);
    }

    /**
     * One {@link Reconciler} a target over one backend shared by all targets, so that one port range is handed out
     * by one {@link LoopbackPorts}; {@code reconcilers} is filled here and tells the backend which ports replicas hold.
     * Each target's loop acts only while this executor holds the target's lease ({@code EXECUTOR_LEASE_SEC}).
     */
    private static Loops replicaLoops(ExecutorSettings settings, ServiceContext ctx, Map<String, Set<String>> upstreams,
                                      Map<String, Reconciler> reconcilers, ReplicaBackend backend, AutoCloseable resources,
                                      Consumer<String> wake) {
        Map<String, TargetLoop> loops = new LinkedHashMap<>();
        List<TargetLease> leases = new ArrayList<>();
        String holder = TargetLease.holderId();
        Duration ttl = Duration.ofMillis(Math.round(settings.leaseSec() * 1000));
        for (String target : settings.targets()) {
            TargetLease lease = TargetLease.compete(ctx.bus(), target, holder, ttl, () -> wake.accept(target));
            leases.add(lease);
            LeaderGauge.register(ctx.meters(), target, lease::held);
            Reconciler r = new Reconciler(target, settings, backend, ctx.bus(), upstreams, lease, () -> wake.accept(target));
            reconcilers.put(target, r);
            loops.put(target, r);
        }
        return new Loops(loops, () -> {
            // watchers first, then the leases (a standby takes over at once), then the backend's connections
            reconcilers.values().forEach(Reconciler::close);
            leases.forEach(TargetLease::close);
            resources.close();
        });
    }

    private static Set<Integer> usedPorts(Map<String, Reconciler> reconcilers) {
        Set<Integer> ports = new HashSet<>();
        for (Reconciler r : reconcilers.values()) {
            r.readRegistry().values().forEach(rec -> {
                String a = rec.address();
                int colon = a.lastIndexOf(':');
                if (colon > 0) ports.add(Integer.parseInt(a.substring(colon + 1)));
            });
        }
        return ports;
    }
}
