package dev.autoscaler.monitor;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads nginx's {@code stub_status}. Its {@code requests} counter grows when a request arrives, not when it
 * completes, so its rate is the demand even while replicas are saturated and the access log (written on
 * completion) only shows what they manage to serve.
 */
final class StubStatusReader {
    private static final Pattern COUNTS = Pattern.compile("\\s*(\\d+)\\s+(\\d+)\\s+(\\d+)\\s*");
    private static final Pattern WRITING = Pattern.compile("Writing:\\s*(\\d+)");

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    private final URI url;
    private Long lastRequests;
    private long lastNanos;

    StubStatusReader(URI url) {
        this.url = url;
    }

    record Status(long requests, int writing) {}

    static Optional<Status> parse(String body) {
        String[] lines = body.split("\n");
        Long requests = null;
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].contains("accepts") && i + 1 < lines.length) {
                Matcher m = COUNTS.matcher(lines[i + 1]);
                if (m.matches()) requests = Long.parseLong(m.group(3));
            }
        }
        Matcher w = WRITING.matcher(body);
        if (requests == null || !w.find()) return Optional.empty();
        return Optional.of(new Status(requests, Integer.parseInt(w.group(1))));
    }

    record Rate(double arrivalsPerSec, int inFlight) {}

    /** Arrivals per second since the previous call (empty on the first call or when nginx does not answer). */
    Optional<Rate> sample() {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(1)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            long now = System.nanoTime();
            Optional<Status> s = r.statusCode() == 200 ? parse(r.body()) : Optional.empty();
            if (s.isEmpty()) return Optional.empty();
            Long prev = lastRequests;
            long prevNanos = lastNanos;
            lastRequests = s.get().requests();
            lastNanos = now;
            if (prev == null || s.get().requests() < prev) return Optional.empty();
            // our own status request is one of the counted requests
            double delta = Math.max(0, s.get().requests() - prev - 1);
            return Optional.of(new Rate(delta / ((now - prevNanos) / 1e9), Math.max(0, s.get().writing() - 1)));
        } catch (Exception e) {
            if (e instanceof InterruptedException) Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }
}
