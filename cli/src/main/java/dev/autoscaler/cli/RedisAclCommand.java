package dev.autoscaler.cli;

import dev.autoscaler.common.bus.Keys;
import dev.autoscaler.common.bus.RedisAccess;
import dev.autoscaler.common.config.Env;
import dev.autoscaler.common.config.RedisSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
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

    @Option(names = "--owner", defaultValue = "65534", description = "numeric uid the password files belong to, when run as root "
            + "(default ${DEFAULT-VALUE}: the services' user in docker/services.Dockerfile); their group is root's, so a service "
            + "that runs as root without capabilities (the executor and watcher in compose) reads them too")
    int owner;

    @Override
    public Integer call() throws Exception {
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
                write(f, passwords.get(r) + "\n", "r--r-----");
            }
        }
        write(dir.resolve("users.acl"), RedisAccess.aclFile(keys, passwords), "rw-r--r--");
        System.out.printf("redis-acl: %s/users.acl for %d users (%d passwords kept, %d new)%n", dir, passwords.size(), kept,
                passwords.size() - kept);
        return 0;
    }

    private void write(Path f, String text, String mode) throws Exception {
        Files.writeString(f, text);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(mode));
        // the process's own uid (an image without /etc/passwd has no user name for it)
        if (((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).intValue() == 0) {
            Files.setAttribute(f, "unix:uid", owner);
            Files.setAttribute(f, "unix:gid", 0);
        }
    }
}
