package dev.autoscaler.monitor;

import com.fasterxml.jackson.databind.JsonNode;
import dev.autoscaler.common.msg.Json;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import org.HdrHistogram.Histogram;

/**
 * Passive source: reads the lines nginx appended to its JSON access log since the last call. Survives
 * rotation and truncation (a new file or a shorter one is read from its start); a partial last line waits
 * for the next call; lines that do not parse are counted and skipped.
 */
final class AccessLogTailer {
    private final Path path;
    private long position;
    private Object fileKey;
    private String partial = "";
    private long malformed;

    AccessLogTailer(Path path) {
        this.path = path;
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

    /** Requests completed since the last call. */
    synchronized LatencySample drain() {
        Histogram h = LatencySample.newHistogram();
        long ok = 0;
        long total = 0;
        try {
            if (!Files.exists(path)) return new LatencySample(h, 0, 0);
            Object key = Files.readAttributes(path, BasicFileAttributes.class).fileKey();
            long size = Files.size(path);
            if ((fileKey != null && !fileKey.equals(key)) || size < position) {
                position = 0;
                partial = "";
            }
            fileKey = key;
            if (size == position) return new LatencySample(h, 0, 0);
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
            if (lastNl < 0) return new LatencySample(h, 0, 0);
            for (String line : text.substring(0, lastNl).split("\n")) {
                if (line.isBlank()) continue;
                try {
                    JsonNode n = Json.MAPPER.readTree(line);
                    double seconds = n.path("request_time").asDouble(-1);
                    int status = n.path("status").asInt(0);
                    if (seconds < 0 || status == 0) throw new IOException("missing request_time or status");
                    h.recordValue(Math.min(LatencySample.MAX_MICROS, Math.round(seconds * 1e6)));
                    total++;
                    if (status < 500) ok++;
                } catch (IOException e) {
                    malformed++;
                }
            }
        } catch (IOException e) {
            // transient (rotation in progress); the next window reads on
        }
        return new LatencySample(h, ok, total);
    }
}
