package dev.autoscaler.executor.kubernetes;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.Map;
import java.util.OptionalInt;

/**
 * The annotations by which a Deployment opts in to being scaled. Without {@code autoscaler.io/enabled: "true"} the
 * backend never writes to a Deployment, whatever else it carries: an operator must say yes explicitly.
 */
public final class DeploymentOptIn {
    public static final String ENABLED = "autoscaler.io/enabled";
    /** The autoscaler target this Deployment is; default its own name. */
    public static final String TARGET = "autoscaler.io/target";
    public static final String MIN = "autoscaler.io/min-replicas";
    public static final String MAX = "autoscaler.io/max-replicas";

    private DeploymentOptIn() {}

    public static boolean optedIn(Deployment d) {
        return "true".equals(annotations(d).get(ENABLED));
    }

    public static String target(Deployment d) {
        String t = annotations(d).get(TARGET);
        return t == null || t.isBlank() ? d.getMetadata().getName() : t.trim();
    }

    /**
     * A bound annotation as a whole number >= 0; empty when absent. A bad value is an operator's typo found at run
     * time: it must not stop the executor, so it throws for the caller to report and skip this Deployment.
     */
    static OptionalInt bound(Deployment d, String key) {
        String v = annotations(d).get(key);
        if (v == null) return OptionalInt.empty();
        try {
            int i = Integer.parseInt(v.trim());
            if (i >= 0) return OptionalInt.of(i);
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException("annotation " + key + "=\"" + v + "\" on Deployment " + d.getMetadata().getName()
                + " is not a whole number >= 0");
    }

    private static Map<String, String> annotations(Deployment d) {
        Map<String, String> a = d.getMetadata() == null ? null : d.getMetadata().getAnnotations();
        return a == null ? Map.of() : a;
    }
}
