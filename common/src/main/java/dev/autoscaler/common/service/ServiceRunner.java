package dev.autoscaler.common.service;

import dev.autoscaler.common.bus.RedisBus;
import dev.autoscaler.common.config.ConfigException;
import dev.autoscaler.common.config.Env;
import dev.autoscaler.common.msg.Clock;
import dev.autoscaler.common.ops.OpsServer;
import dev.autoscaler.common.status.ServiceInfo;
import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts one service the same way for all of them: validate configuration first (one line and exit code 2
 * on a bad value), then start the service, its {@code /health}, {@code /ready} and {@code /metrics} endpoint on
 * {@code OPS_HOST}:{@code OPS_PORT} and its {@link Heartbeat} ({@code HEARTBEAT_TTL_SEC}), and block until
 * SIGTERM/SIGINT, which closes the service cleanly. {@code /health} (liveness) never asks Redis: a Redis outage must
 * not get every service restarted; {@code /ready} does.
 */
public final class ServiceRunner {
    private static final Logger log = LoggerFactory.getLogger(ServiceRunner.class);

    public interface Factory {
        /** Parse and validate settings (throwing {@link ConfigException}), connect, start. */
        Service start(ServiceContext ctx) throws Exception;
    }

    /** Why a service did not start: the exit code to return (2 bad configuration or port, 1 anything else). */
    public static final class StartFailed extends Exception {
        private final int exitCode;

        StartFailed(int exitCode) {
            super("start failed with exit code " + exitCode);
            this.exitCode = exitCode;
        }

        public int exitCode() {
            return exitCode;
        }
    }

    /** A started service with its ops endpoint and heartbeat; {@link #close} stops all of them. */
    public static final class Running implements AutoCloseable {
        private final String name;
        private final Service service;
        private final OpsServer ops;
        private final ServiceContext ctx;
        private final Heartbeat heartbeat;

        private Running(String name, Service service, OpsServer ops, ServiceContext ctx, Heartbeat heartbeat) {
            this.name = name;
            this.service = service;
            this.ops = ops;
            this.ctx = ctx;
            this.heartbeat = heartbeat;
        }

        public int opsPort() {
            return ops.port();
        }

        public String heartbeatKey() {
            return heartbeat.key();
        }

        @Override
        public void close() {
            log.info("{} stopping", name);
            try {
                // first, so the service stops being listed as soon as it begins to stop
                heartbeat.close();
                service.close();
            } finally {
                ops.close();
                ctx.close();
            }
        }
    }

    private ServiceRunner() {}

