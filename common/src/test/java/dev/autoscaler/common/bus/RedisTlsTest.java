package dev.autoscaler.common.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.autoscaler.common.config.ConfigException;
import dev.autoscaler.common.config.Env;
import dev.autoscaler.common.config.RedisSettings;
import dev.autoscaler.common.testing.RedisServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code rediss://} against a real redis-server's TLS port, with a CA, a server and a client certificate the test makes
 * with openssl ({@link LocalCertificates}): trusted with REDIS_TLS_CA_FILE, refused without it, and the client certificate shown where Redis asks.
 */
class RedisTlsTest {
    @TempDir
    static Path dir;
    static RedisServer redis;
    static int tlsPort;

    @BeforeAll
    static void start() throws Exception {
        LocalCertificates.create(dir, "openssl", 2);
        tlsPort = freePort();
        redis = RedisServer.start(List.of("--tls-port", String.valueOf(tlsPort), "--tls-cert-file", p("server.pem"),
                "--tls-key-file", p("server.key"), "--tls-ca-cert-file", p("ca.pem"), "--tls-auth-clients", "optional"));
    }

    @AfterAll
    static void stop() {
        if (redis != null) redis.close();
    }

    @Test
    void aTrustedServerIsReachedOverTls() {
        try (RedisBus bus = bus(Map.of("REDIS_TLS_CA_FILE", p("ca.pem")))) {
            bus.redis().set("tls-check", "ok");
            assertEquals("ok", bus.redis().get("tls-check"));
        }
    }

    @Test
    void theClientCertificateIsShownWhereRedisRequiresOne() throws Exception {
        int port = freePort();
        try (RedisServer strict = RedisServer.start(List.of("--tls-port", String.valueOf(port), "--tls-cert-file", p("server.pem"),
                "--tls-key-file", p("server.key"), "--tls-ca-cert-file", p("ca.pem"), "--tls-auth-clients", "yes"))) {
            try (RedisBus bus = bus(port, Map.of("REDIS_TLS_CA_FILE", p("ca.pem"), "REDIS_TLS_CERT_FILE", p("client.pem"),
                    "REDIS_TLS_KEY_FILE", p("client.key")))) {
                assertEquals("PONG", bus.redis().ping());
            }
            try (RedisBus bus = bus(port, Map.of("REDIS_TLS_CA_FILE", p("ca.pem")))) {
                bus.redis().ping();
                fail("a client without a certificate was served where one is required");
            } catch (RuntimeException e) {
                // refused in the handshake
            }
        }
    }

    @Test
    void aServerSignedByAnUnknownCaIsRefused() {
        // without REDIS_TLS_CA_FILE the JDK's trust store is used, which does not know the test's CA
        try (RedisBus bus = bus(Map.of())) {
            bus.redis().ping();
            fail("an untrusted certificate was accepted");
        } catch (RuntimeException e) {
            String chain = chain(e);
            assertTrue(chain.contains("SSL") || chain.contains("certification") || chain.contains("PKIX"), chain);
        }
    }

    @Test
    void badTlsSettingsStopTheServiceNamingThem() {
        var notTls = assertThrows(ConfigException.class, () -> RedisSettings.from(new Env(Map.of(
                "REDIS_URL", "redis://127.0.0.1:" + tlsPort, "REDIS_TLS_CA_FILE", p("ca.pem")))));
        assertTrue(notTls.getMessage().contains("rediss://"), notTls.getMessage());
        var missing = assertThrows(ConfigException.class, () -> RedisSettings.from(new Env(Map.of(
                "REDIS_URL", "rediss://127.0.0.1:" + tlsPort, "REDIS_TLS_CA_FILE", "/nonexistent/ca.pem"))));
        assertTrue(missing.getMessage().contains("REDIS_TLS_CA_FILE"), missing.getMessage());
        var half = assertThrows(ConfigException.class, () -> RedisSettings.from(new Env(Map.of(
                "REDIS_URL", "rediss://127.0.0.1:" + tlsPort, "REDIS_TLS_CERT_FILE", p("client.pem")))));
        assertTrue(half.getMessage().contains("REDIS_TLS_KEY_FILE"), half.getMessage());
    }

    private static RedisBus bus(Map<String, String> tls) {
        return bus(tlsPort, tls);
    }

    private static RedisBus bus(int port, Map<String, String> tls) {
        Map<String, String> env = new HashMap<>(tls);
        env.put("REDIS_URL", "rediss://127.0.0.1:" + port);
        return new RedisBus(RedisSettings.from(new Env(env)), new SimpleMeterRegistry(), false);
    }

    private static String p(String name) {
        return dir.resolve(name).toString();
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return s.getLocalPort();
        }
    }

    private static String chain(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) sb.append(t).append(" / ");
        return sb.toString();
    }
}
