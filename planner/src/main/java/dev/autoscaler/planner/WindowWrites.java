package dev.autoscaler.planner;

import dev.autoscaler.common.bus.RedisBus;
import dev.autoscaler.common.msg.Channels;
import io.lettuce.core.ScriptOutputType;

/**
 * Everything a decided window leaves behind, in one round trip (one script instead of four commands): the plan
 * published on {@code actions} (first, so the executor hears it soonest), the policy state's core in
 * {@code planner:{t}}, the window and plan in {@code last:{t}} for {@code status} and the dashboard (with the planner
 * that decided, field {@code planner}), and both appended
 * to {@code history:{t}}, capped.
 */
final class WindowWrites {
    private static final String WRITE = """
            if ARGV[6] ~= '' then redis.call(ARGV[9], ARGV[6], ARGV[4]) end
            if ARGV[1] ~= '' then redis.call('SET', KEYS[1], ARGV[1]) end
            local last = {'window', ARGV[2], 'mode', ARGV[3], 'planner', ARGV[8]}
            local entry = {'window', ARGV[2]}
            if ARGV[4] ~= '' then
              table.insert(last, 'plan'); table.insert(last, ARGV[4])
              table.insert(entry, 'plan'); table.insert(entry, ARGV[4])
            end
            if ARGV[5] ~= '' then table.insert(last, 'advice'); table.insert(last, ARGV[5]) end
            redis.call('HSET', KEYS[2], unpack(last))
            redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[7], '*', unpack(entry))
            return 1""";

    /**
     * One window's writes; JSON texts as written, null where there is nothing.
     *
     * @param stateCore the policy state without its rise memory ({@link StateStore#core}), null to leave it
     * @param plan      the plan, null in mode off
     * @param advice    the plan's advice, kept apart so {@code status} shows the last one after windows without
     * @param publish   whether the plan goes out on {@code actions}
     */
    record Window(String target, String stateCore, String window, String mode, String plan, String advice, boolean publish) {}

    private final RedisBus bus;
    private final long historyMaxLen;
    private final String planner;

    /** @param planner this planner's name among the planners, written beside each window it decided */
    WindowWrites(RedisBus bus, long historyMaxLen, String planner) {
        this.planner = planner;
        this.bus = bus;
        this.historyMaxLen = historyMaxLen;
    }

    void write(Window w) {
        var k = bus.keys();
        // PUBLISH, or on a cluster SPUBLISH to the target's channel, which shares the slot of the keys written here
        RedisBus.Route route = bus.route(Channels.ACTIONS, w.target());
        bus.redis().eval(WRITE, ScriptOutputType.INTEGER, new String[] {k.plannerState(w.target()), k.last(w.target()), k.history(w.target())},
                orEmpty(w.stateCore()), w.window(), w.mode(), orEmpty(w.plan()), orEmpty(w.advice()),
                w.publish() && w.plan() != null ? route.channel() : "", String.valueOf(historyMaxLen), planner, route.command());
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }
}
