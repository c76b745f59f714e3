package dev.autoscaler.common.config;

import dev.autoscaler.common.msg.TargetNames;
import java.net.URI;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.TreeSet;

/**
 * Typed, validated access to environment variables. Every getter names the variable, the value and what is
 * allowed when it rejects a value, so an operator reads one line and knows what to fix.
 */
public final class Env {
    private final Map<String, String> vars;
    /** Every name a getter asked for, when recording (see {@link #recording}); else null. */
    private final Set<String> asked;

    public Env(Map<String, String> vars) {
        this(vars, null);
    }

    private Env(Map<String, String> vars, Set<String> asked) {
        this.vars = Map.copyOf(vars);
        this.asked = asked;
    }

    /**
     * An Env that adds every name its getters ask for to {@code asked}: reading a configuration through it lists the
     * names that configuration knows, so a tool can reject a misspelt one instead of silently ignoring it.
     */
    public static Env recording(Map<String, String> vars, Set<String> asked) {
        return new Env(vars, asked);
    }

    public static Env system() {
        return new Env(System.getenv());
    }

    public Map<String, String> asMap() {
        return vars;
    }

    /** The first of the names that is set to a non-blank value. */
    public Optional<String> raw(String... names) {
        if (asked != null) asked.addAll(Arrays.asList(names));
        for (String n : names) {
            String v = vars.get(n);
            if (v != null && !v.isBlank()) return Optional.of(v.trim());
        }
        return Optional.empty();
    }

    private String nameOf(String... names) {
        for (String n : names) {
            String v = vars.get(n);
            if (v != null && !v.isBlank()) return n;
        }
        return names[0];
    }

    public String string(String name, String def) {
        return raw(name).orElse(def);
    }

    public int integer(String name, int def, int min, int max) {
        Optional<String> v = raw(name);
        if (v.isEmpty()) return def;
        try {
            int i = Integer.parseInt(v.get());
            if (i < min || i > max) throw new NumberFormatException();
            return i;
        } catch (NumberFormatException e) {
            throw bad(name, v.get(), "an integer from " + min + " to " + max);
        }
    }

    public double number(String name, double def, double min, double max) {
        return optionalNumber(new String[] {name}, min, max).orElse(def);
    }

    /** Unset gives empty; any of the aliases may carry the value (first set wins). */
    public OptionalDouble optionalNumber(String[] names, double min, double max) {
        Optional<String> v = raw(names);
        if (v.isEmpty()) return OptionalDouble.empty();
        String name = nameOf(names);
        try {
            double d = Double.parseDouble(v.get());
            if (!Double.isFinite(d) || d < min || d > max) throw new NumberFormatException();
            return OptionalDouble.of(d);
        } catch (NumberFormatException e) {
            throw bad(name, v.get(), "a number from " + fmt(min) + " to " + fmt(max));
        }
    }

    public boolean bool(String name, boolean def) {
        Optional<String> v = raw(name);
        if (v.isEmpty()) return def;
        return switch (v.get().toLowerCase(Locale.ROOT)) {
            case "1", "true", "yes", "on" -> true;
            case "0", "false", "no", "off" -> false;
            default -> throw bad(name, v.get(), "true or false");
        };
    }

    public String oneOf(String name, String def, String... allowed) {
        Optional<String> v = raw(name);
        if (v.isEmpty()) return def;
        String s = v.get().toLowerCase(Locale.ROOT);
        if (Arrays.asList(allowed).contains(s)) return s;
        throw bad(name, v.get(), "one of " + String.join(", ", new TreeSet<>(Set.of(allowed))));
    }

    /** {@code TARGETS} (comma-separated), else {@code TARGET}, else "app"; every name valid. */
    public java.util.List<String> targets() {
        String raw = string("TARGETS", string("TARGET", "app"));
        String name = raw(new String[] {"TARGETS"}).isPresent() ? "TARGETS" : "TARGET";
        java.util.List<String> targets = Arrays.stream(raw.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        for (String t : targets) {
            if (!TargetNames.valid(t)) {
                throw bad(name, raw, "comma-separated names of [A-Za-z0-9_.-] ('" + t + "' is not one)");
            }
        }
        if (targets.isEmpty()) throw bad(name, raw, "at least one target name");
        return targets;
    }

    /** An absolute http(s) URL. */
    public URI httpUrl(String name, String def) {
        String s = string(name, def);
        try {
            URI u = URI.create(s);
            if (u.getHost() == null || !("http".equals(u.getScheme()) || "https".equals(u.getScheme()))) {
                throw new IllegalArgumentException();
            }
            return u;
        } catch (IllegalArgumentException e) {
            throw bad(name, s, "an absolute http:// or https:// URL");
        }
    }

    public static ConfigException bad(String name, String value, String allowed) {
        String shown = value.length() > 80 ? value.substring(0, 80) + "…" : value;
        return new ConfigException("invalid " + name + "=\"" + shown + "\": expected " + allowed);
    }

    private static String fmt(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? String.valueOf((long) d) : String.valueOf(d);
    }
}
