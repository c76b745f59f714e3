package dev.autoscaler.watcher;

import dev.autoscaler.common.bus.RedisBus;
import dev.autoscaler.common.bus.ReplicaRegistry;
import dev.autoscaler.common.config.Env;
import dev.autoscaler.common.docker.DockerClients;
import dev.autoscaler.common.msg.Channels;
import dev.autoscaler.common.msg.Json;
import dev.autoscaler.common.msg.ReplicaSet;
import dev.autoscaler.common.msg.Upstreams;
import dev.autoscaler.common.ops.OpsServer;
import dev.autoscaler.common.service.Service;
import dev.autoscaler.common.service.ServiceContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps nginx's upstreams equal to the ready replicas: on every {@code replicas} message, and every
 * {@code RESYNC_SEC} from the registry (so a lost message heals, and an upstream file someone else changed is
 * written back). Write to a temp file, rename over the old one, {@code nginx -t}; reload only if the test passes,
 * otherwise put the previous file back.
 */
public final class WatcherService implements Service {
    private static final Logger log = LoggerFactory.getLogger(WatcherService.class);

    private final RedisBus bus;
    private final NginxControl nginx;
    private final UpstreamFile upstreamFile;
    private final List<String> targets;
    private final Map<String, List<String>> applied = new ConcurrentHashMap<>();
    private final ScheduledExecutorService lane = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("watcher").daemon().factory());
    private final AtomicLong reloads = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    /** Upstream files found changed by someone else and written back. */
    private final AtomicLong restored = new AtomicLong();
    /** INITIAL_UPSTREAM: served while a target has no ready replica. */
    private final List<String> initial;
    /** Targets whose "no ready replica" was logged, so it is said once and not every resync. */
    private final java.util.Set<String> saidEmpty = ConcurrentHashMap.newKeySet();

    public WatcherService(ServiceContext ctx) {
        Env env = ctx.env();
        String container = env.string("NGINX_CONTAINER", "");
        if (!container.isEmpty() && !container.matches("[a-zA-Z0-9][a-zA-Z0-9_.-]*")) {
            throw Env.bad("NGINX_CONTAINER", container, "a container name or id");
        }
        Path prefix = Path.of(env.string("NGINX_PREFIX", container.isEmpty() ? ".run/nginx" : "/srv/nginx")).toAbsolutePath();
        String conf = env.string("NGINX_CONF", "conf/nginx.conf");
        String binary = env.string("NGINX_BIN", "nginx");
        Path upstreamDir = Path.of(env.string("UPSTREAM_DIR", prefix.resolve("conf/upstreams").toString()));
        this.targets = env.targets();
        double resync = env.number("RESYNC_SEC", 10, 0.5, 3600);
        if (container.isEmpty()) {
            if (!Files.isDirectory(prefix)) throw Env.bad("NGINX_PREFIX", prefix.toString(), "an existing nginx prefix directory");
            this.nginx = new LocalNginx(binary, prefix, conf);
        } else {
            // the prefix is the lb container's; only the upstream directory (a shared volume) is ours to write
            String host = DockerClients.host(env);
            this.nginx = new ContainerNginx(DockerClients.ping(DockerClients.connect(host), host), container, binary, prefix.toString(), conf);
        }
        this.upstreamFile = new UpstreamFile(upstreamDir, nginx);
        this.initial = initialUpstream(env);
        this.bus = ctx.bus();
        // the newest set per target is all that matters: one waiting is replaced by the next, never queued behind it
        bus.subscribeLatest(Channels.REPLICAS, ReplicaSet.class, ReplicaSet::target, this::apply);
        lane.scheduleWithFixedDelay(this::resync, 0, (long) (resync * 1000), TimeUnit.MILLISECONDS);
        log.info("watcher: nginx {}prefix {}, upstreams in {}, targets {}",
                container.isEmpty() ? "" : "in container " + container + ", ", prefix, upstreamDir, targets);
    }

    /**
     * {@code INITIAL_UPSTREAM}: addresses that serve while no replica is ready (compose: the base app container), at
     * start whatever an old upstream file says, and again should every replica go.
     */
    private static List<String> initialUpstream(Env env) {
        String raw = env.string("INITIAL_UPSTREAM", "");
        List<String> servers = java.util.Arrays.stream(raw.split(",")).map(String::trim).filter(a -> !a.isEmpty()).toList();
        for (String a : servers) {
            if (!UpstreamRenderer.validAddress(a)) throw Env.bad("INITIAL_UPSTREAM", raw, "comma-separated host:port addresses");
        }
        return servers;
    }

    private void resync() {
        for (String t : targets) {
            try {
                apply(new ReplicaSet(t, ReplicaRegistry.read(bus, t), System.currentTimeMillis() / 1000.0));
            } catch (RuntimeException e) {
                log.warn("resync of {} failed: {}", t, e.getMessage());
            }
        }
    }

    /** From the bus's lane and the resync's: one at a time, so two renders never race over the same file. */
    synchronized void apply(ReplicaSet set) {
        if (!targets.contains(set.target())) return;
        List<String> servers = set.ready().stream().map(ReplicaSet.Replica::address).sorted().distinct().toList();
        List<String> invalid = servers.stream().filter(a -> !UpstreamRenderer.validAddress(a)).toList();
        if (!invalid.isEmpty()) {
            rejected.incrementAndGet();
            log.warn("{}: ignoring invalid addresses {}", set.target(), invalid);
            servers = servers.stream().filter(UpstreamRenderer::validAddress).toList();
        }
        if (servers.isEmpty() && !initial.isEmpty()) servers = initial;
        if (servers.equals(applied.get(set.target()))) {
            if (upstreamFile.intact(set.target(), servers)) return;
            // an outside hand edited the file we own: put ours back (nginx -t first, as always) before a reload reads it
            restored.incrementAndGet();
            log.warn("{}: {} was changed outside the watcher; writing the upstreams back", set.target(), upstreamFile.path(set.target()));
        }
        if (servers.isEmpty()) {
            if (saidEmpty.add(set.target())) {
                log.warn("{}: no ready replica; keeping the current upstreams rather than rendering an empty one", set.target());
            }
            return;
        }
        saidEmpty.remove(set.target());
        try {
            boolean reloaded = upstreamFile.apply(set.target(), servers);
            if (reloaded) reloads.incrementAndGet();
            applied.put(set.target(), servers);
            Upstreams u = new Upstreams(set.target(), servers, reloaded, System.currentTimeMillis() / 1000.0);
            bus.redis().set(bus.keys().upstreams(set.target()), Json.write(u));
            bus.publish(Channels.UPSTREAMS, u);
        } catch (IOException | RuntimeException e) {
            rejected.incrementAndGet();
            log.error("{}: upstreams not applied: {}", set.target(), e.getMessage());
        }
    }

    @Override
    public OpsServer.Health health() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("nginx_running", nginx.running());
        d.put("reloads", reloads.get());
        d.put("rejected", rejected.get());
        d.put("restored", restored.get());
        d.put("upstreams", applied);
        return new OpsServer.Health(true, d);
    }

    @Override
    public void close() {
        lane.shutdownNow();
        if (nginx instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                log.debug("closing nginx control: {}", e.getMessage());
            }
        }
    }
}
