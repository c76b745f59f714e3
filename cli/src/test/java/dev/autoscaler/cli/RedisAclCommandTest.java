package dev.autoscaler.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.autoscaler.common.bus.RedisAccess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code autoscaler redis-acl DIR}: what compose's init container and a Kubernetes operator run to make the Redis users. */
class RedisAclCommandTest {
    @TempDir
    Path dir;

    @Test
    void writesAPasswordPerUserAndAnAclFileOfHashesAndKeepsPasswordsOnARerun() throws Exception {
        assertEquals(0, new CommandLine(new RedisAclCommand()).execute(dir.toString()));
        Map<String, String> first = passwords();
        assertEquals(RedisAccess.Role.values().length, first.size());
        String acl = Files.readString(dir.resolve("users.acl"));
        for (String pw : first.values()) {
            assertEquals(32, pw.length());
            assertFalse(acl.contains(pw), "the ACL file holds hashes only");
        }
        for (RedisAccess.Role r : RedisAccess.Role.values()) assertTrue(acl.contains("user " + r.user() + " reset on #"), acl);

        assertEquals(0, new CommandLine(new RedisAclCommand()).execute(dir.toString()));
        assertEquals(first, passwords(), "a restart keeps its users");
        assertEquals(acl, Files.readString(dir.resolve("users.acl")));
    }

    @Test
    void eachPasswordFileIsReadableByItsServicesUidAloneAndAnUnknownUserIsRefused() throws Exception {
        assertEquals(0, new CommandLine(new RedisAclCommand()).execute("--owner", "planner=12345", dir.toString()));
        boolean root = ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).intValue() == 0;
        for (RedisAccess.Role r : RedisAccess.Role.values()) {
            Path f = dir.resolve(r.user() + ".password");
            assertEquals("r--------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)), r.user());
            int expected = r == RedisAccess.Role.PLANNER ? 12345 : RedisAclCommand.COMPOSE_UIDS.get(r.user());
            if (root) assertEquals(expected, ((Number) Files.getAttribute(f, "unix:uid")).intValue(), r.user());
        }
        assertEquals(RedisAccess.Role.values().length, RedisAclCommand.COMPOSE_UIDS.size(), "every user has an owner");
        assertEquals(6, new java.util.HashSet<>(RedisAclCommand.COMPOSE_UIDS.values()).size() + 1,
                "distinct uids but for the executor and watcher, which share root");

        var cmd = new CommandLine(new RedisAclCommand());
        var saved = System.err;
        var captured = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(captured, true));
        try {
            assertEquals(2, cmd.execute("--owner", "nobody=1", dir.resolve("other").toString()));
        } finally {
            System.setErr(saved);
        }
        assertTrue(captured.toString().contains("--owner nobody: no such user"), captured.toString());
        assertFalse(Files.exists(dir.resolve("other")), "nothing written");
    }

    private Map<String, String> passwords() throws Exception {
        Map<String, String> out = new HashMap<>();
        for (RedisAccess.Role r : RedisAccess.Role.values()) out.put(r.user(), Files.readString(dir.resolve(r.user() + ".password")).strip());
        return out;
    }
}
