package dev.autoscaler.bench.replay;

import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.zip.GZIPInputStream;

/**
 * An nginx access log read as a request-rate trace, streamed (memory follows the log's time span, not its size):
 * requests per second, the mean request time per second where the log has {@code $request_time}, and the upstreams
 * that answered. Lines that do not parse are counted, and the first few named by number.
 *
 * @param file       the log
 * @param format     json (the project's) or combined (nginx's default)
 * @param lines      lines read
 * @param bad        lines that did not parse
 * @param firstBad   the numbers of the first bad lines (at most {@link #BAD_SHOWN})
 * @param firstSec   the epoch second of the first request
 * @param arrivals   requests in each second
 * @param latencyMs  mean request time of each second in ms (NaN where none), or null when the log has none
 * @param upstreams  upstreams that answered around each second (its 10 s bucket), or null when the log names none
 */
public record LogReplay(Path file, AccessLogParser.Format format, long lines, long bad, List<Long> firstBad, long firstSec,
                        double[] arrivals, double[] latencyMs, int[] upstreams) {
    static final int BAD_SHOWN = 5;
    private static final long PROGRESS_EVERY = 1_000_000;

    /** Reads {@code file} (gzip too) in {@code format}, or the format its first line shows when null; progress on {@code progress}. */
    public static LogReplay read(Path file, String format, PrintStream progress) throws IOException {
        long size = Files.size(file);
        LogSeries series = new LogSeries();
        long lines = 0;
        long bad = 0;
        List<Long> firstBad = new ArrayList<>();
        AccessLogParser parser = null;
        AccessLogParser.Format fmt = null;
        try (CountingStream counted = new CountingStream(Files.newInputStream(file));
             BufferedReader in = new BufferedReader(new InputStreamReader(maybeGzip(counted), StandardCharsets.UTF_8), 1 << 16)) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                lines++;
                if (line.isBlank()) continue;
                if (parser == null) {
                    fmt = format != null ? AccessLogParser.Format.valueOf(format) : AccessLogParser.guess(line);
                    parser = new AccessLogParser(fmt);
                }
                if (parser.parse(line) && series.fits(parser.ts)) {
                    series.add(parser.ts, parser.requestTimeSec, parser.upstream);
                } else {
                    bad++;
                    if (firstBad.size() < BAD_SHOWN) firstBad.add(lines);
                }
                if (lines % PROGRESS_EVERY == 0 && progress != null) {
                    progress.printf(Locale.ROOT, "read %,d lines (%.0f%% of %s)%n", lines, 100.0 * counted.count / Math.max(1, size), file.getFileName());
                }
            }
        }
        if (series.isEmpty()) {
            throw new IOException(file + ": no line parses as an access-log line in the " + (fmt == null ? "expected" : fmt) + " format"
                    + (firstBad.isEmpty() ? " (the file is empty)" : " (first bad lines: " + firstBad + ")"));
        }
        int[] up = series.upstreams();
        return new LogReplay(file, fmt, lines, bad, List.copyOf(firstBad), series.firstSecond(), series.arrivals(),
                series.hasLatency() ? series.meanLatencyMs() : null, Arrays.stream(up).anyMatch(u -> u > 0) ? up : null);
    }

    private static InputStream maybeGzip(InputStream raw) throws IOException {
        BufferedInputStream in = new BufferedInputStream(raw, 1 << 16);
        in.mark(2);
        int b1 = in.read();
        int b2 = in.read();
        in.reset();
        return b1 == 0x1f && b2 == 0x8b ? new GZIPInputStream(in, 1 << 16) : in;
    }

    public int durationSec() {
        return arrivals.length;
    }

    public double peakRps() {
        return Arrays.stream(arrivals).max().orElse(0);
    }

    /** Bytes read so far, for the progress line (of the file, compressed or not). */
    private static final class CountingStream extends java.io.FilterInputStream {
        long count;

        CountingStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) count++;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) count += n;
            return n;
        }
    }
}
