package dev.autoscaler.planner.llm;

import java.io.InterruptedIOException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/** What both providers do alike with a failure: classify the status, read Retry-After, and build a safe message. */
final class ProviderSupport {
    /** Server text kept in a message: enough to tell the cause, short enough for a log line. */
    static final int MAX_SERVER_TEXT = 200;

    private ProviderSupport() {}

    /** 429 is rate limiting, 5xx the server's fault, any other status the request's (key, model, body). */
    static LlmException.Kind kindOf(int status) {
        if (status == 429) return LlmException.Kind.RATE_LIMITED;
        return status >= 500 ? LlmException.Kind.SERVER : LlmException.Kind.CLIENT;
    }

    /**
     * Retry-After as delay-seconds or an HTTP date (RFC 9110 allows both); null when absent or unreadable, so a
     * malformed header only loses the hint, never the error.
     */
    static Duration retryAfter(String header, Instant now) {
        if (header == null || header.isBlank()) return null;
        String v = header.trim();
        try {
            double seconds = Double.parseDouble(v);
            return seconds < 0 ? null : Duration.ofMillis(Math.round(seconds * 1000));
        } catch (NumberFormatException notSeconds) {
            try {
                Instant at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                Duration d = Duration.between(now, at);
                return d.isNegative() ? Duration.ZERO : d;
            } catch (DateTimeParseException notDate) {
                return null;
            }
        }
    }

    /** A timeout shows up as an InterruptedIOException (SocketTimeoutException is one) somewhere in the causes. */
    static boolean causedByTimeout(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof InterruptedIOException) return true;
            if (c.getCause() == c) break;
        }
        return false;
    }

    /**
     * "HTTP 429 RESOURCE_EXHAUSTED: quota ..." with the server's text cut short. The key is scrubbed as a last
     * defence (a server may echo what it was sent), before the cut so that no half key survives it.
     */
    static String httpMessage(int status, String statusText, String serverText, LlmSettings.Secret key) {
        StringBuilder sb = new StringBuilder("HTTP ").append(status);
        if (statusText != null && !statusText.isBlank()) sb.append(' ').append(statusText);
        if (serverText != null && !serverText.isBlank()) sb.append(": ").append(cut(oneLine(scrub(serverText, key))));
        return scrub(sb.toString(), key);
    }

    /** A message for a failure without a status (timeout, I/O). */
    static String plainMessage(String what, Throwable cause, LlmSettings.Secret key) {
        String detail = cause == null ? null : cause.getClass().getSimpleName()
                + (cause.getMessage() == null ? "" : " " + cut(oneLine(scrub(cause.getMessage(), key))));
        return scrub(detail == null ? what : what + ": " + detail, key);
    }

    static String scrub(String text, LlmSettings.Secret key) {
        if (text == null || key == null || !key.present()) return text;
        return text.replace(key.value(), "***");
    }

    private static String cut(String s) {
        return s.length() <= MAX_SERVER_TEXT ? s : s.substring(0, MAX_SERVER_TEXT) + "...";
    }

    private static String oneLine(String s) {
        return s.replaceAll("\\s+", " ").trim();
    }
}
