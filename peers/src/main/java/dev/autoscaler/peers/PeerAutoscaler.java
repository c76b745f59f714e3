package dev.autoscaler.peers;

/** Another project's autoscaler restated: called every {@link #tickSec()} seconds, it answers a replica count. */
public interface PeerAutoscaler {
    String name();

    int tickSec();

    int decide(LoadView view);
}
