package dev.autoscaler.cli.scale;

import io.lettuce.core.pubsub.RedisPubSubAdapter;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.HdrHistogram.Recorder;

/**
 * What {@code bench scale} counts of the plans it hears: how many, the time from each target's oldest window not yet
 * answered (a planner that skips windows it is behind on is slow, not fast), windows decided twice, and after a kill
 * when each target was first decided again. Reads only a plan's target and p95 from its text: parsing every plan would
 * take the planners' CPU on the same machine.
 */
final class PlanTally extends RedisPubSubAdapter<String, String> {
    /** When each target's oldest unanswered window was published (0: none), set by the publisher. */
    final AtomicLongArray published;
    final Recorder latency = new Recorder(3);
    final AtomicLong plans = new AtomicLong();
    final AtomicLong twice = new AtomicLong();
    final AtomicBoolean measuring = new AtomicBoolean();
    private final Map<String, Integer> index = new HashMap<>();
    private final AtomicLong killedAt = new AtomicLong();
    private final AtomicLongArray firstAfterKill;
    /** The window each target's last plan answered (its number, modulo 1000): a second plan for it is a window decided twice. */
    private final AtomicIntegerArray lastSeq;

    PlanTally(String[] names) {
        for (int t = 0; t < names.length; t++) index.put(names[t], t);
        published = new AtomicLongArray(names.length);
        firstAfterKill = new AtomicLongArray(names.length);
        lastSeq = new AtomicIntegerArray(names.length);
        for (int t = 0; t < names.length; t++) lastSeq.set(t, -1);
    }

    @Override
    public void message(String channel, String text) {
        Integer t = index.get(planTarget(text));
        if (t == null) return;
        long now = System.nanoTime();
        if (killedAt.get() != 0) firstAfterKill.compareAndSet(t, 0, now);
        long sent = published.getAndSet(t, 0);
        if (sent > 0) latency.recordValue(Math.max(1, (now - sent) / 1000));
        int seq = windowSeq(text);
        if (lastSeq.getAndSet(t, seq) == seq && seq >= 0 && measuring.get()) twice.incrementAndGet();
        plans.incrementAndGet();
    }

    void killed() {
        killedAt.set(System.nanoTime());
    }

    /** Seconds from the kill to the last target's first plan after it; {@code orElse} where a target had none. */
    double takeoverSec(double orElse) {
        long worst = 0;
        for (int t = 0; t < firstAfterKill.length(); t++) {
            long first = firstAfterKill.get(t);
            if (first == 0) return orElse;
            worst = Math.max(worst, first - killedAt.get());
        }
        return worst / 1e9;
    }

    /** The first {@code "target"} of a plan's JSON (the plan's own; its decision's comes later), or null. */
    static String planTarget(String json) {
        int i = json.indexOf("\"target\":\"");
        if (i < 0) return null;
        int from = i + 10;
        int to = json.indexOf('"', from);
        return to < 0 ? null : json.substring(from, to);
    }

    /** The number (modulo 1000) of the window a plan answered, from the p95 it repeats; -1 when it has none. */
    static int windowSeq(String json) {
        int i = json.indexOf("\"p95_ms\":");
        if (i < 0) return -1;
        int from = i + 9;
        int to = from;
        while (to < json.length() && (Character.isDigit(json.charAt(to)) || json.charAt(to) == '.')) to++;
        try {
            double v = Double.parseDouble(json.substring(from, to));
            return (int) Math.round((v - Math.floor(v)) * 10_000) % 1000;
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
