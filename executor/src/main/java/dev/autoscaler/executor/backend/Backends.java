package dev.autoscaler.executor.backend;

import dev.autoscaler.common.config.ConfigException;
import dev.autoscaler.common.service.ServiceContext;
import dev.autoscaler.executor.ExecutorSettings;
import dev.autoscaler.executor.Reconciler;
import dev.autoscaler.executor.ReplicaScope;
import dev.autoscaler.executor.TargetLoop;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The one place {@code EXECUTOR_BACKEND} is turned into running parts: each backend reads its own settings and
 * gives one {@link TargetLoop} per target.
 */
public final class Backends {
    private Backends() {}

    /** The loops, in target order, and what must be closed with them. */
    public record Loops(Map<String, TargetLoop> byTarget, AutoCloseable resources) {}

    /**
     * @param upstreams addresses the watcher reported in nginx, by target (the drain waits on them)
     */
    public static Loops create(ExecutorSettings settings, ServiceContext ctx, Map<String, Set<String>> upstreams) {
        return switch (settings.backend()) {
            case "process" -> processLoops(settings, ctx, upstreams);
            default -> throw new ConfigException("invalid EXECUTOR_BACKEND=\"" + settings.backend()
                    + "\": expected one of " + ExecutorSettings.BACKENDS);
        };
    }

    private static Loops processLoops(ExecutorSettings settings, ServiceContext ctx, Map<String, Set<String>> upstreams) {
        ProcessSettings ps = ProcessSettings.from(ctx.env());
        String scope = ReplicaScope.of(ctx.redisSettings());
        Map<String, TargetLoop> loops = new LinkedHashMap<>();
        Map<String, Reconciler> reconcilers = new LinkedHashMap<>();
        for (String target : settings.targets()) {
            // every target's replicas share the port range, so each backend asks all registries which ports are taken
            ReplicaBackend backend = new ProcessBackend(scope, ps.command(), Map.of(), ps.portBase(), ps.logDir(),
                    () -> usedPorts(reconcilers));
            Reconciler r = new Reconciler(target, settings, backend, ctx.bus(), upstreams);
            reconcilers.put(target, r);
            loops.put(target, r);
        }
        return new Loops(loops, () -> {});
    }

    private static Set<Integer> usedPorts(Map<String, Reconciler> reconcilers) {
        Set<Integer> ports = new HashSet<>();
        for (Reconciler r : reconcilers.values()) {
            r.readRegistry().values().forEach(rec -> {
                String a = rec.address();
                ports.add(Integer.parseInt(a.substring(a.lastIndexOf(':') + 1)));
            });
        }
        return ports;
    }
}
