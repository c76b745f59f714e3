package dev.autoscaler.common.testing;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesList;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The files under {@code deploy/kubernetes}, read into fabric8's typed objects. */
public final class Manifests {
    /** Surefire runs in the module's directory; the manifests sit at the repository root. */
    public static final Path DIR = Path.of("..", "deploy", "kubernetes");

    private Manifests() {}

    public static List<HasMetadata> load(String file) throws IOException {
        try (InputStream in = Files.newInputStream(DIR.resolve(file))) {
            return parse(in);
        }
    }

    /** Every object of one YAML stream (one document, several, or a List). */
    public static List<HasMetadata> parse(InputStream in) {
        Object o = new KubernetesSerialization().unmarshal(in);
        List<HasMetadata> out = new ArrayList<>();
        if (o instanceof KubernetesList l) out.addAll(l.getItems());
        else if (o instanceof List<?> l) l.forEach(i -> out.add((HasMetadata) i));
        else out.add((HasMetadata) o);
        return out;
    }

    public static <T extends HasMetadata> T one(List<HasMetadata> objects, Class<T> type, String name) {
        return objects.stream().filter(type::isInstance).map(type::cast).filter(o -> name.equals(o.getMetadata().getName()))
                .findFirst().orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " " + name + " in " + objects));
    }
}
