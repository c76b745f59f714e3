package dev.autoscaler.planner;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectWriter;
import dev.autoscaler.common.bus.Keys;
import dev.autoscaler.common.bus.RedisBus;
import dev.autoscaler.common.msg.Json;
import dev.autoscaler.planner.policy.PolicyState;
import dev.autoscaler.planner.policy.RiseHistory;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The policy state of each target in Redis, so a restarted or standby planner continues where the active one left
 * off. Two keys: {@code planner:{t}}, the core (a few KB: cooldowns, recent needs, learned rates), written with a
 * window (by {@link WindowWrites}) at most every {@code coreEverySec} and at once after a scale, and
 * {@code planner:{t}:rises}, the rise memory (tens of KB of seasonal rings that change slowly), at most every
 * {@code risesEverySec}. A takeover continues from a core that old (with the last scale exact) and a rise memory that
 * old; at a thousand targets, writing both every window was most of the planner's work.
 */
final class StateStore {
    private static final Logger log = LoggerFactory.getLogger(StateStore.class);

    @JsonIgnoreProperties({"rises"})
    private abstract static class WithoutRises {}

    private static final ObjectWriter CORE = Json.MAPPER.copy().addMixIn(PolicyState.class, WithoutRises.class).writer();

    private final RedisBus bus;
    private final Keys keys;
    private final double coreEverySec;
    private final double risesEverySec;
    /** When each target's core was last written by this planner (absent: not since it began to act). */
    private final Map<String, Double> coreSaved = new ConcurrentHashMap<>();
    /** When each target's rises were last saved by this planner (absent: not since it began to act). */
    private final Map<String, Double> risesSaved = new ConcurrentHashMap<>();

    StateStore(RedisBus bus, double coreEverySec, double risesEverySec) {
        this.coreEverySec = coreEverySec;
        this.bus = bus;
        this.keys = bus.keys();
        this.risesEverySec = risesEverySec;
    }

    /**
     * The saved state, or the initial one when there is none or it does not parse. A state saved whole (before the rise
     * memory had a key of its own) is read as it is.
     */
    PolicyState load(String target) {
        String json = bus.redis().get(keys.plannerState(target));
        if (json == null) return PolicyState.initial();
        try {
            PolicyState s = Json.read(json, PolicyState.class);
            // the core never names "rises" (the rings inside the rise memory do): a state without it was saved in two parts
            if (!json.contains("\"rises\"")) s = s.withRises(loadRises(target));
            log.info("{}: resumed planner state ({} healthy windows, capacity {})", target, s.healthy().size(), s.rates().capacityRps());
            return s;
        } catch (Json.MalformedMessageException e) {
            log.warn("{}: stored planner state unreadable ({}); starting fresh", target, e.getMessage());
            return PolicyState.initial();
        }
    }

    private RiseHistory loadRises(String target) {
        String json = bus.redis().get(keys.plannerRises(target));
        if (json == null) return RiseHistory.empty();
        try {
            return Json.read(json, RiseHistory.class);
        } catch (Json.MalformedMessageException e) {
            log.warn("{}: stored rise memory unreadable ({}); starting it fresh", target, e.getMessage());
            return RiseHistory.empty();
        }
    }

    /**
     * The core to write with this window ({@link #core}), or null when it is not due: due after a scale, at this
     * planner's first window of the target, and {@code coreEverySec} after the last.
     */
    String dueCore(String target, PolicyState s, double now, boolean scaled) {
        Double last = coreSaved.get(target);
        if (!scaled && last != null && now - last < coreEverySec && now >= last) return null;
        coreSaved.put(target, last == null ? now - ThreadLocalRandom.current().nextDouble() * coreEverySec : now);
        return core(s);
    }

    /**
     * After a window whose core was written (by {@link WindowWrites}): the rises, when due, and at this planner's first
     * save of the target, which also adds it to {@code targets}: after a Redis restart that lost both, they are back
     * within {@code risesEverySec}.
     */
    void saveRisesIfDue(String target, PolicyState s, double now) {
        Double last = risesSaved.get(target);
        if (last == null || now - last >= risesEverySec || now < last) saveRises(target, s, now);
    }

    /** Saves the whole state now, rises too (after Redis restarted empty, say). */
    void saveWhole(String target, PolicyState s, double now) {
        bus.redis().set(keys.plannerState(target), core(s));
        coreSaved.put(target, now);
        saveRises(target, s, now);
    }

    private void saveRises(String target, PolicyState s, double now) {
        boolean first = !risesSaved.containsKey(target);
        bus.redis().set(keys.plannerRises(target), Json.write(s.rises()));
        bus.redis().sadd(keys.targetsSet(), target);
        // targets first seen together (a planner starting with a thousand) would otherwise save together ever after
        risesSaved.put(target, first ? now - ThreadLocalRandom.current().nextDouble() * risesEverySec : now);
    }

    /**
     * Saves whole every state of a target this planner still {@code owns} (a planner that stops leaves its newest
     * memory behind; one it no longer owns is another's to save).
     */
    void saveAll(Map<String, PolicyState> states, double now, java.util.function.Predicate<String> owns) {
        states.forEach((t, s) -> {
            if (!owns.test(t)) return;
            try {
                saveWhole(t, s, now);
            } catch (RuntimeException e) {
                log.warn("{}: planner state not saved at the stop ({})", t, e.getMessage());
            }
        });
    }

    /** This planner stopped acting for {@code target}: when it acts again it saves the state at once. */
    void forget(String target) {
        coreSaved.remove(target);
        risesSaved.remove(target);
    }

    static String core(PolicyState s) {
        try {
            return CORE.writeValueAsString(s);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise the planner state", e);
        }
    }
}
