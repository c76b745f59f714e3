package dev.autoscaler.planner.llm;

import dev.autoscaler.common.config.ConfigException;
import dev.autoscaler.common.config.Env;
import dev.autoscaler.planner.policy.AdviceRules;
import java.net.URI;
import java.util.Locale;
import java.util.Optional;

/**
 * The advisor's settings. The key is held here and handed only to the provider's client; {@link #toString()} and every
 * message built from these settings leave it out.
 *
 * @param provider         gemini, openai or none (LLM_PROVIDER; default none, or gemini when only a key or LLM_URL is
 *                         set, as the proof of concept behaved)
 * @param model            the model (LLM_MODEL; gemini-2.5-flash, the proof of concept's, or llama-3.1-8b-instant, the
 *                         Kubernetes design's Groq model)
 * @param baseUrl          the server's base URL, or null for the provider's own (LLM_BASE_URL; for openai it includes
 *                         /v1; tests point it at a local fake)
 * @param apiVersion       Gemini's API version path (v1beta: the proof of concept's LLM_URL path, where responseSchema is
 *                         served)
 * @param role             what advice does by default: advise (published only), decide (applied when it passes the
 *                         guardrails) or off (LLM_ROLE; per target in target:{t} field llm)
 * @param rpm              calls a minute at most, per provider, shared by every planner (LLM_RPM, 2: the proof of
 *                         concept's bucket)
 * @param heartbeatSec     ask at least this often while nothing changes (LLM_HEARTBEAT_SEC, 300: the proof of concept's;
 *                         advice older than two heartbeats is stale, see AdviceRules)
 * @param timeoutSec       timeout of one call's whole path, every attempt a provider makes inside it included
 *                         (LLM_TIMEOUT_SEC, 10: a window is 3 s, advice older than a few windows describes a load that
 *                         has moved on); the advisor cancels a call still running 2 s after it
 * @param backoffBaseSec   the first wait after a 429, 5xx or timeout, doubling per failure (LLM_BACKOFF_BASE_SEC, 10)
 * @param backoffMaxSec    the longest wait (LLM_BACKOFF_MAX_SEC, 300)
 * @param temperature      sampling temperature (LLM_TEMPERATURE; 0.05 for gemini as the proof of concept, 0.3 for openai
 *                         as the Kubernetes design)
 * @param maxOutputTokens  answer length limit (LLM_MAX_TOKENS, 256: the answer plus a sentence of reasoning)
 * @param apiKey           the key (LLM_API_KEY or its file); never printed
 * @param reserve          calls of each minute's LLM_RPM kept for targets in or near a breach (LLM_RESERVE, 1, 0 when
 *                         LLM_RPM is 1; below LLM_RPM: when calls are scarce, a breach is what advice is for, and a calm
 *                         target's heartbeat can wait)
 * @param nearBreach       a target whose p95 is over this fraction of its threshold counts as near a breach
 *                         (LLM_NEAR_BREACH, 0.8: close enough that the next rise of the load breaches)
 */
