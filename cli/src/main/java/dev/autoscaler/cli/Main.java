package dev.autoscaler.cli;

import dev.autoscaler.app.AppMain;
import dev.autoscaler.common.config.Env;
import dev.autoscaler.common.service.ServiceRunner;
import dev.autoscaler.executor.ReplicaExecutor;
import dev.autoscaler.loadgen.LoadgenCommand;
import dev.autoscaler.monitor.MonitorService;
import dev.autoscaler.planner.PlannerService;
import dev.autoscaler.watcher.WatcherService;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code ./autoscaler SUBCOMMAND}: one entry point for every service and tool. */
@Command(name = "autoscaler", mixinStandardHelpOptions = true, versionProvider = Version.class, scope = CommandLine.ScopeType.INHERIT,
        description = "Latency-driven autoscaler: keeps an app's p95 under target by adding and removing replicas behind nginx.",
        subcommands = {DemoCommand.class, StatusCommand.class, ComposeCheckCommand.class, RedisAclCommand.class, LoadgenCommand.class, BenchCommand.class, Main.TestCommand.class, Main.ReleaseCommand.class,
                Main.App.class, Main.Monitor.class, Main.Planner.class, Main.Executor.class, Main.Watcher.class, Main.Dashboard.class})
public final class Main implements Callable<Integer> {

    public static void main(String[] args) {
        int rc = run(args);
        // a service returns 0 only after its shutdown hook ran; System.exit then would block the JVM's shutdown
        if (rc != 0) System.exit(rc);
        if (args.length == 0 || !isService(args[0])) System.exit(0);
    }

    static boolean isService(String name) {
        return switch (name) {
            case "app", "monitor", "planner", "executor", "watcher", "dashboard", "demo" -> true;
            default -> false;
        };
    }

    public static int run(String... args) {
        return commandLine().execute(args);
    }

    /**
     * The command tree: every command and subcommand answers {@code --help} and {@code --version} (inherited from here),
     * and a bad option or argument gets one line naming it and exit 2, not the whole usage.
     */
    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true);
        cl.setParameterExceptionHandler((e, args) -> {
            CommandLine at = e.getCommandLine();
            at.getErr().println(at.getCommandSpec().qualifiedName() + ": " + e.getMessage() + " (see '"
                    + at.getCommandSpec().qualifiedName() + " --help')");
            return 2;
        });
        return cl;
    }

    @Override
    public Integer call() {
        CommandLine.usage(this, System.out);
        return 0;
    }

    @Command(name = "test", description = "Run the whole test suite (handled by the ./autoscaler script, which installs what the tests need).")
    static final class TestCommand implements Callable<Integer> {
        public Integer call() {
            System.err.println("autoscaler test: run it through the ./autoscaler script at the project root");
            return 2;
        }
    }

    @Command(name = "release", description = "Build dist/autoscaler-VERSION.tar.gz (jars, launcher, docs, SBOM, SHA256SUMS) and the images "
            + "tagged VERSION (handled by the ./autoscaler script).")
    static final class ReleaseCommand implements Callable<Integer> {
        public Integer call() {
            System.err.println("autoscaler release: run it through the ./autoscaler script at the project root");
            return 2;
        }
    }

    @Command(name = "app", description = "Run one replica of the toy app (PORT, WORKERS, WORK_MS, MAX_QUEUE).")
    static final class App implements Callable<Integer> {
        public Integer call() { return AppMain.run(Env.system()); }
    }

    @Command(name = "monitor", description = "Run the monitor alone (configured by environment variables, see README).")
    static final class Monitor implements Callable<Integer> {
        public Integer call() { return ServiceRunner.run("monitor", Env.system(), MonitorService::new); }
    }

    @Command(name = "planner", description = "Run the planner alone.")
    static final class Planner implements Callable<Integer> {
        public Integer call() { return ServiceRunner.run("planner", Env.system(), PlannerService::new); }
    }

    @Command(name = "executor", description = "Run the executor alone.")
    static final class Executor implements Callable<Integer> {
        public Integer call() { return ServiceRunner.run("executor", Env.system(), ReplicaExecutor::new); }
    }

    @Command(name = "dashboard", description = "Run the dashboard alone (DASHBOARD_HOST, DASHBOARD_PORT, ADMIN_TOKEN).")
    static final class Dashboard implements Callable<Integer> {
        public Integer call() { return ServiceRunner.run("dashboard", Env.system(), dev.autoscaler.dashboard.DashboardService::new); }
    }

    @Command(name = "watcher", description = "Run the watcher alone.")
    static final class Watcher implements Callable<Integer> {
        public Integer call() { return ServiceRunner.run("watcher", Env.system(), WatcherService::new); }
    }
}
