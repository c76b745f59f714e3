package dev.autoscaler.planner.advisor;

import dev.autoscaler.common.msg.LlmCall;
import dev.autoscaler.common.msg.Plan;
import dev.autoscaler.planner.llm.LlmAnswer;
import dev.autoscaler.planner.llm.LlmException;
import dev.autoscaler.planner.llm.LlmProvider;
import dev.autoscaler.planner.llm.LlmRequest;
import dev.autoscaler.planner.llm.LlmSettings;
import dev.autoscaler.planner.policy.AdviceRules;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When to ask the LLM and what to do with its answer, never on the decision path. After each window it may start one
 * call per target: on a state change (load band, replica count, an SLO breach starting or ending) or when
 * LLM_HEARTBEAT_SEC has passed, never while a call for the target is in flight, never during a backoff, and never
 * beyond the {@link CallBudget} (LLM_RPM a minute, shared by every planner, with LLM_RESERVE calls kept for targets in
 * or near a breach). A due call the budget refuses is audited once as {@code skipped}, with why. The answer is
 * parsed off the decision thread and held for the next windows; a window never waits for it. A call still running
 * {@link #GRACE_MS} after LLM_TIMEOUT_SEC is cancelled (the provider aborts its request, closing the socket, and its
 * thread is interrupted), so a hanging server or a client that ignores its own timeout never piles up threads or
 * connections.
 */
