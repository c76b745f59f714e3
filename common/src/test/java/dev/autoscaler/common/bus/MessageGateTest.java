package dev.autoscaler.common.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.autoscaler.common.config.BusSettings;
import dev.autoscaler.common.msg.Channels;
import dev.autoscaler.common.msg.Json;
import dev.autoscaler.common.msg.ReplicaSet;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The gate without Redis: the size cap, the rules, the bounded and the coalescing lanes, and their counters. */
class MessageGateTest {
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    /** Runs nothing until {@link #runAll}: messages pile up in the lane as behind a slow handler. */
    final List<Runnable> parked = new ArrayList<>();

    void runAll() {
        while (!parked.isEmpty()) parked.remove(0).run();
    }

    MessageGate gate(int cap, int queue) {
        return new MessageGate(new BusSettings(cap, queue, 120), meters);
    }

    double dropped(String channel, String reason) {
        var c = meters.find("autoscaler_messages_dropped").tags("channel", channel, "reason", reason).counter();
        return c == null ? 0 : c.count();
    }

    static String set(String target, int n) {
        List<ReplicaSet.Replica> list = new ArrayList<>();
        for (int i = 0; i < n; i++) list.add(new ReplicaSet.Replica("r" + i, "127.0.0.1:" + (9100 + i), ReplicaSet.State.ready));
        return Json.write(new ReplicaSet(target, list, 1));
    }

    @Test
    void aMessageOverTheCapIsDroppedBeforeParsingCountingBytesNotChars() {
        MessageGate g = gate(4096, 10);
        List<ReplicaSet> got = new ArrayList<>();
        g.register(Channels.REPLICAS, ReplicaSet.class, null, got::add, Runnable::run);
        g.offer(Channels.REPLICAS, set("app", 100)); // about 6 KB
        // 1500 chars, 4500 bytes in UTF-8: over the cap though its length in chars is not
        g.offer(Channels.REPLICAS, "{\"target\":\"app\",\"replicas\":[],\"ts\":1,\"note\":\"" + "日".repeat(1500) + "\"}");
        assertEquals(2, dropped(Channels.REPLICAS, MessageGate.TOO_LARGE));
        assertEquals(0, meters.counter("autoscaler_messages_malformed", "channel", Channels.REPLICAS).count(), "too large is not malformed");
        g.offer(Channels.REPLICAS, set("app", 10));
        assertEquals(1, got.size(), "a message under the cap passes");
        assertEquals(5, MessageGate.utf8Length("a😀", 100), "a surrogate pair is 4 bytes, not 6");
        assertEquals(5, MessageGate.utf8Length("äöa", 100));
    }

    @Test
    void aKeyedLaneOverSeveralExecutorsKeepsEachKeyOnOneInOrderAndTurnsDownWhatIsNotWanted() {
        MessageGate g = gate(1 << 20, 100);
        List<List<Runnable>> executors = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        List<String> got = new ArrayList<>();
        g.register(Channels.REPLICAS, ReplicaSet.class, ReplicaSet::target, s -> !s.target().equals("other"),
                s -> got.add(s.target() + ":" + s.replicas().size()), executors.stream().map(l -> (java.util.concurrent.Executor) l::add).toList());
        for (int i = 0; i < 12; i++) g.offer(Channels.REPLICAS, set("t" + i, 1));
        g.offer(Channels.REPLICAS, set("other", 1));
        assertEquals(12, g.pending(Channels.REPLICAS), "the one not wanted was left before any queue");
        assertEquals(0, dropped(Channels.REPLICAS, MessageGate.SUPERSEDED) + dropped(Channels.REPLICAS, MessageGate.MALFORMED),
                "and is not counted as dropped");
        assertTrue(executors.stream().filter(l -> !l.isEmpty()).count() >= 2, "twelve keys over more than one executor");
        g.offer(Channels.REPLICAS, set("t0", 2)); // replaces t0's pending one, in the same executor's queue
        assertEquals(12, g.pending(Channels.REPLICAS));
        for (List<Runnable> l : executors) while (!l.isEmpty()) l.remove(0).run();
        assertEquals(12, got.size(), got.toString());
        assertTrue(got.contains("t0:2") && !got.contains("t0:1"), "the newest of t0: " + got);
    }

    @Test
    void aFullLaneDropsItsOldestAndCountsIt() {
        MessageGate g = gate(1 << 20, 3);
        List<ReplicaSet> got = new ArrayList<>();
        g.register(Channels.RESULTS, ReplicaSet.class, null, got::add, parked::add);
        for (int i = 0; i < 5; i++) g.offer(Channels.RESULTS, set("t" + i, 1));
        assertEquals(3, g.pending(Channels.RESULTS));
        assertEquals(2, dropped(Channels.RESULTS, MessageGate.QUEUE_FULL));
        runAll();
        assertEquals(List.of("t2", "t3", "t4"), got.stream().map(ReplicaSet::target).toList(), "the newest three, in order");
    }

