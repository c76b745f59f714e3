package dev.autoscaler.executor.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.NotModifiedException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.ContainerNetwork;
import com.github.dockerjava.api.model.Event;
import com.github.dockerjava.api.model.EventType;
import com.github.dockerjava.api.model.HostConfig;
import dev.autoscaler.common.msg.ReplicaSet;
import dev.autoscaler.executor.backend.ReplicaRecord;
import dev.autoscaler.executor.backend.LoopbackPorts;
import dev.autoscaler.executor.backend.ReplicaBackend;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replicas as containers cloned from a base container that opted in ({@link ContainerLabels}): same image,
 * environment, labels, network, command and health check, named {@code {base}-dup-{n}} with {@code n} from the
 * reconciler's counter. On the host network each duplicate gets its own port through the port variable; on any
 * other network it keeps the base's port and is reached at its own address. Docker's {@code die} events wake the
 * target's reconcile, so a duplicate that dies is replaced at once rather than at the next period.
 */
public final class DockerBackend implements ReplicaBackend, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DockerBackend.class);
    private static final String HOST_NETWORK = "host";

    private final DockerClient docker;
    private final String scope;
    private final DockerSettings settings;
    private final LoopbackPorts ports;
    private final Consumer<String> onDeath;
    private final ScheduledExecutorService reconnects = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("docker-events").daemon().factory());
    private volatile ResultCallback.Adapter<Event> events;
    /** Where a reconnected events stream resumes: just after the last event seen, so none is delivered twice. */
    private volatile long eventsSinceNano = Instant.now().getEpochSecond() * 1_000_000_000L;
    /** Containers this backend is stopping: their {@code die} is expected. */
    private final Set<String> stopping = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** The events stream stays open while nothing happens: a client without a response timeout. */
    private final DockerClient eventsClient;
    private volatile boolean closed;

    /**
     * @param docker       for every call but the events stream; its response timeout must exceed the stop grace
     * @param eventsClient for the events stream only, without a response timeout
     * @param portsInUse ports that registered replicas hold (host network)
     * @param onDeath    told the target of a duplicate that died
     */
    public DockerBackend(DockerClient docker, DockerClient eventsClient, String scope, DockerSettings settings,
                         Supplier<Set<Integer>> portsInUse, Consumer<String> onDeath) {
        this.docker = docker;
        this.eventsClient = eventsClient;
        this.scope = scope;
        this.settings = settings;
        this.ports = new LoopbackPorts(settings.portBase(), portsInUse);
        this.onDeath = onDeath;
        followEvents();
    }

    @Override
    public List<ReplicaRecord> discover(String target) {
        List<ReplicaRecord> found = new ArrayList<>();
        for (Container c : ours(target)) {
            Map<String, String> l = c.getLabels();
            if (l.get(ContainerLabels.ID) == null || !l.get(ContainerLabels.ID).matches("[A-Za-z0-9_.-]+")) {
                log.warn("{}: ignoring container {}: our scope label without a valid replica id", target, nameOf(c));
                continue;
            }
            if (!"running".equals(c.getState())) {
                // a duplicate that exited is an orphan: the reconcile that follows starts a replacement
                log.info("{}: removing exited duplicate {} ({})", target, l.get(ContainerLabels.ID), c.getStatus());
                remove(c.getId());
                continue;
            }
            String address = addressOf(c.getId(), l);
            found.add(new ReplicaRecord(l.get(ContainerLabels.ID), target, address, c.getId(), ReplicaSet.State.starting,
                    parseSeq(l.get(ContainerLabels.SEQ)), c.getCreated() == null ? 0 : c.getCreated()));
        }
        return found;
    }

    private List<Container> ours(String target) {
        return docker.listContainersCmd().withShowAll(true)
                .withLabelFilter(Map.of(ContainerLabels.SCOPE, scope, ContainerLabels.REPLICA_TARGET, target)).exec();
    }

    @Override
    public ReplicaRecord start(String target, String id, long seq) throws IOException {
        Base base = base(target);
        boolean hostNetwork = HOST_NETWORK.equals(base.network());
        int port = hostNetwork ? ports.reserve() : -1;
        String containerId = null;
        try {
            String address = hostNetwork ? "127.0.0.1:" + port : null;
            String name = base.name() + "-dup-" + seq;
            containerId = create(base, name, target, id, seq, address, port);
            docker.startContainerCmd(containerId).exec();
            if (!hostNetwork) address = ipOf(docker.inspectContainerCmd(containerId).exec(), base.network()) + ":" + base.port();
            log.info("{}: started {} as container {} ({}) at {}", target, id, name, containerId.substring(0, 12), address);
            return new ReplicaRecord(id, target, address, containerId, ReplicaSet.State.starting, seq,
                    System.currentTimeMillis() / 1000.0);
        } catch (RuntimeException e) {
            if (containerId != null) remove(containerId);
            if (hostNetwork) ports.release(port);
            throw new IOException("cannot start " + id + " from " + base.name() + ": " + e.getMessage(), e);
        }
    }

    private String create(Base b, String name, String target, String id, long seq, String address, int port) {
        var cfg = b.inspect().getConfig();
        CreateContainerCmd cmd = docker.createContainerCmd(b.inspect().getImageId()).withName(name)
                .withEnv(environment(cfg.getEnv(), id, port))
                .withLabels(ContainerLabels.forDuplicate(cfg.getLabels() == null ? Map.of() : cfg.getLabels(), scope, target,
                        id, seq, address == null ? "" : address))
                .withHostConfig(confinedLike(b.inspect().getHostConfig(), b.network()));
        if (cfg.getEntrypoint() != null) cmd.withEntrypoint(cfg.getEntrypoint());
        if (cfg.getCmd() != null) cmd.withCmd(cfg.getCmd());
        if (cfg.getWorkingDir() != null && !cfg.getWorkingDir().isEmpty()) cmd.withWorkingDir(cfg.getWorkingDir());
        if (cfg.getUser() != null && !cfg.getUser().isEmpty()) cmd.withUser(cfg.getUser());
        if (cfg.getHealthcheck() != null) cmd.withHealthcheck(cfg.getHealthcheck());
        return cmd.exec().getId();
    }

    /**
     * The base's limits and confinement (runtime, memory, CPU, cgroup, capabilities, security options, read-only root,
     * pids, ulimits, tmpfs, log driver), never its privileges, devices or mounts: a duplicate is no less confined.
     */
    static HostConfig confinedLike(HostConfig base, String network) {
        return HostConfig.newHostConfig().withNetworkMode(network).withInit(true).withRuntime(base.getRuntime())
                .withMemory(base.getMemory()).withMemorySwap(base.getMemorySwap()).withMemoryReservation(base.getMemoryReservation())
                .withOomScoreAdj(base.getOomScoreAdj()).withNanoCPUs(base.getNanoCPUs()).withCpuShares(base.getCpuShares())
                .withCpuQuota(base.getCpuQuota()).withCpuPeriod(base.getCpuPeriod()).withCpusetCpus(base.getCpusetCpus())
                .withCpusetMems(base.getCpusetMems()).withBlkioWeight(base.getBlkioWeight()).withCgroupParent(base.getCgroupParent())
                .withCapAdd(base.getCapAdd()).withCapDrop(base.getCapDrop()).withSecurityOpts(base.getSecurityOpts())
                .withReadonlyRootfs(base.getReadonlyRootfs()).withPidsLimit(base.getPidsLimit())
                .withUlimits(base.getUlimits()).withTmpFs(base.getTmpFs()).withLogConfig(base.getLogConfig());
    }

    /** The base's environment with this replica's id and, on the host network, its own port. */
    private List<String> environment(String[] baseEnv, String id, int port) {
        List<String> env = new ArrayList<>();
        String portPrefix = settings.portEnv() + "=";
        for (String kv : baseEnv == null ? new String[0] : baseEnv) {
            if (kv.startsWith("REPLICA_ID=") || (port > 0 && kv.startsWith(portPrefix))) continue;
            env.add(kv);
        }
        env.add("REPLICA_ID=" + id);
        if (port > 0) env.add(portPrefix + port);
        return env;
    }

    /** A running base container that opted in for the target; the oldest when there are several. */
    private Base base(String target) throws IOException {
        try {
            return findBase(target);
        } catch (RuntimeException e) {
            throw new IOException("cannot look up the base container of " + target + " (DOCKER_HOST=" + settings.dockerHost()
                    + "): " + e.getMessage(), e);
        }
    }

    private Base findBase(String target) throws IOException {
        Container c = docker.listContainersCmd().withShowAll(false).exec().stream()
                .filter(x -> ContainerLabels.isBaseOf(x.getLabels() == null ? Map.of() : x.getLabels(), nameOf(x), target))
                .filter(x -> settings.baseNamed(nameOf(x), target))
                .min(Comparator.comparing(Container::getCreated))
                .orElseThrow(() -> new IOException("no running base container for target " + target + ": label one "
                        + ContainerLabels.TARGET + "=" + target + " (or " + ContainerLabels.POC_OPT_IN + "=true)"
                        + (settings.baseContainer().isEmpty() ? "" : " named " + settings.baseContainer().replace("{target}", target))));
        InspectContainerResponse inspect = docker.inspectContainerCmd(c.getId()).exec();
        String network = Optional.ofNullable(inspect.getHostConfig().getNetworkMode()).orElse("default");
        if (network.startsWith("container:")) {
            // duplicates would share the base's network namespace and collide on its port
            throw new IOException("base " + nameOf(c) + " uses network mode " + network + ", which cannot be cloned: "
                    + "give it the host network or a network of its own");
        }
        return new Base(nameOf(c), inspect, network, portOf(inspect.getConfig().getEnv()));
    }

    private record Base(String name, InspectContainerResponse inspect, String network, int port) {}

    private int portOf(String[] env) {
        String prefix = settings.portEnv() + "=";
        return Arrays.stream(env == null ? new String[0] : env).filter(kv -> kv.startsWith(prefix))
                .map(kv -> kv.substring(prefix.length())).mapToInt(DockerBackend::parsePort).findFirst().orElse(settings.appPort());
    }

    private static int parsePort(String s) {
        try {
            return Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static String nameOf(Container c) {
        String[] names = c.getNames();
        return names == null || names.length == 0 ? c.getId().substring(0, 12) : names[0].replaceFirst("^/", "");
    }

    private String addressOf(String containerId, Map<String, String> labels) {
        String a = labels.getOrDefault(ContainerLabels.ADDRESS, "");
        if (!a.isEmpty()) return a;
        InspectContainerResponse i = docker.inspectContainerCmd(containerId).exec();
        return ipOf(i, i.getHostConfig().getNetworkMode()) + ":" + portOf(i.getConfig().getEnv());
    }

    private static String ipOf(InspectContainerResponse i, String network) {
        Map<String, ContainerNetwork> nets = i.getNetworkSettings().getNetworks();
        ContainerNetwork n = nets.containsKey(network) ? nets.get(network) : nets.values().stream().findFirst().orElse(null);
        if (n == null || n.getIpAddress() == null || n.getIpAddress().isEmpty()) {
            throw new IllegalStateException("container " + i.getName() + " has no address on network " + network);
        }
        return n.getIpAddress();
    }

    private static long parseSeq(String s) {
        try {
            return Long.parseLong(s);
        } catch (RuntimeException e) {
            return 0;
        }
    }

    private Optional<InspectContainerResponse> inspectOurs(ReplicaRecord r) {
        try {
            InspectContainerResponse i = docker.inspectContainerCmd(r.handle()).exec();
            Map<String, String> l = i.getConfig().getLabels();
            boolean ours = l != null && scope.equals(l.get(ContainerLabels.SCOPE)) && r.id().equals(l.get(ContainerLabels.ID));
            return ours ? Optional.of(i) : Optional.empty();
        } catch (NotFoundException e) {
            return Optional.empty();
        }
    }

    @Override
    public boolean isAlive(ReplicaRecord r) {
        // a paused duplicate answers nothing: it goes like a dead one (and is removed and replaced)
        return inspectOurs(r).map(i -> Boolean.TRUE.equals(i.getState().getRunning()) && !Boolean.TRUE.equals(i.getState().getPaused()))
                .orElse(false);
    }

    /**
     * The container's health check decides when it has one, except on the host network: there the check, copied from
     * the base, may probe the base's port, so it can only veto ({@code unhealthy}) and the reconciler asks the
     * duplicate's own {@code /health}.
     */
    @Override
    public Optional<Boolean> readiness(ReplicaRecord r) {
        return inspectOurs(r).flatMap(i -> {
            if (i.getState().getHealth() == null) return Optional.empty();
            String status = i.getState().getHealth().getStatus();
            if (HOST_NETWORK.equals(i.getHostConfig().getNetworkMode())) return "unhealthy".equals(status) ? Optional.of(false) : Optional.empty();
            return Optional.of("healthy".equals(status));
        });
    }

    /** {@code docker stop} sends SIGTERM (through the init process, so the app sees it) and SIGKILL after the grace. */
    @Override
    public void stop(ReplicaRecord r, Duration grace) {
        Optional<InspectContainerResponse> found = inspectOurs(r);
        if (found.isEmpty()) return;
        // its die is expected, unless it already died (then no event follows to take it off the set)
        if (Boolean.TRUE.equals(found.get().getState().getRunning())) stopping.add(r.handle());
        try {
            docker.stopContainerCmd(r.handle()).withTimeout((int) Math.max(1, Math.ceil(grace.toMillis() / 1000.0))).exec();
        } catch (NotModifiedException | NotFoundException alreadyStopped) {
            // stopped on its own meanwhile
        }
        remove(r.handle());
    }

    private void remove(String containerId) {
        try {
            docker.removeContainerCmd(containerId).withForce(true).exec();
        } catch (NotFoundException gone) {
            // removed meanwhile
        } catch (RuntimeException e) {
            log.warn("cannot remove container {}: {}", containerId, e.getMessage());
        }
    }

    /** Follows {@code die} events of this installation's duplicates; reconnects (from the last event) if the stream ends. */
    private void followEvents() {
        if (closed) return;
        var callback = new ResultCallback.Adapter<Event>() {
            @Override
            public void onNext(Event e) {
                if (e.getTimeNano() != null) eventsSinceNano = e.getTimeNano() + 1;
                Map<String, String> attrs = e.getActor() == null ? Map.of() : e.getActor().getAttributes();
                String target = attrs.get(ContainerLabels.REPLICA_TARGET);
                if (target == null) return;
                if (stopping.remove(e.getId())) return; // one this backend stopped: not news
                log.warn("{}: duplicate {} died (exit code {})", target, attrs.get(ContainerLabels.ID), attrs.get("exitCode"));
                onDeath.accept(target);
            }

            @Override
            public void onError(Throwable t) {
                if (!closed) log.warn("docker events stream failed ({}); reconnecting", t.getMessage());
                reconnectLater();
            }

            @Override
            public void onComplete() {
                reconnectLater();
            }
        };
        try {
            events = eventsClient.eventsCmd().withEventTypeFilter(EventType.CONTAINER).withEventFilter("die")
                    .withLabelFilter(Map.of(ContainerLabels.SCOPE, scope)).withSince(since(eventsSinceNano)).exec(callback);
        } catch (RuntimeException e) {
            log.warn("cannot follow docker events ({}); retrying", e.getMessage());
            reconnectLater();
        }
    }

    /** Docker's {@code since}: seconds with a fraction of nanoseconds. */
    static String since(long nanos) {
        return (nanos / 1_000_000_000L) + "." + String.format("%09d", nanos % 1_000_000_000L);
    }

    private void reconnectLater() {
        if (!closed) reconnects.schedule(this::followEvents, 2, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        closed = true;
        reconnects.shutdownNow();
        try {
            if (events != null) events.close();
            eventsClient.close();
            docker.close();
        } catch (IOException e) {
            log.debug("closing the docker client: {}", e.getMessage());
        }
    }
}
