package dev.autoscaler.monitor;

import dev.autoscaler.common.config.ConfigException;
import dev.autoscaler.common.config.Env;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;

/**
 * The monitor's settings (README, "monitor"); the PoC's names keep their meaning. MONITOR_SOURCE is {@code nginx}
 * (probes + access log + stub_status, the default) or {@code prometheus} (PromQL), which is when {@code prometheus}
 * holds its settings (else it is null). {@code targets} come from TARGETS (or TARGET): one monitor measures them all.
 * {@code targetUrl} is TARGET_URL as given; with several targets it holds {@code {target}}, replaced per target.
 */
public record MonitorSettings(List<String> targets, String targetUrl, double sampleIntervalSec, int probeRequests,
                              double timeoutSec, Path accessLog, URI statusUrl, int minLogRequests, PrometheusSettings prometheus) {
    public static final String NGINX = "nginx";
    public static final String PROMETHEUS = "prometheus";
    static final String TARGET_PLACEHOLDER = "{target}";

    public static MonitorSettings from(Env env) {
        List<String> targets = env.targets();
        double interval = env.number("SAMPLE_INTERVAL", 3, 0.5, 3600);
        double timeout = env.number("TIMEOUT_S", 2.5, 0.05, 600);
        Path log = env.raw("ACCESS_LOG").map(Path::of).orElse(null);
        URI status = env.raw("STATUS_URL").isPresent() ? env.httpUrl("STATUS_URL", null) : null;
        String source = env.oneOf("MONITOR_SOURCE", NGINX, NGINX, PROMETHEUS);
        PrometheusSettings.checkUrlIfSet(env);
        PrometheusSettings prom = PROMETHEUS.equals(source) ? PrometheusSettings.from(env, targets, interval, timeout) : null;
        int probes = env.integer("PROBE_REQUESTS", 10, 0, 10_000);
        String url = targetUrl(env, targets, probes > 0 && prom == null);
        return new MonitorSettings(targets, url, interval, probes, timeout, log, status,
                env.integer("MIN_LOG_REQUESTS", 20, 1, 1_000_000), prom);
    }

    /** TARGET_URL, checked with {@code {target}} replaced; several probed targets need the placeholder, or they all probe one URL. */
    private static String targetUrl(Env env, List<String> targets, boolean probed) {
        String template = env.string("TARGET_URL", "http://127.0.0.1:8080/");
        Env checked = new Env(java.util.Map.of("TARGET_URL", template.replace(TARGET_PLACEHOLDER, targets.get(0))));
        try {
            checked.httpUrl("TARGET_URL", null);
        } catch (ConfigException e) {
            throw Env.bad("TARGET_URL", template, "an http:// or https:// URL ({target} is replaced by each target's name)");
        }
        if (probed && targets.size() > 1 && !template.contains(TARGET_PLACEHOLDER)) {
            throw Env.bad("TARGET_URL", template, "a URL with {target} in it when one monitor probes several TARGETS "
                    + "(e.g. http://127.0.0.1:8081/t/{target}/), or PROBE_REQUESTS=0");
        }
        return template;
    }

    /** What the probes of {@code target} request. */
    public URI targetUrl(String target) {
        return URI.create(targetUrl.replace(TARGET_PLACEHOLDER, target));
    }

    /** MONITOR_SOURCE: {@code nginx} or {@code prometheus}. */
    public String source() {
        return prometheus == null ? NGINX : PROMETHEUS;
    }
}