    @Test
    void aCoalescingLaneKeepsOnlyTheNewestPendingMessagePerKey() {
        MessageGate g = gate(1 << 20, 100);
        List<ReplicaSet> got = new ArrayList<>();
        g.register(Channels.REPLICAS, ReplicaSet.class, ReplicaSet::target, got::add, parked::add);
        g.offer(Channels.REPLICAS, set("a", 1));
        g.offer(Channels.REPLICAS, set("b", 1));
        g.offer(Channels.REPLICAS, set("a", 2));
        g.offer(Channels.REPLICAS, set("a", 3));
        assertEquals(2, g.pending(Channels.REPLICAS));
        assertEquals(2, dropped(Channels.REPLICAS, MessageGate.SUPERSEDED));
        runAll();
        assertEquals(List.of("b:1", "a:3"), got.stream().map(s -> s.target() + ":" + s.replicas().size()).toList(),
                "the newest of each, in the order they arrived");
        // once handled, a message for the same key is new again, not a replacement
        g.offer(Channels.REPLICAS, set("a", 4));
        runAll();
        assertEquals(2, dropped(Channels.REPLICAS, MessageGate.SUPERSEDED));
        assertEquals(3, got.size());
    }

    @Test
    void aCoalescingLaneIsBoundedInKeysToo() {
        MessageGate g = gate(1 << 20, 2);
        List<ReplicaSet> got = new ArrayList<>();
        g.register(Channels.REPLICAS, ReplicaSet.class, ReplicaSet::target, got::add, parked::add);
        for (String t : List.of("a", "b", "c")) g.offer(Channels.REPLICAS, set(t, 1));
        assertEquals(1, dropped(Channels.REPLICAS, MessageGate.QUEUE_FULL));
        runAll();
        assertEquals(List.of("b", "c"), got.stream().map(ReplicaSet::target).toList());
    }

    @Test
    void aValidMessageOfTheWrongKindIsCountedAsMalformed() {
        MessageGate g = gate(1 << 20, 10);
        List<Object> got = new ArrayList<>();
        g.register(Channels.ALERTS, dev.autoscaler.common.msg.LatencyMetrics.class, null, got::add, Runnable::run);
        g.offer(Channels.ALERTS, "{\"kind\":\"error\",\"p95_ms\":5}");
        g.offer(Channels.ALERTS, "{\"kind\":\"latency_metrics\",\"p95_ms\":5}");
        assertEquals(1, meters.counter("autoscaler_messages_malformed", "channel", Channels.ALERTS).count());
        assertEquals(1, dropped(Channels.ALERTS, MessageGate.MALFORMED));
        assertEquals(1, got.size());
    }

    @Test
    void aFailingHandlerDoesNotStopItsLaneAndOrderIsKept() throws Exception {
        MessageGate g = gate(1 << 20, 10_000);
        List<Integer> got = java.util.Collections.synchronizedList(new ArrayList<>());
        CountDownLatch done = new CountDownLatch(1);
        ExecutorService lane = Executors.newSingleThreadExecutor();
        try {
            g.register(Channels.UPSTREAMS, ReplicaSet.class, null, s -> {
                int n = s.replicas().size();
                if (n == 0) throw new IllegalStateException("a handler bug");
                got.add(n);
                if (n == 1000) done.countDown();
            }, lane);
            g.offer(Channels.UPSTREAMS, set("app", 0));
            for (int i = 1; i <= 1000; i++) g.offer(Channels.UPSTREAMS, set("app", i));
            assertTrue(done.await(30, TimeUnit.SECONDS), "the lane carried on after the failure");
        } finally {
            lane.shutdownNow();
        }
        for (int i = 0; i < 1000; i++) assertEquals(i + 1, got.get(i), "handled in the order they arrived");
    }

    @Test
    void aHandlerBusyForLongShowsAsTheBusiest() {
        AtomicLong clock = new AtomicLong(1_000);
        MessageGate g = new MessageGate(BusSettings.DEFAULTS, meters, clock::get);
        double[] seen = new double[1];
        g.register(Channels.ACTIONS, ReplicaSet.class, null, s -> {
            clock.addAndGet(200_000_000_000L); // 200 s in the handler
            seen[0] = g.busiestHandlerSec();
        }, Runnable::run);
        assertEquals(0, g.busiestHandlerSec());
        g.offer(Channels.ACTIONS, set("app", 1));
        assertEquals(200, seen[0], 1e-9);
        assertEquals(0, g.busiestHandlerSec(), "nothing busy once it returned");
    }
}
