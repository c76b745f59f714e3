package dev.autoscaler.common.service;

import dev.autoscaler.common.bus.RedisBus;
import dev.autoscaler.common.config.BusSettings;
import dev.autoscaler.common.config.Env;
import dev.autoscaler.common.config.RedisSettings;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/** What every service gets from the runner: its environment, a meter registry, and (lazily) the bus. */
public final class ServiceContext implements AutoCloseable {
    private final Env env;
    private final PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final RedisSettings redisSettings;
    private final BusSettings busSettings;
    private RedisBus bus;

    public ServiceContext(Env env) {
        this.env = env;
        this.redisSettings = RedisSettings.from(env);
        this.busSettings = BusSettings.from(env);
    }

    public Env env() { return env; }

    public PrometheusMeterRegistry meters() { return meters; }

    public RedisSettings redisSettings() { return redisSettings; }

    public synchronized RedisBus bus() {
        if (bus == null) bus = new RedisBus(redisSettings, busSettings, meters, true);
        return bus;
    }

    @Override
    public synchronized void close() {
        if (bus != null) bus.close();
        meters.close();
    }
}
