package dev.autoscaler.executor.kubernetes;

import dev.autoscaler.common.testing.ManifestRbac;
import dev.autoscaler.common.testing.Manifests;
import dev.autoscaler.common.kube.KubernetesSettings;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.autoscaler.common.config.Env;
import dev.autoscaler.common.config.RedisSettings;
import dev.autoscaler.executor.backend.ExecutorSettings;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * The kustomize base under {@code deploy/kubernetes}, read into fabric8's typed objects: every file the kustomization
 * lists parses, and the parts that must agree with the code do (args, ports, settings, RBAC).
 */
class KubernetesManifestsTest {
    private static final List<String> SERVICES = List.of("monitor", "planner", "executor", "dashboard");
    private static JsonNode kustomization;
    private static final List<HasMetadata> objects = new ArrayList<>();

    @BeforeAll
    static void load() throws IOException {
        kustomization = new YAMLMapper().readTree(Files.readString(Manifests.DIR.resolve("kustomization.yaml")));
        for (JsonNode f : kustomization.path("resources")) objects.addAll(Manifests.load(f.asText()));
    }

    @Test
    void everyListedFileParsesIntoTypedObjectsOfTheAutoscalerNamespace() throws IOException {
        assertEquals("autoscaler", kustomization.path("namespace").asText());
        assertFalse(objects.isEmpty());
        for (HasMetadata o : objects) {
            assertFalse(o instanceof GenericKubernetesResource, "untyped (misspelt kind or apiVersion?): " + o);
            String ns = o.getMetadata().getNamespace();
            assertTrue(ns == null || ns.equals("autoscaler"), o.getKind() + " " + o.getMetadata().getName() + " in " + ns);
        }
        Set<String> listed = new TreeSet<>();
        kustomization.path("resources").forEach(f -> listed.add(f.asText()));
        Set<String> present = new TreeSet<>();
        try (var files = Files.list(Manifests.DIR)) {
            files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".yaml") && !n.equals("kustomization.yaml"))
                    .forEach(present::add);
        }
        assertEquals(present, listed, "every manifest file is in the kustomization");
        Set<String> images = new TreeSet<>();
        kustomization.path("images").forEach(i -> images.add(i.path("name").asText()));
        assertEquals(Set.of("redis", "autoscaler", "autoscaler-app"), images);
    }

    @Test
    void eachServiceRunsTheLauncherWithItsNameAndIsProbedOnItsOpsPort() {
        ConfigMap config = Manifests.one(objects, ConfigMap.class, "autoscaler-config");
        String opsPort = config.getData().get("OPS_PORT");
        assertEquals("0.0.0.0", config.getData().get("OPS_HOST"), "the kubelet probes the pod's address, not loopback");
        for (String name : SERVICES) {
            Deployment d = Manifests.one(objects, Deployment.class, name);
            Container c = d.getSpec().getTemplate().getSpec().getContainers().get(0);
            assertEquals("autoscaler", c.getImage(), name);
            assertEquals(List.of(name), c.getArgs(), name + ": the launcher takes the service as its first argument");
            assertEquals("autoscaler-config", c.getEnvFrom().get(0).getConfigMapRef().getName());
            assertEquals(Integer.parseInt(opsPort), c.getPorts().stream().filter(p -> "ops".equals(p.getName())).findFirst()
                    .orElseThrow().getContainerPort(), name);
            // liveness must not depend on Redis (a Redis outage would restart every pod); readiness may
            assertNotNull(c.getLivenessProbe(), name);
            assertEquals("/health", c.getLivenessProbe().getHttpGet().getPath(), name);
            assertNotNull(c.getReadinessProbe(), name);
            assertEquals("/ready", c.getReadinessProbe().getHttpGet().getPath(), name);
            for (var probe : List.of(c.getReadinessProbe(), c.getLivenessProbe())) {
                assertEquals("ops", probe.getHttpGet().getPort().getStrVal(), name);
            }
            assertEquals(d.getSpec().getSelector().getMatchLabels().get("app.kubernetes.io/name"), name);
            assertEquals("true", d.getSpec().getTemplate().getMetadata().getLabels().get("autoscaler.io/redis-client"),
                    name + " may reach Redis");
        }
        var redisPolicy = Manifests.one(objects, io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy.class, "redis-clients");
        assertEquals(Map.of("autoscaler.io/redis-client", "true"),
                redisPolicy.getSpec().getIngress().get(0).getFrom().get(0).getPodSelector().getMatchLabels());
        assertFalse(Manifests.one(objects, Deployment.class, "app").getSpec().getTemplate().getMetadata().getLabels()
                .containsKey("autoscaler.io/redis-client"), "the app never needs Redis");
        assertEquals("prometheus", config.getData().get("MONITOR_SOURCE"));
        assertTrue(config.getData().get("PROMETHEUS_URL").startsWith("http://"));
    }

    @Test
    void theExecutorAcceptsTheSettingsItsManifestGivesIt() throws IOException {
        Deployment d = Manifests.one(objects, Deployment.class, "executor");
        Map<String, String> env = new HashMap<>(Manifests.one(objects, ConfigMap.class, "autoscaler-config").getData());
        for (EnvVar v : d.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv()) {
            // what the kubelet substitutes for a fieldRef
            env.put(v.getName(), v.getValue() != null ? v.getValue()
                    : v.getValueFrom().getFieldRef().getFieldPath().equals("metadata.name") ? "executor-5d8f-abcde" : "autoscaler");
        }
        // what the kubelet mounts from the Secret autoscaler-redis
        java.nio.file.Path password = Files.createTempFile("executor", ".password");
        Files.writeString(password, "from-the-secret\n");
        env.put("REDIS_PASSWORD_FILE", password.toString());
        Env e = new Env(env);
        ExecutorSettings s = ExecutorSettings.from(e);
        assertEquals("kubernetes", s.backend());
        KubernetesSettings k = KubernetesSettings.executor(e);
        assertEquals("autoscaler", k.namespace());
        assertEquals("executor-5d8f-abcde", k.identity());
        assertEquals("redis://redis:6379", RedisSettings.from(e).url());
        assertEquals("executor", RedisSettings.from(e).user());
        assertEquals("from-the-secret", RedisSettings.from(e).password());
        assertTrue(d.getSpec().getReplicas() > 1, "more than one executor, so the Lease matters");
    }

    @Test
    void onlyTheExecutorAndThePlannerGetAnApiTokenEachWithItsOwnRoleBoundToItsAccount() throws Exception {
        Set<String> withApi = Set.of("executor", "planner");
        for (String name : SERVICES) {
            ServiceAccount sa = Manifests.one(objects, ServiceAccount.class, name);
            PodSpec pod = Manifests.one(objects, Deployment.class, name).getSpec().getTemplate().getSpec();
            assertEquals(name, pod.getServiceAccountName());
            boolean token = !Boolean.FALSE.equals(pod.getAutomountServiceAccountToken());
            assertEquals(withApi.contains(name), token, name + " mounts an API token");
            if (!withApi.contains(name)) assertEquals(Boolean.FALSE, sa.getAutomountServiceAccountToken(), name);
        }
        List<Role> roles = objects.stream().filter(Role.class::isInstance).map(Role.class::cast).toList();
        assertEquals(withApi, roles.stream().map(r -> r.getMetadata().getName()).collect(java.util.stream.Collectors.toSet()),
                "no Role but the executor's and the planner's");
        for (String name : withApi) {
            RoleBinding rb = Manifests.one(objects, RoleBinding.class, name);
            assertEquals(name, rb.getRoleRef().getName());
            assertEquals("Role", rb.getRoleRef().getKind());
            assertEquals(List.of(name), rb.getSubjects().stream().map(s -> s.getName()).toList());
        }
        // the planner elects and does nothing else with the API
        assertTrue(ManifestRbac.role("planner.yaml", "planner").stream().allMatch(g -> g.resource().equals("leases")),
                "the planner's Role grants leases only: " + ManifestRbac.role("planner.yaml", "planner"));
        assertTrue(objects.stream().noneMatch(o -> o.getKind().startsWith("Cluster")), "no cluster-wide RBAC");
    }

    @Test
    void ingressIsDeniedButWhatIsAllowedAndThePairsHaveDisruptionBudgets() {
        var policies = objects.stream().filter(io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy.class::isInstance)
                .map(io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy.class::cast).toList();
        var deny = policies.stream().filter(p -> p.getMetadata().getName().equals("default-deny-ingress")).findFirst().orElseThrow();
        assertTrue(deny.getSpec().getPodSelector().getMatchLabels() == null || deny.getSpec().getPodSelector().getMatchLabels().isEmpty(),
                "every pod");
        assertTrue(deny.getSpec().getIngress() == null || deny.getSpec().getIngress().isEmpty(), "no ingress rule: deny all");
        var ops = policies.stream().filter(p -> p.getMetadata().getName().equals("ops-from-prometheus")).findFirst().orElseThrow();
        assertNotNull(ops.getSpec().getIngress().get(0).getFrom().get(0).getNamespaceSelector(), "ops ports only from a namespace");
        for (String pair : List.of("executor", "planner")) {
            var pdb = Manifests.one(objects, io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget.class, pair);
            assertEquals(1, pdb.getSpec().getMaxUnavailable().getIntVal(), pair);
            assertTrue(Manifests.one(objects, Deployment.class, pair).getSpec().getReplicas() >= 2, pair + " runs as a pair");
        }
    }

    @Test
    void redisRunsWithTheAclUsersAndEachServiceMountsOnlyItsOwnPassword() {
        Deployment redis = Manifests.one(objects, Deployment.class, "redis");
        var c = redis.getSpec().getTemplate().getSpec().getContainers().get(0);
        String args = String.join(" ", c.getArgs());
        for (String a : List.of("--protected-mode yes", "--aclfile /secrets/users.acl", "--maxmemory-policy noeviction")) {
            assertTrue(args.contains(a), "redis " + a + ": " + args);
        }
        var aclVolume = redis.getSpec().getTemplate().getSpec().getVolumes().stream().filter(v -> v.getSecret() != null).toList();
        assertEquals(1, aclVolume.size());
        assertEquals("autoscaler-redis", aclVolume.get(0).getSecret().getSecretName());
        assertEquals(List.of("users.acl"), aclVolume.get(0).getSecret().getItems().stream().map(i -> i.getKey()).toList(),
                "Redis gets the ACL file (hashes), no password");
        for (String name : SERVICES) {
            PodSpec pod = Manifests.one(objects, Deployment.class, name).getSpec().getTemplate().getSpec();
            Map<String, String> env = new HashMap<>();
            for (EnvVar v : pod.getContainers().get(0).getEnv()) if (v.getValue() != null) env.put(v.getName(), v.getValue());
            assertEquals(name, env.get("REDIS_USER"), name);
            // the user the manifest names is one RedisAccess defines
            assertEquals(name, dev.autoscaler.common.bus.RedisAccess.Role.of(name).user());
            var secrets = pod.getVolumes().stream().filter(v -> v.getSecret() != null
                    && "autoscaler-redis".equals(v.getSecret().getSecretName())).toList();
            assertEquals(1, secrets.size(), name);
            var items = secrets.get(0).getSecret().getItems();
            assertEquals(List.of(name + ".password"), items.stream().map(i -> i.getKey()).toList(), name + " mounts only its own password");
            String mount = pod.getContainers().get(0).getVolumeMounts().stream()
                    .filter(m -> m.getName().equals(secrets.get(0).getName())).findFirst().orElseThrow().getMountPath();
            assertEquals(mount + "/" + items.get(0).getPath(), env.get("REDIS_PASSWORD_FILE"), name);
        }
    }

    @Test
    void thePlannerElectsWithItsOwnKubernetesLease() {
        Deployment d = Manifests.one(objects, Deployment.class, "planner");
        Map<String, String> env = new HashMap<>(Manifests.one(objects, ConfigMap.class, "autoscaler-config").getData());
        for (EnvVar v : d.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv()) {
            if (v.getValue() != null) env.put(v.getName(), v.getValue());
            else if (v.getValueFrom().getFieldRef() != null) env.put(v.getName(), "planner-7c9d-fghij");
        }
        Env e = new Env(env);
        assertEquals("kubernetes", e.string("PLANNER_ELECTION", "redis"));
        KubernetesSettings k = KubernetesSettings.planner(e);
        assertEquals("planner-7c9d-fghij", k.identity());
        assertEquals("autoscaler-planner", k.leaseName());
        assertTrue(!k.leaseName().equals(KubernetesSettings.executor(e).leaseName()), "not the executors' Lease");
    }

    @Test
    void theAppOptsInAndLeavesDrainingToKubernetes() {
        Deployment app = Manifests.one(objects, Deployment.class, "app");
        assertTrue(DeploymentOptIn.optedIn(app));
        assertEquals("app", DeploymentOptIn.target(app));
        assertEquals(1, DeploymentOptIn.bound(app, DeploymentOptIn.MIN).getAsInt());
        assertEquals(10, DeploymentOptIn.bound(app, DeploymentOptIn.MAX).getAsInt());
        PodSpec pod = app.getSpec().getTemplate().getSpec();
        Container c = pod.getContainers().get(0);
        assertEquals("autoscaler-app", c.getImage());
        assertEquals("/health", c.getReadinessProbe().getHttpGet().getPath());
        assertNotNull(c.getLifecycle().getPreStop().getSleep(), "a preStop pause before SIGTERM");
        assertTrue(pod.getTerminationGracePeriodSeconds() > c.getLifecycle().getPreStop().getSleep().getSeconds());
        for (Deployment other : List.of(Manifests.one(objects, Deployment.class, "redis"),
                Manifests.one(objects, Deployment.class, "monitor"))) {
            assertFalse(DeploymentOptIn.optedIn(other), other.getMetadata().getName() + " must not be scaled");
        }
    }

    @Test
    void servicesSelectTheirDeploymentsPods() {
        for (String name : List.of("app", "dashboard", "redis")) {
            Service s = Manifests.one(objects, Service.class, name);
            Map<String, String> podLabels = Manifests.one(objects, Deployment.class, name).getSpec().getTemplate().getMetadata().getLabels();
            s.getSpec().getSelector().forEach((k, v) -> assertEquals(v, podLabels.get(k), name + " selector " + k));
            assertNotEquals(0, s.getSpec().getPorts().size());
        }
    }
}
