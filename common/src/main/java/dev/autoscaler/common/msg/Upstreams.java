package dev.autoscaler.common.msg;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.List;

/** What the watcher put into nginx, on {@code upstreams}. */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record Upstreams(String target, List<String> servers, boolean reloaded, double ts) {
    public Upstreams {
        target = Checks.target(target);
        if (servers == null) throw new IllegalArgumentException("servers is required");
        servers = List.copyOf(servers);
    }
}
