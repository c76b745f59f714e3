package dev.autoscaler.common.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.autoscaler.common.config.ConfigException;
import dev.autoscaler.common.config.Env;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KubernetesSettingsTest {
    @TempDir
    Path dir;

    private final Path noFile = Path.of("/nonexistent/namespace");

    private static Env env(String... kv) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
        return new Env(m);
    }

    @Test
    void defaultsFollowClientGoAndThePodsOwnNamespace() throws Exception {
        Path ns = Files.writeString(dir.resolve("namespace"), "shop\n");
        KubernetesSettings s = KubernetesSettings.executor(env("HOSTNAME", "executor-abc"), ns);
        assertEquals("shop", s.namespace());
        assertEquals("autoscaler-executor", s.leaseName());
        assertEquals("executor-abc", s.identity());
        assertEquals(15, s.leaseSec());
        assertEquals(10, s.renewSec());
        assertEquals(2, s.retrySec());
        assertEquals("default", KubernetesSettings.executor(env("HOSTNAME", "h"), noFile).namespace());
    }

    @Test
    void settingsWinOverTheFileAndPodNameOverHostname() throws Exception {
        Path ns = Files.writeString(dir.resolve("namespace"), "shop");
        KubernetesSettings s = KubernetesSettings.executor(env("KUBE_NAMESPACE", "other", "POD_NAME", "pod-1", "HOSTNAME", "h",
                "KUBE_LEASE_NAME", "my.lease"), ns);
        assertEquals("other", s.namespace());
        assertEquals("pod-1", s.identity());
        assertEquals("my.lease", s.leaseName());
    }

    @Test
    void thePlannerHasItsOwnLeaseNameBesideTheSharedTimings() throws Exception {
        Path ns = Files.writeString(dir.resolve("namespace"), "shop");
        // one ConfigMap feeds both services: the executor's KUBE_LEASE_NAME must not become the planner's
        Env shared = env("HOSTNAME", "planner-1", "KUBE_LEASE_NAME", "executors", "KUBE_LEASE_SEC", "6", "KUBE_LEASE_RENEW_SEC", "4");
        KubernetesSettings p = KubernetesSettings.planner(shared, ns);
        assertEquals("autoscaler-planner", p.leaseName());
        assertEquals("shop", p.namespace());
        assertEquals(6, p.leaseSec());
        assertEquals(4, p.renewSec());
        assertEquals("planners", KubernetesSettings.planner(env("HOSTNAME", "h", "PLANNER_KUBE_LEASE_NAME", "planners"), ns).leaseName());
        ConfigException e = assertThrows(ConfigException.class,
                () -> KubernetesSettings.planner(env("HOSTNAME", "h", "PLANNER_KUBE_LEASE_NAME", "Bad_Name"), noFile));
        assertTrue(e.getMessage().contains("PLANNER_KUBE_LEASE_NAME"), e.getMessage());
    }

    @Test
    void aBadValueNamesTheVariable() {
        assertNamed("KUBE_NAMESPACE", env("KUBE_NAMESPACE", "Not_A_Namespace", "HOSTNAME", "h"));
        assertNamed("KUBE_LEASE_NAME", env("KUBE_LEASE_NAME", "-bad-", "HOSTNAME", "h"));
        assertNamed("KUBE_LEASE_SEC", env("KUBE_LEASE_SEC", "soon", "HOSTNAME", "h"));
        assertNamed("KUBE_LEASE_RENEW_SEC", env("KUBE_LEASE_SEC", "5", "KUBE_LEASE_RENEW_SEC", "5", "HOSTNAME", "h"));
        assertNamed("KUBE_LEASE_RETRY_SEC", env("KUBE_LEASE_RETRY_SEC", "10", "HOSTNAME", "h"));
        assertNamed("POD_NAME", env());
    }

    private void assertNamed(String name, Env env) {
        ConfigException e = assertThrows(ConfigException.class, () -> KubernetesSettings.executor(env, noFile));
        assertTrue(e.getMessage().contains(name), e.getMessage());
    }
}
