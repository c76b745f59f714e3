package dev.autoscaler.planner.ownership;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RendezvousTest {
    private static Map<String, String> owners(int targets, List<String> members) {
        Map<String, String> out = new HashMap<>();
        for (int t = 0; t < targets; t++) out.put("t" + t, Rendezvous.owner("t" + t, members));
        return out;
    }

    @Test
    void sharesTargetsEvenlyAndTheOrderOfMembersDoesNotMatter() {
        Map<String, String> three = owners(3000, List.of("a", "b", "c"));
        assertEquals(three, owners(3000, List.of("c", "a", "b")));
        for (String m : List.of("a", "b", "c")) {
            long n = three.values().stream().filter(m::equals).count();
            assertTrue(n > 850 && n < 1150, m + " owns " + n + " of 3000");
        }
    }

    @Test
    void aMemberJoiningTakesOnlyTargetsItNowWinsAndOneLeavingMovesOnlyItsOwn() {
        Map<String, String> three = owners(3000, List.of("a", "b", "c"));
        Map<String, String> four = owners(3000, List.of("a", "b", "c", "d"));
        long moved = three.keySet().stream().filter(t -> !three.get(t).equals(four.get(t))).count();
        assertTrue(four.entrySet().stream().filter(e -> !e.getValue().equals(three.get(e.getKey()))).allMatch(e -> e.getValue().equals("d")),
                "every target that moved went to the new member");
        assertTrue(moved > 600 && moved < 900, moved + " of 3000 moved (about a quarter)");
        Map<String, String> two = owners(3000, List.of("a", "c"));
        assertTrue(three.entrySet().stream().filter(e -> !e.getValue().equals("b")).allMatch(e -> e.getValue().equals(two.get(e.getKey()))),
                "only b's targets moved when b left");
    }

    @Test
    void noMembersNoOwner() {
        assertEquals("", Rendezvous.owner("t", List.of()));
    }
}
