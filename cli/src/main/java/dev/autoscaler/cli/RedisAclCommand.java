package dev.autoscaler.cli;

import dev.autoscaler.common.bus.Keys;
import dev.autoscaler.common.bus.RedisAccess;
import dev.autoscaler.common.config.Env;
import dev.autoscaler.common.config.RedisSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code autoscaler redis-acl DIR}: the Redis ACL file ({@link RedisAccess}, password hashes only) and one password file
 * per user, for a deployment that has no launcher to make them: compose runs it once as the init container
 * {@code redis-acl} on the volume redis and the services mount. Passwords already there are kept (a restart keeps its
 * users); the ACL file is rewritten from them, so a changed table reaches Redis at its next start.
 */
@Command(name = "redis-acl", mixinStandardHelpOptions = true, description = "Write DIR/users.acl (one Redis ACL user per service, "
        + "password hashes only) and DIR/USER.password for each user, keeping passwords already there.")
final class RedisAclCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR", description = "where to write (created if missing)")
    Path dir;

    /**
     * Who may read each password file when this runs as root: compose runs each service under its own uid, so one
     * service cannot read another's password; the executor and watcher run as root for the Docker socket (root-
     * equivalent whatever they read), and the admin password belongs to a uid no service runs as.
     */
    static final Map<String, Integer> COMPOSE_UIDS = Map.of("monitor", 10001, "planner", 10002, "dashboard", 10003,
            "executor", 0, "watcher", 0, "admin", 10000);

    @Option(names = "--owner", paramLabel = "USER=UID", description = "numeric uid a user's password file belongs to, when run "
            + "as root (mode 0400, so that uid alone reads it; default: docker-compose.yml's, monitor=10001 planner=10002 "
            + "dashboard=10003 admin=10000, executor and watcher root)")
    Map<String, Integer> owners = new HashMap<>();

    @Override
    public Integer call() throws Exception {
        List<String> users = Arrays.stream(RedisAccess.Role.values()).map(RedisAccess.Role::user).toList();
        for (String user : owners.keySet()) {
            if (!users.contains(user)) {
                System.err.println("autoscaler redis-acl: --owner " + user + ": no such user (one of " + String.join(", ", users) + ")");
                return 2;
            }
        }
        Keys keys = new Keys(RedisSettings.from(Env.system()).keyPrefix());
        Files.createDirectories(dir);
        Map<RedisAccess.Role, String> passwords = new LinkedHashMap<>(RedisAccess.newPasswords());
        int kept = 0;
        for (RedisAccess.Role r : RedisAccess.Role.values()) {
            Path f = dir.resolve(r.user() + ".password");
            if (Files.isReadable(f) && !Files.readString(f).isBlank()) {
                passwords.put(r, Files.readString(f).strip());
                kept++;
            } else {
                // owner-only from the start: a password is never readable by others, not even until the chmod below
                Files.deleteIfExists(f);
                Files.createFile(f, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                Files.writeString(f, passwords.get(r) + "\n");
            }
            // kept files too: a volume from an earlier layout gets today's owners
            restrict(f, "r--------", owner(r));
        }
        Path acl = dir.resolve("users.acl");
        Files.writeString(acl, RedisAccess.aclFile(keys, passwords));
        restrict(acl, "rw-r--r--", 0);
        System.out.printf("redis-acl: %s/users.acl for %d users (%d passwords kept, %d new)%n", dir, passwords.size(), kept,
                passwords.size() - kept);
        return 0;
    }

    private int owner(RedisAccess.Role r) {
        return owners.getOrDefault(r.user(), COMPOSE_UIDS.getOrDefault(r.user(), 0));
    }

    private static void restrict(Path f, String mode, int uid) throws Exception {
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(mode));
        // the process's own uid (an image without /etc/passwd has no user name for it)
        if (((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).intValue() == 0) {
            Files.setAttribute(f, "unix:uid", uid);
            Files.setAttribute(f, "unix:gid", uid);
        }
    }
}
