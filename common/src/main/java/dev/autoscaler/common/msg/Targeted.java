package dev.autoscaler.common.msg;

/** A message about one target: on a Redis Cluster it goes out on that target's sharded channel ({@link Channels#PER_TARGET}). */
public interface Targeted {
    String target();
}
