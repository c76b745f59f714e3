package dev.autoscaler.watcher;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs {@code nginx -t} and {@code nginx -s reload} on this machine against one prefix and config. */
public final class LocalNginx implements NginxControl {
    private final String binary;
    private final Path prefix;
    private final String conf;

    public LocalNginx(String binary, Path prefix, String conf) {
        this.binary = binary;
        this.prefix = prefix;
        this.conf = conf;
    }

    @Override
    public Result test() {
        return run("-t");
    }

    @Override
    public Result reload() {
        return run("-s", "reload");
    }

    @Override
    public boolean running() {
        try {
            Path pid = prefix.resolve("logs/nginx.pid");
            if (!Files.exists(pid)) return false;
            long p = Long.parseLong(Files.readString(pid).trim());
            return ProcessHandle.of(p).map(ProcessHandle::isAlive).orElse(false);
        } catch (IOException | NumberFormatException e) {
            return false;
        }
    }

    /** The command line that starts this nginx in the foreground (used by the demo and the tests). */
    public List<String> foregroundCommand() {
        return NginxControl.command(binary, prefix.toString(), conf, "-g", "daemon off;");
    }

    private Result run(String... args) {
        List<String> cmd = NginxControl.command(binary, prefix.toString(), conf, args);
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Result(false, "nginx " + String.join(" ", args) + " timed out");
            }
            return new Result(p.exitValue() == 0, out);
        } catch (IOException e) {
            return new Result(false, "cannot run " + binary + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(false, "interrupted");
        }
    }
}
