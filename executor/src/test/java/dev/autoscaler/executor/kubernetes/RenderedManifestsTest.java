package dev.autoscaler.executor.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.autoscaler.common.testing.Manifests;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What {@code kubectl kustomize deploy/kubernetes} renders, which is what {@code kubectl apply -k} sends: every object
 * in the namespace, the images the kustomization names, and pods the "restricted" Pod Security Standard admits.
 * {@code ./autoscaler test} installs kubectl (Debian's kubernetes-client) where none is there.
 */
class RenderedManifestsTest {
    private static final List<HasMetadata> objects = new ArrayList<>();

    @BeforeAll
    static void render() throws Exception {
        Process p;
        try {
            p = new ProcessBuilder("kubectl", "kustomize", Manifests.DIR.toString()).start();
        } catch (java.io.IOException e) {
            throw new AssertionError("kubectl is needed to render the manifests (apt-get install kubernetes-client): " + e.getMessage());
        }
        byte[] out = p.getInputStream().readAllBytes();
        String err = new String(p.getErrorStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "kubectl kustomize finished");
        assertEquals(0, p.exitValue(), "kubectl kustomize: " + err);
        objects.addAll(Manifests.parse(new ByteArrayInputStream(out)));
    }

    @Test
    void everyObjectIsRenderedIntoTheNamespaceWithTheKustomizationsImages() {
        assertTrue(objects.size() > 20, "the whole base: " + objects.size() + " objects");
        for (HasMetadata o : objects) {
            if (o instanceof Namespace) continue;
            assertEquals("autoscaler", o.getMetadata().getNamespace(), o.getKind() + " " + o.getMetadata().getName());
        }
        Set<String> images = new TreeSet<>();
        for (Deployment d : deployments()) {
            PodSpec pod = d.getSpec().getTemplate().getSpec();
            pod.getContainers().forEach(c -> images.add(c.getImage()));
            if (pod.getInitContainers() != null) pod.getInitContainers().forEach(c -> images.add(c.getImage()));
        }
        assertEquals(Set.of("redis:7.2", "autoscaler:local", "autoscaler-app:local"), images);
    }

    private static List<Deployment> deployments() {
        return objects.stream().filter(Deployment.class::isInstance).map(Deployment.class::cast).toList();
    }

    /**
     * The "restricted" Pod Security Standard, as the API server's admission checks it, for every pod kustomize renders
     * (and a read-only root, which the standard does not ask for): the namespace enforces it, so a pod that broke it
     * would never start.
     */
    @Test
    void everyPodPassesTheRestrictedPodSecurityStandard() {
        var ns = Manifests.one(objects, Namespace.class, "autoscaler");
        assertEquals("restricted", ns.getMetadata().getLabels().get("pod-security.kubernetes.io/enforce"));
        Set<String> allowedVolumes = Set.of("configMap", "emptyDir", "persistentVolumeClaim", "secret", "projected", "downwardAPI");
        List<Deployment> deployments = deployments();
        assertEquals(6, deployments.size(), "redis, the four services and the app");
        for (Deployment d : deployments) {
            String name = d.getMetadata().getName();
            PodSpec pod = d.getSpec().getTemplate().getSpec();
            var podSc = pod.getSecurityContext();
            assertTrue(podSc == null || podSc.getSysctls() == null || podSc.getSysctls().isEmpty(), name + ": no sysctls");
            assertFalse(Boolean.TRUE.equals(pod.getHostNetwork()) || Boolean.TRUE.equals(pod.getHostPID())
                    || Boolean.TRUE.equals(pod.getHostIPC()), name + ": no host namespaces");
            for (var v : pod.getVolumes()) {
                var kinds = new TreeSet<String>();
                if (v.getConfigMap() != null) kinds.add("configMap");
                if (v.getEmptyDir() != null) kinds.add("emptyDir");
                if (v.getPersistentVolumeClaim() != null) kinds.add("persistentVolumeClaim");
                if (v.getSecret() != null) kinds.add("secret");
                if (v.getProjected() != null) kinds.add("projected");
                if (v.getDownwardAPI() != null) kinds.add("downwardAPI");
                assertEquals(1, kinds.size(), name + " volume " + v.getName() + " is of an allowed kind: " + kinds);
                assertTrue(allowedVolumes.containsAll(kinds), name + " volume " + v.getName());
            }
            List<Container> all = new ArrayList<>(pod.getContainers());
            if (pod.getInitContainers() != null) all.addAll(pod.getInitContainers());
            for (Container c : all) {
                var sc = c.getSecurityContext();
                String what = name + "/" + c.getName();
                assertNotNull(sc, what + " has a securityContext");
                boolean nonRoot = Boolean.TRUE.equals(sc.getRunAsNonRoot()) || podSc != null && Boolean.TRUE.equals(podSc.getRunAsNonRoot());
                assertTrue(nonRoot, what + " runAsNonRoot");
                assertTrue(sc.getRunAsUser() == null || sc.getRunAsUser() != 0, what + " not uid 0");
                assertEquals(Boolean.FALSE, sc.getAllowPrivilegeEscalation(), what + " allowPrivilegeEscalation false");
                assertFalse(Boolean.TRUE.equals(sc.getPrivileged()), what + " not privileged");
                assertTrue(sc.getCapabilities() != null && sc.getCapabilities().getDrop().contains("ALL"), what + " drops ALL capabilities");
                assertTrue(sc.getCapabilities().getAdd() == null || sc.getCapabilities().getAdd().isEmpty(), what + " adds none");
                var seccomp = sc.getSeccompProfile() != null ? sc.getSeccompProfile() : podSc == null ? null : podSc.getSeccompProfile();
                assertTrue(seccomp != null && "RuntimeDefault".equals(seccomp.getType()), what + " seccompProfile RuntimeDefault");
                assertEquals(Boolean.TRUE, sc.getReadOnlyRootFilesystem(), what + " read-only root");
                assertTrue(c.getPorts() == null || c.getPorts().stream().allMatch(p -> p.getHostPort() == null || p.getHostPort() == 0),
                        what + " no host ports");
            }
        }
    }

}
