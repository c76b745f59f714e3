package dev.autoscaler.planner.llm;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import okhttp3.Call;
import okhttp3.Interceptor;
import okhttp3.Response;

/**
 * The HTTP call each asking thread is making through a provider's OkHttp client, so that a call the advisor gave up on
 * can be cancelled: OkHttp's cancel closes the call's socket wherever the call is (connecting, waiting for headers,
 * reading a body that never ends), where an interrupt alone sometimes ends the thread's wait and leaves the socket
 * open. A thread cancelled before its call got here (an SDK still building the request) has its interrupt flag set:
 * its call is cancelled before it goes out. An application interceptor: it runs on the asking thread.
 */
final class CallsInFlight implements Interceptor {
    private final Map<Thread, Call> calls = new ConcurrentHashMap<>();

    @Override
    public Response intercept(Chain chain) throws IOException {
        Call call = chain.call();
        calls.put(Thread.currentThread(), call);
        if (Thread.currentThread().isInterrupted()) call.cancel();
        return chain.proceed(chain.request());
    }

    /** The asking thread's call is over (answered, failed or cancelled). */
    void done() {
        calls.remove(Thread.currentThread());
    }

    /** Cancels the call {@code thread} is making; false when it is making none (yet). */
    boolean cancel(Thread thread) {
        Call call = calls.remove(thread);
        if (call == null) return false;
        call.cancel();
        return true;
    }

    /** Cancels every call (the provider is closing). */
    void cancelAll() {
        calls.values().forEach(Call::cancel);
        calls.clear();
    }
}
