package dev.autoscaler.common.config;

/**
 * How much the bus takes in before it drops, so no publisher (a bug, a flood, a hostile client with Redis access) can
 * exhaust a subscriber's memory.
 *
 * @param maxMessageBytes  MAX_MESSAGE_BYTES (1 MiB): a larger message is dropped before parsing; the largest legitimate
 *                         one, a replica set of 10,000 replicas, is about 0.8 MB
 * @param laneCapacity     BUS_QUEUE_MAX (1000): messages waiting per subscribed channel; the oldest goes first, as the
 *                         newest says the most about now
 * @param handlerStuckSec  BUS_HANDLER_STUCK_SEC (120): a handler busy this long is wedged, and {@code /health} says so
 *                         (a handler's Redis calls time out within seconds, so only a hang gets here)
 */
public record BusSettings(int maxMessageBytes, int laneCapacity, int handlerStuckSec) {
    public static final BusSettings DEFAULTS = new BusSettings(1 << 20, 1000, 120);

    public static BusSettings from(Env env) {
        return new BusSettings(env.integer("MAX_MESSAGE_BYTES", DEFAULTS.maxMessageBytes, 4096, 64 << 20),
                env.integer("BUS_QUEUE_MAX", DEFAULTS.laneCapacity, 1, 1_000_000),
                env.integer("BUS_HANDLER_STUCK_SEC", DEFAULTS.handlerStuckSec, 5, 86_400));
    }
}
