package dev.autoscaler.bench.replay;

import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Locale;

/**
 * One nginx access-log line at a time, without building objects per line (a replay reads millions): the project's JSON
 * format ({@code "ts":$msec}, {@code "request_time"}, {@code "upstream_addr"}) or nginx's default {@code combined}
 * ({@code [$time_local]}, with a {@code $request_time} where one follows the user agent). After {@link #parse} returns
 * true, {@link #ts}, {@link #requestTimeSec} (NaN without one) and {@link #upstream} (null without one) hold the line's.
 */
final class AccessLogParser {
    enum Format { json, combined }

    private static final String[] MONTHS = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

    private final Format format;
    double ts;
    double requestTimeSec;
    String upstream;
    /** The last {@code $time_local} and its epoch second: lines of one second share it, so most lines parse no date. */
    private String lastLocal;
    private long lastEpoch;

    AccessLogParser(Format format) {
        this.format = format;
    }

    /** The format a first non-blank line is in: JSON where it is an object (after any byte-order mark), else combined. */
    static Format guess(String firstLine) {
        return firstLine.replace("\uFEFF", "").stripLeading().startsWith("{") ? Format.json : Format.combined;
    }

    boolean parse(String line) {
        try {
            return format == Format.json ? json(line) : combined(line);
        } catch (RuntimeException bad) {
            return false;
        }
    }

    private boolean json(String line) {
        double t = number(line, "\"ts\":");
        if (!(t > 0)) return false;
        ts = t;
        requestTimeSec = number(line, "\"request_time\":");
        int u = line.indexOf("\"upstream_addr\":");
        int quote = u < 0 ? -1 : line.indexOf('"', u + 16);
        if (quote < 0) {
            upstream = null;
        } else {
            int from = quote + 1;
            int end = line.indexOf('"', from);
            int comma = line.indexOf(',', from);
            // "a, b": nginx tried a, then b answered
            int last = line.lastIndexOf(' ', end);
            String addr = comma >= 0 && comma < end && last > from ? line.substring(last + 1, end) : line.substring(from, end);
            upstream = addr.isEmpty() || addr.equals("-") ? null : addr;
        }
        return true;
    }

    /** The number after {@code key} (quoted or not), or NaN. */
    private static double number(String line, String key) {
        int i = line.indexOf(key);
        if (i < 0) return Double.NaN;
        int from = i + key.length();
        while (from < line.length() && line.charAt(from) == ' ') from++;
        if (from < line.length() && line.charAt(from) == '"') from++;
        int end = from;
        while (end < line.length() && "0123456789.eE+-".indexOf(line.charAt(end)) >= 0) end++;
        return end == from ? Double.NaN : Double.parseDouble(line.substring(from, end));
    }

    private boolean combined(String line) {
        int open = line.indexOf('[');
        int close = open < 0 ? -1 : line.indexOf(']', open);
        if (close - open != 27) return false; // [10/Oct/2000:13:55:36 -0700]
        if (lastLocal == null || !line.regionMatches(open + 1, lastLocal, 0, 26)) {
            lastLocal = line.substring(open + 1, close);
            lastEpoch = epoch(lastLocal);
        }
        ts = lastEpoch;
        upstream = null;
        requestTimeSec = trailingNumber(line);
        return true;
    }

    /** {@code dd/MMM/yyyy:HH:mm:ss ±hhmm} as epoch seconds. */
    private static long epoch(String local) {
        int day = Integer.parseInt(local.substring(0, 2));
        String mon = local.substring(3, 6);
        int month = -1;
        for (int m = 0; m < 12; m++) if (MONTHS[m].equals(mon)) month = m + 1;
        if (month < 0) throw new IllegalArgumentException("month " + mon);
        int year = Integer.parseInt(local.substring(7, 11));
        int h = Integer.parseInt(local.substring(12, 14));
        int min = Integer.parseInt(local.substring(15, 17));
        int s = Integer.parseInt(local.substring(18, 20));
        int sign = local.charAt(21) == '-' ? -1 : 1;
        int zh = Integer.parseInt(local.substring(22, 24));
        int zm = Integer.parseInt(local.substring(24, 26));
        ZoneOffset zone = ZoneOffset.ofTotalSeconds(sign * (zh * 3600 + zm * 60));
        return LocalDateTime.of(year, month, day, h, min, s).toEpochSecond(zone);
    }

    /** A request time after the quoted user agent ({@code ... "$http_user_agent" 0.012}), or NaN. */
    private static double trailingNumber(String line) {
        int q = line.lastIndexOf('"');
        if (q < 0 || q == line.length() - 1) return Double.NaN;
        String rest = line.substring(q + 1).trim();
        int sp = rest.indexOf(' ');
        String first = sp < 0 ? rest : rest.substring(0, sp);
        if (first.isEmpty() || !Character.isDigit(first.charAt(0))) return Double.NaN;
        try {
            return Double.parseDouble(first.toLowerCase(Locale.ROOT));
        } catch (NumberFormatException notATime) {
            return Double.NaN; // another field there ($upstream_addr, say): the line counts, without a request time
        }
    }
}
