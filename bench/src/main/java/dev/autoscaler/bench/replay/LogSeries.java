package dev.autoscaler.bench.replay;

import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * An access log reduced to seconds: requests and summed request time per second, and how many upstreams answered in
 * each {@link #UPSTREAM_BUCKET_SEC} seconds (long enough that a light replica answers once, short enough to follow a
 * fleet that scales). Its size follows the log's time span, never its line count; lines a little out of order (nginx writes
 * a line when its request ends) land in their own second.
 */
final class LogSeries {
    /**
     * The longest span kept: 60 days of seconds is 62 MB here (12 bytes a second), and the simulation of each policy
     * holds some 60 bytes a second more; a longer log is better cut into pieces.
     */
    static final long MAX_SPAN_SEC = 60L * 86_400;
    static final int UPSTREAM_BUCKET_SEC = 10;

    private long base = Long.MIN_VALUE;
    private int[] counts = new int[0];
    private float[] latencySum = new float[0];
    private int[] latencyN = new int[0];
    private final Map<Long, Integer> upstreamsPerBucket = new HashMap<>();
    /** The buckets still open: the newest and the two before it, so that lines a little late still count in theirs. */
    private final Map<Long, Set<String>> openBuckets = new HashMap<>();
    private long newestBucket = Long.MIN_VALUE;
    private long first = Long.MAX_VALUE;
    private long last = Long.MIN_VALUE;

    /** Whether a request at {@code ts} keeps the log within {@link #MAX_SPAN_SEC} (a line that does not is counted as bad). */
    boolean fits(double ts) {
        long sec = (long) Math.floor(ts);
        return isEmpty() || Math.max(last, sec) - Math.min(first, sec) < MAX_SPAN_SEC;
    }

    /** One request that ended at {@code ts}; {@code requestTimeSec} NaN and {@code upstream} null where the log has none. */
    void add(double ts, double requestTimeSec, String upstream) {
        long sec = (long) Math.floor(ts);
        int i = index(sec);
        counts[i]++;
        if (requestTimeSec >= 0) {
            latencySum[i] += (float) requestTimeSec;
            latencyN[i]++;
        }
        first = Math.min(first, sec);
        last = Math.max(last, sec);
        if (upstream != null) {
            long b = Math.floorDiv(sec, UPSTREAM_BUCKET_SEC);
            openBuckets.computeIfAbsent(b, k -> new HashSet<>()).add(upstream);
            if (b > newestBucket) {
                newestBucket = b;
                flushBuckets(b - 2);
            }
        }
    }

    /** Closes the buckets before {@code keepFrom}: their counts are final (a line later still is merged by the larger). */
    private void flushBuckets(long keepFrom) {
        var it = openBuckets.entrySet().iterator();
        while (it.hasNext()) {
            var e = it.next();
            if (e.getKey() >= keepFrom) continue;
            upstreamsPerBucket.merge(e.getKey(), e.getValue().size(), Math::max);
            it.remove();
        }
    }

    private int index(long sec) {
        if (base == Long.MIN_VALUE) {
            base = sec - 60;
            grow(0, 4096);
        }
        if (sec < base) {
            // room in front as well, but never more than the span allows
            long front = Math.min(Math.max(base - sec, counts.length / 2), Math.max(base - sec, MAX_SPAN_SEC + 1 - counts.length));
            grow((int) front, counts.length + (int) front);
            base -= front;
        } else if (sec - base >= counts.length) {
            long need = sec - base + 1;
            grow(0, (int) Math.max(need, Math.min(MAX_SPAN_SEC + 1, 2L * counts.length)));
        }
        return (int) (sec - base);
    }

    /** Arrays of {@code size} with the old contents moved {@code shift} to the right. */
    private void grow(int shift, int size) {
        int[] c = new int[size];
        float[] l = new float[size];
        int[] n = new int[size];
        System.arraycopy(counts, 0, c, shift, counts.length);
        System.arraycopy(latencySum, 0, l, shift, latencySum.length);
        System.arraycopy(latencyN, 0, n, shift, latencyN.length);
        counts = c;
        latencySum = l;
        latencyN = n;
    }

    boolean isEmpty() {
        return first > last;
    }

    long firstSecond() {
        return first;
    }

    /** Requests in each second from the first request's to the last's. */
    double[] arrivals() {
        double[] a = new double[(int) (last - first + 1)];
        for (int s = 0; s < a.length; s++) a[s] = counts[(int) (first - base) + s];
        return a;
    }

    /** Mean request time in ms of each second (NaN where the log gave none). */
    double[] meanLatencyMs() {
        double[] a = new double[(int) (last - first + 1)];
        for (int s = 0; s < a.length; s++) {
            int i = (int) (first - base) + s;
            a[s] = latencyN[i] == 0 ? Double.NaN : 1000.0 * latencySum[i] / latencyN[i];
        }
        return a;
    }

    /** Upstreams that answered in each second's bucket (0 where the log names none). */
    int[] upstreams() {
        flushBuckets(Long.MAX_VALUE);
        int[] a = new int[(int) (last - first + 1)];
        for (int s = 0; s < a.length; s++) a[s] = upstreamsPerBucket.getOrDefault(Math.floorDiv(first + s, UPSTREAM_BUCKET_SEC), 0);
        return a;
    }

    boolean hasLatency() {
        return Arrays.stream(latencyN).anyMatch(n -> n > 0);
    }
}
