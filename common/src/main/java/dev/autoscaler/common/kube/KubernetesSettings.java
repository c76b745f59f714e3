package dev.autoscaler.common.kube;

import dev.autoscaler.common.config.Env;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where a service meets the Kubernetes API and how it elects one actor among its replicas with a coordination.k8s.io
 * Lease: the executor's kubernetes backend (executor README, "Kubernetes backend") and the planner where
 * {@code PLANNER_ELECTION=kubernetes} (planner README). Both read the same KUBE_* timings; each has its own Lease name.
 *
 * @param namespace     where the opted-in Deployments, their HPAs and the Lease live (KUBE_NAMESPACE; default the pod's
 *                      own namespace from its service-account file, else "default": the executor usually scales its
 *                      neighbours)
 * @param leaseName     the coordination.k8s.io Lease the service's replicas elect a leader with (executor:
 *                      KUBE_LEASE_NAME, "autoscaler-executor"; planner: PLANNER_KUBE_LEASE_NAME, "autoscaler-planner"):
 *                      one name per installation, so two installations in one namespace need two
 * @param identity      who this replica is in the Lease (POD_NAME, else HOSTNAME: a pod's name, unique per replica)
 * @param leaseSec      how long a Lease holds without renewal (KUBE_LEASE_SEC, 15: the client-go default; a dead
 *                      leader is replaced after about this long)
 * @param renewSec      how long the leader keeps trying to renew before it gives up acting (KUBE_LEASE_RENEW_SEC, 10:
 *                      client-go's default; must be below KUBE_LEASE_SEC so it stops before another may start)
 * @param retrySec      how often candidates try to take the Lease and the leader renews it (KUBE_LEASE_RETRY_SEC, 2:
 *                      client-go's default)
 */
public record KubernetesSettings(String namespace, String leaseName, String identity, double leaseSec, double renewSec,
                                 double retrySec) {
    /** Where Kubernetes mounts the pod's namespace beside its service-account token. */
    static final Path NAMESPACE_FILE = Path.of("/var/run/secrets/kubernetes.io/serviceaccount/namespace");
    /** DNS-1123 names, what Kubernetes accepts for a namespace and a Lease. */
    private static final String DNS_NAME = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";

    /** The executor's kubernetes backend: Lease KUBE_LEASE_NAME. */
    public static KubernetesSettings executor(Env env) {
        return executor(env, NAMESPACE_FILE);
    }

    public static KubernetesSettings executor(Env env, Path namespaceFile) {
        return from(env, "KUBE_LEASE_NAME", "autoscaler-executor", "the kubernetes backend", namespaceFile);
    }

    /** The planner's election: Lease PLANNER_KUBE_LEASE_NAME (the ConfigMap is shared, so not the executor's name). */
    public static KubernetesSettings planner(Env env) {
        return planner(env, NAMESPACE_FILE);
    }

    public static KubernetesSettings planner(Env env, Path namespaceFile) {
        return from(env, "PLANNER_KUBE_LEASE_NAME", "autoscaler-planner", "the planner's Kubernetes election", namespaceFile);
    }

    private static KubernetesSettings from(Env env, String leaseVar, String defaultLease, String who, Path namespaceFile) {
        String ns = env.raw("KUBE_NAMESPACE").orElseGet(() -> fileNamespace(namespaceFile).orElse("default"));
        if (ns.length() > 63 || !ns.matches(DNS_NAME)) throw Env.bad("KUBE_NAMESPACE", ns, "a namespace name (DNS-1123 label)");
        String lease = env.string(leaseVar, defaultLease);
        if (lease.length() > 253 || !lease.matches(DNS_NAME + "(\\." + DNS_NAME + ")*")) {
            throw Env.bad(leaseVar, lease, "a Lease name (DNS-1123 subdomain)");
        }
        String identity = env.raw("POD_NAME", "HOSTNAME").orElse(null);
        if (identity == null) {
            throw new dev.autoscaler.common.config.ConfigException(
                    "POD_NAME and HOSTNAME are both unset: " + who + " needs one to name this replica in the Lease");
        }
        double leaseSec = env.number("KUBE_LEASE_SEC", 15, 1, 3600);
        double renewSec = env.number("KUBE_LEASE_RENEW_SEC", 10, 0.5, 3600);
        double retrySec = env.number("KUBE_LEASE_RETRY_SEC", 2, 0.1, 3600);
        if (renewSec >= leaseSec) throw Env.bad("KUBE_LEASE_RENEW_SEC", fmt(renewSec), "less than KUBE_LEASE_SEC (" + fmt(leaseSec) + ")");
        if (retrySec >= renewSec) throw Env.bad("KUBE_LEASE_RETRY_SEC", fmt(retrySec), "less than KUBE_LEASE_RENEW_SEC (" + fmt(renewSec) + ")");
        return new KubernetesSettings(ns, lease, identity, leaseSec, renewSec, retrySec);
    }

    private static Optional<String> fileNamespace(Path f) {
        try {
            return Files.isReadable(f) ? Optional.of(Files.readString(f).trim()).filter(s -> !s.isEmpty()) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static String fmt(double d) {
        return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
    }
}
