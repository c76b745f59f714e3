package dev.autoscaler.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.autoscaler.app.AppServer;
import dev.autoscaler.app.AppSettings;
import dev.autoscaler.cli.local.Ports;
import dev.autoscaler.cli.local.Prerequisites;
import dev.autoscaler.watcher.NginxConfig;
import dev.autoscaler.watcher.LocalNginx;
import dev.autoscaler.watcher.UpstreamFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The watcher's write path against a real nginx: test before reload, keep the old file when the test fails. */
class WatcherNginxIT {
    @Test
    void nginxIsReloadedOnlyWithAConfigThatPassesItsTest() throws Exception {
        String nginxBin = Prerequisites.ensure(Map.of("nginx", "nginx")).get("nginx");
        Path prefix = Files.createTempDirectory("it-nginx");
        int lb = Ports.free();
        Path conf = NginxConfig.writePrefix(prefix, lb, "app");
        LocalNginx nginx = new LocalNginx(nginxBin, prefix, "conf/nginx.conf");
        UpstreamFile file = new UpstreamFile(prefix.resolve("conf/upstreams"), nginx);
        try (AppServer a = new AppServer(new AppSettings("127.0.0.1", 0, 4, 0, 100, "replica-a", 1));
             AppServer b = new AppServer(new AppSettings("127.0.0.1", 0, 4, 0, 100, "replica-b", 1))) {
            assertFalse(file.apply("app", List.of("127.0.0.1:" + a.port())), "nginx not running yet: written, not reloaded");
            assertTrue(nginx.test().ok());
            Process p = new ProcessBuilder(nginx.foregroundCommand()).redirectErrorStream(true).start();
            try {
                Ports.await(lb, 10, "nginx");
                assertTrue(Http.get("http://127.0.0.1:" + lb + "/").body().contains("replica-a"));

                // a main config that fails nginx -t: the new upstreams are refused and the old file stays
                String good = Files.readString(conf);
                String before = Files.readString(file.path("app"));
                Files.writeString(conf, good + "\nthis is not nginx syntax;\n");
                IOException e = assertThrows(IOException.class, () -> file.apply("app", List.of("127.0.0.1:" + b.port())));
                assertTrue(e.getMessage().contains("nginx -t failed"), e.getMessage());
                assertEquals(before, Files.readString(file.path("app")));
                assertTrue(Http.get("http://127.0.0.1:" + lb + "/").body().contains("replica-a"), "still serving the old set");

                Files.writeString(conf, good);
                assertTrue(file.apply("app", List.of("127.0.0.1:" + b.port())), "reloaded");
                long deadline = System.nanoTime() + 5_000_000_000L;
                String body = "";
                while (System.nanoTime() < deadline && !(body = Http.get("http://127.0.0.1:" + lb + "/").body()).contains("replica-b")) {
                    Thread.sleep(50);
                }
                assertTrue(body.contains("replica-b"), body);
                assertTrue(Files.list(prefix.resolve("conf/upstreams")).noneMatch(f -> f.getFileName().toString().endsWith(".tmp")));

                // an outside hand breaks the file: the watcher sees it is not what it wrote, and writing it back passes
                assertTrue(file.intact("app", List.of("127.0.0.1:" + b.port())));
                Files.writeString(file.path("app"), "upstream app { garbage }\n");
                assertFalse(nginx.test().ok(), "the broken file fails nginx -t");
                assertFalse(file.intact("app", List.of("127.0.0.1:" + b.port())));
                assertTrue(file.apply("app", List.of("127.0.0.1:" + b.port())), "written back and reloaded");
                assertTrue(file.intact("app", List.of("127.0.0.1:" + b.port())));
                assertTrue(Http.get("http://127.0.0.1:" + lb + "/").body().contains("replica-b"));
            } finally {
                p.destroy();
                p.waitFor();
            }
        }
    }
}
