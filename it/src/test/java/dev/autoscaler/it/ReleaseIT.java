package dev.autoscaler.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.autoscaler.common.msg.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./autoscaler release} (without images: the Docker tests build those with the same script) packs what the
 * build made into a tarball whose launcher runs on its own: unpacked into an empty directory and started from another,
 * with no source tree and nothing on PATH but the system's.
 */
class ReleaseIT {

    @TempDir Path tmp;

    @Test
    void theTarballsLauncherRunsFromAnEmptyDirectory() throws Exception {
        Path root = TestImages.root();
        String version = builtVersion(root);
        Path out = tmp.resolve("dist");
        Result release = run(root, List.of("bash", root.resolve("autoscaler").toString(), "release", "--no-build", "--no-images", "--out", out.toString()));
        assertEquals(0, release.rc, release.out);
        Path tarball = out.resolve("autoscaler-" + version + ".tar.gz");
        assertTrue(Files.isRegularFile(tarball), release.out);

        Path unpacked = Files.createDirectories(tmp.resolve("unpacked"));
        assertEquals(0, run(unpacked, List.of("tar", "xzf", tarball.toString())).rc);
        Path home = unpacked.resolve("autoscaler-" + version);
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        String launcher = home.resolve("autoscaler").toString();

        Result v = run(empty, List.of(launcher, "--version"));
        assertEquals(0, v.rc, v.out);
        assertEquals("autoscaler " + version, v.out.strip());
        Result help = run(empty, List.of(launcher, "status", "--help"));
        assertEquals(0, help.rc, help.out);
        assertTrue(help.out.startsWith("Usage: autoscaler status"), help.out);
        Result test = run(empty, List.of(launcher, "test"));
        assertEquals(2, test.rc, "a release points to the sources for the suite: " + test.out);
        try (Stream<Path> left = Files.list(empty)) {
            assertEquals(0, left.count(), "the launcher wrote nothing where it was started");
        }

        Result sums = run(home, List.of("sha256sum", "--check", "--strict", "SHA256SUMS"));
        assertEquals(0, sums.rc, sums.out);
        assertEquals(0, run(out, List.of("sha256sum", "--check", tarball.getFileName() + ".sha256")).rc);
        for (String doc : List.of("README.md", "CHANGELOG.md", "LICENSE", "NOTICE", "docs/planner/README.md", "deploy/kubernetes/kustomization.yaml")) {
            assertTrue(Files.isRegularFile(home.resolve(doc)), doc);
        }
        assertSbomListsEveryJar(home);
    }

    /** Every jar the release runs on is a component of the SBOM, by name and version. */
    private static void assertSbomListsEveryJar(Path home) throws IOException {
        JsonNode sbom = Json.MAPPER.readTree(home.resolve("sbom.cdx.json").toFile());
        assertEquals("CycloneDX", sbom.path("bomFormat").asText());
        Set<String> listed = new HashSet<>();
        for (JsonNode c : sbom.path("components")) listed.add(c.path("name").asText() + "-" + c.path("version").asText() + ".jar");
        List<String> jars;
        try (Stream<Path> lib = Files.list(home.resolve("lib"))) {
            jars = lib.map(p -> p.getFileName().toString()).toList();
        }
        assertTrue(jars.size() > 100, "the release carries the services' libraries: " + jars.size());
        List<String> missing = new ArrayList<>(jars.stream().filter(n -> !listed.contains(n)).toList());
        assertEquals(List.of(), missing, "jars in lib/ that the SBOM does not list");
    }

    /** The version Maven built: the launcher jar's Implementation-Version. */
    private static String builtVersion(Path root) throws IOException {
        try (JarFile jar = new JarFile(root.resolve("cli/target/autoscaler.jar").toFile())) {
            String v = jar.getManifest().getMainAttributes().getValue("Implementation-Version");
            assertTrue(v != null && !v.isBlank(), "the jar names its version");
            return v;
        }
    }

    private record Result(int rc, String out) {}

    private static Result run(Path dir, List<String> cmd) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().put("PATH", "/usr/bin:/bin");
        pb.environment().put("HOME", dir.toString());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + cmd + "\n" + out);
        }
        return new Result(p.exitValue(), out);
    }
}
