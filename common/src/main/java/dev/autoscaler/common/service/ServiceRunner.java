package dev.autoscaler.common.service;

import dev.autoscaler.common.config.ConfigException;
import dev.autoscaler.common.config.Env;
import dev.autoscaler.common.ops.OpsServer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts one service the same way for all of them: validate configuration first (one line and exit code 2
 * on a bad value), then start the service and its {@code /health} + {@code /metrics} endpoint on
 * {@code OPS_HOST}:{@code OPS_PORT}, and block until SIGTERM/SIGINT, which closes the service cleanly.
 */
public final class ServiceRunner {
    private static final Logger log = LoggerFactory.getLogger(ServiceRunner.class);

    public interface Factory {
        /** Parse and validate settings (throwing {@link ConfigException}), connect, start. */
        Service start(ServiceContext ctx) throws Exception;
    }

    private ServiceRunner() {}

    public static int run(String name, Env env, Factory factory) {
        ServiceContext ctx;
        String opsHost;
        int opsPort;
        Service service;
        try {
            ctx = new ServiceContext(env);
            opsHost = env.string("OPS_HOST", "127.0.0.1");
            opsPort = env.integer("OPS_PORT", 0, 0, 65535);
            service = factory.start(ctx);
        } catch (ConfigException e) {
            System.err.println("autoscaler " + name + ": " + e.getMessage());
            return 2;
        } catch (Exception e) {
            log.error("{} failed to start", name, e);
            return 1;
        }
        OpsServer ops;
        try {
            ops = new OpsServer(name, opsHost, opsPort, ctx.meters(), () -> {
                OpsServer.Health h = service.health();
                Map<String, Object> d = new LinkedHashMap<>(h.details());
                boolean redisUp = ctx.bus().ping();
                d.put("redis", redisUp ? "up" : "down");
                return new OpsServer.Health(h.ok() && redisUp, d);
            });
        } catch (Exception e) {
            System.err.println("autoscaler " + name + ": cannot listen on OPS_HOST:OPS_PORT " + opsHost + ":" + opsPort
                    + " (" + e.getMessage() + ")");
            service.close();
            ctx.close();
            return 2;
        }
        log.info("{} started; health and metrics on http://{}:{}/health", name, opsHost, ops.port());
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            log.info("{} stopping", name);
            try {
                service.close();
            } finally {
                ops.close();
                ctx.close();
                stopped.countDown();
            }
        }, "shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }
}
