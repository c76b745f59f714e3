package dev.autoscaler.testkit.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the two FAKE LLM servers share: a JDK HttpServer bound to 127.0.0.1 on a free port, a record of every
 * request, and replies taken from a scripted queue (or a default reply when the queue is empty). The subclasses speak
 * the real wire formats; see {@link FakeGeminiServer} and {@link FakeOpenAiServer}. They are in main code, not
 * tests, so that {@code bench pipeline --scenario llm} can measure the advisor's plumbing without a key; no service
 * uses them.
 */
public abstract class FakeLlmServer implements AutoCloseable {
    /** Prompt tokens reported by every good reply. */
    public static final int PROMPT_TOKENS = 42;
    /** Answer tokens reported by every good reply that has an answer. */
    public static final int ANSWER_TOKENS = 9;

    protected static final ObjectMapper JSON = new ObjectMapper();

    /**
     * One request as it arrived.
     *
     * @param headers header names lower-cased; repeated headers joined with ", "
     */
    public record Recorded(String method, String path, Map<String, String> headers, String body, Instant at) {
        /** A header by name, in any case; null when absent. */
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        /** The body as JSON (a missing node when it is not JSON). */
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                return JSON.missingNode();
            }
        }
    }

    /**
     * One scripted reply: a status, a body and extra headers, or a hang (no answer until the server closes), or a stall
     * (an answer begun and never finished), sent after a delay.
     *
     * @param delay how long the server thinks before it answers (zero: at once)
     */
    public record Reply(int status, String body, Map<String, String> headers, boolean hang, boolean stall, Duration delay) {
        public Reply {
            headers = Map.copyOf(headers);
            delay = delay == null ? Duration.ZERO : delay;
        }

        public Reply(int status, String body, Map<String, String> headers, boolean hang) {
            this(status, body, headers, hang, false, Duration.ZERO);
        }

        /** The same reply, sent {@code delay} after the request arrived. */
        public Reply after(Duration delay) {
            return new Reply(status, body, headers, hang, stall, delay);
        }
    }

    /** Never answers; the request is released (and its connection closed) when the server closes. */
    public static Reply hang() {
        return new Reply(0, "", Map.of(), true);
    }

    /**
     * A model that starts its answer and never ends it: 200, then a space of the JSON body every
     * {@link #STALL_TICK} until the server closes. Each write tells whether the client is still there, so
     * {@link #abandoned()} counts the stalled requests whose client hung up (cancelled its call).
     */
    public static Reply stall() {
        return new Reply(200, "", Map.of(), false, true, Duration.ZERO);
    }

    /** How often a stalled answer sends its next byte: often enough to see a client leave within a few ticks. */
    public static final Duration STALL_TICK = Duration.ofMillis(50);

    /** Any status and body, for what the helpers do not cover (a proxy's HTML error page, a malformed reply). */
    public static Reply raw(int status, String body) {
        return new Reply(status, body, Map.of(), false);
    }

    private final HttpServer server;
    private final ExecutorService threads;
    private final CountDownLatch closing = new CountDownLatch(1);
    private final List<Recorded> requests = new CopyOnWriteArrayList<>();
    private final ConcurrentLinkedQueue<Reply> script = new ConcurrentLinkedQueue<>();
    private final Object arrivals = new Object();
    private final String expectedKey;
    private final AtomicInteger abandoned = new AtomicInteger();
    private volatile Reply defaultReply;

    /**
     * @param expectedKey the key a request must carry, or null to accept any key (and none)
     * @param defaultReply what to answer once the script is used up
     */
    protected FakeLlmServer(String expectedKey, Reply defaultReply) {
        this.expectedKey = expectedKey;
        this.defaultReply = defaultReply;
        try {
            // loopback only: a test fake must never be reachable from elsewhere
            server = HttpServer.create(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // one thread per request, so that a hanging request never delays another
        threads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "fake-llm-server");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(threads);
        server.createContext("/", this::handle);
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** The base URL a client is configured with (LLM_BASE_URL). */
    public abstract String baseUrl();

    /** Adds replies to the script, answered in order, one per request that reaches the model. */
    public FakeLlmServer enqueue(Reply... replies) {
        script.addAll(List.of(replies));
        return this;
    }

    /** What to answer once the script is used up. */
    public FakeLlmServer defaultReply(Reply reply) {
        this.defaultReply = Objects.requireNonNull(reply);
        return this;
    }

    /** Every request so far, in arrival order (including those refused for a wrong path or key). */
    public List<Recorded> requests() {
        return List.copyOf(requests);
    }

    public int requestCount() {
        return requests.size();
    }

    /** The last request; fails when there was none. */
    public Recorded lastRequest() {
        if (requests.isEmpty()) throw new IllegalStateException("no request reached the fake");
        return requests.get(requests.size() - 1);
    }

    /** Waits until at least {@code n} requests have arrived or the timeout passes; true when they did. */
    public boolean awaitRequests(int n, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (arrivals) {
            while (requests.size() < n) {
                long left = deadline - System.nanoTime();
                if (left <= 0) return false;
                arrivals.wait(Math.max(1, left / 1_000_000));
            }
        }
        return true;
    }

    /** Stalled requests whose client went away before the server closed: calls the client cancelled. */
    public int abandoned() {
        return abandoned.get();
    }

    /** Waits until at least {@code n} stalled requests were abandoned or the timeout passes; true when they were. */
    public boolean awaitAbandoned(int n, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (arrivals) {
            while (abandoned.get() < n) {
                long left = deadline - System.nanoTime();
                if (left <= 0) return false;
                arrivals.wait(Math.max(1, left / 1_000_000));
            }
        }
        return true;
    }

    /** Releases hanging requests first, so that closing is prompt. */
    @Override
    public void close() {
        closing.countDown();
        server.stop(0);
        threads.shutdownNow();
    }

    // ---- for the subclasses

    /** The key the fake expects, or null for any. */
    protected String expectedKey() {
        return expectedKey;
    }

    /**
     * Decides the reply to one request: the subclass checks path and key (answering as the real server does when
     * they are wrong) and otherwise calls {@link #nextScripted()}.
     */
    protected abstract Reply route(Recorded request);

    /** The next scripted reply, or the default one. */
    protected Reply nextScripted() {
        Reply r = script.poll();
        return r != null ? r : defaultReply;
    }

    /** Lets a subclass adjust a good reply to the request (the real servers echo the model asked). */
    protected void echo(ObjectNode body, Recorded request) {}

    protected static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A map that keeps the insertion order, so that bodies read like the real ones. */
    protected static Map<String, Object> obj(Object... keyValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) m.put((String) keyValues[i], keyValues[i + 1]);
        return m;
    }

    // ---- the exchange

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            Recorded request = record(ex);
            Reply reply = route(request);
            if (!reply.delay().isZero() && closedWithin(reply.delay())) return;
            if (reply.hang()) {
                awaitClose();
                return; // closing the exchange drops the connection without an answer
            }
            if (reply.stall()) {
                stall(ex);
                return;
            }
            send(ex, reply, request);
        }
    }

    /** Waits {@code d} (the server thinking); true when the server closed, or this thread was stopped, meanwhile. */
    private boolean closedWithin(Duration d) {
        try {
            return closing.await(d.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }

    private void stall(HttpExchange ex) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "application/json; charset=UTF-8");
        ex.sendResponseHeaders(200, 0); // chunked: the client cannot know the body will never end
        OutputStream out = ex.getResponseBody();
        try {
            while (!closedWithin(STALL_TICK)) {
                out.write(' ');
                out.flush();
            }
        } catch (IOException clientGone) {
            abandoned.incrementAndGet();
            synchronized (arrivals) {
                arrivals.notifyAll();
            }
        }
    }

    private Recorded record(HttpExchange ex) throws IOException {
        String body;
        try (InputStream in = ex.getRequestBody()) {
            body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Map<String, String> headers = new LinkedHashMap<>();
        ex.getRequestHeaders().forEach((name, values) -> headers.put(name.toLowerCase(Locale.ROOT), String.join(", ", values)));
        String path = ex.getRequestURI().getRawPath();
        Recorded r = new Recorded(ex.getRequestMethod(), path, Map.copyOf(headers), body, Instant.now());
        requests.add(r);
        synchronized (arrivals) {
            arrivals.notifyAll();
        }
        return r;
    }

    private void awaitClose() {
        try {
            closing.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void send(HttpExchange ex, Reply reply, Recorded request) throws IOException {
        byte[] bytes = bodyFor(reply, request).getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", reply.body().startsWith("{") ? "application/json; charset=UTF-8" : "text/html; charset=UTF-8");
        reply.headers().forEach((k, v) -> ex.getResponseHeaders().set(k, v));
        ex.sendResponseHeaders(reply.status(), bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    private String bodyFor(Reply reply, Recorded request) {
        if (reply.status() != 200 || !reply.body().startsWith("{")) return reply.body();
        try {
            JsonNode node = JSON.readTree(reply.body());
            if (!(node instanceof ObjectNode o)) return reply.body();
            echo(o, request);
            return JSON.writeValueAsString(o);
        } catch (IOException e) {
            return reply.body();
        }
    }
}
