package dev.autoscaler.dashboard.live;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where a page is in every stream it follows: {@code stream=id|stream=id}. It is the SSE event id, so a browser that
 * reconnects sends it back as Last-Event-ID and the feed resumes each stream after it, without gaps.
 */
public final class Cursor {
    private Cursor() {}

    public static String encode(Map<String, String> ids) {
        StringBuilder sb = new StringBuilder();
        ids.forEach((k, v) -> sb.append(sb.isEmpty() ? "" : "|").append(k).append('=').append(v));
        return sb.toString();
    }

    /** The ids in a cursor; parts that do not read as {@code key=ms-seq} are ignored (a page may send anything). */
    public static Map<String, String> decode(String cursor) {
        Map<String, String> out = new LinkedHashMap<>();
        if (cursor == null || cursor.length() > 8192) return out;
        for (String part : cursor.split("\\|")) {
            int eq = part.lastIndexOf('=');
            if (eq <= 0) continue;
            String id = part.substring(eq + 1);
            if (id.matches("\\d{1,20}-\\d{1,20}")) out.put(part.substring(0, eq), id);
        }
        return out;
    }

    /** Redis stream ids compare as (milliseconds, sequence). */
    public static int compare(String a, String b) {
        String[] x = a.split("-");
        String[] y = b.split("-");
        int c = Long.compare(Long.parseLong(x[0]), Long.parseLong(y[0]));
        return c != 0 ? c : Long.compare(Long.parseLong(x[1]), Long.parseLong(y[1]));
    }
}
