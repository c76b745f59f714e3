package dev.autoscaler.dashboard;

import dev.autoscaler.common.config.Env;
import dev.autoscaler.dashboard.live.LiveFeed;

/**
 * @param host           listen address (DASHBOARD_HOST, 127.0.0.1: the page has controls, so loopback unless an operator
 *                       chooses otherwise)
 * @param port           listen port (DASHBOARD_PORT, 8090: the proof of concept's; 0 picks a free one)
 * @param adminToken     the token the controls need (ADMIN_TOKEN; none: the controls are disabled and say why)
 * @param historyWindows windows per target the page loads when it opens (HISTORY_WINDOWS, 600: half an hour at 3 s)
 * @param pollMs         how often the live feed reads the Redis streams (DASHBOARD_POLL_MS, 200: a point shows within
 *                       a fraction of a window)
 * @param maxPages       open live pages at most (DASHBOARD_MAX_PAGES, 50: each holds a connection, a thread and a queue;
 *                       a few operators need a handful)
 * @param pageQueue      events waiting per page at most (DASHBOARD_PAGE_QUEUE, 1000: minutes of events; a page further
 *                       behind loses its oldest, and reads dropped stream events again from Redis once it catches up)
 */
public record DashboardSettings(String host, int port, String adminToken, int historyWindows, int pollMs, int maxPages,
                                int pageQueue) {

    public DashboardSettings(String host, int port, String adminToken, int historyWindows, int pollMs) {
        this(host, port, adminToken, historyWindows, pollMs, LiveFeed.DEFAULT_MAX_PAGES, LiveFeed.DEFAULT_PAGE_QUEUE);
    }

    public static DashboardSettings from(Env env) {
        return new DashboardSettings(env.string("DASHBOARD_HOST", "127.0.0.1"),
                env.integer("DASHBOARD_PORT", 8090, 0, 65535),
                env.raw("ADMIN_TOKEN").orElse(null),
                env.integer("HISTORY_WINDOWS", 600, 1, 2000),
                env.integer("DASHBOARD_POLL_MS", 200, 20, 10_000),
                env.integer("DASHBOARD_MAX_PAGES", LiveFeed.DEFAULT_MAX_PAGES, 1, 10_000),
                env.integer("DASHBOARD_PAGE_QUEUE", LiveFeed.DEFAULT_PAGE_QUEUE, 10, 1_000_000));
    }

    public boolean controlsEnabled() {
        return adminToken != null && !adminToken.isBlank();
    }

    @Override
    public String toString() {
        return "DashboardSettings[" + host + ":" + port + ", controls " + (controlsEnabled() ? "on" : "off") + "]";
    }
}
