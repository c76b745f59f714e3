package dev.autoscaler.common.testing;

import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Turns requests recorded by the mock API server into the RBAC (verb, API group, resource) each needs, the way the
 * API server's request-info resolver does, and reads a service's Role from its manifest in the same terms.
 */
public final class ManifestRbac {
    private ManifestRbac() {}

    public record Grant(String verb, String group, String resource) implements Comparable<Grant> {
        @Override
        public int compareTo(Grant o) {
            return toString().compareTo(o.toString());
        }

        @Override
        public String toString() {
            return verb + " " + (group.isEmpty() ? "core" : group) + "/" + resource;
        }
    }

    /** Every (verb, group, resource) the Role {@code name} in {@code file} (under deploy/kubernetes) grants. */
    public static Set<Grant> role(String file, String name) throws IOException {
        Role role = Manifests.one(Manifests.load(file), Role.class, name);
        Set<Grant> out = new TreeSet<>();
        for (PolicyRule rule : role.getRules()) {
            if (rule.getResourceNames() != null && !rule.getResourceNames().isEmpty()) {
                throw new AssertionError("resourceNames are not modelled here: " + rule);
            }
            for (String g : rule.getApiGroups()) for (String r : rule.getResources()) for (String v : rule.getVerbs()) {
                out.add(new Grant(v, g, r));
            }
        }
        return out;
    }

    public static Set<Grant> needed(List<RecordedRequest> requests) {
        Set<Grant> out = new TreeSet<>();
        for (RecordedRequest r : requests) out.add(needed(r.getMethod(), r.getPath()));
        return out;
    }

    /** /api/v1/namespaces/ns/res[/name[/sub]] or /apis/group/version/namespaces/ns/res[/name[/sub]]. */
    public static Grant needed(String method, String pathAndQuery) {
        int q = pathAndQuery.indexOf('?');
        String path = q < 0 ? pathAndQuery : pathAndQuery.substring(0, q);
        String query = q < 0 ? "" : pathAndQuery.substring(q + 1);
        String[] p = path.substring(1).split("/");
        int i;
        String group;
        if (p[0].equals("api")) {
            group = "";
            i = 2;
        } else if (p[0].equals("apis")) {
            group = p[1];
            i = 3;
        } else {
            throw new AssertionError("not a resource request: " + method + " " + pathAndQuery);
        }
        if (p.length > i + 1 && p[i].equals("namespaces")) i += 2;
        if (p.length <= i) throw new AssertionError("no resource in " + method + " " + pathAndQuery);
        String resource = p[i];
        boolean named = p.length > i + 1;
        if (p.length > i + 2) resource += "/" + p[i + 2];
        boolean watch = List.of(query.split("&")).contains("watch=true");
        String verb = switch (method) {
            case "GET" -> watch ? "watch" : named ? "get" : "list";
            case "POST" -> "create";
            case "PUT" -> "update";
            case "PATCH" -> "patch";
            case "DELETE" -> named ? "delete" : "deletecollection";
            default -> throw new AssertionError("unexpected method " + method + " " + pathAndQuery);
        };
        return new Grant(verb, group, resource);
    }
}
