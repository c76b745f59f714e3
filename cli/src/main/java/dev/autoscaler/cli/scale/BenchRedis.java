package dev.autoscaler.cli.scale;

import dev.autoscaler.cli.local.LocalRedisCluster;
import dev.autoscaler.cli.local.Ports;
import dev.autoscaler.cli.local.Prerequisites;
import dev.autoscaler.cli.local.ProcessSupervisor;
import dev.autoscaler.common.config.RedisSettings;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Redis of a {@code bench scale} run: one redis-server, or a cluster of three masters. Either way the bench reads
 * each node's INFO through a connection of its own, and sums them.
 */
final class BenchRedis implements AutoCloseable {
    private final String url;
    private final List<Integer> ports;
    private final Map<String, Process> processes;
    private final LocalRedisCluster cluster;
    private final List<RedisClient> clients = new ArrayList<>();
    private final List<StatefulRedisConnection<String, String>> nodes = new ArrayList<>();
    /** On a cluster, the one client behind the bench's publisher and listener; null until asked for. */
    private RedisClusterClient clusterClient;

    private BenchRedis(String url, List<Integer> ports, Map<String, Process> processes, LocalRedisCluster cluster) {
        this.url = url;
        this.ports = ports;
        this.processes = processes;
        this.cluster = cluster;
        for (int p : ports) {
            RedisClient c = RedisClient.create("redis://127.0.0.1:" + p);
            clients.add(c);
            nodes.add(c.connect());
        }
    }

    static BenchRedis single(ProcessSupervisor procs, Path dir) throws Exception {
        String bin = Prerequisites.ensure(Map.of("redis-server", "redis-server")).get("redis-server");
        int port = Ports.free();
        Process p = procs.start("redis", List.of(bin, "--port", String.valueOf(port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--dir", dir.toString()), Map.of());
        Ports.await(port, 15, "redis-server");
        return new BenchRedis("redis://127.0.0.1:" + port, List.of(port), Map.of("redis", p), null);
    }

    static BenchRedis cluster(Path dir) throws Exception {
        LocalRedisCluster c = LocalRedisCluster.start(dir);
        Map<String, Process> procs = new LinkedHashMap<>();
        for (int i = 1; i <= LocalRedisCluster.MASTERS; i++) procs.put("redis-" + i, c.process(i));
        return new BenchRedis(c.url(), c.ports(), procs, c);
    }

    /** REDIS_URL for the services. */
    String url() {
        return url;
    }

    Map<String, Process> processes() {
        return processes;
    }

    /** Commands the nodes have run since they started (INFO commandstats, summed). */
    long commands() {
        long total = 0;
        for (var n : nodes) {
            for (String line : n.sync().info("commandstats").split("\r?\n")) {
                int i = line.indexOf("calls=");
                if (line.startsWith("cmdstat_") && i > 0) total += Long.parseLong(line.substring(i + 6, line.indexOf(',', i)));
            }
        }
        return total;
    }

    /** The nodes' {@code used_memory}, summed. */
    long usedMemory() {
        long total = 0;
        for (var n : nodes) {
            for (String line : n.sync().info("memory").split("\r?\n")) {
                if (line.startsWith("used_memory:")) total += Long.parseLong(line.substring(12).trim());
            }
        }
        return total;
    }

    /** Sends one target's window: PUBLISH on one server, SPUBLISH to the target's channel on a cluster; pipelined. */
    interface Sender extends AutoCloseable {
        void send(String target, String text);

        @Override
        void close();
    }

    /**
     * The bench's own publisher of windows and listener of plans, as the services publish and subscribe: classic
     * channels on one server, each target's sharded channels on a cluster.
     */
    Sender windows(dev.autoscaler.common.bus.Keys keys) {
        String channel = keys.channel(dev.autoscaler.common.msg.Channels.ALERTS);
        if (cluster == null) {
            var conn = clients.get(0).connect();
            var async = conn.async();
            return new Sender() {
                public void send(String target, String text) { async.publish(channel, text); }
                public void close() { conn.close(); }
            };
        }
        var conn = clusterClient().connect();
        var async = conn.async();
        var codec = io.lettuce.core.codec.StringCodec.UTF8;
        return new Sender() {
            public void send(String target, String text) {
                async.dispatch(io.lettuce.core.protocol.CommandType.SPUBLISH, new io.lettuce.core.output.IntegerOutput<>(codec),
                        new io.lettuce.core.protocol.CommandArgs<>(codec).addKey(keys.shardChannel(dev.autoscaler.common.msg.Channels.ALERTS, target))
                                .addValue(text));
            }

            public void close() { conn.close(); }
        };
    }

    /** Hands every plan's text to {@code tally}: the classic channel on one server, each target's sharded channel on a cluster. */
    AutoCloseable plans(dev.autoscaler.common.bus.Keys keys, String[] targets, PlanTally tally) {
        String channel = keys.channel(dev.autoscaler.common.msg.Channels.ACTIONS);
        if (cluster == null) {
            var conn = clients.get(0).connectPubSub();
            conn.addListener(tally);
            conn.sync().subscribe(channel);
            return conn::close;
        }
        var conn = clusterClient().connectPubSub();
        conn.addListener(new io.lettuce.core.cluster.pubsub.RedisClusterPubSubAdapter<>() {
            @Override
            public void smessage(io.lettuce.core.cluster.models.partitions.RedisClusterNode node, String ch, String text) {
                tally.message(ch, text);
            }
        });
        for (String t : targets) conn.sync().ssubscribe(keys.shardChannel(dev.autoscaler.common.msg.Channels.ACTIONS, t));
        return conn::close;
    }

    private synchronized RedisClusterClient clusterClient() {
        if (clusterClient == null) clusterClient = RedisClusterClient.create(RedisSettings.nodes(url));
        return clusterClient;
    }

    @Override
    public void close() {
        nodes.forEach(StatefulRedisConnection::close);
        clients.forEach(RedisClient::shutdown);
        if (clusterClient != null) clusterClient.shutdown();
        if (cluster != null) cluster.close();
    }
}
