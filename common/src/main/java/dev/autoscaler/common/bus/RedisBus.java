package dev.autoscaler.common.bus;

import dev.autoscaler.common.config.BusSettings;
import dev.autoscaler.common.config.RedisSettings;
import dev.autoscaler.common.msg.Channels;
import dev.autoscaler.common.msg.Json;
import dev.autoscaler.common.msg.Targeted;
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
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The only way services talk: pub/sub for events, keys and capped streams for state. Reconnect delays are
 * bounded (50 ms .. 1 s) so a Redis restart costs about a second, and Lettuce re-subscribes by itself.
 * Callers name channels by their logical names ({@code Channels.ALERTS}); the bus maps them to the channel under
 * {@code KEY_PREFIX} ({@link Keys#channel}). What arrives passes a {@link MessageGate} (size cap, parsing, rules,
 * a bounded lane per channel), so a slow handler never blocks Netty and a flood never exhausts memory.
 */
public final class RedisBus implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RedisBus.class);
    /** A readiness check must answer within a probe's timeout, whatever Redis does. */
    private static final long PING_TIMEOUT_MS = 1000;

    private final ClientResources resources;
    private final io.lettuce.core.AbstractRedisClient client;
    private final io.lettuce.core.api.StatefulConnection<String, String> conn;
    /** The commands, of one server or (through {@link ClusterCommands}) of a cluster. */
    private final RedisCommands<String, String> sync;
    private final io.lettuce.core.api.async.RedisAsyncCommands<String, String> async;
    private final StatefulRedisPubSubConnection<String, String> pubsub;
    private final Keys keys;
    private final BusSettings limits;
    private final MessageGate gate;
    /** Physical channel name to logical, for what arrives. */
    private final Map<String, String> logical = new ConcurrentHashMap<>();
    private final Map<String, ExecutorService> lanes = new ConcurrentHashMap<>();
    /** The cluster connection, whose commands include SPUBLISH; null on one server. */
    private final io.lettuce.core.cluster.api.StatefulRedisClusterConnection<String, String> clusterConn;
    /** Logical channels subscribed to that go sharded per target on a cluster ({@link Channels#PER_TARGET}). */
    private final Set<String> shardedChannels = ConcurrentHashMap.newKeySet();
    /** Targets whose sharded channels this bus listens on. */
    private final Set<String> followed = ConcurrentHashMap.newKeySet();
    private volatile java.util.concurrent.ScheduledExecutorService discovery;
    /** Connections handed out besides the bus's own, closed with it. */
    private final List<io.lettuce.core.api.StatefulConnection<?, ?>> extra = new java.util.concurrent.CopyOnWriteArrayList<>();

    public RedisBus(RedisSettings settings, MeterRegistry meters) {
        this(settings, meters, true);
    }

    /** @param waitForRedis services wait up to a minute for Redis to come up; tools fail at once */
    public RedisBus(RedisSettings settings, MeterRegistry meters, boolean waitForRedis) {
        this(settings, BusSettings.DEFAULTS, meters, waitForRedis);
    }

    public RedisBus(RedisSettings settings, BusSettings limits, MeterRegistry meters, boolean waitForRedis) {
        this.keys = new Keys(settings.keyPrefix(), settings.cluster());
        this.limits = limits;
        this.gate = new MessageGate(limits, meters);
        this.resources = ClientResources.builder()
                .reconnectDelay(Delay.exponential(Duration.ofMillis(50), Duration.ofSeconds(1), 2, TimeUnit.MILLISECONDS))
                .build();
        long waitSec = waitForRedis ? 60 : 0;
        if (settings.cluster()) {
            var cluster = io.lettuce.core.cluster.RedisClusterClient.create(resources, settings.password() == null
                    ? RedisSettings.nodes(settings.url()) : RedisSettings.nodes(settings.url()).stream().map(u -> withCredentials(u, settings)).toList());
            cluster.setOptions(io.lettuce.core.cluster.ClusterClientOptions.builder()
                    .sslOptions(sslOptions(settings.tls()))
                    .autoReconnect(true)
                    .socketOptions(SocketOptions.builder().connectTimeout(Duration.ofSeconds(2)).build())
                    .timeoutOptions(TimeoutOptions.enabled(Duration.ofSeconds(5)))
                    // a node that fails over or a slot that moves is followed at once, and the map refreshed now and then
                    .topologyRefreshOptions(io.lettuce.core.cluster.ClusterTopologyRefreshOptions.builder()
                            .enableAllAdaptiveRefreshTriggers().enablePeriodicRefresh(Duration.ofSeconds(30)).build())
                    .build());
            this.client = cluster;
            var c = connectWithRetry(cluster::connect, settings, waitSec);
            this.conn = c;
            this.clusterConn = c;
            this.sync = ClusterCommands.sync(c);
            this.async = ClusterCommands.async(c);
            this.pubsub = connectWithRetry(cluster::connectPubSub, settings, waitSec);
        } else {
            RedisClient single = RedisClient.create(resources, uri(settings));
            single.setOptions(ClientOptions.builder()
                    .sslOptions(sslOptions(settings.tls()))
                    .autoReconnect(true)
                    .socketOptions(SocketOptions.builder().connectTimeout(Duration.ofSeconds(2)).build())
                    .timeoutOptions(TimeoutOptions.enabled(Duration.ofSeconds(5)))
                    .build());
            this.client = single;
            StatefulRedisConnection<String, String> c = connectWithRetry(single::connect, settings, waitSec);
            this.conn = c;
            this.clusterConn = null;
            this.sync = c.sync();
            this.async = c.async();
            this.pubsub = connectWithRetry(single::connectPubSub, settings, waitSec);
        }
        pubsub.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(String channel, String message) {
                String name = logical.get(channel);
                if (name != null) gate.offer(name, message);
            }
        });
        if (pubsub instanceof io.lettuce.core.cluster.pubsub.StatefulRedisClusterPubSubConnection<String, String> cp) {
            cp.addListener(new io.lettuce.core.cluster.pubsub.RedisClusterPubSubAdapter<>() {
                @Override
                public void smessage(io.lettuce.core.cluster.models.partitions.RedisClusterNode node, String channel, String message) {
                    String name = logical.get(channel);
                    if (name != null) gate.offer(name, message);
                }
            });
        }
    }

    /** The URL, authenticated as the settings' ACL user where one is given (else as the URL says). */
    static RedisURI uri(RedisSettings settings) {
        return withCredentials(RedisURI.create(settings.url()), settings);
    }

    private static RedisURI withCredentials(RedisURI uri, RedisSettings settings) {
        if (settings.password() != null) {
            uri.setCredentialsProvider(io.lettuce.core.RedisCredentialsProvider.from(() ->
                    io.lettuce.core.RedisCredentials.just(settings.user(), settings.password())));
        }
        return uri;
    }

    /** The CA to trust and the client certificate, where {@code REDIS_TLS_*} name them; the JDK's defaults otherwise. */
    static io.lettuce.core.SslOptions sslOptions(RedisSettings.Tls tls) {
        var b = io.lettuce.core.SslOptions.builder().jdkSslProvider();
        if (tls == null) return b.build();
        if (tls.caFile() != null) b.trustManager(tls.caFile().toFile());
        if (tls.certFile() != null) b.keyManager(keyManagers(tls.certFile(), tls.keyFile()));
        return b.build();
    }

    /**
     * A key manager holding the client certificate chain and its unencrypted PKCS#8 key, both PEM. Built here rather
     * than by Lettuce's file variant, which hands Netty an empty password for a key without one, and Netty then reads
     * the key as encrypted and refuses it.
     */
    static javax.net.ssl.KeyManagerFactory keyManagers(java.nio.file.Path certFile, java.nio.file.Path keyFile) {
        try {
            var certs = java.security.cert.CertificateFactory.getInstance("X.509")
                    .generateCertificates(java.nio.file.Files.newInputStream(certFile)).toArray(new java.security.cert.Certificate[0]);
            String pem = java.nio.file.Files.readString(keyFile);
            byte[] der = java.util.Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", ""));
            var spec = new java.security.spec.PKCS8EncodedKeySpec(der);
            java.security.PrivateKey key;
            try {
                key = java.security.KeyFactory.getInstance("RSA").generatePrivate(spec);
            } catch (java.security.spec.InvalidKeySpecException notRsa) {
                key = java.security.KeyFactory.getInstance("EC").generatePrivate(spec);
            }
            var store = java.security.KeyStore.getInstance("PKCS12");
            store.load(null, null);
            char[] none = new char[0];
            store.setKeyEntry("client", key, none, certs);
            var kmf = javax.net.ssl.KeyManagerFactory.getInstance(javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(store, none);
            return kmf;
        } catch (java.io.IOException | java.security.GeneralSecurityException e) {
            throw new dev.autoscaler.common.config.ConfigException("REDIS_TLS_CERT_FILE/REDIS_TLS_KEY_FILE: not a PEM certificate and an "
                    + "unencrypted PKCS#8 key (" + e.getClass().getSimpleName() + ")");
        }
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
        return sync;
    }

    /** The same connection without waiting: for many commands sent together (pipelined), then awaited. */
    public io.lettuce.core.api.async.RedisAsyncCommands<String, String> async() {
        return async;
    }

    /**
     * A connection of its own with string keys and byte-array values (what a library that keeps binary state in Redis,
     * such as bucket4j's proxy manager, takes), whose commands give up after {@code timeout}: a
     * {@link StatefulRedisConnection}, or a {@link io.lettuce.core.cluster.api.StatefulRedisClusterConnection} on a
     * cluster. Closed with the bus.
     */
    public synchronized io.lettuce.core.api.StatefulConnection<String, byte[]> binaryConnection(Duration timeout) {
        var codec = io.lettuce.core.codec.RedisCodec.of(io.lettuce.core.codec.StringCodec.UTF8, io.lettuce.core.codec.ByteArrayCodec.INSTANCE);
        io.lettuce.core.api.StatefulConnection<String, byte[]> c = client instanceof io.lettuce.core.cluster.RedisClusterClient cc
                ? cc.connect(codec) : ((RedisClient) client).connect(codec);
        c.setTimeout(timeout);
        extra.add(c);
        return c;
    }

    /**
     * Redis answers PING within a second. Never waits longer, so {@code /ready} answers within a probe's timeout while
     * Redis is away (a command would otherwise wait in Lettuce's queue for the reconnect).
     */
    public boolean ping() {
        if (!conn.isOpen() || !pubsub.isOpen()) return false;
        try {
            return "PONG".equals(async.ping().get(PING_TIMEOUT_MS, TimeUnit.MILLISECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            return false;
        }
    }

    /** Both connections are up as far as Lettuce knows; answers at once, without a round trip. */
    public boolean connected() {
        return conn.isOpen() && pubsub.isOpen();
    }

    /** How long the longest-running message handler has been busy, in seconds: a hung one shows here. */
    public double busiestHandlerSec() {
        return gate.busiestHandlerSec();
    }

    public BusSettings limits() {
        return limits;
    }

    /**
     * Publishes {@code message} on {@code channel}; on a cluster a per-target message goes to its target's sharded
     * channel (SPUBLISH), which only the node holding the target's slot serves.
     */
    public void publish(String channel, Object message) {
        String text = Json.write(message);
        if (message instanceof Targeted t && t.target() != null && sharded(channel)) {
            spublish(keys.shardChannel(channel, t.target()), text);
        } else {
            sync.publish(keys.channel(channel), text);
        }
    }

    /** Where a message of {@code target} on {@code channel} is published, and with which command (for scripts). */
    public record Route(String command, String channel) {}

    public Route route(String channel, String target) {
        return sharded(channel) ? new Route("SPUBLISH", keys.shardChannel(channel, target)) : new Route("PUBLISH", keys.channel(channel));
    }

    private boolean sharded(String channel) {
        return clusterConn != null && Channels.PER_TARGET.contains(channel);
    }

    private void spublish(String physical, String text) {
        clusterConn.sync().dispatch(io.lettuce.core.protocol.CommandType.SPUBLISH,
                new io.lettuce.core.output.IntegerOutput<>(io.lettuce.core.codec.StringCodec.UTF8),
                new io.lettuce.core.protocol.CommandArgs<>(io.lettuce.core.codec.StringCodec.UTF8).addKey(physical).addValue(text));
    }

    /**
     * On a cluster: listen on these targets' sharded channels (for every per-target channel subscribed, now and later).
     * The bus also finds targets by itself every {@link #DISCOVERY_SEC} ({@link #knownTargets}); a service that knows
     * its targets (the executor's TARGETS) says so at once. Nothing on one server, where the channels are not sharded.
     */
    public void followTargets(java.util.Collection<String> targets) {
        if (clusterConn == null) return;
        for (String t : targets) {
            if (!followed.add(t)) continue;
            for (String channel : shardedChannels) ssubscribe(channel, t);
        }
    }

    private void ssubscribe(String channel, String target) {
        String physical = keys.shardChannel(channel, target);
        logical.put(physical, channel);
        pubsub.sync().ssubscribe(physical);
    }

    /** How often a bus on a cluster looks for new targets to follow. */
    static final long DISCOVERY_SEC = 5;

    /** Looks for targets every DISCOVERY_SEC from the first sharded subscription on; a failed look waits for the next. */
    private synchronized void discoverTargets() {
        if (discovery != null) return;
        discovery = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("bus-targets").daemon().factory());
        discovery.scheduleWithFixedDelay(() -> {
            try {
                followTargets(knownTargets());
            } catch (RuntimeException e) {
                log.debug("finding targets to follow", e);
            }
        }, 0, DISCOVERY_SEC, TimeUnit.SECONDS);
    }

    /** Every target the planner announced, or that has desired state or replicas (an executor may run alone). */
    public java.util.TreeSet<String> knownTargets() {
        java.util.TreeSet<String> targets = new java.util.TreeSet<>(sync.smembers(keys.targetsSet()));
        for (String kind : List.of("desired:", "registry:")) {
            String prefix = keys.prefix() + kind;
            for (String k : scan(prefix + "*")) targets.add(keys.untag(k.substring(prefix.length())));
        }
        return targets;
    }

    /** SCAN, not KEYS: KEYS blocks Redis for every client while it walks the whole keyspace. */
    public List<String> scan(String pattern) {
        List<String> out = new java.util.ArrayList<>();
        var args = io.lettuce.core.ScanArgs.Builder.matches(pattern).limit(500);
        io.lettuce.core.KeyScanCursor<String> c = sync.scan(args);
        out.addAll(c.getKeys());
        while (!c.isFinished()) {
            c = sync.scan(c, args); // the cursor itself: on a cluster it also says which node comes next
            out.addAll(c.getKeys());
        }
        return out;
    }

    /** Raw text, for tests that inject malformed messages and for tools. */
    public void publishRaw(String channel, String text) {
        sync.publish(keys.channel(channel), text);
    }

    /**
     * Subscribes with typed parsing; every message is handled, in order, one at a time. A message that is too large,
     * does not parse or breaks a {@link dev.autoscaler.common.msg.MessageRules rule} is counted and dropped (see
     * {@link MessageGate}); at most {@code BUS_QUEUE_MAX} wait, then the oldest is dropped.
     */
    public <T> void subscribe(String channel, Class<T> type, Consumer<T> handler) {
        subscribe(channel, type, null, handler);
    }

    /**
     * As {@link #subscribe(String, Class, Consumer)}, but of the messages waiting only the newest per {@code key} (say,
     * per target) is kept: for channels where a newer message makes an older one moot (replica sets, upstreams, windows,
     * level-triggered plans). The ones replaced are counted with reason {@code superseded}.
     */
    public <T> void subscribeLatest(String channel, Class<T> type, Function<? super T, String> key, Consumer<T> handler) {
        subscribeLatest(channel, type, key, 1, null, handler);
    }

    /**
     * As {@link #subscribeLatest(String, Class, Function, Consumer)}, with {@code parallel} handlers at once (messages of
     * one key still one at a time and in order, so the handler must be safe for different keys at once), handling only
     * what {@code wanted} accepts (null: all; see {@link MessageGate#register}: no I/O in it).
     */
    public <T> void subscribeLatest(String channel, Class<T> type, Function<? super T, String> key, int parallel,
                                    java.util.function.Predicate<? super T> wanted, Consumer<T> handler) {
        subscribe(channel, type, java.util.Objects.requireNonNull(key, "key"), parallel, wanted, handler);
    }

    private <T> void subscribe(String channel, Class<T> type, Function<? super T, String> key, Consumer<T> handler) {
        subscribe(channel, type, key, 1, null, handler);
    }

    private <T> void subscribe(String channel, Class<T> type, Function<? super T, String> key, int parallel,
                               java.util.function.Predicate<? super T> wanted, Consumer<T> handler) {
        java.util.List<ExecutorService> executors = new java.util.ArrayList<>();
        for (int i = 0; i < parallel; i++) {
            String name = parallel == 1 ? channel : channel + "-" + i;
            executors.add(lanes.computeIfAbsent(name,
                    c -> Executors.newSingleThreadExecutor(Thread.ofVirtual().name("bus-" + c).factory())));
        }
        gate.register(channel, type, key, wanted, handler, executors);
        String physical = keys.channel(channel);
        logical.put(physical, channel);
        // on a cluster the classic channel still carries what tools publish raw; the services' own go sharded
        pubsub.sync().subscribe(physical);
        if (sharded(channel) && shardedChannels.add(channel)) {
            for (String t : followed) ssubscribe(channel, t);
            discoverTargets();
        }
    }

    /** Appends to a capped stream (approximate trimming keeps it cheap). */
    public void appendCapped(String stream, Map<String, String> fields, long maxLen) {
        sync.xadd(stream, XAddArgs.Builder.maxlen(maxLen).approximateTrimming(), fields);
    }

    @Override
    public void close() {
        if (discovery != null) discovery.shutdownNow();
        lanes.values().forEach(ExecutorService::shutdownNow);
        try {
            pubsub.close();
            conn.close();
            extra.forEach(io.lettuce.core.api.StatefulConnection::close);
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
