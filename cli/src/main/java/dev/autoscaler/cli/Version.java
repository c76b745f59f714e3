package dev.autoscaler.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine;

/** The build's version (Maven's {@code project.version}, written into a resource at build time), for {@code --version}. */
public final class Version implements CommandLine.IVersionProvider {
    /** The version, or "unknown" when the resource is missing (a build that skipped resource filtering). */
    public static String current() {
        try (InputStream in = Version.class.getResourceAsStream("/autoscaler-version.properties")) {
            if (in == null) return "unknown";
            Properties p = new Properties();
            p.load(in);
            String v = p.getProperty("version", "unknown");
            return v.startsWith("${") ? "unknown" : v;
        } catch (IOException e) {
            return "unknown";
        }
    }

    @Override
    public String[] getVersion() {
        return new String[] {"autoscaler " + current()};
    }
}
