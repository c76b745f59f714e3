package dev.autoscaler.cli;

import dev.autoscaler.common.bus.RedisBus;
import dev.autoscaler.common.msg.Channels;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A flood on every channel of the bus, for {@code bench faults}: small malformed messages at a total rate, plus one
 * malformed message of {@link #BIG_BYTES} per channel per second (a JSON string that never closes, so a parser reads all
 * of it before it fails). Published through a {@link RedisBus}, so the bus's channel names apply (KEY_PREFIX).
 */
final class BusFlood {
    static final List<String> CHANNELS = List.of(Channels.ALERTS, Channels.ACTIONS, Channels.RESULTS, Channels.REPLICAS, Channels.UPSTREAMS);
    static final int BIG_BYTES = 1 << 20;
    /** Publishers of the small messages: one connection's round trips cap a single thread well below 10,000 a second. */
    static final int THREADS = 4;
    private static final String[] GARBAGE = {"not json", "{\"kind\":\"plan\",\"ts\":\"yesterday\"}", "[1,2]", "{\"target\":\"bad name!\"}",
            "{\"kind\":\"latency_metrics\",\"p95_ms\":", "\u0000\u0001\u0002", "{}}{{"};

    /** What was sent: small and big messages published, and publishes that failed. */
    record Stats(long small, long big, long errors, double seconds) {}

    private BusFlood() {}

    static Stats run(RedisBus bus, int smallPerSec, double seconds) throws InterruptedException {
        AtomicLong small = new AtomicLong();
        AtomicLong big = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < THREADS; i++) {
            int first = i;
            threads.add(Thread.ofPlatform().name("flood-" + i).start(() -> small(bus, first, smallPerSec / (double) THREADS, start, end, small, errors)));
        }
        threads.add(Thread.ofPlatform().name("flood-big").start(() -> big(bus, start, end, big, errors)));
        for (Thread t : threads) t.join();
        return new Stats(small.get(), big.get(), errors.get(), (System.nanoTime() - start) / 1e9);
    }

    private static void small(RedisBus bus, int offset, double perSec, long start, long end, AtomicLong sent, AtomicLong errors) {
        long gap = (long) (1e9 / perSec);
        long next = start;
        for (long n = offset; next < end && System.nanoTime() < end; n += THREADS) {
            pace(next);
            publish(bus, CHANNELS.get((int) (n % CHANNELS.size())), GARBAGE[(int) (n % GARBAGE.length)], sent, errors);
            next += gap;
        }
    }

    private static void big(RedisBus bus, long start, long end, AtomicLong sent, AtomicLong errors) {
        String text = "{\"kind\":\"" + "A".repeat(BIG_BYTES - 9);
        for (long next = start; next < end && System.nanoTime() < end; next += 1_000_000_000L) {
            pace(next);
            for (String c : CHANNELS) publish(bus, c, text, sent, errors);
        }
    }

    private static void publish(RedisBus bus, String channel, String text, AtomicLong sent, AtomicLong errors) {
        try {
            bus.publishRaw(channel, text);
            sent.incrementAndGet();
        } catch (RuntimeException e) {
            errors.incrementAndGet();
        }
    }

    /**
     * Waits for a publish's scheduled time; behind schedule, it goes at once, and the flood still ends on time (the rate is
     * then what Redis took, and is reported).
     */
    private static void pace(long at) {
        long left;
        while ((left = at - System.nanoTime()) > 0) LockSupport.parkNanos(left);
    }
}
