package dev.autoscaler.common.config;

import io.lettuce.core.RedisURI;

/**
 * Where Redis is and how keys are prefixed. {@code REDIS_URL} (with password or TLS) wins over the PoC's
 * {@code REDIS_HOST}/{@code REDIS_PORT}.
 */
public record RedisSettings(String url, String keyPrefix) {
    /** The prefix under which channels keep the PoC's bare names, so PoC components still interoperate. */
    public static final String DEFAULT_KEY_PREFIX = "autoscaler:";

    public static RedisSettings from(Env env) {
        String url = env.raw("REDIS_URL").orElseGet(() -> {
            String host = env.string("REDIS_HOST", "127.0.0.1");
            int port = env.integer("REDIS_PORT", 6379, 1, 65535);
            return "redis://" + host + ":" + port;
        });
        try {
            RedisURI.create(url);
        } catch (RuntimeException e) {
            throw Env.bad(env.raw("REDIS_URL").isPresent() ? "REDIS_URL" : "REDIS_HOST", url,
                    "a redis:// or rediss:// URL such as redis://127.0.0.1:6379");
        }
        String prefix = env.string("KEY_PREFIX", DEFAULT_KEY_PREFIX);
        if (!prefix.matches("[A-Za-z0-9_.:-]{1,64}")) {
            throw Env.bad("KEY_PREFIX", prefix, "1-64 characters of [A-Za-z0-9_.:-]");
        }
        return new RedisSettings(url, prefix);
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
