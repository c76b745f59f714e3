package dev.autoscaler.executor.kubernetes;

import dev.autoscaler.executor.backend.Outcome;
import dev.autoscaler.common.testing.ManifestRbac;
import dev.autoscaler.common.kube.KubernetesSettings;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import com.fasterxml.jackson.databind.JsonNode;
import dev.autoscaler.common.bus.RedisBus;
import dev.autoscaler.common.bus.ReplicaRegistry;
import dev.autoscaler.common.msg.Json;
import dev.autoscaler.common.msg.ReplicaSet;
import dev.autoscaler.common.testing.RedisServer;
import dev.autoscaler.executor.backend.ExecutorSettings;
import dev.autoscaler.executor.Reconciler;
import dev.autoscaler.executor.backend.TargetLoop;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The kubernetes backend against fabric8's mock API server in CRUD mode (a fake Kubernetes: it stores what is written
 * and answers reads from that, but runs no controllers, so pods never start and the test sets {@code readyReplicas}
 * itself) and a real redis-server. Every request the backend sends is recorded by the mock, so the tests assert on
 * what was sent, not only on what resulted.
 */
@EnableKubernetesMockClient(crud = true)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class KubernetesBackendMockServerTest {
    private static final String NS = "scaling";
    private static final AtomicInteger TARGETS = new AtomicInteger();
    private static RedisServer redis;
    private static RedisBus bus;

    /** Injected fresh for each test by the extension. */
    KubernetesMockServer server;
    KubernetesClient client;

    private final String target = "k" + TARGETS.incrementAndGet();
    private final List<KubernetesBackend> backends = new ArrayList<>();
    private final List<String> wakes = new CopyOnWriteArrayList<>();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    /** The mock server logs every request at INFO through java.util.logging; held here so the level sticks. */
    private static final java.util.logging.Logger MOCK_LOG = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

    @BeforeAll
    static void startRedis() throws Exception {
        MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
        redis = RedisServer.start();
        bus = redis.bus("ktest:");
    }

    @AfterAll
    static void stopRedis() {
        if (bus != null) bus.close();
        if (redis != null) redis.close();
    }

    @AfterEach
    void stopBackends() {
        backends.forEach(KubernetesBackend::close);
    }

    // ---- scaling ----

    @Test
    void scalesUpAndDownThroughTheScaleSubresourceAndMirrorsReadyReplicasIntoTheRegistry() throws Exception {
        create(deployment("web", 2, Map.of(DeploymentOptIn.ENABLED, "true", DeploymentOptIn.TARGET, target)));
        KubernetesBackend b = leader("executor-0");
        TargetLoop loop = b.loops().get(target);
        drainRequests();

        setDesired(4);
        Outcome up = loop.reconcile();
        assertEquals("ok", up.status(), up.message());
        assertEquals(2, up.before());
        assertEquals(4, up.after());
        assertEquals(4, spec("web"));
        List<String> sent = lines(drainRequests());
        assertTrue(sent.contains("GET /apis/apps/v1/namespaces/scaling/deployments/web/scale"), sent.toString());
        assertTrue(sent.contains("PUT /apis/apps/v1/namespaces/scaling/deployments/web/scale"), sent.toString());
        assertFalse(sent.stream().anyMatch(l -> l.matches("(PUT|PATCH|POST) .*/deployments/web(\\?.*)?")),
                "replicas change only through /scale: " + sent);
        // pods not ready yet: two ready, two starting, and the ready count the monitor reads stays 2
        assertEquals(Map.of(ReplicaSet.State.ready, 2L, ReplicaSet.State.starting, 2L), states());
        assertEquals(2, ReplicaRegistry.ready(bus, target));

        loop.publishResult("plan-up", "scale_up", "p95 above SLO", up);
        JsonNode result = lastResult();
        assertEquals("plan-up", result.path("plan_id").asText());
        assertEquals("ok", result.path("result").path("status").asText());
        assertEquals(2, result.path("replicas_before").asInt());
        assertEquals(4, result.path("replicas_after").asInt());

        // Kubernetes reports the new pods ready: the watch wakes the target, and its reconcile mirrors the count
        wakes.clear();
        setReady("web", 4);
        awaitTrue("the watch on Deployments wakes " + target, () -> wakes.contains(target));
        Outcome steady = loop.reconcile();
        assertEquals("noop", steady.status(), steady.message());
        assertEquals(4, ReplicaRegistry.ready(bus, target));

        setDesired(1);
        Outcome down = loop.reconcile();
        assertEquals("ok", down.status(), down.message());
        assertEquals(4, down.before());
        assertEquals(1, down.after());
        assertEquals(1, spec("web"));
        assertTrue(lines(drainRequests()).contains("PUT /apis/apps/v1/namespaces/scaling/deployments/web/scale"));

        // the Deployment opts out: it is left alone, and its replicas no longer count as the target's
        Deployment d = client.apps().deployments().inNamespace(NS).withName("web").get();
        d.getMetadata().getAnnotations().put(DeploymentOptIn.ENABLED, "false");
        client.apps().deployments().inNamespace(NS).resource(d).update();
        setDesired(3);
        Outcome gone = loop.reconcile();
        assertEquals("error", gone.status());
        assertTrue(gone.message().contains("no Deployment in namespace scaling"), gone.message());
        assertEquals(1, spec("web"));
        assertEquals(0, ReplicaRegistry.read(bus, target).size());
    }

    @Test
    void boundsComeFromTheAnnotationsFirstThenTargetSettingsThenTheExecutor() throws Exception {
        create(deployment("web", 2, Map.of(DeploymentOptIn.ENABLED, "true", DeploymentOptIn.TARGET, target,
                DeploymentOptIn.MAX, "5")));
        KubernetesBackend b = leader("executor-0");
        TargetLoop loop = b.loops().get(target);

        setDesired(9);
        assertEquals(5, loop.reconcile().after(), "autoscaler.io/max-replicas caps the executor's MAX_REPLICAS 10");
        bus.redis().hset(bus.keys().targetSettings(target), "min", "3");
        setDesired(0);
        assertEquals(3, loop.reconcile().after(), "target:{target} min raises the executor's MIN_REPLICAS 1");
        assertEquals(3, spec("web"));
    }

    @Test
    void boundsInRedisNarrowTheDeploymentsOwnButNeverWidenThem() throws Exception {
        create(deployment("web", 3, Map.of(DeploymentOptIn.ENABLED, "true", DeploymentOptIn.TARGET, target,
                DeploymentOptIn.MIN, "2", DeploymentOptIn.MAX, "5")));
        KubernetesBackend b = leader("executor-0");
        TargetLoop loop = b.loops().get(target);
        String runtime = bus.keys().targetSettings(target);

        bus.redis().hset(runtime, Map.of("min", "0", "max", "8"));
        setDesired(9);
        assertEquals(5, loop.reconcile().after(), "max 8 in Redis does not lift the annotation's 5");
        setDesired(0);
        assertEquals(2, loop.reconcile().after(), "min 0 in Redis does not lower the annotation's 2");

        bus.redis().hset(runtime, Map.of("min", "3", "max", "4"));
        setDesired(9);
        assertEquals(4, loop.reconcile().after(), "max 4 in Redis narrows 5");
        setDesired(0);
        assertEquals(3, loop.reconcile().after(), "min 3 in Redis narrows 2");

        bus.redis().hset(runtime, Map.of("min", "4", "max", "3"));
        setDesired(5);
        Outcome crossed = loop.reconcile();
        assertEquals("error", crossed.status(), crossed.message());
        assertTrue(crossed.message().contains("min 4 > max 3"), crossed.message());
        assertEquals(3, spec("web"), "crossed bounds leave the Deployment as it is");
    }

    @Test
    void withoutAnnotationsBoundsInRedisNarrowTheExecutorsButNeverWidenThem() throws Exception {
        create(deployment("web", 3, Map.of(DeploymentOptIn.ENABLED, "true", DeploymentOptIn.TARGET, target)));
        KubernetesBackend b = leader("executor-0");
        TargetLoop loop = b.loops().get(target);

        bus.redis().hset(bus.keys().targetSettings(target), Map.of("max", "20"));
        setDesired(15);
        assertEquals(10, loop.reconcile().after(), "max 20 in Redis does not lift MAX_REPLICAS 10");
        bus.redis().hset(bus.keys().targetSettings(target), Map.of("max", "6"));
        assertEquals(6, loop.reconcile().after(), "max 6 in Redis narrows MAX_REPLICAS 10");
        assertEquals(6, spec("web"));
    }

    /** Whatever Redis says, the bounds stay within the Deployment's own; where Redis says nothing, they are its own. */
    @Test
    void narrowedBoundsAreAlwaysWithinTheOwnBounds() {
        qt().withExamples(10_000)
                .forAll(integers().between(0, 50), integers().between(0, 50), integers().between(-1, 60), integers().between(-1, 60))
                .checkAssert((a, b2, rmin, rmax) -> {
                    DeploymentLoop.Bounds own = new DeploymentLoop.Bounds(Math.min(a, b2), Math.max(a, b2));
                    Integer runtimeMin = rmin < 0 ? null : rmin;
                    Integer runtimeMax = rmax < 0 ? null : rmax;
                    DeploymentLoop.Bounds n = own.narrowedBy(runtimeMin, runtimeMax);
                    assertTrue(n.lo() >= own.lo() && n.lo() <= own.hi(), own + " narrowed to " + n);
                    assertTrue(n.hi() >= own.lo() && n.hi() <= own.hi(), own + " narrowed to " + n);
                    if (runtimeMin == null) assertEquals(own.lo(), n.lo());
                    if (runtimeMax == null) assertEquals(own.hi(), n.hi());
                    if (runtimeMin != null && runtimeMin >= own.lo() && runtimeMin <= own.hi()) assertEquals((int) runtimeMin, n.lo());
                    if (runtimeMax != null && runtimeMax >= own.lo() && runtimeMax <= own.hi()) assertEquals((int) runtimeMax, n.hi());
                });
    }

    @Test
    void onlyDeploymentsThatOptedInAreEverTouched() throws Exception {
        // named like the target, but without the annotation: the name alone never opts a Deployment in
        create(deployment(target, 2, Map.of()));
        create(deployment("declined", 2, Map.of(DeploymentOptIn.ENABLED, "false", DeploymentOptIn.TARGET, target)));
        create(deployment("chosen", 2, Map.of(DeploymentOptIn.ENABLED, "true", DeploymentOptIn.TARGET, target)));
        KubernetesBackend b = leader("executor-0");
        drainRequests();

        setDesired(3);
        Outcome o = b.loops().get(target).reconcile();
        List<String> sent = lines(drainRequests());

        assertEquals("ok", o.status(), o.message());
        assertEquals(3, spec("chosen"));
        assertEquals(2, spec(target));
        assertEquals(2, spec("declined"));
        for (String other : List.of(target, "declined")) {
            assertTrue(sent.stream().noneMatch(l -> l.contains("/deployments/" + other)), other + " was addressed: " + sent);
        }
    }

    @Test
    void refusesADeploymentThatAHorizontalPodAutoscalerAlsoScales() throws Exception {
        create(deployment("web", 2, Map.of(DeploymentOptIn.ENABLED, "true", DeploymentOptIn.TARGET, target)));
        client.autoscaling().v2().horizontalPodAutoscalers().inNamespace(NS).resource(new HorizontalPodAutoscalerBuilder()
                .withNewMetadata().withName("web-cpu").endMetadata()
                .withNewSpec().withMinReplicas(1).withMaxReplicas(8)
                .withNewScaleTargetRef().withApiVersion("apps/v1").withKind("Deployment").withName("web").endScaleTargetRef()
                .endSpec().build()).create();
        KubernetesBackend b = leader("executor-0");
        TargetLoop loop = b.loops().get(target);
        drainRequests();

        setDesired(6);
        Outcome o = loop.reconcile();

        assertEquals("error", o.status());
        assertTrue(o.message().contains("HorizontalPodAutoscaler scaling/web-cpu"), o.message());
        assertEquals(2, spec("web"));
        assertTrue(lines(drainRequests()).stream().noneMatch(l -> l.contains("/scale")), "nothing sent to /scale");
        assertTrue(String.valueOf(loop.health().get("refused")).contains("web-cpu"), loop.health().toString());

        loop.publishResult("plan-6", "scale_up", "p95 above SLO", o);
        JsonNode result = lastResult();
        assertEquals("plan-6", result.path("plan_id").asText());
        assertEquals("error", result.path("result").path("status").asText());
        assertTrue(result.path("result").path("message").asText().contains("web-cpu"), result.toString());
        // and `autoscaler status` shows it
        var status = dev.autoscaler.common.status.StatusReader.read(bus).stream().filter(t -> t.target().equals(target))
                .findFirst().orElseThrow();
        assertEquals("error", status.lastResult().result().status());
        assertTrue(status.lastResult().result().message().contains("web-cpu"), status.toString());
        // a lasting refusal is reported once by the level-triggered loop, not every RECONCILE_SEC
        int before = resultsOfTarget().size();
        loop.publishResult(null, "reconcile", "level-triggered", loop.reconcile());
        loop.publishResult(null, "reconcile", "level-triggered", loop.reconcile());
        assertEquals(before + 1, resultsOfTarget().size());
    }

    // ---- Events on the Deployment, as the HPA records them ----

    @Test
    void aScaleRecordsOneEventOnTheDeploymentWithTheCountsAndThePlansReason() throws Exception {
        create(deployment("web", 2, Map.of(DeploymentOptIn.ENABLED, "true", DeploymentOptIn.TARGET, target)));
        String uid = client.apps().deployments().inNamespace(NS).withName("web").get().getMetadata().getUid();
        assertFalse(uid == null || uid.isEmpty(), "the fake API server gives created objects a uid");
        TargetLoop loop = leader("executor-0").loops().get(target);

        setDesired(4);
        Outcome up = loop.reconcile();
        assertEquals("ok", up.status(), up.message());
        loop.publishResult("plan-up", "scale_up", "p95 412 ms above the 300 ms SLO", up);
        awaitEvents("recorded", 1);

        List<Event> events = client.v1().events().inNamespace(NS).list().getItems();
        assertEquals(1, events.size(), events.toString());
        Event e = events.get(0);
        assertEquals(RescaleEvents.SUCCESSFUL, e.getReason());
        assertEquals("Normal", e.getType());
        String message = e.getMessage();
        assertTrue(message.contains("New size: 4") && message.contains("was 2"), message);
        assertTrue(message.contains("reason: p95 412 ms above the 300 ms SLO"), message);
        assertTrue(message.contains("plan-up"), message);
        // what kubectl describe deployment selects events by
        assertEquals("Deployment", e.getInvolvedObject().getKind());
        assertEquals("apps/v1", e.getInvolvedObject().getApiVersion());
        assertEquals("web", e.getInvolvedObject().getName());
        assertEquals(NS, e.getInvolvedObject().getNamespace());
        assertEquals(uid, e.getInvolvedObject().getUid());
        assertEquals(RescaleEvents.COMPONENT, e.getSource().getComponent());
        assertEquals(1, e.getCount());
        assertFalse(e.getFirstTimestamp() == null || e.getLastTimestamp() == null, e.toString());
        assertTrue(e.getMetadata().getName().matches("web\\.[0-9a-f]+"), e.getMetadata().getName());

        // a scale whose result is never published still gets its Event, at the next reconcile, without a reason
        setDesired(3);
        assertEquals("ok", loop.reconcile().status());
        assertEquals("noop", loop.reconcile().status());
        awaitEvents("recorded", 2);
        assertTrue(client.v1().events().inNamespace(NS).list().getItems().stream()
                .anyMatch(ev -> ev.getMessage().startsWith("New size: 3 (was 4); reason: not known")));
    }

    @Test
    void theEventOfAScaleJustBeforeAStopIsSentBeforeTheBackendReturnsFromClose() throws Exception {
        create(deployment("web", 2, Map.of(DeploymentOptIn.ENABLED, "true", DeploymentOptIn.TARGET, target)));
        // an API server that takes half a second to answer the Event: the stop comes while it is on its way
        server.expect().post().delay(500, TimeUnit.MILLISECONDS).withPath("/api/v1/namespaces/" + NS + "/events")
                .andReturn(201, new io.fabric8.kubernetes.api.model.EventBuilder().withNewMetadata().withName("web.slow")
                        .withNamespace(NS).endMetadata().build()).once();
        KubernetesBackend b = leader("executor-0");
        TargetLoop loop = b.loops().get(target);
        setDesired(3);
        scaleAndPublish(loop, "plan-last");
        b.close();
        assertEquals(1.0, eventsCounted("recorded"), "the Event was on its way when the executor stopped");
    }

    @Test
    void anApiServerThatRefusesEventsStillGetsTheScale() throws Exception {
        create(deployment("web", 2, Map.of(DeploymentOptIn.ENABLED, "true", DeploymentOptIn.TARGET, target)));
        server.expect().post().withPath("/api/v1/namespaces/" + NS + "/events")
                .andReturn(403, forbidden("events is forbidden: User \"system:serviceaccount:scaling:executor\" cannot create "
                        + "resource \"events\" in API group \"\" in the namespace \"scaling\""))
                .always();
        TargetLoop loop = leader("executor-0").loops().get(target);

        setDesired(4);
        Outcome up = loop.reconcile();
        loop.publishResult("plan-up", "scale_up", "p95 above SLO", up);
        assertEquals("ok", up.status(), up.message());
        assertEquals(4, spec("web"));
        assertEquals("ok", lastResult().path("result").path("status").asText(), "the result is published as usual");
        awaitEvents("failed", 1);

        // and the next scale too: a refused Event is no reason to stop scaling
        setDesired(5);
        Outcome again = loop.reconcile();
        loop.publishResult("plan-again", "scale_up", "p95 above SLO", again);
        assertEquals("ok", again.status(), again.message());
        assertEquals(5, spec("web"));
        awaitEvents("failed", 2);
        assertEquals(0.0, eventsCounted("recorded"));
    }

    @Test
    void aRefusedScaleRecordsAWarningEvent() throws Exception {
        create(deployment("web", 2, Map.of(DeploymentOptIn.ENABLED, "true", DeploymentOptIn.TARGET, target)));
        server.expect().put().withPath("/apis/apps/v1/namespaces/" + NS + "/deployments/web/scale")
                .andReturn(403, forbidden("deployments.apps \"web\" is forbidden: cannot update resource \"deployments/scale\""))
                .always();
        TargetLoop loop = leader("executor-0").loops().get(target);

        setDesired(4);
        assertThrows(RuntimeException.class, loop::reconcile, "the failure reaches the executor as before");
        awaitEvents("recorded", 1);

        Event e = client.v1().events().inNamespace(NS).list().getItems().get(0);
        assertEquals(RescaleEvents.FAILED, e.getReason());
        assertEquals("Warning", e.getType());
        assertTrue(e.getMessage().startsWith("New size: 4 (was 2); error: HTTP 403: deployments.apps \"web\" is forbidden"),
                e.getMessage());
        assertEquals(2, spec("web"));
    }

    // ---- one executor acts ----

    @Test
    void onlyTheLeaseHolderScalesAndTheOtherTakesOverWhenItStops() throws Exception {
        create(deployment("web", 1, Map.of(DeploymentOptIn.ENABLED, "true", DeploymentOptIn.TARGET, target)));
        KubernetesBackend a = started("executor-a");
        KubernetesBackend b = started("executor-b");
        awaitTrue("one of the two holds the Lease", () -> a.lease().isLeader() || b.lease().isLeader());
        KubernetesBackend leader = a.lease().isLeader() ? a : b;
        KubernetesBackend standby = leader == a ? b : a;
        // both register in one registry, where the first registration (a's) stands
        assertEquals(a.lease().isLeader() ? 1.0 : 0.0, meters.get("autoscaler_executor_leader").tag("target", target).gauge().value(),
                "autoscaler_executor_leader follows the Lease");
        assertFalse(standby.lease().isLeader(), "never two leaders");
        awaitTrue("the standby sees who holds the Lease", () -> leader.lease().identity().equals(standby.lease().holder()));
        drainRequests();

        setDesired(3);
        Outcome idle = standby.loops().get(target).reconcile();
        List<String> sent = lines(drainRequests());
        assertEquals(Outcome.STANDBY, idle.status());
        assertTrue(idle.message().contains(leader.lease().identity()), idle.message());
        assertTrue(sent.stream().noneMatch(l -> l.contains("/deployments") && !l.contains("watch=true")),
                "the standby sent nothing about Deployments but its watch: " + sent);
        assertEquals(1, spec("web"), "the standby did not scale");
        assertEquals(Map.of("leader", false, "leaseHolder", leader.lease().identity()), standby.loops().get(target).health());
        int results = resultsOfTarget().size();
        standby.loops().get(target).publishResult("plan-3", "scale_up", "p95 above SLO", idle);
        assertEquals(results, resultsOfTarget().size(), "a standby publishes no result: the leader does");

        assertEquals("ok", leader.loops().get(target).reconcile().status());
        assertEquals(3, spec("web"));
        assertEquals(Boolean.TRUE, leader.loops().get(target).health().get("leader"));

        leader.close();
        awaitTrue("the standby takes the Lease over", () -> standby.lease().isLeader());
        setDesired(5);
        assertEquals("ok", standby.loops().get(target).reconcile().status());
        assertEquals(5, spec("web"));
        assertEquals(Boolean.TRUE, standby.loops().get(target).health().get("leader"));
        assertEquals(standby.lease().identity(), standby.loops().get(target).health().get("leaseHolder"));
        assertEquals(Outcome.STANDBY, leader.loops().get(target).reconcile().status(), "the stopped executor no longer acts");
    }

    // ---- RBAC: what is sent equals what the Role grants ----

    @Test
    void theRequestsTheBackendSendsNeedExactlyWhatTheExecutorRoleGrants() throws Exception {
        create(deployment("web", 1, Map.of(DeploymentOptIn.ENABLED, "true", DeploymentOptIn.TARGET, target)));
        drainRequests();
        Set<ManifestRbac.Grant> granted = ManifestRbac.role("executor-rbac.yaml", "executor");

        // every path the backend has: election, scaling, a refusal check, the watch, and a takeover by a standby
        KubernetesBackend a = leader("executor-a");
        KubernetesBackend b = started("executor-b");
        setDesired(2);
        scaleAndPublish(a.loops().get(target), "plan-2");
        awaitEvents("recorded", 1);
        List<RecordedRequest> sent = new ArrayList<>(drainRequests());
        a.close();
        awaitTrue("executor-b takes the Lease over", b.lease()::isLeader);
        setDesired(3);
        scaleAndPublish(b.loops().get(target), "plan-3");
        awaitEvents("recorded", 2);
        b.close();
        sent.addAll(drainRequests());

        Set<ManifestRbac.Grant> needed = ManifestRbac.needed(sent);
        assertTrue(needed.contains(new ManifestRbac.Grant("create", "", "events")),
                "every scale records an Event, so the Role must let the executor create core events: " + lines(sent));
        assertEquals(granted, needed, "requests sent: " + lines(sent));
    }

    // ---- helpers ----

    private static void scaleAndPublish(TargetLoop loop, String planId) {
        Outcome o = loop.reconcile();
        assertEquals("ok", o.status(), o.message());
        loop.publishResult(planId, "scale_up", "p95 above SLO", o);
    }

    private double eventsCounted(String result) {
        var c = meters.find(RescaleEvents.METER).tag("result", result).counter();
        return c == null ? 0 : c.count();
    }

    /** Waits on the backend's own counter, not on the API: a list of events would be one more request recorded. */
    private void awaitEvents(String result, int n) throws InterruptedException {
        awaitTrue(n + " Event(s) " + result, () -> eventsCounted(result) >= n);
    }

    private static io.fabric8.kubernetes.api.model.Status forbidden(String message) {
        return new StatusBuilder().withStatus("Failure").withReason("Forbidden").withCode(403).withMessage(message).build();
    }

    private KubernetesBackend started(String identity) {
        // short Lease times so a takeover happens within seconds (client-go's defaults are 15/10/2 s)
        KubernetesSettings ks = new KubernetesSettings(NS, "autoscaler-executor", identity, 3, 2, 0.5);
        ExecutorSettings es = new ExecutorSettings("kubernetes", List.of(target), 1, 10, 5, 30, 5, 1, 10, 10);
        KubernetesBackend b = new KubernetesBackend(client, false, ks, es, bus, meters, wakes::add).start();
        backends.add(b);
        return b;
    }

    /** A backend started and seen to hold the Lease. */
    private KubernetesBackend leader(String identity) throws InterruptedException {
        KubernetesBackend b = started(identity);
        awaitTrue(identity + " holds the Lease", b.lease()::isLeader);
        return b;
    }

    /** A Deployment whose pods are all ready. */
    private Deployment deployment(String name, int replicas, Map<String, String> annotations) {
        return new DeploymentBuilder()
                .withNewMetadata().withName(name).withNamespace(NS).withAnnotations(annotations).endMetadata()
                .withNewSpec().withReplicas(replicas)
                .withNewSelector().addToMatchLabels("app", name).endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", name).endMetadata()
                .withNewSpec().addNewContainer().withName(name).withImage("autoscaler-app:local").endContainer().endSpec()
                .endTemplate().endSpec()
                .withNewStatus().withReplicas(replicas).withReadyReplicas(replicas).endStatus()
                .build();
    }

    private void create(Deployment d) {
        client.apps().deployments().inNamespace(NS).resource(d).create();
    }

    /** What Kubernetes' Deployment controller would write once pods pass their readiness probes. */
    private void setReady(String name, int ready) {
        Deployment d = client.apps().deployments().inNamespace(NS).withName(name).get();
        d.getStatus().setReadyReplicas(ready);
        d.getStatus().setReplicas(ready);
        client.apps().deployments().inNamespace(NS).resource(d).updateStatus();
    }

    private int spec(String name) {
        return client.apps().deployments().inNamespace(NS).withName(name).get().getSpec().getReplicas();
    }

    private void setDesired(int n) {
        bus.redis().hset(bus.keys().desired(target), Map.of("replicas", String.valueOf(n), "plan_id", "p-" + n));
    }

    private Map<ReplicaSet.State, Long> states() {
        return ReplicaRegistry.read(bus, target).stream().collect(java.util.stream.Collectors.groupingBy(ReplicaSet.Replica::state,
                java.util.stream.Collectors.counting()));
    }

    private List<JsonNode> resultsOfTarget() {
        List<JsonNode> out = new ArrayList<>();
        for (var e : bus.redis().xrange(bus.keys().resultsStream(), io.lettuce.core.Range.create("-", "+"))) {
            JsonNode n = Json.read(e.getBody().get("json"), JsonNode.class);
            if (target.equals(n.path("target").asText())) out.add(n);
        }
        return out;
    }

    private JsonNode lastResult() {
        List<JsonNode> r = resultsOfTarget();
        assertFalse(r.isEmpty(), "no result of " + target + " in the results stream");
        return r.get(r.size() - 1);
    }

    /** Every request recorded so far (it stops at the first 200 ms without one). */
    private List<RecordedRequest> drainRequests() throws InterruptedException {
        List<RecordedRequest> out = new ArrayList<>();
        for (RecordedRequest r; (r = server.takeRequest(200, TimeUnit.MILLISECONDS)) != null; ) out.add(r);
        return out;
    }

    private static List<String> lines(List<RecordedRequest> rs) {
        return rs.stream().map(r -> r.getMethod() + " " + r.getPath()).toList();
    }

    private static void awaitTrue(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) fail("not within 15 s: " + what);
            Thread.sleep(20);
        }
    }
}