public record LlmSettings(String provider, String model, String baseUrl, String apiVersion, String role, int rpm,
                          double heartbeatSec, double timeoutSec, double backoffBaseSec, double backoffMaxSec,
                          double temperature, int maxOutputTokens, Secret apiKey, int reserve, double nearBreach) {

    public static final String NONE = "none";
    public static final String GEMINI = "gemini";
    public static final String OPENAI = "openai";
    public static final String DEFAULT_GEMINI_MODEL = "gemini-2.5-flash";
    public static final String DEFAULT_OPENAI_MODEL = "llama-3.1-8b-instant";
    public static final String DEFAULT_OPENAI_BASE = "https://api.groq.com/openai/v1";

    /** A key that never prints. */
    public record Secret(String value) {
        public boolean present() {
            return value != null && !value.isBlank();
        }

        @Override
        public String toString() {
            return present() ? "***" : "(none)";
        }
    }

    public boolean enabled() {
        return !NONE.equals(provider);
    }

    public static LlmSettings from(Env env) {
        LegacyUrl legacy = LegacyUrl.parse(env);
        Optional<String> explicit = env.raw("LLM_PROVIDER");
        Secret key = new Secret(dev.autoscaler.common.config.Secrets.read(env, "LLM_API_KEY").orElse(null));
        if (!key.present()) key = new Secret(legacy.key());
        boolean geminiKey = env.raw("GOOGLE_API_KEY", "GEMINI_API_KEY").isPresent();
        String provider = explicit.isPresent() ? env.oneOf("LLM_PROVIDER", NONE, NONE, GEMINI, OPENAI)
                : key.present() || geminiKey || legacy.base() != null || env.raw("LLM_BASE_URL").isPresent() ? GEMINI : NONE;
        if (!key.present() && GEMINI.equals(provider)) key = new Secret(env.raw("GOOGLE_API_KEY", "GEMINI_API_KEY").orElse(null));
        if (!key.present() && OPENAI.equals(provider)) key = new Secret(env.raw("OPENAI_API_KEY").orElse(null));
        boolean openai = OPENAI.equals(provider);
        String base = env.raw("LLM_BASE_URL").map(b -> checkedUrl("LLM_BASE_URL", b)).orElse(legacy.base());
        if (base == null && openai) base = DEFAULT_OPENAI_BASE;
        if (base != null && key.present()) requireTls(base, env.bool("LLM_ALLOW_PLAIN_HTTP", false));
        String model = env.string("LLM_MODEL", legacy.model() != null ? legacy.model() : openai ? DEFAULT_OPENAI_MODEL : DEFAULT_GEMINI_MODEL);
        int rpm = env.integer("LLM_RPM", 2, 1, 10_000);
        int reserve = env.integer("LLM_RESERVE", Math.min(1, rpm - 1), 0, 1000);
        if (reserve >= rpm) throw Env.bad("LLM_RESERVE", String.valueOf(reserve), "fewer than LLM_RPM=" + rpm + " calls (a reserve "
                + "of every call would leave calm targets none)");
        return new LlmSettings(provider, model, base, legacy.apiVersion() != null ? legacy.apiVersion() : "v1beta",
                env.oneOf("LLM_ROLE", "advise", "advise", "decide", "off"),
                rpm,
                env.number("LLM_HEARTBEAT_SEC", AdviceRules.DEFAULT_HEARTBEAT_SEC, 1, 86_400),
                env.number("LLM_TIMEOUT_SEC", 10, 0.1, 600),
                env.number("LLM_BACKOFF_BASE_SEC", 10, 0.1, 86_400),
                env.number("LLM_BACKOFF_MAX_SEC", 300, 0.1, 86_400),
                env.number("LLM_TEMPERATURE", openai ? 0.3 : 0.05, 0, 2),
                env.integer("LLM_MAX_TOKENS", 256, 16, 8192),
                key,
                reserve,
                env.number("LLM_NEAR_BREACH", 0.8, 0, 1));
    }

    /** Roles a target may have (the target:{t} field llm). */
    public static boolean validRole(String role) {
        return "advise".equals(role) || "decide".equals(role) || "off".equals(role);
    }

    /** One line for the logs and the demo, "provider model (role)"; never the key. */
    public String describe() {
        if (!enabled()) return "none (set LLM_API_KEY, or LLM_BASE_URL for a local server, to add an advisor; the policy decides alone)";
        return String.format(Locale.ROOT, "%s %s (%s)", provider, model, role);
    }

    @Override
    public String toString() {
        return "LlmSettings[" + describe() + (baseUrl == null ? "" : " at " + baseUrl) + ", rpm " + rpm + ", heartbeat " + heartbeatSec
                + " s, key " + apiKey + "]";
    }

    /**
     * The API key travels in a header of every call: over plain http to another host anyone on the way reads it. A
     * loopback server (a local model, the project's fakes) is fine; elsewhere only with LLM_ALLOW_PLAIN_HTTP=true.
     */
    private static void requireTls(String base, boolean allowed) {
        URI u = URI.create(base);
        if (!"http".equals(u.getScheme()) || allowed || loopback(u.getHost())) return;
        throw new ConfigException("LLM_BASE_URL is plain http to " + u.getHost() + ": the API key would cross the network "
                + "unencrypted; use https, or set LLM_ALLOW_PLAIN_HTTP=true if that network is yours");
    }

    private static boolean loopback(String host) {
        String h = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        return h.equals("localhost") || h.startsWith("127.") || h.equals("::1") || h.equals("0:0:0:0:0:0:0:1");
    }

    private static String checkedUrl(String name, String s) {
        try {
            URI u = URI.create(s.trim());
            if (u.getHost() != null && ("http".equals(u.getScheme()) || "https".equals(u.getScheme())) && u.getRawQuery() == null) {
                String t = u.toString();
                return t.endsWith("/") ? t.substring(0, t.length() - 1) : t;
            }
        } catch (IllegalArgumentException e) {
            // reported below
        }
        // the value is not repeated: a URL may carry a key
        throw new ConfigException("invalid " + name + ": expected an absolute http:// or https:// URL without a query");
    }

    /**
     * The proof of concept's LLM_URL: a full {@code {base}/{version}/models/{model}:generateContent} URL, perhaps with
     * {@code ?key=}. Split into its parts so the SDK can call the same endpoint.
     */
    record LegacyUrl(String base, String apiVersion, String model, String key) {
        static LegacyUrl parse(Env env) {
            Optional<String> raw = env.raw("LLM_URL");
            if (raw.isEmpty()) return new LegacyUrl(null, null, null, null);
            try {
                URI u = URI.create(raw.get().trim());
                String path = u.getPath() == null ? "" : u.getPath();
                int m = path.indexOf("/models/");
                int colon = path.lastIndexOf(':');
                if (u.getHost() == null || m < 0 || colon < m) throw new IllegalArgumentException();
                String version = path.substring(path.lastIndexOf('/', m - 1) + 1, m);
                String prefix = path.substring(0, path.lastIndexOf('/', m - 1));
                String base = u.getScheme() + "://" + u.getRawAuthority() + prefix;
                String model = path.substring(m + "/models/".length(), colon);
                String key = null;
                if (u.getRawQuery() != null) {
                    for (String kv : u.getRawQuery().split("&")) if (kv.startsWith("key=")) key = kv.substring(4);
                }
                return new LegacyUrl(base, version.isEmpty() ? null : version, model, key);
            } catch (IllegalArgumentException | StringIndexOutOfBoundsException e) {
                throw new ConfigException("invalid LLM_URL: expected a full .../{version}/models/{model}:generateContent URL");
            }
        }
    }
}
