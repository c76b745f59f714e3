package dev.autoscaler.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import dev.autoscaler.common.msg.Plan;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@link Lane} driven step by step: its tasks go to a queue the test runs by hand, so any interleaving of plans, wakes
 * and reconciles can be tried, and what each reconcile answered for is checked against what was asked.
 */
class LaneTest {
    /** Runs the lane's tasks only when told, one at a time, as its single thread would. */
    private static final class StepExecutor implements java.util.concurrent.Executor {
        final Deque<Runnable> tasks = new ArrayDeque<>();
        int mostQueued;

        @Override
        public void execute(Runnable r) {
            tasks.add(r);
            mostQueued = Math.max(mostQueued, tasks.size());
        }

        boolean runOne() {
            Runnable r = tasks.poll();
            if (r != null) r.run();
            return r != null;
        }
    }

    private static Plan plan(int n) {
        return new Plan("plan", n, "p" + n, "app", "app",
                new Plan.Decision(Plan.Action.scale_up, "app", n, "test", 0.5, "heuristic", "enforce"), null);
    }

    @Test
    void plansThatComeWhileOneReconcileWaitsJoinItAndTheNewestIsAnsweredNamingTheOthers() {
        StepExecutor thread = new StepExecutor();
        List<Lane.Batch> ran = new ArrayList<>();
        Lane lane = new Lane(thread, ran::add);

        lane.ask(plan(1));
        lane.ask(plan(2));
        lane.ask(null); // a wake joins too
        lane.ask(plan(3));

        assertEquals(1, thread.tasks.size(), "one reconcile queued for four asks");
        thread.runOne();
        assertEquals(List.of(new Lane.Batch(plan(3), List.of("p1", "p2"))), ran);
        assertEquals(2, lane.coalescedPlans());
        assertTrue(ReplicaExecutor.folded(ran.get(0)).contains("2 older plan(s) folded into this one"), ReplicaExecutor.folded(ran.get(0)));

        lane.ask(null);
        thread.runOne();
        assertNull(ran.get(1).plan(), "a wake alone answers for no plan");
        assertEquals(List.of(), ran.get(1).foldedPlanIds());
    }

    /**
     * Any interleaving of plans (numbered in order of arrival), wakes and reconciles: at most one reconcile waits;
     * every plan is answered exactly once, either as the newest of its reconcile or named as folded into it; a
     * reconcile answers for the newest plan that came before it ran; the counter counts the folded ones.
     */
    @Test
    void everyPlanIsAnsweredOnceAndEachReconcileAnswersForTheNewestThatCameBeforeIt() {
        // -1: the lane runs its queued reconcile; 0: a wake; 1: the next plan
        qt().withExamples(10_000).forAll(lists().of(integers().between(-1, 1)).ofSizeBetween(0, 40)).checkAssert(steps -> {
            StepExecutor thread = new StepExecutor();
            List<Lane.Batch> ran = new ArrayList<>();
            Lane lane = new Lane(thread, ran::add);
            int plans = 0;
            List<Integer> newestBeforeEachRun = new ArrayList<>();
            int newestSinceLastRun = 0;
            for (int step : steps) {
                if (step == -1) {
                    if (thread.runOne()) {
                        newestBeforeEachRun.add(newestSinceLastRun);
                        newestSinceLastRun = 0;
                    }
                } else if (step == 0) {
                    lane.ask(null);
                } else {
                    plans++;
                    lane.ask(plan(plans));
                    newestSinceLastRun = plans;
                }
            }
            if (thread.runOne()) newestBeforeEachRun.add(newestSinceLastRun);

            assertTrue(thread.mostQueued <= 1, "at most one reconcile waits, " + thread.mostQueued + " did");
            assertTrue(thread.tasks.isEmpty());
            List<String> answered = new ArrayList<>();
            long folded = 0;
            for (int i = 0; i < ran.size(); i++) {
                Lane.Batch b = ran.get(i);
                int newest = newestBeforeEachRun.get(i);
                assertEquals(newest == 0 ? null : "p" + newest, b.plan() == null ? null : b.plan().id());
                if (b.plan() == null) assertEquals(List.of(), b.foldedPlanIds());
                answered.addAll(b.foldedPlanIds());
                if (b.plan() != null) answered.add(b.plan().id());
                folded += b.foldedPlanIds().size();
            }
            List<String> expected = new ArrayList<>();
            for (int n = 1; n <= plans; n++) expected.add("p" + n);
            assertEquals(expected, answered, "every plan answered once, in order");
            Set<String> unique = new HashSet<>(answered);
            assertEquals(answered.size(), unique.size());
            assertEquals(folded, lane.coalescedPlans());
        });
    }
}