    public static int run(String name, Env env, Factory factory) {
        Running running;
        try {
            running = start(name, env, factory);
        } catch (StartFailed e) {
            return e.exitCode();
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            try {
                running.close();
            } finally {
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

    /** Starts without waiting for a signal (what {@link #run} does before it waits; tests stop it with close). */
    public static Running start(String name, Env env, Factory factory) throws StartFailed {
        ServiceContext ctx;
        String opsHost;
        int opsPort;
        int heartbeatTtl;
        Service service;
        try {
            ctx = new ServiceContext(env);
            opsHost = env.string("OPS_HOST", "127.0.0.1");
            opsPort = env.integer("OPS_PORT", 0, 0, 65535);
            heartbeatTtl = env.integer("HEARTBEAT_TTL_SEC", Heartbeat.DEFAULT_TTL_SEC, 3, 3600);
            service = factory.start(ctx);
        } catch (ConfigException e) {
            System.err.println("autoscaler " + name + ": " + e.getMessage());
            throw new StartFailed(2);
        } catch (Exception e) {
            log.error("{} failed to start", name, e);
            throw new StartFailed(1);
        }
        OpsServer ops = startOps(name, opsHost, opsPort, ctx, service);
        ServiceInfo info = new ServiceInfo(name, instanceId(), opsUrl(opsHost, ops.port()), version(service), Clock.nowSec(), 0);
        writeOpsUrl(env, info.opsUrl());
        Heartbeat heartbeat = new Heartbeat(ctx.bus(), info, heartbeatTtl, ctx.meters(), () -> leaseFields(service));
        log.info("{} started ({} {}); health and metrics on {}/health", name, info.instance(), info.version(), info.opsUrl());
        return new Running(name, service, ops, ctx, heartbeat);
    }

    private static OpsServer startOps(String name, String opsHost, int opsPort, ServiceContext ctx, Service service)
            throws StartFailed {
        try {
            return new OpsServer(name, opsHost, opsPort, ctx.meters(), () -> liveness(service, ctx.bus()),
                    () -> readiness(service, ctx.bus()));
        } catch (Exception e) {
            System.err.println("autoscaler " + name + ": cannot listen on OPS_HOST:OPS_PORT " + opsHost + ":" + opsPort
                    + " (" + e.getMessage() + ")");
            service.close();
            ctx.close();
            throw new StartFailed(2);
        }
    }

    /**
     * Alive unless the service says otherwise or a message handler is stuck; Redis is shown, not asked (a command
     * would wait for the reconnect, and a Redis outage is no reason to restart a process).
     */
    static OpsServer.Health liveness(Service service, RedisBus bus) {
        OpsServer.Health h = service.health();
        Map<String, Object> d = new LinkedHashMap<>(h.details());
        d.put("version", version(service));
        d.put("redis", bus.connected() ? "up" : "down");
        double busy = bus.busiestHandlerSec();
        boolean wedged = busy >= bus.limits().handlerStuckSec();
        if (wedged) d.put("wedged", String.format(java.util.Locale.ROOT, "a message handler has been busy for %.0f s", busy));
        return new OpsServer.Health(h.ok() && !wedged, d);
    }

    /** Ready when alive and Redis answers a PING within a second. */
    static OpsServer.Health readiness(Service service, RedisBus bus) {
        OpsServer.Health alive = liveness(service, bus);
        boolean redisUp = bus.ping();
        Map<String, Object> d = new LinkedHashMap<>(alive.details());
        d.put("redis", redisUp ? "up" : "down");
        return new OpsServer.Health(alive.ok() && redisUp, d);
    }

    /**
     * The service's lease, from its health details ({@code "lease": {"name", "role", "holder"}}), as heartbeat fields,
     * so {@code status} shows who is active without calling every service.
     */
    static Map<String, String> leaseFields(Service service) {
        Map<String, String> out = new LinkedHashMap<>();
        if (service.health().details().get("lease") instanceof Map<?, ?> lease) {
            for (String f : new String[] {"name", "role", "holder"}) {
                Object v = lease.get(f);
                out.put("lease_" + f, v == null ? "" : String.valueOf(v));
            }
        }
        return out;
    }

    /**
     * {@code OPS_URL_FILE}: where a container's healthcheck ({@link dev.autoscaler.common.ops.HealthProbe}) finds the ops
     * URL, whose port is a free one. Not written when unset; a failed write is logged, never fatal.
     */
    private static void writeOpsUrl(Env env, String url) {
        env.raw("OPS_URL_FILE").filter(f -> !f.isBlank()).ifPresent(f -> {
            try {
                java.nio.file.Files.writeString(java.nio.file.Path.of(f), url + "\n");
            } catch (java.io.IOException | RuntimeException e) {
                log.warn("OPS_URL_FILE {} not written ({}); a healthcheck reading it will fail", f, e.getMessage());
            }
        });
    }

    /** hostname-pid: unique per host, and names the process an operator would look for. */
    static String instanceId() {
        String host = Optional.ofNullable(System.getenv("HOSTNAME")).filter(h -> !h.isBlank()).orElseGet(() -> {
            try {
                return InetAddress.getLocalHost().getHostName();
            } catch (Exception e) {
                return "localhost";
            }
        });
        return host + "-" + ProcessHandle.current().pid();
    }

    /** Where another process on this host reaches the ops endpoint: a wildcard bind is reached on loopback. */
    static String opsUrl(String host, int port) {
        String h = host;
        try {
            if (InetAddress.getByName(host).isAnyLocalAddress()) h = "127.0.0.1";
        } catch (Exception e) {
            // it was bound, so it resolves; keep it as configured if not
        }
        if (h.contains(":") && !h.startsWith("[")) h = "[" + h + "]";
        return "http://" + h + ":" + port;
    }

    /** The jar manifest's Implementation-Version (set by the build); "dev" when run from classes. */
    static String version(Service service) {
        String v = service.getClass().getPackage().getImplementationVersion();
        if (v == null) v = ServiceRunner.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }
}
