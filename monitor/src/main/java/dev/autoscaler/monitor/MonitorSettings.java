package dev.autoscaler.monitor;

import dev.autoscaler.common.config.Env;
import dev.autoscaler.common.msg.TargetNames;
import java.net.URI;
import java.nio.file.Path;

/**
 * The monitor's settings (README, "monitor"); the PoC's names keep their meaning. MONITOR_SOURCE is {@code nginx}
 * (probes + access log + stub_status, the default) or {@code prometheus} (PromQL), which is when {@code prometheus}
 * holds its settings (else it is null).
 */
public record MonitorSettings(String target, URI targetUrl, double sampleIntervalSec, int probeRequests, double timeoutSec,
                              Path accessLog, URI statusUrl, int minLogRequests, PrometheusSettings prometheus) {
    public static final String NGINX = "nginx";
    public static final String PROMETHEUS = "prometheus";

    public static MonitorSettings from(Env env) {
        String target = env.string("TARGET", "app");
        if (!TargetNames.valid(target)) throw Env.bad("TARGET", target, "a name of [A-Za-z0-9_.-]");
        double interval = env.number("SAMPLE_INTERVAL", 3, 0.5, 3600);
        double timeout = env.number("TIMEOUT_S", 2.5, 0.05, 600);
        Path log = env.raw("ACCESS_LOG").map(Path::of).orElse(null);
        URI status = env.raw("STATUS_URL").isPresent() ? env.httpUrl("STATUS_URL", null) : null;
        String source = env.oneOf("MONITOR_SOURCE", NGINX, NGINX, PROMETHEUS);
        PrometheusSettings.checkUrlIfSet(env);
        PrometheusSettings prom = PROMETHEUS.equals(source) ? PrometheusSettings.from(env, target, interval, timeout) : null;
        return new MonitorSettings(target, env.httpUrl("TARGET_URL", "http://127.0.0.1:8080/"), interval,
                env.integer("PROBE_REQUESTS", 10, 0, 10_000), timeout, log, status,
                env.integer("MIN_LOG_REQUESTS", 20, 1, 1_000_000), prom);
    }

    /** MONITOR_SOURCE: {@code nginx} or {@code prometheus}. */
    public String source() {
        return prometheus == null ? NGINX : PROMETHEUS;
    }
}
