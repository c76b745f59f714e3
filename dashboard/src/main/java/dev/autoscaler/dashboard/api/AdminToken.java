package dev.autoscaler.dashboard.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/** The controls' token: compared in constant time, taken only from the X-Admin-Token header. */
public final class AdminToken {
    public static final String HEADER = "X-Admin-Token";

    private final byte[] expected;

    public AdminToken(String token) {
        this.expected = token == null || token.isBlank() ? null : token.getBytes(StandardCharsets.UTF_8);
    }

    public boolean configured() {
        return expected != null;
    }

    /** The token presented matches; a missing one never does. */
    public boolean accepts(String presented) {
        if (expected == null || presented == null) return false;
        return MessageDigest.isEqual(expected, presented.getBytes(StandardCharsets.UTF_8));
    }
}
