package dev.autoscaler.common.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import dev.autoscaler.common.config.Env;
import java.net.URI;
import java.time.Duration;

/**
 * A docker-java client for the daemon {@code DOCKER_HOST} names (default the local socket). No API version is
 * pinned: docker-java then speaks the daemon's own (Debian's 20.10 answers 1.41 and refuses anything newer).
 */
public final class DockerClients {
    public static final String DEFAULT_HOST = "unix:///var/run/docker.sock";

    private DockerClients() {}

    /** The daemon's address from {@code DOCKER_HOST}, validated (unix:// or tcp:// only). */
    public static String host(Env env) {
        String host = env.string("DOCKER_HOST", DEFAULT_HOST);
        String scheme;
        try {
            scheme = URI.create(host).getScheme();
        } catch (IllegalArgumentException e) {
            scheme = null;
        }
        if (!"unix".equals(scheme) && !"tcp".equals(scheme)) {
            throw Env.bad("DOCKER_HOST", host, "unix:///path/to/docker.sock or tcp://host:port");
        }
        return host;
    }

    /** A client whose calls give up after 60 s without an answer. */
    public static DockerClient connect(String host) {
        return connect(host, Duration.ofSeconds(60));
    }

    /**
     * @param responseTimeout how long one call may wait for the daemon's answer; {@link Duration#ZERO} waits for ever
     *                        (the events stream, which is quiet for as long as nothing happens)
     */
    public static DockerClient connect(String host, Duration responseTimeout) {
        var config = DefaultDockerClientConfig.createDefaultConfigBuilder().withDockerHost(host).build();
        var http = new ApacheDockerHttpClient.Builder().dockerHost(config.getDockerHost()).sslConfig(config.getSSLConfig())
                .maxConnections(50).connectionTimeout(Duration.ofSeconds(5)).responseTimeout(responseTimeout).build();
        return DockerClientImpl.getInstance(config, http);
    }

    /** Fails with a line naming the daemon when it does not answer (a wrong DOCKER_HOST, no permission on the socket). */
    public static DockerClient ping(DockerClient docker, String host) {
        try {
            docker.pingCmd().exec();
            return docker;
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot reach the Docker daemon at DOCKER_HOST=" + host + ": " + e.getMessage(), e);
        }
    }
}
