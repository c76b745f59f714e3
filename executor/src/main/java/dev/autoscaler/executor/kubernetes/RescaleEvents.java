package dev.autoscaler.executor.kubernetes;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records each scale as a Kubernetes Event on the Deployment, named and worded as the HPA's ({@code SuccessfulRescale},
 * or a Warning {@code FailedRescale}), so that {@code kubectl describe deployment} says who changed the count and why.
 * <p>
 * Core v1 Events rather than events.k8s.io/v1: {@code kubectl describe} finds a Deployment's events through
 * {@code /api/v1} with a field selector on {@code involvedObject} (name, namespace, kind and uid), which is the
 * object the HPA's recorder writes too. Both APIs store the same object, but only the core v1 shape carries
 * {@code involvedObject}, {@code source}, {@code count} and the first/last timestamps that describe prints as sent.
 * <p>
 * An Event only tells; the scale is what counts. One that cannot be recorded (403 without the RBAC rule, the API
 * server away) is counted, warned about when such failures start rather than for every scale, and never fails or
 * holds up the loop: each is sent from a virtual thread of its own, since a hanging API server holds a request for
 * the client's whole request timeout.
 */
final class RescaleEvents {
    static final String COMPONENT = "autoscaler-executor";
    static final String SUCCESSFUL = "SuccessfulRescale";
    static final String FAILED = "FailedRescale";
    static final String METER = "autoscaler_executor_kubernetes_events";
    /** events.k8s.io/v1 caps a note at 1 kB: a message within it reads the same through either API. */
    private static final int MESSAGE_LIMIT = 1024;
    private static final Logger log = LoggerFactory.getLogger(RescaleEvents.class);

    private final KubernetesClient client;
    private final String instance;
    private final Counter recorded;
    private final Counter failed;
    private final AtomicBoolean failing = new AtomicBoolean();
    /** A virtual thread per Event on its way to the API server. */
    private final ExecutorService sending = Executors.newVirtualThreadPerTaskExecutor();

    /** @param instance this executor's identity in the Lease (its pod), as the Event's reporting instance */
    RescaleEvents(KubernetesClient client, String instance, MeterRegistry meters) {
        this.client = client;
        this.instance = instance;
        this.recorded = counter(meters, "recorded");
        this.failed = counter(meters, "failed");
    }

    private static Counter counter(MeterRegistry meters, String result) {
        return Counter.builder(METER).tag("result", result)
                .description("Kubernetes Events on scaled Deployments, by whether the API server took them")
                .register(meters);
    }

    /**
     * The API server took a scale of {@code d} from {@code from} to {@code to} replicas.
     *
     * @param why    the reason of the plan the scale answers (null: not known)
     * @param planId that plan's id, so the Event can be matched to its entry on {@code results} (null: none)
     */
    void rescaled(Deployment d, int from, int to, String why, String planId) {
        String reason = why == null || why.isBlank() ? "not known" : why.strip();
        String plan = planId == null || planId.isBlank() ? "" : "; plan " + planId;
        send(event(d, "Normal", SUCCESSFUL, "New size: " + to + " (was " + from + "); reason: " + reason + plan));
    }

    /** The API server refused (or never answered) a scale of {@code d} from {@code from} to {@code to}. */
    void rescaleFailed(Deployment d, int from, int to, RuntimeException error) {
        send(event(d, "Warning", FAILED, "New size: " + to + " (was " + from + "); error: " + apiServerMessage(error)));
    }

    /**
     * Only the HTTP status and the API server's own Status message: an Event is readable by anyone who may describe
     * the Deployment, so nothing of the request (URL, headers, token) or of the executor's settings goes into it.
     */
    static String apiServerMessage(RuntimeException e) {
        if (e instanceof KubernetesClientException k && k.getStatus() != null && k.getStatus().getMessage() != null) {
            return "HTTP " + k.getCode() + ": " + k.getStatus().getMessage();
        }
        if (e instanceof KubernetesClientException k && k.getCode() > 0) return "HTTP " + k.getCode();
        return "no answer from the API server (" + e.getClass().getSimpleName() + ")";
    }

    private Event event(Deployment d, String type, String reason, String message) {
        ObjectMeta m = d.getMetadata();
        Instant now = Instant.now();
        // metav1.Time is RFC 3339 in whole seconds
        String at = now.truncatedTo(ChronoUnit.SECONDS).toString();
        return new EventBuilder()
                // client-go's recorder names an Event <object>.<unix nanos in hex>: unique per object, sortable by time
                .withNewMetadata().withName(m.getName() + "." + Long.toHexString(unixNanos(now)))
                .withNamespace(m.getNamespace()).endMetadata()
                // the uid is part of kubectl describe's field selector: without it the Event is not shown
                .withNewInvolvedObject().withApiVersion("apps/v1").withKind("Deployment").withNamespace(m.getNamespace())
                .withName(m.getName()).withUid(m.getUid()).endInvolvedObject()
                .withType(type).withReason(reason).withMessage(capped(message))
                .withNewSource().withComponent(COMPONENT).endSource()
                .withReportingComponent(COMPONENT).withReportingInstance(instance)
                .withFirstTimestamp(at).withLastTimestamp(at).withCount(1)
                .build();
    }

    private static long unixNanos(Instant t) {
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }

    private static String capped(String message) {
        return message.length() <= MESSAGE_LIMIT ? message : message.substring(0, MESSAGE_LIMIT - 1) + "…";
    }

    private void send(Event e) {
        try {
            sending.execute(() -> post(e));
        } catch (RejectedExecutionException stopped) {
            notRecorded(e, stopped);
        }
    }

    /** Waits up to {@code limit} for the Events still being sent (at a stop, before the client closes); sends no more. */
    void awaitSent(java.time.Duration limit) {
        sending.shutdown();
        try {
            sending.awaitTermination(limit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void post(Event e) {
        try {
            client.v1().events().inNamespace(e.getMetadata().getNamespace()).resource(e).create();
        } catch (RuntimeException x) {
            notRecorded(e, x);
            return;
        }
        recorded.increment();
        if (failing.getAndSet(false)) log.info("Kubernetes Events on scaled Deployments are recorded again");
    }

    private void notRecorded(Event e, RuntimeException x) {
        failed.increment();
        if (failing.getAndSet(true)) {
            log.debug("Event {} not recorded: {}", e.getMetadata().getName(), apiServerMessage(x));
            return;
        }
        log.warn("cannot record Event {} ({} {}) on Deployment {}/{}: {}; the scale stands. Further failures are counted in "
                        + METER + "_total{result=\"failed\"} and warned about again after one succeeds (on a 403 the Role "
                        + "lacks create on events)", e.getMetadata().getName(), e.getType(), e.getReason(),
                e.getMetadata().getNamespace(), e.getInvolvedObject().getName(), apiServerMessage(x));
    }
}
