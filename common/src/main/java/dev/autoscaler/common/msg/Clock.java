package dev.autoscaler.common.msg;

/** Epoch seconds as a double, the time unit of every message. */
public final class Clock {
    private Clock() {}

    public static double nowSec() {
        return System.currentTimeMillis() / 1000.0;
    }
}
