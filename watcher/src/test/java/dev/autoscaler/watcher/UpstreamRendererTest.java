package dev.autoscaler.watcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class UpstreamRendererTest {
    @Test
    void rendersOneServerLinePerReadyReplica() {
        String conf = UpstreamRenderer.render("app", List.of("127.0.0.1:9101", "127.0.0.1:9102"));
        assertTrue(conf.contains("upstream app_pool {"));
        assertTrue(conf.contains("least_conn;"));
        assertEquals(2, conf.lines().filter(l -> l.trim().startsWith("server ")).count());
        assertTrue(conf.contains("server 127.0.0.1:9102 max_fails=3 fail_timeout=10s;"));
    }

    @Test
    void neverRendersAnEmptyUpstream() {
        assertThrows(IllegalArgumentException.class, () -> UpstreamRenderer.render("app", List.of()));
    }

    @Test
    void addressesThatCouldInjectConfigurationAreRejected() {
        for (String bad : new String[] {"127.0.0.1:9101; include /etc/passwd", "127.0.0.1", "127.0.0.1:0", "127.0.0.1:70000",
                "300.1.1.1:80", "host name:80", "a}b:80", "127.0.0.1:80\nserver evil:1"}) {
            assertFalse(UpstreamRenderer.validAddress(bad), bad);
            assertThrows(IllegalArgumentException.class, () -> UpstreamRenderer.render("app", List.of(bad)), bad);
        }
        assertTrue(UpstreamRenderer.validAddress("localhost:8080"));
        assertTrue(UpstreamRenderer.validAddress("app-dup-3.internal:8080"));
    }
}
