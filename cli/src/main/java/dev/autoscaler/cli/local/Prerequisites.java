package dev.autoscaler.cli.local;

import java.io.File;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Finds redis-server and nginx, installing them from the OS packages when we may (root with apt-get). */
public final class Prerequisites {
    private Prerequisites() {}

    public static String find(String binary) {
        for (String dir : new String[] {"/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin", "/sbin", "/bin"}) {
            File f = new File(dir, binary);
            if (f.canExecute()) return f.getPath();
        }
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(":")) {
                File f = new File(dir, binary);
                if (f.canExecute()) return f.getPath();
            }
        }
        return null;
    }

    /** binary → package; returns binary → path, or throws with one line saying what to install. */
    public static Map<String, String> ensure(Map<String, String> binaryToPackage) throws Exception {
        List<String> missing = new ArrayList<>();
        binaryToPackage.forEach((bin, pkg) -> {
            if (find(bin) == null) missing.add(pkg);
        });
        if (!missing.isEmpty()) {
            boolean root = "root".equals(System.getProperty("user.name"));
            if (root && find("apt-get") != null) {
                System.err.println("installing " + String.join(" ", missing) + " with apt-get ...");
                run(List.of("apt-get", "update", "-qq"));
                List<String> cmd = new ArrayList<>(List.of("apt-get", "install", "-y", "-qq"));
                cmd.addAll(missing);
                run(cmd);
            } else {
                throw new IllegalStateException("missing " + String.join(", ", missing) + ": install with 'sudo apt-get install -y "
                        + String.join(" ", missing) + "'");
            }
        }
        Map<String, String> found = new LinkedHashMap<>();
        for (String bin : binaryToPackage.keySet()) {
            String p = find(bin);
            if (p == null) throw new IllegalStateException("still missing " + bin + " after installing " + binaryToPackage.get(bin));
            found.put(bin, p);
        }
        return found;
    }

    private static void run(List<String> cmd) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).inheritIO();
        pb.environment().put("DEBIAN_FRONTEND", "noninteractive");
        int rc = pb.start().waitFor();
        if (rc != 0) throw new IllegalStateException(String.join(" ", cmd) + " failed with exit code " + rc);
    }
}
