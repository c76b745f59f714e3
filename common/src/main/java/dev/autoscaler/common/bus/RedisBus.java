package dev.autoscaler.common.bus;

import dev.autoscaler.common.config.RedisSettings;
import dev.autoscaler.common.msg.Json;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.XAddArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The only way services talk: pub/sub for events, keys and capped streams for state. Reconnect delays are
 * bounded (50 ms .. 1 s) so a Redis restart costs about a second, and Lettuce re-subscribes by itself.
 * Each subscription is handled on its own thread, in order, so a slow handler never blocks Netty.
 */
public final class RedisBus implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RedisBus.class);

    private final ClientResources resources;
    private final RedisClient client;
    private final StatefulRedisConnection<String, String> conn;
    private final StatefulRedisPubSubConnection<String, String> pubsub;
    private final Keys keys;
    private final MeterRegistry meters;
    private final Map<String, Consumer<String>> handlers = new ConcurrentHashMap<>();
    private final Map<String, ExecutorService> lanes = new ConcurrentHashMap<>();
    private final Map<String, Long> lastMalformedLog = new ConcurrentHashMap<>();

    public RedisBus(RedisSettings settings, MeterRegistry meters) {
        this(settings, meters, true);
    }

    /** @param waitForRedis services wait up to a minute for Redis to come up; tools fail at once */
    public RedisBus(RedisSettings settings, MeterRegistry meters, boolean waitForRedis) {
        this.meters = meters;
        this.keys = new Keys(settings.keyPrefix());
        this.resources = ClientResources.builder()
                .reconnectDelay(Delay.exponential(Duration.ofMillis(50), Duration.ofSeconds(1), 2, TimeUnit.MILLISECONDS))
                .build();
        this.client = RedisClient.create(resources, RedisURI.create(settings.url()));
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .socketOptions(SocketOptions.builder().connectTimeout(Duration.ofSeconds(2)).build())
                .timeoutOptions(TimeoutOptions.enabled(Duration.ofSeconds(5)))
                .build());
        long waitSec = waitForRedis ? 60 : 0;
        this.conn = connectWithRetry(client::connect, settings, waitSec);
        this.pubsub = connectWithRetry(client::connectPubSub, settings, waitSec);
        pubsub.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(String channel, String message) {
                Consumer<String> h = handlers.get(channel);
                if (h != null) lanes.get(channel).execute(() -> h.accept(message));
            }
        });
    }

    /** Services may start before Redis; wait for it with the same bounded backoff instead of failing. */
    private <C> C connectWithRetry(java.util.function.Supplier<C> connect, RedisSettings settings, long waitSec) {
        long delay = 100;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(waitSec);
        while (true) {
            try {
                return connect.get();
            } catch (RuntimeException e) {
                if (System.nanoTime() > deadline) {
                    client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
                    resources.shutdown(0, 1, TimeUnit.SECONDS);
                    throw e;
                }
                log.warn("redis {} not reachable yet ({}); retrying", settings.safeUrl(), e.getMessage());
                sleep(delay);
                delay = Math.min(1000, delay * 2);
            }
        }
    }

    public Keys keys() {
        return keys;
    }

    public RedisCommands<String, String> redis() {
        return conn.sync();
    }

    public boolean ping() {
        try {
            return "PONG".equals(conn.sync().ping());
        } catch (RuntimeException e) {
            return false;
        }
    }

    public void publish(String channel, Object message) {
        conn.sync().publish(channel, Json.write(message));
    }

    /** Raw text, for tests that inject malformed messages and for tools. */
    public void publishRaw(String channel, String text) {
        conn.sync().publish(channel, text);
    }

    /**
     * Subscribes with typed parsing. A message that does not parse is counted in
     * {@code autoscaler_messages_malformed_total{channel}}, logged at most once a minute, and dropped.
     */
    public <T> void subscribe(String channel, Class<T> type, Consumer<T> handler) {
        Counter malformed = meters.counter("autoscaler_messages_malformed", "channel", channel);
        Counter received = meters.counter("autoscaler_messages_received", "channel", channel);
        lanes.computeIfAbsent(channel, c -> Executors.newSingleThreadExecutor(Thread.ofVirtual().name("bus-" + c).factory()));
        handlers.put(channel, text -> {
            received.increment();
            T msg;
            try {
                msg = Json.read(text, type);
            } catch (Json.MalformedMessageException e) {
                malformed.increment();
                logMalformed(channel, e.getMessage());
                return;
            }
            try {
                handler.accept(msg);
            } catch (RuntimeException e) {
                log.error("handler for {} failed", channel, e);
            }
        });
        pubsub.sync().subscribe(channel);
    }

    private void logMalformed(String channel, String why) {
        long now = System.currentTimeMillis();
        Long last = lastMalformedLog.get(channel);
        if (last == null || now - last >= 60_000) {
            lastMalformedLog.put(channel, now);
            log.warn("dropped malformed message on {}: {} (logged at most once a minute; see autoscaler_messages_malformed_total)",
                    channel, why);
        }
    }

    /** Appends to a capped stream (approximate trimming keeps it cheap). */
    public void appendCapped(String stream, Map<String, String> fields, long maxLen) {
        conn.sync().xadd(stream, XAddArgs.Builder.maxlen(maxLen).approximateTrimming(), fields);
    }

    @Override
    public void close() {
        lanes.values().forEach(ExecutorService::shutdownNow);
        try {
            pubsub.close();
            conn.close();
            client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
            resources.shutdown(0, 1, TimeUnit.SECONDS);
        } catch (RuntimeException e) {
            log.debug("closing redis", e);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
