package dev.autoscaler.planner.llm;

import java.time.Duration;

/**
 * A call that failed. Its message is safe to log, audit and show: it names the status and the server's error status
 * text, never the key or a request header.
 */
public final class LlmException extends Exception {

    public enum Kind {
        /** HTTP 429: back off, at least for {@link #retryAfter()} when the server said so. */
        RATE_LIMITED,
        /** HTTP 5xx: back off. */
        SERVER,
        /** another HTTP 4xx (a bad key, an unknown model, a bad request): back off too, it will not mend by itself soon. */
        CLIENT,
        /** the call's hard timeout passed. */
        TIMEOUT,
        /** the connection failed or the reply could not be read. */
        IO
    }

    private final Kind kind;
    private final Integer status;
    private final Duration retryAfter;

    public LlmException(Kind kind, Integer status, Duration retryAfter, String message) {
        super(message);
        this.kind = kind;
        this.status = status;
        this.retryAfter = retryAfter;
    }

    public Kind kind() {
        return kind;
    }

    /** The HTTP status, when there was one. */
    public Integer status() {
        return status;
    }

    /** The server's Retry-After, when it sent one. */
    public Duration retryAfter() {
        return retryAfter;
    }

    /** The audit's outcome word: timeout, 429 or error. */
    public String outcome() {
        return outcome(kind);
    }

    /** The audit's outcome word for a failure of this kind. */
    public static String outcome(Kind kind) {
        return switch (kind) {
            case TIMEOUT -> "timeout";
            case RATE_LIMITED -> "429";
            default -> "error";
        };
    }
}
