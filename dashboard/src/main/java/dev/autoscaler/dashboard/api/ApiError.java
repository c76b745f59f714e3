package dev.autoscaler.dashboard.api;

/** An error the API answers with its status and a clear message, as {@code {"error": "..."}}. */
public final class ApiError extends RuntimeException {
    private final int status;

    public ApiError(int status, String message) {
        super(message);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
