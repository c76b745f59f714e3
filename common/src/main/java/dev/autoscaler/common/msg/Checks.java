package dev.autoscaler.common.msg;

/** Field checks used by the message records' compact constructors: a bad field makes the whole message malformed. */
final class Checks {
    private Checks() {}

    static String target(String target) {
        if (target == null || target.isBlank()) return "app";
        if (!TargetNames.valid(target)) {
            throw new IllegalArgumentException("target must be 1-63 characters of [A-Za-z0-9_.-], got '" + target + "'");
        }
        return target;
    }

    static double finiteNonNegative(String field, double v) {
        if (!Double.isFinite(v) || v < 0) throw new IllegalArgumentException(field + " must be a finite number >= 0, got " + v);
        return v;
    }

    static int nonNegative(String field, int v) {
        if (v < 0) throw new IllegalArgumentException(field + " must be >= 0, got " + v);
        return v;
    }

    static double fraction(String field, double v) {
        if (!Double.isFinite(v) || v < 0 || v > 1) throw new IllegalArgumentException(field + " must be within [0, 1], got " + v);
        return v;
    }
}
