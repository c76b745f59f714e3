package dev.autoscaler.dashboard.live;

import dev.autoscaler.common.bus.Keys;
import dev.autoscaler.common.bus.RedisBus;
import dev.autoscaler.common.msg.Channels;
import dev.autoscaler.common.msg.Json;
import dev.autoscaler.common.msg.ReplicaSet;
import dev.autoscaler.common.msg.Upstreams;
import io.javalin.http.sse.SseClient;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XReadArgs;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The page's live feed over Server-Sent Events. One poller reads the Redis streams (every target's
 * {@code history:{target}}, {@code results}, {@code llm}) and fans each new entry out to every page; the replica set
 * and the nginx upstreams come from their pub/sub channels as they change, and the services list every few seconds.
 * Each stream event's id is the page's {@link Cursor}, so a reconnecting page resumes where it was.
 */
public final class LiveFeed implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LiveFeed.class);
    /** A page that has not taken an event for this long is gone (its queue is dropped). */
    private static final int MAX_QUEUE = 10_000;
    private static final int REPLAY_LIMIT = 2000;

    /** One event for the pages: its SSE type, its stream (null for state snapshots) and id, and its JSON. */
    public record Event(String type, String stream, String id, String data) {}

    private final class Page {
        final SseClient sse;
        final LinkedBlockingQueue<Event> queue = new LinkedBlockingQueue<>(MAX_QUEUE);
        final Map<String, String> cursor = new HashMap<>();

        Page(SseClient sse) {
            this.sse = sse;
        }
    }

    private final RedisBus bus;
    private final Keys keys;
    private final int pollMs;
    private final Supplier<String> services;
    private final Map<String, String> cursor = new ConcurrentHashMap<>();
    private final List<Page> pages = new CopyOnWriteArrayList<>();
    private volatile boolean running = true;
    private Thread poller;
    private long lastFailureLog;

    /** @param services the services list as JSON, sent every few seconds */
    public LiveFeed(RedisBus bus, int pollMs, Supplier<String> services) {
        this.bus = bus;
        this.keys = bus.keys();
        this.pollMs = pollMs;
        this.services = services;
    }

    public LiveFeed start() {
        // streams that exist now are followed from their end: a page loads their past through the REST API
        for (String s : streams()) cursor.put(s, lastId(s));
        bus.subscribe(Channels.REPLICAS, ReplicaSet.class, r -> broadcast(new Event("replicas", null, null, Json.write(r))));
        bus.subscribe(Channels.UPSTREAMS, Upstreams.class, u -> broadcast(new Event("upstreams", null, null, Json.write(u))));
        poller = Thread.ofVirtual().name("live-feed").start(this::run);
        return this;
    }

    /** The cursor now: a page that loaded its history through the API opens the stream with it ({@code ?since=}). */
    public String cursor() {
        return Cursor.encode(new HashMap<>(cursor));
    }

    /** Serves one page until it goes: first what it missed since its cursor, then every new event. */
    public void serve(SseClient sse) {
        String header = sse.ctx().header("Last-Event-ID");
        String since = header != null ? header : sse.ctx().queryParam("since");
        Page page = new Page(sse);
        Map<String, String> now;
        synchronized (this) {
            now = new HashMap<>(cursor);
            pages.add(page);
        }
        sse.onClose(() -> pages.remove(page));
        sse.keepAlive();
        Thread.ofVirtual().name("sse-page").start(() -> send(page, since == null ? null : Cursor.decode(since), now));
    }

    private void send(Page page, Map<String, String> from, Map<String, String> upTo) {
        try {
            page.cursor.putAll(upTo);
            if (from != null) replay(page, from, upTo);
            page.sse.sendEvent("services", services.get());
            while (running && !page.sse.terminated()) {
                Event e = page.queue.poll(15, TimeUnit.SECONDS);
                if (e == null) page.sse.sendComment("keep-alive");
                else emit(page, e);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.debug("a page went away: {}", e.toString());
        } finally {
            pages.remove(page);
        }
    }

    /** What a reconnecting page missed: each stream after its cursor, up to where the live events begin. */
    private void replay(Page page, Map<String, String> from, Map<String, String> upTo) {
        for (var s : upTo.entrySet()) {
            String after = from.getOrDefault(s.getKey(), "0-0");
            if (Cursor.compare(after, s.getValue()) >= 0) continue;
            List<StreamMessage<String, String>> missed = bus.redis().xrange(s.getKey(),
                    Range.create("(" + after, s.getValue()), io.lettuce.core.Limit.from(REPLAY_LIMIT));
            page.cursor.put(s.getKey(), after);
            for (var m : missed) emit(page, event(s.getKey(), m));
            page.cursor.put(s.getKey(), s.getValue());
        }
    }

    private void emit(Page page, Event e) {
        if (e.stream() == null) {
            page.sse.sendEvent(e.type(), e.data());
            return;
        }
        page.cursor.put(e.stream(), e.id());
        page.sse.sendEvent(e.type(), e.data(), Cursor.encode(page.cursor));
    }

    private void run() {
        long lastServices = 0;
        while (running) {
            try {
                poll();
                if (System.currentTimeMillis() - lastServices > 5000) {
                    lastServices = System.currentTimeMillis();
                    broadcast(new Event("services", null, null, services.get()));
                }
            } catch (RuntimeException e) {
                if (!running) return;
                if (System.currentTimeMillis() - lastFailureLog > 60_000) {
                    lastFailureLog = System.currentTimeMillis();
                    log.warn("live feed: cannot read Redis ({}); retrying", e.toString());
                }
            }
            try {
                Thread.sleep(pollMs);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void poll() {
        for (String s : streams()) cursor.putIfAbsent(s, "0-0"); // a stream born after the start is followed from its beginning
        if (cursor.isEmpty()) return;
        List<XReadArgs.StreamOffset<String>> offsets = new ArrayList<>();
        cursor.forEach((k, id) -> offsets.add(XReadArgs.StreamOffset.from(k, id)));
        @SuppressWarnings("unchecked")
        List<StreamMessage<String, String>> fresh = bus.redis().xread(XReadArgs.Builder.count(1000), offsets.toArray(new XReadArgs.StreamOffset[0]));
        for (var m : fresh) {
            synchronized (this) {
                cursor.put(m.getStream(), m.getId());
                broadcast(event(m.getStream(), m));
            }
        }
    }

    private Event event(String stream, StreamMessage<String, String> m) {
        Map<String, String> b = m.getBody();
        if (stream.equals(keys.resultsStream())) return new Event("result", stream, m.getId(), b.getOrDefault("json", "{}"));
        if (stream.equals(keys.llmStream())) return new Event("llm", stream, m.getId(), b.getOrDefault("json", "{}"));
        String target = stream.substring(keys.history("").length());
        return new Event("window", stream, m.getId(), Json.write(new WindowEvent(target, tree(b.get("window")), tree(b.get("plan")))));
    }

    /** A decided window as the page gets it: the monitor's window and the planner's plan, as they were written. */
    public record WindowEvent(String target, com.fasterxml.jackson.databind.JsonNode window, com.fasterxml.jackson.databind.JsonNode plan) {}

    /** Stored JSON as a tree; a malformed entry becomes null and never breaks the page or the feed. */
    public static com.fasterxml.jackson.databind.JsonNode tree(String json) {
        if (json == null) return null;
        try {
            return Json.MAPPER.readTree(json);
        } catch (java.io.IOException e) {
            return null; // a malformed entry shows as a window without data, never breaks the feed
        }
    }

    private synchronized void broadcast(Event e) {
        for (Page p : pages) {
            if (!p.queue.offer(e)) {
                // a page that stopped reading: dropping it makes its browser reconnect and resume from its cursor
                pages.remove(p);
                p.sse.close();
            }
        }
    }

    private List<String> streams() {
        List<String> out = new ArrayList<>(List.of(keys.resultsStream(), keys.llmStream()));
        // XREAD and XRANGE of a stream that does not exist yet answer nothing, so no stream needs checking first
        for (String t : bus.redis().smembers(keys.targetsSet())) out.add(keys.history(t));
        return out;
    }

    private String lastId(String stream) {
        var last = bus.redis().xrevrange(stream, Range.create("-", "+"), io.lettuce.core.Limit.from(1));
        return last.isEmpty() ? "0-0" : last.get(0).getId();
    }

    public int pages() {
        return pages.size();
    }

    @Override
    public void close() {
        running = false;
        if (poller != null) poller.interrupt();
        pages.forEach(p -> p.sse.close());
    }
}
