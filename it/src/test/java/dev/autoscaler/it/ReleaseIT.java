package dev.autoscaler.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.autoscaler.common.msg.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
        Commands.Run release = run(root, List.of("bash", root.resolve("autoscaler").toString(), "release", "--no-build", "--no-images", "--out", out.toString()));
        assertEquals(0, release.exit(), release.output());
        Path tarball = out.resolve("autoscaler-" + version + ".tar.gz");
        assertTrue(Files.isRegularFile(tarball), release.output());

        Path unpacked = Files.createDirectories(tmp.resolve("unpacked"));
        assertEquals(0, run(unpacked, List.of("tar", "xzf", tarball.toString())).exit());
        Path home = unpacked.resolve("autoscaler-" + version);
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        String launcher = home.resolve("autoscaler").toString();

        Commands.Run v = run(empty, List.of(launcher, "--version"));
        assertEquals(0, v.exit(), v.output());
        assertEquals("autoscaler " + version, v.output().strip());
        Commands.Run help = run(empty, List.of(launcher, "status", "--help"));
        assertEquals(0, help.exit(), help.output());
        assertTrue(help.output().startsWith("Usage: autoscaler status"), help.output());
        Commands.Run test = run(empty, List.of(launcher, "test"));
        assertEquals(2, test.exit(), "a release points to the sources for the suite: " + test.output());
        try (Stream<Path> left = Files.list(empty)) {
            assertEquals(0, left.count(), "the launcher wrote nothing where it was started");
        }

        Commands.Run sums = run(home, List.of("sha256sum", "--check", "--strict", "SHA256SUMS"));
        assertEquals(0, sums.exit(), sums.output());
        assertEquals(0, run(out, List.of("sha256sum", "--check", tarball.getFileName() + ".sha256")).exit());
        for (String doc : List.of("README.md", "CHANGELOG.md", "LICENSE", "NOTICE", "docs/planner/README.md", "deploy/kubernetes/kustomization.yaml")) {
            assertTrue(Files.isRegularFile(home.resolve(doc)), doc);
        }
        assertEveryJarTheManifestNamesIsThere(home);
        assertSbomListsEveryJar(home);
    }

    /** The launcher's jar finds its libraries through its manifest's Class-Path, relative to itself. */
    private static void assertEveryJarTheManifestNamesIsThere(Path home) throws IOException {
        try (JarFile jar = new JarFile(home.resolve("autoscaler.jar").toFile())) {
            String classPath = jar.getManifest().getMainAttributes().getValue("Class-Path");
            assertTrue(classPath != null && !classPath.isBlank(), "the manifest names the libraries");
            List<String> absent = java.util.Arrays.stream(classPath.trim().split("\\s+")).filter(e -> !Files.isRegularFile(home.resolve(e))).toList();
            assertEquals(List.of(), absent, "Class-Path entries not in the release");
        }
    }

    /** The SBOM's components are the jars the release runs on, by name and version: none missing, none extra. */
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
        listed.removeAll(jars);
        assertEquals(Set.of(), listed, "SBOM components that the release does not run on");
    }

    /** The version Maven built: the launcher jar's Implementation-Version. */
    private static String builtVersion(Path root) throws IOException {
        try (JarFile jar = new JarFile(root.resolve("cli/target/autoscaler.jar").toFile())) {
            String v = jar.getManifest().getMainAttributes().getValue("Implementation-Version");
            assertTrue(v != null && !v.isBlank(), "the jar names its version");
            return v;
        }
    }

    /** {@code cmd} in {@code dir} with nothing of the test's environment but a JDK: PATH is the system's alone. */
    private static Commands.Run run(Path dir, List<String> cmd) throws IOException, InterruptedException {
        Map<String, String> env = Map.of("PATH", "/usr/bin:/bin", "HOME", dir.toString(), "JAVA_HOME", System.getProperty("java.home"));
        return Commands.run(dir, env, Duration.ofMinutes(5), cmd);
    }
}
