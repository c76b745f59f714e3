package dev.autoscaler.executor.backend;

import dev.autoscaler.common.bus.RedisBus;
import dev.autoscaler.common.msg.Channels;
import dev.autoscaler.common.msg.ExecResult;
import dev.autoscaler.common.msg.Json;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where every backend's results go: appended to the capped {@code results} stream (history for the dashboard), kept
 * as the target's last result in {@code last:{target}} (field {@code result}, for {@code status}), then published.
 */
public final class ResultLog {
    private static final Logger log = LoggerFactory.getLogger(ResultLog.class);
    /** Entries kept in the {@code results} stream (approximately): a result per plan, ~8 h of 3 s windows of one target. */
    public static final long RESULTS_MAXLEN = 10_000;
    public static final String LAST_FIELD = "result";

    private ResultLog() {}

    public static void publish(RedisBus bus, ExecResult r) {
        String json = Json.write(r);
        // appended first: whoever hears of it on the channel finds it in the stream too; a lost entry must not stop a reconcile
        try {
            bus.appendCapped(bus.keys().resultsStream(), Map.of(ExecResult.STREAM_FIELD, json), RESULTS_MAXLEN);
            bus.redis().hset(bus.keys().last(r.target()), LAST_FIELD, json);
        } catch (RuntimeException e) {
            log.warn("{}: result of plan {} not stored ({})", r.target(), r.planId(), e.getMessage());
        }
        bus.publish(Channels.RESULTS, r);
    }
}
