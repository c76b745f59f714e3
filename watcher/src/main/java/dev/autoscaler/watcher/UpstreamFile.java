package dev.autoscaler.watcher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One target's upstream file: written atomically (temp file + rename), checked with {@code nginx -t}, and
 * reloaded only if the check passes; if it fails the previous file is put back, so nginx never reads a
 * config that did not pass.
 */
public final class UpstreamFile {
    private static final Logger log = LoggerFactory.getLogger(UpstreamFile.class);

    private final Path dir;
    private final NginxControl nginx;

    public UpstreamFile(Path dir, NginxControl nginx) {
        this.dir = dir;
        this.nginx = nginx;
    }

    public Path path(String target) {
        return dir.resolve(target + ".conf");
    }

    /**
     * The file on disk is exactly what {@link #apply} writes for these servers. False when someone else changed or
     * removed it: nginx keeps serving what it loaded, but its next reload (or restart) would read the other text.
     */
    public boolean intact(String target, List<String> servers) {
        try {
            return UpstreamRenderer.render(target, servers).equals(Files.readString(path(target)));
        } catch (IOException e) {
            return false;
        }
    }

    /** @return true if nginx was reloaded, false if it is not running (it reads the file when it starts) */
    public boolean apply(String target, List<String> servers) throws IOException {
        String text = UpstreamRenderer.render(target, servers);
        Files.createDirectories(dir);
        Path file = path(target);
        Path tmp = dir.resolve("." + target + ".conf.tmp");
        String previous = Files.exists(file) ? Files.readString(file) : null;
        if (!nginx.canTest()) {
            replace(tmp, file, text);
            log.info("{}: upstreams written ({}); nginx not running, it checks them as it starts", target, servers);
            return false;
        }
        replace(tmp, file, text);
        NginxControl.Result t = nginx.test();
        if (!t.ok() && !nginx.canTest()) {
            // nginx went away during the check (an lb container restarting): it checks the file as it starts
            log.info("{}: upstreams written ({}); nginx stopped during the check, it checks them as it starts", target, servers);
            return false;
        }
        if (!t.ok()) {
            if (previous != null) replace(tmp, file, previous);
            else Files.deleteIfExists(file);
            throw new IOException("nginx -t failed, previous upstreams kept: " + t.output().lines().reduce((a, b) -> b).orElse(""));
        }
        if (!nginx.running()) {
            log.info("{}: upstreams written ({}); nginx not running yet, it will read them when it starts", target, servers);
            return false;
        }
        NginxControl.Result r = nginx.reload();
        if (!r.ok()) throw new IOException("nginx reload failed: " + r.output());
        log.info("{}: upstreams {} (nginx reloaded)", target, servers);
        return true;
    }

    private static void replace(Path tmp, Path file, String text) throws IOException {
        Files.writeString(tmp, text);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
