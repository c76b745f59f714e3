package dev.autoscaler.common.service;

import dev.autoscaler.common.ops.OpsServer;

/** A running service: what {@link ServiceRunner} starts, reports health for and stops. */
public interface Service extends AutoCloseable {
    OpsServer.Health health();

    @Override
    void close();
}
