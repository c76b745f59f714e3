package dev.autoscaler.watcher;

import java.util.ArrayList;
import java.util.List;

/**
 * The two things the watcher asks of nginx: check the config it would load, and load it. {@link LocalNginx} runs the
 * binary on this machine (demo, tests); {@link ContainerNginx} does the same inside the compose {@code lb} container.
 */
public interface NginxControl {
    record Result(boolean ok, String output) {}

    /** {@code nginx -t} against the files as they are now. */
    Result test();

    /** Makes a running nginx read its config again (old workers finish their requests). */
    Result reload();

    /** Whether an nginx is there to reload; when not, it reads the files as it starts. */
    boolean running();

    /**
     * Whether {@link #test()} can run now. A local binary always can; nginx in a container only while the container
     * runs, and a stopped {@code lb} reads the file as it starts (and refuses to start on a bad one).
     */
    default boolean canTest() {
        return true;
    }

    /** {@code nginx -p PREFIX/ -c CONF -e logs/error.log} and then {@code more}: how every caller runs this nginx. */
    static List<String> command(String binary, String prefix, String conf, String... more) {
        List<String> cmd = new ArrayList<>(List.of(binary, "-p", prefix.endsWith("/") ? prefix : prefix + "/", "-c", conf,
                "-e", "logs/error.log"));
        cmd.addAll(List.of(more));
        return cmd;
    }
}
