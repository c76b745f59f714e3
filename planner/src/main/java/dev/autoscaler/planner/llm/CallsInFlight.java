package dev.autoscaler.planner.llm;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import okhttp3.Call;
import okhttp3.Interceptor;
import okhttp3.Response;

/**
 * The HTTP calls a provider's OkHttp client has started, and when, so that calls running past their bound can be
 * cancelled: OkHttp's cancel closes a call's socket wherever the call is (connecting, waiting for headers, reading a
 * body that never ends), where interrupting the asking thread sometimes ends its wait and leaves the socket open, and
 * an SDK may run the call on a thread of its own. Calls are kept by when they started, not by thread, for that reason.
 * Cancelling a call that has already ended does nothing.
 */
final class CallsInFlight implements Interceptor {
    /** Longer than any call may run (LLM_TIMEOUT_SEC is at most 600 s): older entries are dropped, and cancelled. */
    private static final long FORGET_NANOS = Duration.ofMinutes(15).toNanos();

    private final Map<Call, Long> started = new ConcurrentHashMap<>();

    @Override
    public Response intercept(Chain chain) throws IOException {
        cancelOlderThan(FORGET_NANOS);
        started.put(chain.call(), System.nanoTime());
        return chain.proceed(chain.request());
    }

    /** Cancels every call started more than {@code nanos} ago; returns how many were still known. */
    int cancelOlderThan(long nanos) {
        long now = System.nanoTime();
        int n = 0;
        for (var e : started.entrySet()) {
            if (now - e.getValue() > nanos && started.remove(e.getKey()) != null) {
                e.getKey().cancel();
                n++;
            }
        }
        return n;
    }

    /** Cancels every call (the provider is closing). */
    void cancelAll() {
        started.keySet().forEach(Call::cancel);
        started.clear();
    }
}
