package dev.autoscaler.app;

import dev.autoscaler.common.config.ConfigException;
import dev.autoscaler.common.config.Env;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs the toy app until SIGTERM, then finishes the requests in flight. It needs no Redis. */
public final class AppMain {
    private static final Logger log = LoggerFactory.getLogger(AppMain.class);

    private AppMain() {}

    /** Entry point for replicas started by the executor's process backend. */
    public static void main(String[] args) {
        int rc = run(Env.system());
        if (rc != 0) System.exit(rc);
    }

    public static int run(Env env) {
        AppSettings s;
        AppServer server;
        try {
            s = AppSettings.from(env);
        } catch (ConfigException e) {
            System.err.println("autoscaler app: " + e.getMessage());
            return 2;
        }
        try {
            server = new AppServer(s);
        } catch (Exception e) {
            System.err.println("autoscaler app: cannot listen on HOST:PORT " + s.host() + ":" + s.port() + " (" + e.getMessage() + ")");
            return 2;
        }
        log.info("app {} listening on http://{}:{}/ ({} workers, {} ms per request)", s.replicaId(), s.host(), server.port(),
                s.workers(), s.workMs());
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            done.countDown();
        }));
        try {
            done.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }
}
