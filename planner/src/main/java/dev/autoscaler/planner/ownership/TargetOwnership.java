package dev.autoscaler.planner.ownership;

import java.util.Map;

/**
 * Which targets this planner decides for, among the planners sharing one Redis. Redis election shares the targets out
 * ({@link ShardedLeases}); Kubernetes election keeps one leader for all of them ({@link SingleLeader}). Either way a
 * write to {@code desired} carries a fencing token, so a planner that lost a target cannot overwrite its new owner.
 */
public interface TargetOwnership extends AutoCloseable {
    /** Told when this planner takes or gives up a target, on the thread that asked {@link #owns}, before it returns. */
    interface Listener {
        /** Taken (a new fencing token): anything cached for the target may be older than what its last owner left. */
        void taken(String target);

        /** About to be given up (while still held): the newest state belongs in Redis now. */
        void givingUp(String target);
    }

    /**
     * True when this planner may decide for {@code target} now: it holds the target, taking it first where it is this
     * planner's to take, and giving it up where it is another's. Called for every window of the target, one at a time
     * per target.
     */
    boolean owns(String target);

    /**
     * False only where the target is certainly another planner's and nothing of it is held here: its windows need not
     * reach {@link #owns}. Answers at once, without I/O (it runs on the bus's event loop).
     */
    boolean concerns(String target);

    /** True while this planner holds {@code target}, without taking or giving up anything. */
    boolean holds(String target);

    /** HSETs {@code fields} into {@code hashKey} under the target's fencing token; false if refused or not held. */
    boolean writeFenced(String target, String hashKey, String... fields);

    /** This planner's name among the planners. */
    String holder();

    /** Who holds {@code target} as far as this planner knows ({@code ""}: nobody), for logs. */
    String ownerSeen(String target);

    /** What {@code /health} shows under {@code lease}: {@code name}, {@code role} (active: holds a target), and more. */
    Map<String, Object> health();

    @Override
    void close();
}
