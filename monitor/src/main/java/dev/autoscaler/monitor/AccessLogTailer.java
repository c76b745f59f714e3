package dev.autoscaler.monitor;

import com.fasterxml.jackson.databind.JsonNode;
import dev.autoscaler.common.msg.Json;
import dev.autoscaler.common.msg.TargetNames;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * Passive source: reads the lines nginx appended to its JSON access log since the last call, one reader for every
 * target behind the nginx. A line's {@code pool} field (the upstream it went to) says whose request it was; a line
 * without one (a configuration older than that field) belongs to the only target when there is one, and to nobody
 * (counted as unattributed) when there are several. Survives rotation and truncation (a new file or a shorter one is
 * read from its start); a partial last line waits for the next call; lines that do not parse are counted and skipped.
 */
final class AccessLogTailer {
    private final Path path;
    /** upstream name → target, for the targets this monitor measures. */
    private final Map<String, String> targetOfPool = new HashMap<>();
    private final String onlyTarget;
    private long position;
    private Object fileKey;
    private String partial = "";
    private long malformed;
    private long unattributed;

    AccessLogTailer(Path path, List<String> targets) {
        this.path = path;
        for (String t : targets) targetOfPool.put(TargetNames.upstream(t), t);
        this.onlyTarget = targets.size() == 1 ? targets.get(0) : null;
        try {
            if (Files.exists(path)) {
                position = Files.size(path); // only what happens from now on
                fileKey = Files.readAttributes(path, BasicFileAttributes.class).fileKey();
            }
        } catch (IOException ignored) {
            // not there yet: read from the start once it appears
        }
    }

    long malformed() {
        return malformed;
    }

    /** Lines without a {@code pool} while several targets share the log: nobody's. */
    long unattributed() {
        return unattributed;
    }

    /** Each target's requests completed since the last call; every target measured has an entry. */
    synchronized Map<String, LatencySample> drain() {
        Map<String, Tally> byTarget = new HashMap<>();
        for (String t : targetOfPool.values()) byTarget.put(t, new Tally());
        read(byTarget);
        Map<String, LatencySample> out = new HashMap<>();
        byTarget.forEach((t, tally) -> out.put(t, new LatencySample(tally.micros, tally.ok, tally.total)));
        return out;
    }

    private static final class Tally {
        final Histogram micros = LatencySample.newHistogram();
        long ok;
        long total;
    }

    private void read(Map<String, Tally> byTarget) {
        try {
            if (!Files.exists(path)) return;
            Object key = Files.readAttributes(path, BasicFileAttributes.class).fileKey();
            long size = Files.size(path);
            if ((fileKey != null && !fileKey.equals(key)) || size < position) {
                position = 0;
                partial = "";
            }
            fileKey = key;
            if (size == position) return;
            byte[] buf;
            try (RandomAccessFile f = new RandomAccessFile(path.toFile(), "r")) {
                f.seek(position);
                buf = new byte[(int) Math.min(size - position, 64L * 1024 * 1024)];
                f.readFully(buf);
            }
            position += buf.length;
            String text = partial + new String(buf, StandardCharsets.UTF_8);
            int lastNl = text.lastIndexOf('\n');
            partial = lastNl < 0 ? text : text.substring(lastNl + 1);
            if (lastNl < 0) return;
            for (String line : text.substring(0, lastNl).split("\n")) {
                if (!line.isBlank()) count(line, byTarget);
            }
        } catch (IOException e) {
            // transient (rotation in progress); the next window reads on
        }
    }

    private void count(String line, Map<String, Tally> byTarget) {
        try {
            JsonNode n = Json.MAPPER.readTree(line);
            double seconds = n.path("request_time").asDouble(-1);
            int status = n.path("status").asInt(0);
            if (seconds < 0 || status == 0) throw new IOException("missing request_time or status");
            JsonNode pool = n.get("pool");
            String target = pool == null || pool.asText().isEmpty() ? onlyTarget : targetOfPool.get(pool.asText());
            if (target == null) {
                if (pool == null || pool.asText().isEmpty()) unattributed++;
                return; // another target's request, one this monitor does not measure
            }
            Tally t = byTarget.get(target);
            t.micros.recordValue(Math.min(LatencySample.MAX_MICROS, Math.round(seconds * 1e6)));
            t.total++;
            if (status < 500) t.ok++;
        } catch (IOException e) {
            malformed++;
        }
    }
}
