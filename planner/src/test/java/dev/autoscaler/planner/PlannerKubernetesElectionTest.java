package dev.autoscaler.planner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.autoscaler.common.bus.RedisBus;
import dev.autoscaler.common.config.Env;
import dev.autoscaler.common.msg.Channels;
import dev.autoscaler.common.msg.LatencyMetrics;
import dev.autoscaler.common.msg.Plan;
import dev.autoscaler.common.service.ServiceContext;
import dev.autoscaler.common.testing.ManifestRbac;
import dev.autoscaler.common.testing.RedisServer;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two planners with {@code PLANNER_ELECTION=kubernetes} against fabric8's mock API server in CRUD mode (a fake
 * Kubernetes that stores the Lease they write) and a real redis-server: one acts, the other stands by, a stopped leader
 * hands over, and what they send needs exactly what the planner's Role in deploy/kubernetes/planner.yaml grants.
 */
@EnableKubernetesMockClient(crud = true)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class PlannerKubernetesElectionTest {
    private static final String NS = "scaling";

    /** Injected fresh for each test by the extension. */
    KubernetesMockServer server;
    KubernetesClient client;

    RedisServer redis;
    RedisBus bus;
    final List<ServiceContext> contexts = new ArrayList<>();
    final List<PlannerService> planners = new ArrayList<>();
    final LinkedBlockingQueue<Plan> plans = new LinkedBlockingQueue<>();
    double ts = 1_761_581_000.0;

    @BeforeEach
    void start() throws Exception {
        java.util.logging.Logger.getLogger("io.fabric8.mockwebserver").setLevel(java.util.logging.Level.WARNING);
        redis = RedisServer.start();
        bus = redis.bus();
        bus.subscribe(Channels.ACTIONS, Plan.class, plans::add);
        RegistryFixture.register(bus, "app", 2);
    }

    @AfterEach
    void stop() {
        planners.forEach(PlannerService::close);
        contexts.forEach(ServiceContext::close);
        bus.close();
        redis.close();
    }

    @Test
    void oneActsTheOtherStandsByAndTakesOverWithinTheLeaseTime() throws Exception {
        PlannerService a = planner("planner-a");
        awaitTrue(() -> "active".equals(role(a)), "planner-a wins the empty Lease");
        PlannerService b = planner("planner-b");
        awaitTrue(() -> "planner-a".equals(lease(b).get("holder")), "planner-b sees who holds it");
        assertEquals("standby", role(b));
        assertEquals("autoscaler-planner", lease(a).get("name"));
        Lease stored = client.leases().inNamespace(NS).withName("autoscaler-planner").get();
        assertEquals("planner-a", stored.getSpec().getHolderIdentity(), "kubectl shows who acts");

        for (int i = 0; i < 3; i++) decide();
        assertNull(plans.poll(500, TimeUnit.MILLISECONDS), "one plan per window, not two");
        assertEquals(3L, a.health().details().get("windows"));
        assertEquals(0L, b.health().details().get("windows"));
        String fence = bus.redis().hget(bus.keys().desired("app"), "fence");
        assertTrue(fence != null && Long.parseLong(fence) > 0, "desired is written with a fencing token: " + fence);

        a.close();
        planners.remove(a);
        awaitTrue(() -> "active".equals(role(b)), "planner-b takes over");
        assertEquals("planner-b", client.leases().inNamespace(NS).withName("autoscaler-planner").get().getSpec().getHolderIdentity());
        plans.clear();
        decide();
        assertEquals(1L, b.health().details().get("windows"));
        long fenceAfter = Long.parseLong(bus.redis().hget(bus.keys().desired("app"), "fence"));
        assertTrue(fenceAfter >= Long.parseLong(fence), "the new holder's token is not older");
    }

    @Test
    void theRequestsThePlannerSendsNeedExactlyWhatItsRoleGrants() throws Exception {
        PlannerService a = planner("planner-a");
        awaitTrue(() -> "active".equals(role(a)), "planner-a leads");
        PlannerService b = planner("planner-b");
        awaitTrue(() -> "planner-a".equals(lease(b).get("holder")), "planner-b competes");
        a.close();
        planners.remove(a);
        awaitTrue(() -> "active".equals(role(b)), "planner-b takes over");
        List<RecordedRequest> sent = new ArrayList<>();
        for (RecordedRequest r; (r = server.takeRequest(200, TimeUnit.MILLISECONDS)) != null; ) sent.add(r);
        assertEquals(ManifestRbac.role("planner.yaml", "planner"), ManifestRbac.needed(sent),
                "requests sent: " + sent.stream().map(r -> r.getMethod() + " " + r.getPath()).toList());
    }

    @Test
    void aBadLeaseNameStopsThePlannerAtStartNamingIt() {
        var e = org.junit.jupiter.api.Assertions.assertThrows(dev.autoscaler.common.config.ConfigException.class,
                () -> planner("planner-a", Map.of("PLANNER_KUBE_LEASE_NAME", "Not_A_Name")));
        assertTrue(e.getMessage().contains("PLANNER_KUBE_LEASE_NAME"), e.getMessage());
    }

    private PlannerService planner(String pod) {
        return planner(pod, Map.of());
    }

    private PlannerService planner(String pod, Map<String, String> extra) {
        Map<String, String> env = new HashMap<>(Map.of("REDIS_URL", redis.url(), "SLO_P95_MS", "100", "CAPACITY_RPS", "100",
                "SAMPLE_INTERVAL", "1", "LLM_PROVIDER", "none", "PLANNER_ELECTION", "kubernetes", "KUBE_NAMESPACE", NS,
                "POD_NAME", pod));
        // short Lease times so a takeover happens within seconds (client-go's defaults are 15/10/2 s)
        env.putAll(Map.of("KUBE_LEASE_SEC", "3", "KUBE_LEASE_RENEW_SEC", "2", "KUBE_LEASE_RETRY_SEC", "0.5"));
        env.putAll(extra);
        ServiceContext ctx = new ServiceContext(new Env(env));
        contexts.add(ctx);
        PlannerService p = new PlannerService(ctx, client);
        planners.add(p);
        return p;
    }

    private void decide() throws InterruptedException {
        ts += 1;
        bus.publish(Channels.ALERTS, new LatencyMetrics(null, "app", "http://127.0.0.1/", 1, 100, 1.0, 15.0, 15.0, 30.0, 30.0, 30.0,
                100.0, 100.0, 0, 2, "access_log", ts));
        if (plans.poll(10, TimeUnit.SECONDS) == null) fail("no plan for the window");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> lease(PlannerService p) {
        return (Map<String, Object>) p.health().details().get("lease");
    }

    private static String role(PlannerService p) {
        return (String) lease(p).get("role");
    }

    private static void awaitTrue(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) fail("timed out: " + what);
            Thread.sleep(20);
        }
    }
}
