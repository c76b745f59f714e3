package dev.autoscaler.peers;

/**
 * What a peer autoscaler sees of one workload, at the end of second {@code now() - 1}: the bench's simulator shows it
 * its simulated fleet, the planner's shadow the measured windows spread over their seconds.
 */
public interface LoadView {
    /** Seconds since the view began. */
    int now();

    int ready();

    int starting();

    /** Requests that arrived in that second. */
    double arrivals(int second);

    /** Busy fraction of the ready replicas in that second (what CPU utilisation stands for). */
    double utilisation(int second);

    int minReplicas();

    int maxReplicas();

    /** One replica's saturation throughput, rps. */
    double capacityRps();
}
