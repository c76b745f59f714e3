package dev.autoscaler.dashboard.live;

import dev.autoscaler.dashboard.model.WindowEvent;
import dev.autoscaler.common.bus.Keys;
import dev.autoscaler.common.bus.RedisBus;
import dev.autoscaler.common.msg.Channels;
import dev.autoscaler.common.msg.Json;
import dev.autoscaler.common.msg.ReplicaSet;
import dev.autoscaler.common.msg.Upstreams;
import io.javalin.http.sse.SseClient;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XReadArgs;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The page's live feed over Server-Sent Events. One poller reads the Redis streams (every target's
 * {@code history:{target}}, {@code results}, {@code llm}) and fans each new entry out to every page; the replica set
 * and the nginx upstreams come from their pub/sub channels as they change, and the services list every few seconds.
 * Each stream event's id is the page's {@link Cursor}, so a reconnecting page resumes where it was.
 * <p>Bounded: at most {@code maxPages} pages at once (more are refused, see {@link #full}), and each page's queue holds
 * at most {@code pageQueue} events; when a page falls behind, its oldest event is dropped and counted in
 * {@code autoscaler_dashboard_events_dropped_total}, and the stream it came from is read again from Redis after the
 * page's cursor, so a slow page skips nothing that is in the streams.
 */
public final class LiveFeed implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LiveFeed.class);
    private static final int REPLAY_LIMIT = 2000;
    /** How many pages and how many waiting events per page, by default (DashboardSettings has the settings). */
    public static final int DEFAULT_MAX_PAGES = 50;
    public static final int DEFAULT_PAGE_QUEUE = 1000;

    /** One event for the pages: its SSE type, its stream (null for state snapshots) and id, and its JSON. */
    public record Event(String type, String stream, String id, String data) {}

    private final class Page {
        final SseClient sse;
        final LinkedBlockingDeque<Event> queue = new LinkedBlockingDeque<>();
        final Map<String, String> cursor = new HashMap<>();
        /**
         * Streams of which an event was dropped from the queue: their queued events are not sent (that would move the
         * cursor past the one dropped) until they are read again from Redis after the cursor. Guarded by the page.
         */
        final java.util.Set<String> gaps = new java.util.HashSet<>();

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
    private final int maxPages;
    private final int pageQueue;
    private final Counter eventsDropped;
    private final Counter pagesRefused;
    private volatile boolean running = true;
    private Thread poller;
    private long lastFailureLog;

    /** @param services the services list as JSON, sent every few seconds */
    public LiveFeed(RedisBus bus, int pollMs, Supplier<String> services) {
        this(bus, pollMs, services, DEFAULT_MAX_PAGES, DEFAULT_PAGE_QUEUE, new SimpleMeterRegistry());
    }

    public LiveFeed(RedisBus bus, int pollMs, Supplier<String> services, int maxPages, int pageQueue, MeterRegistry meters) {
        this.bus = bus;
        this.keys = bus.keys();
        this.pollMs = pollMs;
        this.services = services;
        this.maxPages = maxPages;
        this.pageQueue = pageQueue;
        this.eventsDropped = meters.counter("autoscaler_dashboard_events_dropped");
        this.pagesRefused = meters.counter("autoscaler_dashboard_pages_refused");
    }

    public LiveFeed start() {
        // streams that exist now are followed from their end: a page loads their past through the REST API
        for (String s : streams()) cursor.put(s, lastId(s));
        bus.subscribeLatest(Channels.REPLICAS, ReplicaSet.class, ReplicaSet::target,
                r -> broadcast(new Event("replicas", null, null, Json.write(r))));
        bus.subscribeLatest(Channels.UPSTREAMS, Upstreams.class, Upstreams::target,
                u -> broadcast(new Event("upstreams", null, null, Json.write(u))));
        poller = Thread.ofVirtual().name("live-feed").start(this::run);
        return this;
    }

    /** The cursor now: a page that loaded its history through the API opens the stream with it ({@code ?since=}). */
    public String cursor() {
        return Cursor.encode(new HashMap<>(cursor));
    }

    /** As many pages are open as may be: a new one is refused (the server answers 503 before the stream starts). */
    public boolean full() {
        return pages.size() >= maxPages;
    }

    public int maxPages() {
        return maxPages;
    }

    /** Counts a page refused for {@link #full}. */
    public void refused() {
        pagesRefused.increment();
    }

    /** Serves one page until it goes: first what it missed since its cursor, then every new event. */
    public void serve(SseClient sse) {
        String header = sse.ctx().header("Last-Event-ID");
        String since = header != null ? header : sse.ctx().queryParam("since");
        Page page = new Page(sse);
        Map<String, String> now;
        synchronized (this) {
            if (full()) {
                // two pages raced past the server's check: this one goes, and its browser retries later
                refused();
                sse.close();
                return;
            }
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
                else if (!inGap(page, e)) emit(page, e);
                fillGaps(page);
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

    /** The event is of a stream with a dropped event not yet read again: the replay will send it. */
    private static boolean inGap(Page page, Event e) {
        synchronized (page) {
            return e.stream() != null && page.gaps.contains(e.stream());
        }
    }

    /** Reads again from Redis, after the page's cursor, each stream it lost an event of, up to where the feed is now. */
    private void fillGaps(Page page) {
        Map<String, String> upTo = new HashMap<>();
        synchronized (page) {
            if (page.gaps.isEmpty()) return;
            // taken before the feed's cursor: any event of these streams skipped so far is at or before it
            for (String stream : page.gaps) upTo.put(stream, null);
            page.gaps.clear();
        }
        synchronized (this) {
            upTo.replaceAll((stream, none) -> cursor.getOrDefault(stream, "0-0"));
        }
        replay(page, new HashMap<>(page.cursor), upTo);
    }

    private void emit(Page page, Event e) {
        if (e.stream() == null) {
            page.sse.sendEvent(e.type(), e.data());
            return;
        }
        // already sent by a replay after a gap
        if (Cursor.compare(e.id(), page.cursor.getOrDefault(e.stream(), "0-0")) <= 0) return;
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
                Thread.currentThread().interrupt(); // close() asks the poller to stop
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
        return new Event("window", stream, m.getId(), Json.write(new WindowEvent(target, WindowEvent.tree(b.get("window")), WindowEvent.tree(b.get("plan")))));
    }

    private synchronized void broadcast(Event e) {
        for (Page p : pages) {
            synchronized (p) {
                // dropped and marked at once, so the page never sends a newer event of that stream before the replay
                while (p.queue.size() >= pageQueue) {
                    Event old = p.queue.pollFirst();
                    if (old == null) break; // the page took it meanwhile
                    eventsDropped.increment();
                    if (old.stream() != null) p.gaps.add(old.stream());
                }
                p.queue.offerLast(e);
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
