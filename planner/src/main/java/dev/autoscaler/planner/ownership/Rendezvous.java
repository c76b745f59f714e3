package dev.autoscaler.planner.ownership;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Highest-random-weight (rendezvous) hashing: a target belongs to the member whose hash with it is highest. When a
 * member joins it takes only the targets it now wins (about 1/n of them), and when one leaves only its own move, each
 * to the member that was second for it; every planner computes the same owner from the same member list.
 */
public final class Rendezvous {
    private Rendezvous() {}

    /** The owner of {@code target} among {@code members} (none empty), or {@code ""} with no members. */
    public static String owner(String target, List<String> members) {
        String best = "";
        long bestScore = Long.MIN_VALUE;
        for (String m : members) {
            long s = score(m, target);
            if (best.isEmpty() || s > bestScore || (s == bestScore && m.compareTo(best) < 0)) {
                best = m;
                bestScore = s;
            }
        }
        return best;
    }

    /** A 64-bit hash of member and target: FNV-1a over both (with a separator), then SplitMix64's finaliser. */
    static long score(String member, String target) {
        long h = 0xcbf29ce484222325L;
        for (byte b : (member + "\u0000" + target).getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        h ^= h >>> 30;
        h *= 0xbf58476d1ce4e5b9L;
        h ^= h >>> 27;
        h *= 0x94d049bb133111ebL;
        return h ^ (h >>> 31);
    }
}
