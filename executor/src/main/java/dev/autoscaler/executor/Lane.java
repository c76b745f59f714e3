package dev.autoscaler.executor;

import dev.autoscaler.common.msg.Plan;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * One target's reconciles, one at a time, with at most one more queued: whatever asks while one is queued (a plan, a
 * wake, the periodic tick) joins it, since a reconcile reads the newest desired state whoever asked. The queued
 * reconcile answers for the newest plan that joined it, and names the older plans folded in, so a burst of plans
 * behind a slow drain costs one reconcile, not one each.
 */
final class Lane {
    /** What one reconcile answers for: the newest plan (null when only wakes asked) and the older ones folded in. */
    record Batch(Plan plan, List<String> foldedPlanIds) {}

    private final Executor thread;
    private final Consumer<Batch> reconcile;
    private final AtomicLong coalescedPlans = new AtomicLong();
    /** The queued reconcile's batch; null when none is queued. Guarded by this. */
    private Plan queuedPlan;
    private List<String> queuedFolded;
    private boolean queued;

    /** @param thread runs one task at a time (a single-thread executor) */
    Lane(Executor thread, Consumer<Batch> reconcile) {
        this.thread = thread;
        this.reconcile = reconcile;
    }

    /** A reconcile soon, answering for {@code plan} (null: just look); joins the one already queued, if any. */
    void ask(Plan plan) {
        synchronized (this) {
            if (queued) {
                join(plan);
                return;
            }
            queued = true;
            queuedPlan = plan;
            queuedFolded = new ArrayList<>();
        }
        try {
            thread.execute(this::runQueued);
        } catch (RejectedExecutionException stopping) {
            synchronized (this) {
                queued = false;
            }
        }
    }

    private void join(Plan plan) {
        if (plan == null) return;
        if (queuedPlan != null) {
            queuedFolded.add(queuedPlan.id());
            coalescedPlans.incrementAndGet();
        }
        queuedPlan = plan;
    }

    private void runQueued() {
        Batch b;
        synchronized (this) {
            b = new Batch(queuedPlan, List.copyOf(queuedFolded));
            queued = false;
            queuedPlan = null;
            queuedFolded = null;
        }
        reconcile.accept(b);
    }

    /** Plans that a newer plan replaced while both waited for the lane. */
    long coalescedPlans() {
        return coalescedPlans.get();
    }
}
