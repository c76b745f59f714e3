package dev.autoscaler.common.kube;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides which of a service's replicas acts, through a coordination.k8s.io Lease (fabric8's leader election). Two
 * executors scaling one Deployment would fight over {@code spec.replicas}, two planners over {@code desired}; with the
 * Lease only its holder acts, the others stand by and take over when the holder stops renewing.
 */
public final class KubeLease implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(KubeLease.class);

    private final KubernetesClient client;
    private final KubernetesSettings settings;
    private final Runnable onStart;
    private volatile boolean leader;
    private volatile String holder = "";
    private volatile boolean closed;
    private volatile CompletableFuture<?> running;

    /** @param onStart runs when this replica becomes the leader (so it acts at once instead of at its next tick) */
    public KubeLease(KubernetesClient client, KubernetesSettings settings, Runnable onStart) {
        this.client = client;
        this.settings = settings;
        this.onStart = onStart;
    }

    public synchronized KubeLease start() {
        if (closed) return this;
        var config = new LeaderElectionConfigBuilder()
                .withName(settings.leaseName())
                .withLock(new LeaseLock(settings.namespace(), settings.leaseName(), settings.identity()))
                .withLeaseDuration(millis(settings.leaseSec()))
                .withRenewDeadline(millis(settings.renewSec()))
                .withRetryPeriod(millis(settings.retrySec()))
                // a stopping leader gives the Lease up at once, so a standby acts within one retry period
                .withReleaseOnCancel(true)
                .withLeaderCallbacks(new LeaderCallbacks(this::started, this::stopped, this::newLeader))
                .build();
        CompletableFuture<?> f = client.leaderElector().withConfig(config).build().start();
        running = f;
        // fabric8's elector ends once it loses the Lease (a missed renewal); a standby must keep competing
        f.whenComplete((ok, e) -> {
            if (!closed) {
                log.info("lease {}: election ended ({}); competing again", settings.leaseName(), e == null ? "lost" : e.toString());
                // after one retry period, as the elector itself retries: an elector that fails at once must not spin
                CompletableFuture.runAsync(this::start,
                        CompletableFuture.delayedExecutor(millis(settings.retrySec()).toMillis(), TimeUnit.MILLISECONDS));
            }
        });
        return this;
    }

    private void started() {
        leader = true;
        holder = settings.identity();
        log.info("lease {}: {} now acts", settings.leaseName(), settings.identity());
        onStart.run();
    }

    private void stopped() {
        leader = false;
        log.info("lease {}: {} stopped acting", settings.leaseName(), settings.identity());
    }

    private void newLeader(String identity) {
        holder = identity == null ? "" : identity;
    }

    /** Whether this replica holds the Lease and may act. */
    public boolean isLeader() {
        return leader;
    }

    /** Who holds the Lease as far as this replica last saw ("" before anyone was seen). */
    public String holder() {
        return holder;
    }

    public String identity() {
        return settings.identity();
    }

    public String name() {
        return settings.leaseName();
    }

    /**
     * Stops competing; a leader releases the Lease so another replica takes over without waiting for it to expire.
     * Waits for that at most KUBE_LEASE_RENEW_SEC: with the API server unreachable the elector is stuck in its own
     * retries, and the Lease then simply expires.
     */
    @Override
    public synchronized void close() {
        closed = true;
        leader = false;
        CompletableFuture<?> f = running;
        if (f == null) return;
        CompletableFuture<Void> cancelled = CompletableFuture.runAsync(() -> f.cancel(true),
                r -> Thread.ofVirtual().name("lease-release").start(r));
        try {
            cancelled.get(millis(settings.renewSec()).toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            log.info("lease {}: not released within KUBE_LEASE_RENEW_SEC; it expires after KUBE_LEASE_SEC", settings.leaseName());
        } catch (ExecutionException e) {
            log.info("lease {}: release failed ({}); it expires after KUBE_LEASE_SEC", settings.leaseName(), e.getCause().toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Duration millis(double sec) {
        return Duration.ofMillis(Math.round(sec * 1000));
    }
}
