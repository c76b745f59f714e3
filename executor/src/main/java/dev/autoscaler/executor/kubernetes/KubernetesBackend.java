package dev.autoscaler.executor.kubernetes;

import dev.autoscaler.executor.backend.LeaderGauge;
import dev.autoscaler.executor.backend.Loops;
import dev.autoscaler.common.kube.KubernetesSettings;
import dev.autoscaler.common.kube.KubeLease;
import dev.autoscaler.common.bus.RedisBus;
import dev.autoscaler.common.service.ServiceContext;
import dev.autoscaler.executor.backend.ExecutorSettings;
import dev.autoscaler.executor.backend.TargetLoop;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code EXECUTOR_BACKEND=kubernetes}: one {@link DeploymentLoop} per target, one {@link KubeLease} deciding whether
 * this executor acts, and a watch on the namespace's Deployments that wakes a target's loop when its Deployment
 * changes (pods became ready), so the ready count reaches the registry without waiting for {@code RECONCILE_SEC}.
 */
public final class KubernetesBackend implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(KubernetesBackend.class);
    /** How long a stop waits for Events still being sent: a pod's grace period is 30 s, and the API answers in ms. */
    private static final java.time.Duration EVENTS_AT_CLOSE = java.time.Duration.ofSeconds(2);

    private final KubernetesClient client;
    private final boolean ownsClient;
    private final KubernetesSettings settings;
    private final Consumer<String> wake;
    private final KubeLease lease;
    private final RescaleEvents events;
    private final Map<String, TargetLoop> loops = new LinkedHashMap<>();
    private volatile Watch watch;
    private volatile boolean closed;

    /** The backend as the executor runs it: a client configured from the pod's service account (or ~/.kube/config). */
    public static Loops loops(ExecutorSettings settings, ServiceContext ctx, Consumer<String> wake) {
        KubernetesSettings ks = KubernetesSettings.executor(ctx.env());
        KubernetesBackend b = new KubernetesBackend(new KubernetesClientBuilder().build(), true, ks, settings, ctx.bus(),
                ctx.meters(), wake);
        log.info("kubernetes backend: namespace {}, lease {} as {}", ks.namespace(), ks.leaseName(), ks.identity());
        return new Loops(b.start().loops(), b);
    }

    /** @param ownsClient whether {@link #close} closes the client too (tests pass a client they close themselves) */
    public KubernetesBackend(KubernetesClient client, boolean ownsClient, KubernetesSettings settings, ExecutorSettings executor,
                             RedisBus bus, MeterRegistry meters, Consumer<String> wake) {
        this.client = client;
        this.ownsClient = ownsClient;
        this.settings = settings;
        this.wake = wake;
        // a new leader reconciles every target at once rather than at its next tick
        this.lease = new KubeLease(client, settings, () -> loops.keySet().forEach(wake));
        this.events = new RescaleEvents(client, settings.identity(), meters);
        for (String target : executor.targets()) {
            loops.put(target, new DeploymentLoop(target, client, settings.namespace(), executor, lease, bus, events));
            // one Lease for every target here, where the process and docker backends hold one per target
            LeaderGauge.register(meters, target, lease::isLeader);
        }
    }

    public KubernetesBackend start() {
        lease.start();
        // fabric8's watch() blocks until the API server answers (retrying while it does not): never on the caller's thread,
        // so the executor starts, and answers /health, while the API server is unreachable
        Thread.ofVirtual().name("watch-deployments").start(this::watchDeployments);
        return this;
    }

    public Map<String, TargetLoop> loops() {
        return loops;
    }

    public KubeLease lease() {
        return lease;
    }

    private void watchDeployments() {
        try {
            Watch w = client.apps().deployments().inNamespace(settings.namespace()).watch(new Watcher<>() {
                @Override
                public void eventReceived(Action action, Deployment d) {
                    if (!DeploymentOptIn.optedIn(d)) return;
                    String target = DeploymentOptIn.target(d);
                    if (loops.containsKey(target)) wake.accept(target);
                }

                @Override
                public void onClose(WatcherException e) {
                    // fabric8 reconnects by itself; it gives up only on errors such as 410 Gone: then watch anew
                    if (closed) return;
                    log.warn("watch on Deployments in {} closed ({}); watching again", settings.namespace(), e.getMessage());
                    Thread.ofVirtual().name("watch-deployments").start(KubernetesBackend.this::watchDeployments);
                }
            });
            watch = w;
            // closed while the watch was being established: nobody else will close it
            if (closed) w.close();
        } catch (RuntimeException e) {
            // the loops still reconcile every RECONCILE_SEC; the watch only makes them prompter
            log.warn("cannot watch Deployments in {} ({}); ready counts update every RECONCILE_SEC only",
                    settings.namespace(), e.getMessage());
        }
    }

    @Override
    public void close() {
        closed = true;
        lease.close();
        Watch w = watch;
        if (w != null) w.close();
        // the last scale's Event is the one an operator looks for after a stop: let it out before the client goes
        events.awaitSent(EVENTS_AT_CLOSE);
        if (ownsClient) client.close();
    }
}
