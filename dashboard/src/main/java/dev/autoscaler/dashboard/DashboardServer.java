package dev.autoscaler.dashboard;

import dev.autoscaler.common.bus.RedisBus;
import dev.autoscaler.common.status.StatusReader;
import dev.autoscaler.dashboard.api.AdminToken;
import dev.autoscaler.dashboard.api.ApiError;
import dev.autoscaler.dashboard.api.ControlChange;
import dev.autoscaler.dashboard.api.TokenGuard;
import dev.autoscaler.dashboard.live.LiveFeed;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.staticfiles.Location;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP side: the page (static files and the uPlot WebJar), the REST API and the live feed. Every response carries
 * a strict Content-Security-Policy: scripts and styles only from this server, nothing inline, no frames, no other
 * origin.
 */
public final class DashboardServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DashboardServer.class);
    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
            + "font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    static final int MAX_LIMIT = 2000;

    private final DashboardSettings settings;
    private final DashboardData data;
    private final LiveFeed feed;
    private final AdminToken token;
    private final TokenGuard guard;
    private final RedisBus bus;
    private Javalin app;

    public DashboardServer(DashboardSettings settings, RedisBus bus, LiveFeed feed) {
        this.settings = settings;
        this.bus = bus;
        this.data = new DashboardData(bus);
        this.feed = feed;
        this.token = new AdminToken(settings.adminToken());
        this.guard = new TokenGuard(settings.tokenFailures());
    }

    public DashboardServer start() {
        app = Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.concurrency.useVirtualThreads = true;
            cfg.jetty.host = settings.host();
            cfg.jetty.port = settings.port();
            cfg.jetty.modifyServer(s -> s.setStopTimeout(3000));
            cfg.http.maxRequestSize = ControlChange.MAX_BODY_BYTES;
            cfg.staticFiles.add("/public", Location.CLASSPATH);
            cfg.staticFiles.enableWebjars();
            cfg.routes.before(ctx -> {
                checkHost(ctx);
                ctx.header("Content-Security-Policy", CSP);
                ctx.header("X-Content-Type-Options", "nosniff");
                ctx.header("Referrer-Policy", "no-referrer");
            });
            routes(cfg.routes);
        }).start();
        log.info("dashboard on http://{}:{}/ (controls {})", settings.host(), app.port(),
                token.configured() ? "enabled" : "disabled: no ADMIN_TOKEN");
        return this;
    }

    private void routes(io.javalin.config.RoutesConfig r) {
        r.get("/api/targets", ctx -> ctx.json(data.targets()));
        r.get("/api/targets/{target}", ctx -> ctx.json(target(ctx)));
        r.post("/api/targets/{target}", this::control);
        r.get("/api/events", ctx -> ctx.json(data.events(limit(ctx, 100))));
        r.get("/api/llm", ctx -> ctx.json(data.llm(limit(ctx, 100))));
        r.get("/api/audit", ctx -> ctx.json(data.audit(limit(ctx, 100))));
        r.get("/api/services", ctx -> ctx.json(data.services()));
        r.get("/api/state", ctx -> ctx.json(data.pocState()));
        r.get("/api/config", ctx -> ctx.json(Map.of("controls", token.configured(), "controls_reason",
                token.configured() ? "" : "controls are off: the dashboard was started without ADMIN_TOKEN",
                "history_windows", settings.historyWindows(), "cursor", feed.cursor())));
        r.before("/api/stream", this::admitPage);
        r.sse("/api/stream", feed::serve);
        r.exception(ApiError.class, (e, ctx) -> ctx.status(e.status()).json(Map.of("error", e.getMessage())));
        r.exception(Exception.class, (e, ctx) -> {
            log.warn("{} {} failed: {}", ctx.method(), ctx.path(), e.toString());
            ctx.status(500).json(Map.of("error", "internal error: " + e.getClass().getSimpleName()));
        });
        r.error(404, ctx -> { if (ctx.path().startsWith("/api/")) ctx.json(Map.of("error", "no such endpoint: " + ctx.path())); });
        r.error(413, ctx -> ctx.json(Map.of("error", "the body is larger than " + ControlChange.MAX_BODY_BYTES + " bytes")));
    }

    /** Refuses a live page beyond DASHBOARD_MAX_PAGES with a status an operator can read, before the stream starts. */
    private void admitPage(Context ctx) {
        if (!feed.full()) return;
        feed.refused();
        ctx.header("Retry-After", "30");
        throw new ApiError(503, "too many live pages open (DASHBOARD_MAX_PAGES=" + feed.maxPages() + "); close one or retry later");
    }

    private Map<String, Object> target(Context ctx) {
        Map<String, Object> out = data.target(known(ctx), limit(ctx, settings.historyWindows()));
        out.put("cursor", feed.cursor());
        return out;
    }

    /**
     * DNS rebinding: a page elsewhere that gets its own name resolved to 127.0.0.1 reaches this server with that name in
     * Host (and its origin in Origin). Only the names in DASHBOARD_ALLOWED_HOSTS are served.
     */
    private void checkHost(Context ctx) {
        String host = hostOf(ctx.header("Host"));
        if (host == null || !settings.allowedHosts().contains(host)) {
            throw new ApiError(403, "Host '" + shorten(String.valueOf(ctx.header("Host"))) + "' is not one of DASHBOARD_ALLOWED_HOSTS");
        }
        String origin = ctx.header("Origin");
        if (origin != null && !origin.equals("null") && !settings.allowedHosts().contains(hostOf(originAuthority(origin)))) {
            throw new ApiError(403, "Origin '" + shorten(origin) + "' is not one of DASHBOARD_ALLOWED_HOSTS");
        }
    }

    /** The host of a Host header ({@code name[:port]}, {@code [v6][:port]}), lower case; null when there is none. */
    static String hostOf(String authority) {
        if (authority == null || authority.isBlank()) return null;
        String a = authority.trim().toLowerCase(java.util.Locale.ROOT);
        if (a.startsWith("[")) {
            int end = a.indexOf(']');
            return end < 0 ? null : a.substring(1, end);
        }
        int colon = a.indexOf(':');
        return colon < 0 ? a : a.substring(0, colon);
    }

    private static String originAuthority(String origin) {
        int scheme = origin.indexOf("://");
        return scheme < 0 ? origin : origin.substring(scheme + 3);
    }

    private static String shorten(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }

    /** Writes a control change to {@code target:{target}}, all fields or none, and an audit entry for it. */
    private void control(Context ctx) {
        if (!token.configured()) throw new ApiError(403, "controls are off: the dashboard was started without ADMIN_TOKEN");
        String client = ctx.ip();
        long wait = guard.retryAfterSec(client);
        if (wait > 0) {
            ctx.header("Retry-After", String.valueOf(wait));
            throw new ApiError(429, "too many wrong tokens from " + client + "; retry after " + wait + " s");
        }
        if (!token.accepts(ctx.header(AdminToken.HEADER))) {
            guard.failed(client);
            throw new ApiError(401, "a valid " + AdminToken.HEADER + " header is needed");
        }
        String t = known(ctx).target();
        String body = ctx.body();
        if (body.length() > ControlChange.MAX_BODY_BYTES) throw new ApiError(413, "the body is larger than " + ControlChange.MAX_BODY_BYTES + " bytes");
        String key = bus.keys().targetSettings(t);
        Map<String, String> change;
        Map<String, String> before = bus.redis().hgetall(key);
        try {
            change = ControlChange.parse(body, before);
        } catch (ControlChange.Invalid e) {
            throw new ApiError(400, e.getMessage());
        }
        bus.redis().hset(key, change);
        data.audit(client, t, before, change);
        log.info("control {} by {}: {}", t, client, change);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("target", t);
        out.put("settings", bus.redis().hgetall(key));
        ctx.json(out);
    }

    private StatusReader.TargetStatus known(Context ctx) {
        String t = ctx.pathParam("target");
        StatusReader.TargetStatus status = dev.autoscaler.common.msg.TargetNames.valid(t) ? data.status(t) : null;
        if (status == null) throw new ApiError(400, "unknown target '" + (t.length() > 40 ? t.substring(0, 40) : t) + "'");
        return status;
    }

    private static int limit(Context ctx, int fallback) {
        String v = ctx.queryParam("limit");
        if (v == null) return fallback;
        try {
            int n = Integer.parseInt(v);
            if (n >= 1 && n <= MAX_LIMIT) return n;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new ApiError(400, "limit must be a whole number from 1 to " + MAX_LIMIT);
    }

    public int port() {
        return app.port();
    }

    /**
     * Stops the server. A page still being written to when the graceful stop's 3 s run out is cut off rather than
     * failing the close: Jetty stops the rest regardless, and a service that is stopping has nothing to wait for.
     */
    @Override
    public void close() {
        if (app == null) return;
        try {
            app.stop();
        } catch (io.javalin.util.JavalinException e) {
            if (!(e.getCause() instanceof java.util.concurrent.TimeoutException)) throw e;
            log.warn("dashboard stopped without waiting longer for open live pages (graceful stop timed out)");
        }
    }
}
