package dev.autoscaler.loadgen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The generator against a tiny HTTP server on 127.0.0.1 that counts what it answers, 200 or 503 by the path. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LoadGeneratorTest {
    private HttpServer server;
    private final AtomicInteger answered = new AtomicInteger();

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 100);
        server.createContext("/", ex -> {
            int code = ex.getRequestURI().getPath().equals("/busy") ? 503 : 200;
            byte[] body = "ok\n".getBytes();
            answered.incrementAndGet(); // before the answer: the client may count it before this handler returns
            ex.sendResponseHeaders(code, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private LoadGenerator generator(String path) {
        URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
        return new LoadGenerator(LoadGenerator.Config.bounded(url, new RateShape.Constant(50), 2));
    }

    @Test
    void everyAnswerIsCountedAsOkOrFailedByItsStatus() throws Exception {
        LoadReport ok = generator("/").run(null);
        // 50 rps for 2 s, evenly paced from the first gap on
        assertTrue(ok.sent() >= 98 && ok.sent() <= 100, ok.toString());
        assertEquals(ok.sent(), ok.ok(), ok.toString());
        assertTrue(ok.p95Ms() > 0, ok.toString());
        LoadReport busy = generator("/busy").run(null);
        assertEquals(busy.sent(), busy.failed(), busy.toString());
        assertEquals(java.util.Map.of("status 503", busy.failed()), busy.errors(), "the failures by kind");
        assertEquals(ok.sent() + busy.sent(), answered.get());
    }

    @Test
    void anInterruptEndsARunAtOnceInsteadOfPacingToItsEnd() throws Exception {
        URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
        LoadGenerator gen = new LoadGenerator(LoadGenerator.Config.bounded(url, new RateShape.Constant(5), 60));
        CompletableFuture<Throwable> ended = new CompletableFuture<>();
        Thread run = Thread.ofPlatform().start(() -> {
            try {
                gen.run(null);
                ended.complete(null);
            } catch (Throwable t) {
                ended.complete(t);
            }
        });
        // wait until it runs: the first request reaches the server
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (answered.get() == 0 && System.nanoTime() < deadline) Thread.sleep(10);
        assertTrue(answered.get() > 0, "the run started");
        long t0 = System.nanoTime();
        run.interrupt();
        Throwable t = ended.get(5, TimeUnit.SECONDS);
        assertTrue(t instanceof InterruptedException, "the run ends with the interrupt, not a report: " + t);
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5), "within seconds of the interrupt, not at the run's 60 s end");
    }

    @Test
    void aLoadRunFromTheCommonPoolCountsItsAnswersToo() throws Exception {
        // the pool's only thread (the surefire setting) runs the load; responses complete on the same pool
        assertEquals(1, ForkJoinPool.commonPool().getParallelism());
        LoadReport r = CompletableFuture.supplyAsync(() -> {
            try {
                return generator("/").run(null);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }).get(30, TimeUnit.SECONDS);
        assertTrue(r.sent() >= 98, r.toString());
        assertEquals(r.sent(), r.ok(), r.toString());
    }
}
