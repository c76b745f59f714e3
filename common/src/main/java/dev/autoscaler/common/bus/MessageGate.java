package dev.autoscaler.common.bus;

import dev.autoscaler.common.config.BusSettings;
import dev.autoscaler.common.msg.Json;
import dev.autoscaler.common.msg.MessageRules;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything between a subscribed channel's raw text and its handler, without Redis: the size cap, parsing, the
 * {@link MessageRules}, and one bounded lane per channel that hands messages to the handler one at a time, in arrival
 * order (per key, where a keyed lane is spread over several executors). A lane either keeps every message (up to its capacity, then the oldest is dropped) or, for channels where the
 * newest message makes older ones moot, only the newest pending message per key (a target). Every message that does
 * not reach its handler is counted in {@code autoscaler_messages_dropped_total{channel,reason}}, reason one of
 * {@link #TOO_LARGE}, {@link #MALFORMED}, {@link #QUEUE_FULL}, {@link #SUPERSEDED}; a malformed one also in
 * {@code autoscaler_messages_malformed_total{channel}} and logged at most once a minute. {@link #offer} never throws.
 */
public final class MessageGate {
    private static final Logger log = LoggerFactory.getLogger(MessageGate.class);
    public static final String TOO_LARGE = "too_large";
    public static final String MALFORMED = "malformed";
    public static final String QUEUE_FULL = "queue_full";
    public static final String SUPERSEDED = "superseded";
    private static final long LOG_EVERY_NANOS = 60_000_000_000L;

    private final BusSettings limits;
    private final MeterRegistry meters;
    private final LongSupplier nanos;
    private final Map<String, Lane<?>> lanes = new ConcurrentHashMap<>();

    public MessageGate(BusSettings limits, MeterRegistry meters) {
        this(limits, meters, System::nanoTime);
    }

    MessageGate(BusSettings limits, MeterRegistry meters, LongSupplier nanos) {
        this.limits = limits;
        this.meters = meters;
        this.nanos = nanos;
    }

    /**
     * Every valid message of {@code type} on {@code channel} goes to {@code handler}, run by {@code executor} (one at a
     * time per channel, whatever the executor). With a {@code newestBy} key, a pending message is replaced by a newer one
     * with the same key. One subscription per channel: a second replaces the first.
     */
    public <T> void register(String channel, Class<T> type, Function<? super T, String> newestBy, Consumer<? super T> handler,
                             Executor executor) {
        register(channel, type, newestBy, null, handler, List.of(executor));
    }

    /**
     * As above, but with a {@code newestBy} key the messages are spread over one queue per executor by the key's hash, so
     * messages of different keys are handled at once and those of one key still one at a time, in order. Each queue
     * holds up to {@code BUS_QUEUE_MAX}. Without a key only the first executor is used. A valid message that
     * {@code wanted} (null: all) turns down is left there, before any queue: it is another subscriber's (another
     * planner's target), and handing it over to be dropped would cost a thread switch. {@code wanted} runs on Lettuce's
     * event loop, so it must answer at once, without I/O.
     */
    public <T> void register(String channel, Class<T> type, Function<? super T, String> newestBy, Predicate<? super T> wanted,
                             Consumer<? super T> handler, List<? extends Executor> executors) {
        if (executors.isEmpty()) throw new IllegalArgumentException("no executor for " + channel);
        lanes.put(channel, new Lane<>(channel, type, newestBy, wanted == null ? m -> true : wanted, handler,
                newestBy == null ? executors.subList(0, 1) : executors));
    }

    /** Takes one raw message of {@code channel}: checks it and queues it for its handler, or counts and drops it. */
    public void offer(String channel, String text) {
        Lane<?> lane = lanes.get(channel);
        if (lane == null) return;
        try {
            lane.take(text);
        } catch (RuntimeException e) {
            // a bug in a key function or the like must not reach Lettuce's event loop
            lane.malformed("unexpected " + e);
        }
    }

    /** How long the longest-running handler has been busy, in seconds (0 when none is). */
    public double busiestHandlerSec() {
        long now = nanos.getAsLong();
        long oldest = lanes.values().stream().mapToLong(Lane::handlingSince).filter(t -> t != 0).map(t -> now - t).max().orElse(0);
        return oldest / 1e9;
    }

    /** Messages waiting in the channel's lane (for tests and health details). */
    public int pending(String channel) {
        Lane<?> lane = lanes.get(channel);
        return lane == null ? 0 : lane.size();
    }

    /** The UTF-8 length of {@code text}, or any number above {@code limit} once it is known to exceed it. */
    static long utf8Length(String text, long limit) {
        if (text.length() > limit) return text.length(); // never fewer bytes than chars
        long bytes = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x80) bytes += 1;
            else if (c < 0x800) bytes += 2;
            else if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else bytes += 3;
        }
        return bytes;
    }

    private final class Lane<T> {
        final String channel;
        final Class<T> type;
        final Function<? super T, String> newestBy;
        final Predicate<? super T> wanted;
        final Consumer<? super T> handler;
        final List<Shard> shards = new ArrayList<>();
        final Counter received;
        final Counter malformed;
        final Map<String, Counter> dropped = new ConcurrentHashMap<>();
        boolean logged;
        long lastLog;

        Lane(String channel, Class<T> type, Function<? super T, String> newestBy, Predicate<? super T> wanted, Consumer<? super T> handler,
             List<? extends Executor> executors) {
            this.channel = channel;
            this.type = type;
            this.newestBy = newestBy;
            this.wanted = wanted;
            this.handler = handler;
            for (Executor e : executors) shards.add(new Shard(e));
            this.received = meters.counter("autoscaler_messages_received", "channel", channel);
            this.malformed = meters.counter("autoscaler_messages_malformed", "channel", channel);
            // every reason at 0 from the start: rate() and increase() miss the first drop of a series born at 1
            for (String reason : List.of(TOO_LARGE, MALFORMED, QUEUE_FULL, SUPERSEDED)) counterFor(reason);
        }

        void take(String text) {
            received.increment();
            if (utf8Length(text, limits.maxMessageBytes()) > limits.maxMessageBytes()) {
                drop(TOO_LARGE);
                note("a message over MAX_MESSAGE_BYTES (" + limits.maxMessageBytes() + ")");
                return;
            }
            T msg;
            try {
                msg = Json.read(text, type);
            } catch (RuntimeException e) {
                malformed(e.getMessage());
                return;
            }
            Optional<String> problem = MessageRules.problem(msg);
            if (problem.isPresent()) {
                malformed(problem.get());
                return;
            }
            if (!wanted.test(msg)) return;
            if (newestBy == null) {
                shards.get(0).queue(null, msg);
            } else {
                String key = String.valueOf(newestBy.apply(msg));
                shards.get(Math.floorMod(key.hashCode(), shards.size())).queue(key, msg);
            }
        }

        void malformed(String why) {
            malformed.increment();
            drop(MALFORMED);
            note("malformed: " + why);
        }

        long handlingSince() {
            return shards.stream().mapToLong(sh -> sh.handlingSince).filter(t -> t != 0).min().orElse(0);
        }

        int size() {
            return shards.stream().mapToInt(Shard::size).sum();
        }

        void drop(String reason) {
            counterFor(reason).increment();
        }

        private Counter counterFor(String reason) {
            return dropped.computeIfAbsent(reason, r -> meters.counter("autoscaler_messages_dropped", "channel", channel, "reason", r));
        }

        private void note(String what) {
            long now = nanos.getAsLong();
            synchronized (this) {
                if (logged && now - lastLog < LOG_EVERY_NANOS) return;
                logged = true;
                lastLog = now;
            }
            log.warn("dropped a message on {}: {} (logged at most once a minute; see autoscaler_messages_dropped_total)", channel,
                    what.length() > 200 ? what.substring(0, 200) + "…" : what);
        }

        /** One queue and its drain: a keyed lane has several (a key always in the same one), any other lane one. */
        private final class Shard {
            final Executor executor;
            /** Pending messages when every message counts. */
            final ArrayDeque<T> fifo = new ArrayDeque<>();
            /** Pending messages by key when only the newest counts, in arrival order of the one kept. */
            final LinkedHashMap<String, T> newest = new LinkedHashMap<>();
            boolean draining;
            volatile long handlingSince;

            Shard(Executor executor) {
                this.executor = executor;
            }

            void queue(String key, T msg) {
                boolean start;
                synchronized (this) {
                    if (key == null) queueEvery(msg);
                    else queueNewest(key, msg);
                    start = !draining;
                    draining = true;
                }
                if (!start) return;
                try {
                    executor.execute(this::drain);
                } catch (RejectedExecutionException e) {
                    synchronized (this) {
                        draining = false; // closing: nothing will handle it
                    }
                }
            }

            private void queueEvery(T msg) {
                if (fifo.size() >= limits.laneCapacity()) {
                    fifo.poll();
                    drop(QUEUE_FULL);
                }
                fifo.add(msg);
            }

            private void queueNewest(String key, T msg) {
                if (newest.remove(key) != null) {
                    drop(SUPERSEDED);
                } else if (newest.size() >= limits.laneCapacity()) {
                    Iterator<T> oldest = newest.values().iterator();
                    oldest.next();
                    oldest.remove();
                    drop(QUEUE_FULL);
                }
                newest.put(key, msg);
            }

            private synchronized T next() {
                T msg;
                if (newestBy == null) {
                    msg = fifo.poll();
                } else {
                    Iterator<T> it = newest.values().iterator();
                    msg = it.hasNext() ? it.next() : null;
                    if (msg != null) it.remove();
                }
                if (msg == null) draining = false;
                return msg;
            }

            synchronized int size() {
                return newestBy == null ? fifo.size() : newest.size();
            }

            void drain() {
                boolean drained = false;
                try {
                    for (T msg = next(); msg != null; msg = next()) handle(msg);
                    drained = true;
                } finally {
                    if (!drained) {
                        synchronized (this) {
                            draining = false; // an Error escaped the handler: the next message starts a new drain
                        }
                    }
                }
            }

            private void handle(T msg) {
                handlingSince = Math.max(1, nanos.getAsLong());
                try {
                    handler.accept(msg);
                } catch (RuntimeException e) {
                    log.error("handler for {} failed", channel, e);
                } finally {
                    handlingSince = 0;
                }
            }
        }
    }
}
