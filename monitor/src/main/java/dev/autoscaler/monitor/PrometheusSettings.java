package dev.autoscaler.monitor;

import dev.autoscaler.common.config.Env;
import java.net.URI;
import java.util.regex.Pattern;

/**
 * Where and what the Prometheus source reads (monitor README, "Prometheus source"). {@code selector} is the label
 * selector with {@code {target}} already replaced by the target's name, so one setting serves every target.
 *
 * @param url            PROMETHEUS_URL: the server's base URL; queries go to {@code <url>/api/v1/query}; a
 *                       {@code user:password@} in it is sent as HTTP basic auth and never shown
 * @param histogram      PROM_HISTOGRAM: the histogram's base name; {@code _bucket} and {@code _sum} are appended
 * @param count          PROM_COUNT: the request counter whose rate is rps (default: the histogram's {@code _count})
 * @param selector       PROM_SELECTOR: label matchers inside the braces, e.g. {@code job="app"}; empty = all series
 * @param rangeSec       PROM_RANGE_SEC: the rate() range; it must span at least two scrapes or Prometheus answers nothing
 * @param statusLabel    PROM_STATUS_LABEL: the label holding the HTTP status, for success_rate; empty = not measured
 * @param timeoutSec     TIMEOUT_S: the bound on each query, so a hung server cannot delay a window
 * @param targetLabel    with several targets, the label of PROM_SELECTOR's {@code label="{target}"} matcher: the
 *                       selector then matches every target ({@code label=~"a|b"}) and each query groups by the label,
 *                       so one query per number serves them all; null with one target
 */
public record PrometheusSettings(URI url, String histogram, String count, String selector, double rangeSec,
                                 String statusLabel, double timeoutSec, String targetLabel) {
    public static final String DEFAULT_HISTOGRAM = "http_server_requests_seconds";

    private static final Pattern METRIC = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    /** The matcher that names the target in PROM_SELECTOR: {@code label="{target}"}. */
    private static final Pattern TARGET_MATCHER = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)\\s*=\\s*\"\\{target}\"");
    /** One or more label matchers, comma-separated: name op "value" (quotes and backslashes escaped). */
    private static final Pattern SELECTOR = Pattern.compile(
            "\\s*[a-zA-Z_][a-zA-Z0-9_]*\\s*(=|!=|=~|!~)\\s*\"(?:[^\"\\\\\\n]|\\\\.)*\"\\s*"
            + "(,\\s*[a-zA-Z_][a-zA-Z0-9_]*\\s*(=|!=|=~|!~)\\s*\"(?:[^\"\\\\\\n]|\\\\.)*\"\\s*)*,?\\s*");

    /** One target's settings: every query sums over what the selector matches. */
    public PrometheusSettings(URI url, String histogram, String count, String selector, double rangeSec, String statusLabel,
                              double timeoutSec) {
        this(url, histogram, count, selector, rangeSec, statusLabel, timeoutSec, null);
    }

    /**
     * Reads the settings; PROMETHEUS_URL is required. {@code defaultRangeSec} is the monitor's SAMPLE_INTERVAL, so by
     * default a window's numbers cover that window and no other.
     */
    public static PrometheusSettings from(Env env, String target, double defaultRangeSec, double timeoutSec) {
        return from(env, java.util.List.of(target), defaultRangeSec, timeoutSec);
    }

    /**
     * With several targets PROM_SELECTOR must name the target with one {@code label="{target}"} matcher: it becomes
     * {@code label=~"a|b|…"} and every query groups by that label.
     */
    public static PrometheusSettings from(Env env, java.util.List<String> targets, double defaultRangeSec, double timeoutSec) {
        if (env.raw("PROMETHEUS_URL").isEmpty()) {
            throw Env.bad("PROMETHEUS_URL", "", "the Prometheus server's http:// or https:// URL (MONITOR_SOURCE=prometheus needs it)");
        }
        URI url = env.httpUrl("PROMETHEUS_URL", null);
        String histogram = metric(env, "PROM_HISTOGRAM", DEFAULT_HISTOGRAM);
        String count = metric(env, "PROM_COUNT", histogram + "_count");
        String template = env.string("PROM_SELECTOR", "");
        String targetLabel = null;
        String selector;
        if (targets.size() == 1) {
            selector = template.replace("{target}", targets.get(0));
        } else {
            var m = TARGET_MATCHER.matcher(template);
            if (!m.find()) {
                throw Env.bad("PROM_SELECTOR", template, "one matcher label=\"{target}\" (e.g. job=\"{target}\") when one monitor "
                        + "reads several TARGETS: its label groups the answers by target");
            }
            targetLabel = m.group(1);
            String anyTarget = String.join("|", targets.stream().map(t -> t.replace(".", "\\\\.")).toList());
            selector = template.substring(0, m.start()) + targetLabel + "=~\"" + anyTarget + "\"" + template.substring(m.end());
        }
        if (!selector.isBlank() && !SELECTOR.matcher(selector).matches()) {
            throw Env.bad("PROM_SELECTOR", template, "label matchers such as job=\"{target}\",env!=\"dev\" (no braces around them)");
        }
        String status = env.string("PROM_STATUS_LABEL", "status");
        if (!status.isEmpty() && !LABEL.matcher(status).matches()) throw Env.bad("PROM_STATUS_LABEL", status, "a label name");
        double range = env.number("PROM_RANGE_SEC", Math.max(1, defaultRangeSec), 1, 86_400);
        return new PrometheusSettings(url, histogram, count, selector.strip(), range, status, timeoutSec, targetLabel);
    }

    /** Validates PROMETHEUS_URL when it is set, even if another source is chosen: a typo there is worth knowing now. */
    static void checkUrlIfSet(Env env) {
        if (env.raw("PROMETHEUS_URL").isPresent()) env.httpUrl("PROMETHEUS_URL", null);
    }

    /** The URL without user:password, for logs and published messages: a credential never leaves this process. */
    public URI shownUrl() {
        if (url.getRawUserInfo() == null) return url;
        return URI.create(url.getScheme() + "://" + url.getHost() + (url.getPort() < 0 ? "" : ":" + url.getPort())
                + (url.getRawPath() == null ? "" : url.getRawPath()));
    }

    /** Never prints a password that PROMETHEUS_URL carries. */
    @Override
    public String toString() {
        return "PrometheusSettings[url=" + shownUrl() + ", histogram=" + histogram + ", count=" + count + ", selector=" + selector
                + ", rangeSec=" + rangeSec + ", statusLabel=" + statusLabel + ", timeoutSec=" + timeoutSec + ", targetLabel=" + targetLabel + "]";
    }

    private static String metric(Env env, String name, String def) {
        String v = env.string(name, def);
        if (!METRIC.matcher(v).matches()) throw Env.bad(name, v, "a Prometheus metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)");
        return v;
    }
}
