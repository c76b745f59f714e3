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

    public static DockerClient connect(String host) {
        var config = DefaultDockerClientConfig.createDefaultConfigBuilder().withDockerHost(host).build();
        var http = new ApacheDockerHttpClient.Builder().dockerHost(config.getDockerHost()).sslConfig(config.getSSLConfig())
                .maxConnections(50).connectionTimeout(Duration.ofSeconds(5)).responseTimeout(Duration.ofSeconds(60)).build();
        return DockerClientImpl.getInstance(config, http);
    }
}
