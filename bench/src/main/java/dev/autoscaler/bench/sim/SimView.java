package dev.autoscaler.bench.sim;

import dev.autoscaler.peers.LoadView;

/** What a policy may look at when it decides, at the end of second {@code now() - 1}. */
public interface SimView extends LoadView {
    /** The last desired count the simulator applied. */
    int desired();

    /** Requests completed with an answer (not refused) in that second. */
    double served(int second);

    /** Requests refused at once in that second because the app's queue was full (HTTP 503; 0 without a queue bound). */
    double refused(int second);

    double p95Ms(int second);

    int readyAt(int second);

    SimConfig config();

    default int minReplicas() { return config().minReplicas(); }

    default int maxReplicas() { return config().maxReplicas(); }

    /** Only the clairvoyant oracle may call this: arrivals in a future second (0 past the end). */
    double futureArrivals(int second);
}
