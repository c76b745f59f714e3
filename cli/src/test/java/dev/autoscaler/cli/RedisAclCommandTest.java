package dev.autoscaler.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.autoscaler.common.bus.RedisAccess;
import java.nio.file.Files;
import java.nio.file.Path;
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

    private Map<String, String> passwords() throws Exception {
        Map<String, String> out = new HashMap<>();
        for (RedisAccess.Role r : RedisAccess.Role.values()) out.put(r.user(), Files.readString(dir.resolve(r.user() + ".password")).strip());
        return out;
    }
}
