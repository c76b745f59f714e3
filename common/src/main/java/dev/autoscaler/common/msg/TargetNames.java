package dev.autoscaler.common.msg;

import java.util.regex.Pattern;

/** The one rule for target names: they appear in Redis keys, nginx upstream names and process markers. */
public final class TargetNames {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,62}");

    private TargetNames() {}

    public static boolean valid(String name) {
        return name != null && NAME.matcher(name).matches();
    }

    /**
     * The nginx upstream a target's replicas are rendered into (the watcher) and that the access log's {@code pool}
     * field names (the monitor): nginx upstream names take no dots or dashes.
     */
    public static String upstream(String target) {
        return target.replaceAll("[^A-Za-z0-9_]", "_") + "_pool";
    }
}
