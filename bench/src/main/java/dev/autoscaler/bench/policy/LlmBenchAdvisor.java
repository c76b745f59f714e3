package dev.autoscaler.bench.policy;

import dev.autoscaler.common.msg.LatencyMetrics;
import dev.autoscaler.common.msg.LlmCall;
import dev.autoscaler.planner.advisor.AdvicePrompt;
import dev.autoscaler.planner.advisor.LlmAdvisor;
import dev.autoscaler.planner.llm.LlmAnswer;
import dev.autoscaler.planner.llm.LlmException;
import dev.autoscaler.planner.llm.LlmProvider;
import dev.autoscaler.planner.llm.LlmProviders;
import dev.autoscaler.planner.llm.LlmRequest;
import dev.autoscaler.planner.llm.LlmSettings;
import dev.autoscaler.planner.policy.PolicyConfig;
import dev.autoscaler.planner.policy.PolicyDecision;
import dev.autoscaler.planner.policy.Window;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The configured LLM (the same LLM_* settings, {@link LlmAdvisor}, prompt, parser and rate limit as the planner's) as
 * ours' advisor in the decide role, on the simulator's clock: the token bucket, backoff, heartbeat and advice ages count
 * simulated seconds, so a trace is asked at the windows the planner would ask at. A call is waited for before the next
 * window (however long it takes in real time, at most LLM_TIMEOUT_SEC and the advisor's grace), so its answer counts
 * from the next window on. Everything it did is kept for the report ({@link Stats}).
 */
public final class LlmBenchAdvisor implements AutoCloseable {
    static final String TARGET = "bench";
    /** Windows shown in the prompt, as the planner shows. */
    private static final int PROMPT_WINDOWS = 10;

    private final LlmSettings settings;
    private final LlmAdvisor advisor;
    private final Stats stats = new Stats();
    private final Deque<LatencyMetrics> recent = new ArrayDeque<>();
    private volatile double now;

    private LlmBenchAdvisor(LlmSettings settings, LlmProvider provider) {
        this.settings = settings;
        this.advisor = new LlmAdvisor(settings, new Counted(provider), stats::record, new SimpleMeterRegistry(), () -> now);
    }

    /** From the LLM_* settings given; IllegalArgumentException naming what is missing when no provider is configured. */
    public static LlmBenchAdvisor of(LlmSettings settings) {
        var provider = LlmProviders.create(settings).orElseThrow(() -> new IllegalArgumentException(
                "--advisor llm needs a configured LLM: LLM_PROVIDER and LLM_API_KEY (or LLM_BASE_URL for a local server)"));
        return new LlmBenchAdvisor(settings, provider);
    }

    public Stats stats() {
        return stats;
    }

    /** Advice held for the window about to be decided at {@code now}, or null. */
    LlmAdvisor.Held held(double now, double rps) {
        this.now = now;
        return advisor.held(TARGET, rps);
    }

    /** After the window: judges the held advice, then asks when the planner would, and waits for the answer. */
    void afterWindow(double now, Window w, LlmAdvisor.Held held, PolicyDecision.Result r, PolicyConfig cfg) throws InterruptedException {
        this.now = now;
        PolicyDecision dec = r.decision();
        int current = dec.numbers().currentReplicas();
        if (held != null) advisor.judged(TARGET, held, r.advice(), "decide", current);
        recent.addLast(new LatencyMetrics(null, TARGET, "http://127.0.0.1/", cfg.windowSec(), (int) Math.round(w.rps() * cfg.windowSec()),
                w.successRate(), w.p95Ms(), w.p95Ms(), w.p95Ms(), w.p95Ms(), w.p95Ms(), w.rps(), w.servedRps(), 0, w.readyReplicas(),
                "bench", now));
        while (recent.size() > PROMPT_WINDOWS) recent.removeFirst();
        List<LatencyMetrics> shown = List.copyOf(recent);
        advisor.afterWindow(TARGET, LlmAdvisor.StateKey.of(w.rps(), dec),
                () -> AdvicePrompt.request(TARGET, shown, dec, cfg, r.state().guard(), now, settings));
        long deadline = System.nanoTime() + (advisor.hardTimeoutMs() + 1000) * 1_000_000L;
        while (advisor.busy(TARGET) && System.nanoTime() < deadline) Thread.sleep(2);
    }

    @Override
    public void close() {
        advisor.close();
    }

    /** The provider with each request it sends counted at the simulated second it goes out. */
    private final class Counted implements LlmProvider {
        private final LlmProvider p;

        Counted(LlmProvider p) {
            this.p = p;
        }

        public String name() { return p.name(); }

        public String model() { return p.model(); }

        public LlmAnswer ask(LlmRequest request) throws LlmException {
            stats.started(now);
            return p.ask(request);
        }

        public boolean abort(Thread caller) { return p.abort(caller); }

        public void close() { p.close(); }
    }

    /** What the advisor did over one run: calls by outcome, advice applied or rejected by rule, agreement, tokens. */
    public static final class Stats {
        final List<Double> callTimes = new ArrayList<>();
        final Map<String, Integer> outcomes = new TreeMap<>();
        final Map<String, Integer> rejections = new TreeMap<>();
        int judged;
        int applied;
        int agreed;
        long tokensIn;
        long tokensOut;

        synchronized void started(double ts) {
            callTimes.add(ts);
        }

        /**
         * One audit entry, which the advisor writes once per answer: when the first window judges it (with the role),
         * or when it is refused before (unparsable, stale) or the call fails.
         */
        synchronized void record(LlmCall c) {
            outcomes.merge(c.outcome(), 1, Integer::sum);
            if (c.tokensIn() != null) tokensIn += c.tokensIn();
            if (c.tokensOut() != null) tokensOut += c.tokensOut();
            if (c.role() != null && c.advice() != null) {
                judged++;
                if (Boolean.TRUE.equals(c.advice().agrees())) agreed++;
                if ("applied".equals(c.advice().status())) applied++;
            }
            if ("rejected".equals(c.outcome()) && c.reason() != null) rejections.merge(rule(c.reason()), 1, Integer::sum);
        }

        /** A rejection's rule: its text with every number an N, so that one rule is one row. */
        static String rule(String rejection) {
            return rejection.replaceAll("[0-9]+(\\.[0-9]+)?", "N");
        }

        public synchronized int calls() {
            return callTimes.size();
        }

        /** The most calls started in any 60 simulated seconds. */
        public synchronized int mostInAMinute() {
            List<Double> t = new ArrayList<>(callTimes);
            t.sort(null);
            int most = 0;
            for (int i = 0, j = 0; i < t.size(); i++) {
                while (t.get(i) - t.get(j) >= 60) j++;
                most = Math.max(most, i - j + 1);
            }
            return most;
        }

        public synchronized Map<String, Integer> outcomes() { return new TreeMap<>(outcomes); }

        public synchronized Map<String, Integer> rejections() { return new TreeMap<>(rejections); }

        public synchronized int judgedCount() { return judged; }

        public synchronized int appliedCount() { return applied; }

        public synchronized double agreement() { return judged == 0 ? Double.NaN : (double) agreed / judged; }

        public synchronized long tokensIn() { return tokensIn; }

        public synchronized long tokensOut() { return tokensOut; }
    }
}
