package dev.autoscaler.dashboard;

import dev.autoscaler.common.config.Env;

/**
 * @param host           listen address (DASHBOARD_HOST, 127.0.0.1: the page has controls, so loopback unless an operator
 *                       chooses otherwise)
 * @param port           listen port (DASHBOARD_PORT, 8090: the proof of concept's; 0 picks a free one)
 * @param adminToken     the token the controls need (ADMIN_TOKEN; none: the controls are disabled and say why)
 * @param historyWindows windows per target the page loads when it opens (HISTORY_WINDOWS, 600: half an hour at 3 s)
 * @param pollMs         how often the live feed reads the Redis streams (DASHBOARD_POLL_MS, 200: a point shows within
 *                       a fraction of a window)
 */
public record DashboardSettings(String host, int port, String adminToken, int historyWindows, int pollMs) {

    public static DashboardSettings from(Env env) {
        return new DashboardSettings(env.string("DASHBOARD_HOST", "127.0.0.1"),
                env.integer("DASHBOARD_PORT", 8090, 0, 65535),
                env.raw("ADMIN_TOKEN").orElse(null),
                env.integer("HISTORY_WINDOWS", 600, 1, 2000),
                env.integer("DASHBOARD_POLL_MS", 200, 20, 10_000));
    }

    public boolean controlsEnabled() {
        return adminToken != null && !adminToken.isBlank();
    }

    @Override
    public String toString() {
        return "DashboardSettings[" + host + ":" + port + ", controls " + (controlsEnabled() ? "on" : "off") + "]";
    }
}
