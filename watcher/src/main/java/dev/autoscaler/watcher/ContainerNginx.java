package dev.autoscaler.watcher;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Frame;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * nginx in another container (compose's {@code lb}): {@code nginx -t} runs there through {@code docker exec}, since
 * only that container has the binary and sees the files as nginx will; the reload is a SIGHUP through the API, which
 * is what {@code nginx -s reload} sends.
 */
public final class ContainerNginx implements NginxControl, AutoCloseable {
    private final DockerClient docker;
    private final String container;
    private final String binary;
    private final String prefix;
    private final String conf;

    /**
     * @param prefix the nginx prefix inside the container
     * @param conf   the main config, relative to the prefix
     */
    public ContainerNginx(DockerClient docker, String container, String binary, String prefix, String conf) {
        this.docker = docker;
        this.container = container;
        this.binary = binary;
        this.prefix = prefix;
        this.conf = conf;
    }

    @Override
    public Result test() {
        try {
            String exec = docker.execCreateCmd(container).withCmd(NginxControl.command(binary, prefix, conf, "-t").toArray(String[]::new))
                    .withAttachStdout(true).withAttachStderr(true).exec().getId();
            StringBuilder out = new StringBuilder();
            var done = docker.execStartCmd(exec).exec(new ResultCallback.Adapter<Frame>() {
                @Override
                public void onNext(Frame f) {
                    out.append(new String(f.getPayload(), StandardCharsets.UTF_8));
                }
            });
            if (!done.awaitCompletion(30, TimeUnit.SECONDS)) {
                done.close();
                return new Result(false, "nginx -t in container " + container + " timed out");
            }
            Long code = exitCode(exec);
            return new Result(code != null && code == 0, out.toString().trim());
        } catch (NotFoundException | ConflictException e) {
            return new Result(false, "container " + container + " is not running: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(false, "interrupted");
        } catch (IOException | RuntimeException e) {
            return new Result(false, "cannot run nginx -t in container " + container + ": " + e.getMessage());
        }
    }

    /** The exec's exit code; the daemon may still show it running just after its output ended. */
    private Long exitCode(String exec) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        var inspect = docker.inspectExecCmd(exec).exec();
        while (Boolean.TRUE.equals(inspect.isRunning()) && System.nanoTime() < deadline) {
            Thread.sleep(20);
            inspect = docker.inspectExecCmd(exec).exec();
        }
        return inspect.getExitCodeLong();
    }

    @Override
    public Result reload() {
        try {
            docker.killContainerCmd(container).withSignal("HUP").exec();
            return new Result(true, "SIGHUP sent to " + container);
        } catch (RuntimeException e) {
            return new Result(false, "cannot signal container " + container + ": " + e.getMessage());
        }
    }

    /**
     * Whether the container runs. Only a container that is missing or stopped reads as not running: any other failure
     * (the daemon unreachable, a timeout) is thrown, so the caller neither skips the test nor takes the set as applied.
     */
    @Override
    public boolean running() {
        try {
            var state = docker.inspectContainerCmd(container).exec().getState();
            // a container that crash-loops reads as running while docker restarts it; exec is refused then
            return Boolean.TRUE.equals(state.getRunning()) && !Boolean.TRUE.equals(state.getRestarting());
        } catch (NotFoundException e) {
            return false;
        }
    }

    @Override
    public boolean canTest() {
        return running();
    }

    @Override
    public void close() throws IOException {
        docker.close();
    }
}
