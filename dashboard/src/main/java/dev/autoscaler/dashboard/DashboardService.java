package dev.autoscaler.dashboard;

import dev.autoscaler.common.msg.Json;
import dev.autoscaler.common.ops.OpsServer;
import dev.autoscaler.common.service.Service;
import dev.autoscaler.common.service.ServiceContext;
import dev.autoscaler.common.status.StatusReader;
import dev.autoscaler.dashboard.live.LiveFeed;
import java.util.Map;

/** The dashboard as a service: the live feed from Redis and the HTTP server on DASHBOARD_HOST:DASHBOARD_PORT. */
public final class DashboardService implements Service {
    private final LiveFeed feed;
    private final DashboardServer server;

    public DashboardService(ServiceContext ctx) {
        DashboardSettings s = DashboardSettings.from(ctx.env());
        var bus = ctx.bus();
        this.feed = new LiveFeed(bus, s.pollMs(), () -> Json.write(StatusReader.services(bus)), s.maxPages(), s.pageQueue(),
                ctx.meters()).start();
        this.server = new DashboardServer(s, bus, feed).start();
    }

    public int port() {
        return server.port();
    }

    @Override
    public OpsServer.Health health() {
        return new OpsServer.Health(true, Map.of("port", server.port(), "pages", feed.pages()));
    }

    @Override
    public void close() {
        // open event streams first: Jetty's graceful stop waits for every open request
        feed.close();
        server.close();
    }
}
