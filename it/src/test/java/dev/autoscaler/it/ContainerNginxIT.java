package dev.autoscaler.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.HostConfig;
import dev.autoscaler.app.AppServer;
import dev.autoscaler.app.AppSettings;
import dev.autoscaler.cli.local.Ports;
import dev.autoscaler.common.docker.DockerClients;
import dev.autoscaler.loadgen.LoadReport;
import dev.autoscaler.loadgen.RateShape;
import dev.autoscaler.watcher.ContainerNginx;
import dev.autoscaler.watcher.NginxConfig;
import dev.autoscaler.watcher.NginxControl;
import dev.autoscaler.watcher.UpstreamFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The watcher's write path as compose runs it: nginx in its own container (the FROM-scratch test image, host network,
 * the repository's nginx config), {@code nginx -t} through {@code docker exec} and the reload as a SIGHUP through the
 * API ({@link ContainerNginx}), with real app servers behind it.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ContainerNginxIT {
    static final String LB = "it" + ProcessHandle.current().pid() + "-lb";
    static DockerClient docker;
    static Path prefix;
    static int port;
    static final List<AppServer> apps = new ArrayList<>();
    static List<String> a, b, c;

    @BeforeAll
    static void start() throws Exception {
        TestImages.ensureBuilt();
        docker = DockerClients.connect(DockerClients.DEFAULT_HOST);
        prefix = Files.createTempDirectory("it-lb");
        port = Ports.free();
        NginxConfig.writePrefix(prefix, port, "app");
        for (String id : List.of("replica-a", "replica-b", "replica-c")) {
            apps.add(new AppServer(new AppSettings("127.0.0.1", 0, 4, 5, 200, id, 1)));
        }
        a = List.of(address(0));
        b = List.of(address(1));
        c = List.of(address(0), address(1), address(2));
        // as compose runs lb; created, not started: the test first finds no running lb
        docker.createContainerCmd("autoscaler-nginx:" + TestImages.TAG).withName(LB)
                .withCmd(NginxControl.command("nginx", "/srv/nginx", "conf/nginx.conf", "-g", "daemon off;").toArray(String[]::new))
                .withHostConfig(HostConfig.newHostConfig().withNetworkMode("host").withInit(true)
                        .withBinds(Bind.parse(prefix + ":/srv/nginx")))
                .exec();
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (docker != null) {
                docker.removeContainerCmd(LB).withForce(true).exec();
                docker.close();
            }
        } finally {
            for (AppServer s : apps) s.close();
        }
    }

    static String address(int i) {
        return "127.0.0.1:" + apps.get(i).port();
    }

    static ContainerNginx lb() {
        return new ContainerNginx(DockerClients.connect(DockerClients.DEFAULT_HOST), LB, "nginx", "/srv/nginx", "conf/nginx.conf");
    }

    static String servedBy() throws Exception {
        return Http.get("http://127.0.0.1:" + port + "/").body();
    }

    static void awaitServedBy(String replica) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        String body = "";
        while (System.nanoTime() < deadline) {
            try {
                if ((body = servedBy()).contains(replica)) return;
            } catch (IOException notYet) {
                body = notYet.toString();
            }
            Thread.sleep(50);
        }
        throw new AssertionError("not served by " + replica + " within 10 s; last answer: " + body);
    }

    @Test
    void aStoppedLbGetsTheFileUntestedThenABadConfigIsRefusedAndSetsChangeUnderLoadWithoutAFailedRequest() throws Exception {
        try (ContainerNginx nginx = lb()) {
            UpstreamFile file = new UpstreamFile(prefix.resolve("conf/upstreams"), nginx);

            // lb not running: nothing can test the file, so it is written and nginx reads it as it starts
            assertFalse(nginx.running());
            assertFalse(file.apply("app", a), "written, not reloaded");
            docker.startContainerCmd(LB).exec();
            awaitServedBy("replica-a");
            assertTrue(nginx.running());

            // a main config that fails nginx -t inside the container: the new set is refused, the old file stays
            Path conf = prefix.resolve("conf/nginx.conf");
            String good = Files.readString(conf);
            String before = Files.readString(file.path("app"));
            Files.writeString(conf, good + "\nthis is not nginx syntax;\n");
            IOException e = assertThrows(IOException.class, () -> file.apply("app", b));
            assertTrue(e.getMessage().contains("nginx -t failed"), e.getMessage());
            assertEquals(before, Files.readString(file.path("app")));
            assertTrue(servedBy().contains("replica-a"), "still serving the old set");
            Files.writeString(conf, good);

            // the reload by SIGHUP takes the new set, and old workers finish their requests: none fails while sets change
            assertTrue(file.apply("app", b), "reloaded");
            awaitServedBy("replica-b");
            ExecutorService loader = Executors.newSingleThreadExecutor();
            Future<LoadReport> load = loader.submit(() -> PipelineIT.load("http://127.0.0.1:" + port + "/", new RateShape.Constant(60), 20));
            loader.shutdown();
            int reloads = 0;
            List<List<String>> sets = List.of(c, a, c, b);
            while (!load.isDone()) {
                assertTrue(file.apply("app", sets.get(reloads % sets.size())));
                reloads++;
                Thread.sleep(1000); // the pace of the changes, not a wait for a condition
            }
            LoadReport r = load.get();
            System.out.printf(Locale.ROOT, "container nginx: %d reloads under 60 rps, requests %d, failed %d, p95 %.1f ms%n",
                    reloads, r.sent(), r.failed(), r.p95Ms());
            assertTrue(reloads >= 10, "reloads " + reloads);
            assertEquals(0, r.failed(), r.toString());
            assertTrue(r.ok() > 900, r.toString());
        }
    }
}
