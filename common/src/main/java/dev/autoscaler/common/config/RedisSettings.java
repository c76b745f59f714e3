package dev.autoscaler.common.config;

import io.lettuce.core.RedisURI;

/**
 * Where Redis is, who this service is there and how keys are prefixed. {@code REDIS_URL} (with password or TLS) wins
 * over the PoC's {@code REDIS_HOST}/{@code REDIS_PORT}. {@code REDIS_USER} and {@code REDIS_PASSWORD} (or
 * {@code REDIS_PASSWORD_FILE}, as Docker and Kubernetes secrets provide it) name this service's ACL user
 * ({@code RedisAccess}); credentials in the URL are used when they are not set.
 *
 * @param user     the ACL user, or null (the URL's, or the default user)
 * @param password its password, or null; never shown by {@link #toString}
 * @param tls      with a {@code rediss://} URL: the CA to trust and the client certificate to show, or null (the JDK's
 *                 trust store, no client certificate)
 * @param cluster  a Redis Cluster ({@code REDIS_CLUSTER=true}, or several nodes in {@code REDIS_URL}:
 *                 {@code redis://host:port,host:port,...}): Lettuce's cluster client, and each target's keys under a
 *                 hash tag so that they share a slot
 */
public record RedisSettings(String url, String keyPrefix, String user, String password, Tls tls, boolean cluster) {
    /**
     * TLS files, PEM: {@code REDIS_TLS_CA_FILE} (the CA that signed the server's certificate), and together
     * {@code REDIS_TLS_CERT_FILE} and {@code REDIS_TLS_KEY_FILE} (PKCS#8) where Redis asks clients for a certificate.
     */
    public record Tls(java.nio.file.Path caFile, java.nio.file.Path certFile, java.nio.file.Path keyFile) {}

    public RedisSettings(String url, String keyPrefix, String user, String password, Tls tls) {
        this(url, keyPrefix, user, password, tls, false);
    }

    public RedisSettings(String url, String keyPrefix, String user, String password) {
        this(url, keyPrefix, user, password, null);
    }

    /** The prefix under which channels keep the PoC's bare names, so PoC components still interoperate. */
    public static final String DEFAULT_KEY_PREFIX = "autoscaler:";

    public RedisSettings(String url, String keyPrefix) {
        this(url, keyPrefix, null, null);
    }

    public static RedisSettings from(Env env) {
        String url = env.raw("REDIS_URL").orElseGet(() -> {
            String host = env.string("REDIS_HOST", "127.0.0.1");
            int port = env.integer("REDIS_PORT", 6379, 1, 65535);
            return "redis://" + host + ":" + port;
        });
        try {
            nodes(url);
        } catch (RuntimeException e) {
            throw Env.bad(env.raw("REDIS_URL").isPresent() ? "REDIS_URL" : "REDIS_HOST", url,
                    "a redis:// or rediss:// URL such as redis://127.0.0.1:6379 (a cluster's nodes: redis://h1:p1,h2:p2,h3:p3)");
        }
        boolean cluster = env.bool("REDIS_CLUSTER", false) || url.contains(",");
        String prefix = env.string("KEY_PREFIX", DEFAULT_KEY_PREFIX);
        if (!prefix.matches("[A-Za-z0-9_.:-]{1,64}")) {
            throw Env.bad("KEY_PREFIX", prefix, "1-64 characters of [A-Za-z0-9_.:-]");
        }
        String user = env.raw("REDIS_USER").orElse(null);
        if (user != null && !user.matches("[A-Za-z0-9_.-]{1,64}")) throw Env.bad("REDIS_USER", user, "1-64 characters of [A-Za-z0-9_.-]");
        String password = Secrets.read(env, "REDIS_PASSWORD").orElse(null);
        if (user != null && password == null) {
            throw new ConfigException("REDIS_USER=" + user + " is set without REDIS_PASSWORD or REDIS_PASSWORD_FILE");
        }
        return new RedisSettings(url, prefix, user, password, tls(env, url), cluster);
    }

    /**
     * The URL's nodes, each a URL of its own: {@code redis://u:p@h1:1,h2:2/0} gives {@code redis://u:p@h1:1/0} and
     * {@code redis://u:p@h2:2/0}; a single node gives itself. Throws on a malformed one.
     */
    public static java.util.List<RedisURI> nodes(String url) {
        var m = java.util.regex.Pattern.compile("^(rediss?://)([^@/]*@)?([^/?]+)(.*)$").matcher(url);
        if (!m.matches()) return java.util.List.of(RedisURI.create(url));
        String auth = m.group(2) == null ? "" : m.group(2);
        java.util.List<RedisURI> out = new java.util.ArrayList<>();
        for (String hostPort : m.group(3).split(",")) {
            if (hostPort.isBlank()) throw new IllegalArgumentException("an empty node in " + url);
            out.add(RedisURI.create(m.group(1) + auth + hostPort.strip() + m.group(4)));
        }
        return out;
    }

    private static Tls tls(Env env, String url) {
        java.nio.file.Path ca = readable(env, "REDIS_TLS_CA_FILE");
        java.nio.file.Path cert = readable(env, "REDIS_TLS_CERT_FILE");
        java.nio.file.Path key = readable(env, "REDIS_TLS_KEY_FILE");
        if (ca == null && cert == null && key == null) return null;
        if (!url.startsWith("rediss://")) {
            throw new ConfigException((ca != null ? "REDIS_TLS_CA_FILE" : "REDIS_TLS_CERT_FILE") + " is set but REDIS_URL is not rediss://");
        }
        if ((cert == null) != (key == null)) throw new ConfigException("REDIS_TLS_CERT_FILE and REDIS_TLS_KEY_FILE go together: set both or neither");
        return new Tls(ca, cert, key);
    }

    private static java.nio.file.Path readable(Env env, String name) {
        String v = env.raw(name).filter(s -> !s.isBlank()).orElse(null);
        if (v == null) return null;
        java.nio.file.Path p = java.nio.file.Path.of(v);
        if (!java.nio.file.Files.isReadable(p)) throw Env.bad(name, v, "a readable PEM file");
        return p;
    }

    /** The same Redis as another user (the launcher starts each service as its own). */
    public RedisSettings as(String user, String password) {
        return new RedisSettings(url, keyPrefix, user, password, tls, cluster);
    }

    @Override
    public String toString() {
        return "RedisSettings[url=" + safeUrl() + ", keyPrefix=" + keyPrefix + ", user=" + user + (password == null ? "" : ", password=***") + "]";
    }

    /** The URL without its user and password (a digest of it, a check whether it carries them). */
    public static String withoutCredentials(String url) {
        return url.replaceFirst("^([A-Za-z][A-Za-z0-9+.-]*://)[^@/]*@", "$1");
    }

    /** The URL with any password masked, for log lines. */
    public String safeUrl() {
        return url.replaceAll("//([^@/]*)@", "//***@");
    }
}