public final class LlmAdvisor implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LlmAdvisor.class);
    /**
     * How long past LLM_TIMEOUT_SEC a call may run before it is cancelled: the provider's own timeout (which bounds its
     * whole path, fallback included) normally ends it first and says more about why.
     */
    static final long GRACE_MS = 2000;
    /** How long {@link #close} waits for cancelled calls to end before closing the provider under them. */
    private static final long CLOSE_WAIT_MS = 2000;
    /** Enough of a builder's error message to tell the cause, short enough for a log line. */
    private static final int MAX_ERROR_TEXT = 200;
    /** Held advice is stale once the load is this many bands from where it was asked. */
    static final int STALE_BANDS = 2;

    /**
     * A window's state as the advisor sees it; a change of any part is a reason to ask.
     *
     * @param loadBand the arrival rate's band: bands are 25 % apart, so noise on a steady load rarely crosses one
     * @param replicas the replicas asked for
     * @param breach   the window was over the threshold
     */
    public record StateKey(int loadBand, int replicas, boolean breach) {
        public static StateKey of(double rps, int replicas, boolean breach) {
            return new StateKey(band(rps), replicas, breach);
        }

        /** The key of a window the policy decided: its rate, the count it decided from, and whether p95 was over the threshold. */
        public static StateKey of(double rps, dev.autoscaler.planner.policy.PolicyDecision dec) {
            var n = dec.numbers();
            return of(rps, n.currentReplicas(), n.thresholdMs() != null && n.p95Ms() > n.thresholdMs());
        }

        /** What changed since {@code before}, or null when nothing did. */
        String changeFrom(StateKey before) {
            if (before == null) return "first window";
            if (replicas != before.replicas) return "replicas " + before.replicas + " -> " + replicas;
            if (breach != before.breach) return breach ? "SLO breach started" : "SLO breach ended";
            if (loadBand != before.loadBand) return "load band " + (loadBand > before.loadBand ? "up" : "down");
            return null;
        }

        /** Advice asked at {@code asked} still describes this state: the same load band and replica count. */
        boolean sameLoadAndCount(StateKey asked) {
            return loadBand == asked.loadBand && replicas == asked.replicas;
        }

        /** The load band of a rate, as {@link #of} files it. */
        static int band(double rps) {
            return (int) Math.floor(Math.log(Math.max(rps, 1)) / Math.log(1.25));
        }
    }

    /**
     * Advice that came back and reads right, held for the windows until the next.
     *
     * @param advice  as the policy judges it
     * @param action  the action it named, against the count it was asked at
     * @param trigger why it was asked
     * @param asked   the state it was asked at: once the load leaves that band, the advice describes a load gone by
     */
    public record Held(AdviceRules.Advice advice, Plan.Action action, double latencyMs, Integer tokensIn, Integer tokensOut,
                       String trigger, long callsLeft, StateKey asked) {}

    /** Per target: what was last asked and seen, the call in flight, the advice held and the agreement count. */
    private static final class Slot {
        StateKey lastAsked;
        StateKey latest;
        double lastAskTs = Double.NEGATIVE_INFINITY;
        boolean inFlight;
        Held held;
        Held audited;
        long agreed;
        long judged;
        /** The refusal last audited for this target, so that a refused question is audited once, not every window. */
        CallBudget.Refusal skipped;
    }

    private final LlmSettings settings;
    private final LlmProvider provider;
    private final AdviceAudit audit;
    private final DoubleSupplier clock;
    private final CallBudget budget;
    private final ExecutorService calls = Executors.newVirtualThreadPerTaskExecutor();
    private final Map<String, Slot> slots = new ConcurrentHashMap<>();
    /** The threads running a call now, so that close can abort their requests. */
    private final Set<Thread> running = ConcurrentHashMap.newKeySet();
    private final MeterRegistry meters;
    private final Timer latency;
    private int failures;
    private double backoffUntil = Double.NEGATIVE_INFINITY;
    /** Set first thing in {@link #close}: no call starts after it, and calls it cancels are not reported as failures. */
    private volatile boolean closed;

    /**
     * @param audit receives every call's audit entry (the planner appends it to the {@code llm} stream)
     * @param clock seconds, the same clock the windows are decided with (tests drive it)
     */
    public LlmAdvisor(LlmSettings settings, LlmProvider provider, Consumer<LlmCall> audit, MeterRegistry meters, DoubleSupplier clock) {
        this(settings, provider, CallBudget.local(settings, clock), audit, meters, clock);
    }

    /** @param budget the calls that may start: this process's, or the installation's in Redis */
    public LlmAdvisor(LlmSettings settings, LlmProvider provider, CallBudget budget, Consumer<LlmCall> audit, MeterRegistry meters,
                      DoubleSupplier clock) {
        this.settings = settings;
        this.budget = budget;
        this.provider = provider;
        this.audit = new AdviceAudit(provider, settings, audit, meters, clock, budget::left);
        this.clock = clock;
        this.meters = meters;
        this.latency = Timer.builder("autoscaler_llm_call_seconds").tag("provider", provider.name())
                .publishPercentiles(0.5, 0.99).register(meters);
    }

    public LlmSettings settings() {
        return settings;
    }

    public LlmProvider provider() {
        return provider;
    }

    /** After a window the policy decided from {@code rps}: its state and how pressing it is come from the decision. */
    public void afterWindow(String target, double rps, dev.autoscaler.planner.policy.PolicyDecision dec, Supplier<LlmRequest> request) {
        var n = dec.numbers();
        afterWindow(target, StateKey.of(rps, dec), CallBudget.Urgency.of(n.p95Ms(), n.thresholdMs(), settings.nearBreach()), request);
    }

    /** As {@link #afterWindow(String, StateKey, CallBudget.Urgency, Supplier)}, pressing when the key is a breach. */
    public void afterWindow(String target, StateKey key, Supplier<LlmRequest> request) {
        afterWindow(target, key, key.breach() ? CallBudget.Urgency.BREACH : CallBudget.Urgency.CALM, request);
    }

    /**
     * After a window was decided: asks when the state changed since the last call or the heartbeat is due, and
     * nothing holds it back. Returns at once (the budget in Redis answers within a second); {@code request} is built
     * only when a call starts.
     */
    public void afterWindow(String target, StateKey key, CallBudget.Urgency urgency, Supplier<LlmRequest> request) {
        if (closed) return;
        Slot slot = slots.computeIfAbsent(target, t -> new Slot());
        double now = clock.getAsDouble();
        String trigger;
        String skipWhy = null;
        boolean starting;
        synchronized (slot) {
            slot.latest = key;
            String change = key.changeFrom(slot.lastAsked);
            trigger = change != null ? change : now - slot.lastAskTs >= settings.heartbeatSec() ? "heartbeat" : null;
            if (trigger == null) return;
            String held = holdBack(slot, now);
            CallBudget.Refusal refused = held == null ? budget.take(urgency) : null;
            if (refused != null) {
                held = refused.name().toLowerCase(Locale.ROOT);
                if (slot.skipped != refused) skipWhy = budget.explain(refused, urgency);
                slot.skipped = refused;
            }
            if (held != null) meters.counter("autoscaler_llm_deferred", "reason", held).increment();
            starting = held == null;
            if (starting) {
                slot.skipped = null;
                slot.inFlight = true;
                slot.lastAsked = key;
                slot.lastAskTs = now;
            }
        }
        if (skipWhy != null) {
            log.debug("{}: LLM call skipped: {}", target, skipWhy);
            audit.skipped(target, trigger, skipWhy); // once, until the target is asked again
        }
        if (!starting) return;
        LlmRequest req;
        try {
            req = request.get();
        } catch (RuntimeException e) {
            notBuilt(target, slot, trigger, e);
            return;
        }
        start(target, slot, key, trigger, now, req);
    }

    /**
     * The request could not be built (a bug in the prompt, state it cannot read): the slot is freed so the next change
     * or heartbeat asks again, and the failure is counted, logged and audited, with the key scrubbed from its text.
     */
    private void notBuilt(String target, Slot slot, String trigger, RuntimeException e) {
        release(slot);
        meters.counter("autoscaler_llm_request_errors").increment();
        String why = "request not built: " + errorText(e);
        log.warn("{}: LLM call not started, {}", target, why);
        audit.notBuilt(target, trigger, why);
    }

    private String errorText(Throwable e) {
        String m = e.getMessage() == null ? "" : " " + e.getMessage().replaceAll("\\s+", " ").trim();
        if (m.length() > MAX_ERROR_TEXT) m = m.substring(0, MAX_ERROR_TEXT) + "...";
        return audit.redact(e.getClass().getSimpleName() + m);
    }

    private static void release(Slot slot) {
        synchronized (slot) {
            slot.inFlight = false;
        }
    }

    /** Why a due call waits (in_flight, backoff), or null when it may ask the budget. */
    private String holdBack(Slot slot, double now) {
        if (slot.inFlight) return "in_flight";
        synchronized (this) {
            if (now < backoffUntil) return "backoff";
        }
        return null;
    }

    /**
     * Runs the call on a virtual thread. LLM_TIMEOUT_SEC + {@link #GRACE_MS} after it started, a call still running is
     * cancelled: its future fails with a timeout at once, the provider aborts its request and its thread is
     * interrupted.
     */
    private void start(String target, Slot slot, StateKey key, String trigger, double askedAt, LlmRequest req) {
        long t0 = System.nanoTime();
        CompletableFuture<LlmAnswer> answer = new CompletableFuture<>();
        AtomicReference<Thread> runner = new AtomicReference<>();
        Future<?> call;
        try {
            call = calls.submit(() -> askInto(answer, req, runner));
        } catch (RejectedExecutionException closing) {
            // close() ran between the check in afterWindow and here: nothing was sent
            release(slot);
            return;
        }
        answer.orTimeout(hardTimeoutMs(), TimeUnit.MILLISECONDS).whenComplete((a, err) -> {
            if (err instanceof TimeoutException) cancel(target, call, runner.get());
            settle(target, slot, key, trigger, askedAt, (System.nanoTime() - t0) / 1e6, a, err);
        });
    }

    /** The bound on one call: LLM_TIMEOUT_SEC, which the provider's whole path keeps within, and the grace. */
    public long hardTimeoutMs() {
        return Math.round(settings.timeoutSec() * 1000) + GRACE_MS;
    }

    private void askInto(CompletableFuture<LlmAnswer> answer, LlmRequest req, AtomicReference<Thread> runner) {
        runner.set(Thread.currentThread());
        running.add(Thread.currentThread());
        try {
            answer.complete(provider.ask(req));
        } catch (LlmException | RuntimeException e) {
            answer.completeExceptionally(e);
        } finally {
            running.remove(Thread.currentThread());
        }
    }

    /** The provider closes the request's connection first; the interrupt then ends whatever else the thread waits on. */
    private void cancel(String target, Future<?> call, Thread runner) {
        boolean aborted = runner != null && provider.abort(runner);
        if (call.cancel(true) || aborted) {
            meters.counter("autoscaler_llm_cancelled", "reason", "timeout").increment();
            log.debug("{}: LLM call cancelled after {} ms", target, hardTimeoutMs());
        }
    }

    private void settle(String target, Slot slot, StateKey key, String trigger, double askedAt, double ms, LlmAnswer a, Throwable err) {
        latency.record(Math.round(ms * 1e6), TimeUnit.NANOSECONDS);
        try {
            if (closed) return; // cancelled by close: no failure to back off from, and the audit's bus is closing
            if (err != null) failed(target, trigger, ms, unwrap(err));
            else answered(target, slot, key, trigger, askedAt, ms, a);
        } catch (RuntimeException e) {
            log.warn("{}: handling the LLM answer failed: {}", target, e.toString());
        } finally {
            release(slot);
        }
    }

    /** Calls cancelled so far, by the hard timeout or by {@link #close}. */
    public long cancelled() {
        return Math.round(meters.find("autoscaler_llm_cancelled").counters().stream().mapToDouble(Counter::count).sum());
    }

    private static LlmException unwrap(Throwable err) {
        Throwable e = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
        if (e instanceof LlmException l) return l;
        if (e instanceof TimeoutException) return new LlmException(LlmException.Kind.TIMEOUT, null, null, "no answer within LLM_TIMEOUT_SEC and its grace: cancelled");
        return new LlmException(LlmException.Kind.IO, null, null, e.getClass().getSimpleName());
    }

    private void failed(String target, String trigger, double ms, LlmException e) {
        double wait = backOff(e);
        String reason = audit.redact(e.getMessage()) + String.format(Locale.ROOT, "; next call in %.1f s at the earliest", wait);
        log.warn("{}: LLM call failed ({}): {}", target, e.outcome(), reason);
        audit.failed(target, trigger, ms, e.outcome(), reason);
    }

    /** Exponential backoff from LLM_BACKOFF_BASE_SEC to LLM_BACKOFF_MAX_SEC, at least the server's Retry-After. */
    private synchronized double backOff(LlmException e) {
        failures++;
        double wait = Math.min(settings.backoffMaxSec(), settings.backoffBaseSec() * Math.pow(2, Math.min(failures - 1, 30)));
        if (e.retryAfter() != null) wait = Math.min(settings.backoffMaxSec(), Math.max(wait, e.retryAfter().toMillis() / 1000.0));
        backoffUntil = Math.max(backoffUntil, clock.getAsDouble() + wait);
        return wait;
    }

    private void answered(String target, Slot slot, StateKey asked, String trigger, double askedAt, double ms, LlmAnswer a) {
        synchronized (this) {
            failures = 0;
        }
        AdviceParser.Parsed p = AdviceParser.parse(a, asked.replicas());
        if (p instanceof AdviceParser.Rejected r) {
            // the newest answer replaces what was held: an unusable one leaves the policy to decide alone
            synchronized (slot) {
                slot.held = null;
            }
            rejected(target, trigger, ms, a, audit.redact(r.reason()), null);
            return;
        }
        var ok = (AdviceParser.Ok) p;
        var advice = new AdviceRules.Advice(ok.targetReplicas(), ok.confidence(), audit.redact(ok.reasoning()), "llm", askedAt);
        Held held = new Held(advice, ok.action(), ms, a.tokensIn(), a.tokensOut(), trigger, budget.left(), asked);
        synchronized (slot) {
            if (!slot.latest.sameLoadAndCount(asked)) {
                String why = "stale: " + slot.latest.changeFrom(asked) + " while it was in flight";
                slot.held = null;
                rejected(target, trigger, ms, a, why, advice(held, null, null, null));
                return;
            }
            slot.held = held;
        }
    }

    private void rejected(String target, String trigger, double ms, LlmAnswer a, String reason, Plan.Advice advice) {
        log.info("{}: LLM advice rejected: {}", target, reason);
        audit.rejected(target, trigger, ms, a.tokensIn(), a.tokensOut(), reason, advice, budget.left());
    }

    /** A call for the target is in flight (its answer, audit entry and backoff not yet settled). */
    public boolean busy(String target) {
        Slot slot = slots.get(target);
        if (slot == null) return false;
        synchronized (slot) {
            return slot.inFlight;
        }
    }

    /**
     * The advice to judge with the next window, or null. Held advice is judged again with every window until it expires
     * (the {@code AdviceRules}: age, confidence, slow, the need, the policy's scale-up; the guardrails, the advice extra
     * among them); here it is dropped as stale once the load is two bands from the one it was asked at, as an answer that comes
     * after such a change is. This checks the last window seen; {@link #held(String, double)} the one about to be decided.
     */
    public Held held(String target) {
        Slot slot = slots.get(target);
        if (slot == null) return null;
        StateKey latest;
        synchronized (slot) {
            latest = slot.latest;
        }
        return latest == null ? held(target, slot, null) : held(target, slot, latest.loadBand());
    }

    /** The same, judged against the rate of the window about to be decided. */
    public Held held(String target, double rps) {
        Slot slot = slots.get(target);
        return slot == null ? null : held(target, slot, StateKey.band(rps));
    }

    private Held held(String target, Slot slot, Integer band) {
        Held h;
        synchronized (slot) {
            h = slot.held;
            // two bands (a rate ~1.5x away), not one: a rate at the edge of a band crosses it with counting noise alone
            if (h == null || band == null || Math.abs(band - h.asked().loadBand()) < STALE_BANDS) return h;
            slot.held = null;
        }
        String why = "stale: load band " + (band > h.asked().loadBand() ? "up" : "down") + " since it was asked";
        meters.counter("autoscaler_llm_advice_dropped", "reason", "stale").increment();
        log.info("{}: LLM advice dropped, {}", target, why);
        // an answer no window judged yet still gets its one audit entry
        boolean unjudged;
        synchronized (slot) {
            unjudged = slot.audited != h;
            if (unjudged) slot.audited = h;
        }
        if (unjudged) {
            audit.rejected(target, h.trigger(), h.latencyMs(), h.tokensIn(), h.tokensOut(), why, advice(h, null, null, null), h.callsLeft());
        }
        return null;
    }

    /**
     * What became of held advice in a window: the plan's {@code advice} block. The first window that judges an
     * answer writes its audit entry (ok or rejected with the reason, and what was applied) and counts its agreement.
     */
    public Plan.Advice judged(String target, Held h, AdviceRules.Outcome outcome, String role, int current) {
        Slot slot = slots.get(target);
        Plan.Action policy = AdviceRules.action(current, outcome.policyReplicas());
        boolean agrees = h.action() == policy;
        boolean first;
        double rate;
        synchronized (slot) {
            first = slot.audited != h;
            if (first) {
                slot.audited = h;
                slot.judged++;
                if (agrees) slot.agreed++;
            }
            rate = (double) slot.agreed / slot.judged;
        }
        String status = !outcome.accepted() && "decide".equals(role) ? "rejected" : outcome.applied() ? "applied" : "advised";
        Plan.Advice advice = advice(h, role, status, outcome.rejection()).withAgreement(agrees, rate);
        if (first) {
            meters.counter("autoscaler_llm_advice", "target", target, "status", status, "agrees", String.valueOf(agrees)).increment();
            audit.judged(target, role, h, outcome.accepted(), outcome.rejection(), advice, outcome.applied() ? outcome.replicas() : null);
        }
        return advice;
    }

    private Plan.Advice advice(Held h, String role, String status, String rejection) {
        var a = h.advice();
        return new Plan.Advice(provider.name(), provider.model(), h.action(), a.targetReplicas(), a.confidence(), a.reasoning(), a.ts(),
                Math.round(h.latencyMs() * 10) / 10.0, role, status, rejection, null, null);
    }

    /**
     * Stops asking, cancels the calls in flight (counted as cancelled, reported as nothing else) and closes the provider
     * once they have ended or {@link #CLOSE_WAIT_MS} has passed. A window that arrives meanwhile starts no call.
     */
    @Override
    public void close() {
        closed = true;
        long inFlight = slots.values().stream().filter(slot -> {
            synchronized (slot) {
                return slot.inFlight;
            }
        }).count();
        if (inFlight > 0) meters.counter("autoscaler_llm_cancelled", "reason", "close").increment(inFlight);
        running.forEach(provider::abort);
        calls.shutdownNow();
        try {
            if (!calls.awaitTermination(CLOSE_WAIT_MS, TimeUnit.MILLISECONDS)) {
                log.warn("{} LLM call(s) still running {} ms after close; closing the provider under them", inFlight, CLOSE_WAIT_MS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // closing anyway: the provider's close releases what the calls hold
        }
        provider.close();
    }
}
