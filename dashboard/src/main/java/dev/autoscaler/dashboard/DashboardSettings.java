package dev.autoscaler.dashboard;

import dev.autoscaler.common.config.ConfigException;
import dev.autoscaler.common.config.Env;
import dev.autoscaler.common.config.Secrets;
import dev.autoscaler.dashboard.live.LiveFeed;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * @param host           listen address (DASHBOARD_HOST, 127.0.0.1: the page has controls, so loopback unless an operator
 *                       chooses otherwise)
 * @param port           listen port (DASHBOARD_PORT, 8090: the proof of concept's; 0 picks a free one)
 * @param adminToken     the token the controls need (ADMIN_TOKEN or ADMIN_TOKEN_FILE; none: the controls are disabled and
 *                       say why); at least {@link #MIN_TOKEN_LENGTH} characters
 * @param historyWindows windows per target the page loads when it opens (HISTORY_WINDOWS, 600: half an hour at 3 s)
 * @param pollMs         how often the live feed reads the Redis streams (DASHBOARD_POLL_MS, 200: a point shows within
 *                       a fraction of a window)
 * @param maxPages       open live pages at most (DASHBOARD_MAX_PAGES, 50: each holds a connection, a thread and a queue;
 *                       a few operators need a handful)
 * @param pageQueue      events waiting per page at most (DASHBOARD_PAGE_QUEUE, 1000: minutes of events; a page further
 *                       behind loses its oldest, and reads dropped stream events again from Redis once it catches up)
 * @param allowedHosts   the names the page may be reached by (DASHBOARD_ALLOWED_HOSTS; default loopback's names and
 *                       DASHBOARD_HOST): a request whose Host, or a control whose Origin, names another is refused, so a
 *                       web page elsewhere cannot reach the dashboard through a DNS name rebound to 127.0.0.1
 * @param tokenFailures  wrong tokens one client may present per minute before it gets 429 (DASHBOARD_TOKEN_FAILURES,
 *                       10: a person mistyping never meets it, guessing a 16-character token at that rate never ends)
 */
public record DashboardSettings(String host, int port, String adminToken, int historyWindows, int pollMs, int maxPages,
                                int pageQueue, List<String> allowedHosts, int tokenFailures) {
    /** ADMIN_TOKEN's shortest length: 16 random characters are beyond guessing at DASHBOARD_TOKEN_FAILURES a minute. */
    public static final int MIN_TOKEN_LENGTH = 16;

    public DashboardSettings(String host, int port, String adminToken, int historyWindows, int pollMs) {
        this(host, port, adminToken, historyWindows, pollMs, LiveFeed.DEFAULT_MAX_PAGES, LiveFeed.DEFAULT_PAGE_QUEUE);
    }

    public DashboardSettings(String host, int port, String adminToken, int historyWindows, int pollMs, int maxPages, int pageQueue) {
        this(host, port, adminToken, historyWindows, pollMs, maxPages, pageQueue, defaultHosts(host), 10);
    }

    public static DashboardSettings from(Env env) {
        String host = env.string("DASHBOARD_HOST", "127.0.0.1");
        String token = Secrets.read(env, "ADMIN_TOKEN").filter(t -> !t.isBlank()).orElse(null);
        if (token != null && token.length() < MIN_TOKEN_LENGTH) {
            // the length only: the token itself never reaches a log line
            throw new ConfigException("ADMIN_TOKEN is " + token.length() + " characters: it must have at least " + MIN_TOKEN_LENGTH
                    + " (for example: openssl rand -hex 16)");
        }
        List<String> hosts = env.raw("DASHBOARD_ALLOWED_HOSTS").map(DashboardSettings::hostList).orElse(defaultHosts(host));
        return new DashboardSettings(host,
                env.integer("DASHBOARD_PORT", 8090, 0, 65535),
                token,
                env.integer("HISTORY_WINDOWS", 600, 1, 2000),
                env.integer("DASHBOARD_POLL_MS", 200, 20, 10_000),
                env.integer("DASHBOARD_MAX_PAGES", LiveFeed.DEFAULT_MAX_PAGES, 1, 10_000),
                env.integer("DASHBOARD_PAGE_QUEUE", LiveFeed.DEFAULT_PAGE_QUEUE, 10, 1_000_000),
                hosts,
                env.integer("DASHBOARD_TOKEN_FAILURES", 10, 1, 10_000));
    }

    /** Loopback's names, and the listen address unless it is a wildcard. */
    static List<String> defaultHosts(String host) {
        List<String> out = new ArrayList<>(List.of("127.0.0.1", "localhost", "::1"));
        String h = host.toLowerCase(Locale.ROOT);
        if (!h.equals("0.0.0.0") && !h.equals("::") && !out.contains(h)) out.add(h);
        return List.copyOf(out);
    }

    private static List<String> hostList(String v) {
        List<String> out = new ArrayList<>();
        for (String h : v.split(",")) {
            String t = h.trim().toLowerCase(Locale.ROOT);
            if (t.isEmpty()) continue;
            if (!t.matches("[a-z0-9.:\\-\\[\\]]{1,253}")) throw Env.bad("DASHBOARD_ALLOWED_HOSTS", v, "host names separated by commas");
            out.add(t.startsWith("[") && t.endsWith("]") ? t.substring(1, t.length() - 1) : t);
        }
        if (out.isEmpty()) throw Env.bad("DASHBOARD_ALLOWED_HOSTS", v, "at least one host name");
        return List.copyOf(out);
    }

    public boolean controlsEnabled() {
        return adminToken != null && !adminToken.isBlank();
    }

    @Override
    public String toString() {
        return "DashboardSettings[" + host + ":" + port + ", controls " + (controlsEnabled() ? "on" : "off") + "]";
    }
}
