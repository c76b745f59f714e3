package dev.autoscaler.bench.report;

import dev.autoscaler.bench.policy.LlmBenchAdvisor;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The LLM advisor's section of a report: per trace, what it was asked and said, what the guardrails made of it, and
 * what it changed against ours alone on the same arrivals.
 */
public final class AdvisorReport {
    private AdvisorReport() {}

    /** One trace's advisor: its stats, and the summaries of ours alone and ours with it (either may be null). */
    public record Row(String trace, String policy, LlmBenchAdvisor.Stats stats, Summary ours, Summary withAdvisor) {}

    /** The rows of one trace run: one per policy that ran with an LLM advisor. */
    public static List<Row> rows(String trace, List<Summary> summaries, Map<String, LlmBenchAdvisor.Stats> advisors) {
        Summary ours = summaries.stream().filter(s -> s.policy().equals("ours")).findFirst().orElse(null);
        return advisors.entrySet().stream().map(e -> new Row(trace, e.getKey(), e.getValue(), ours,
                summaries.stream().filter(s -> s.policy().equals(e.getKey())).findFirst().orElse(null))).toList();
    }

    public static String markdown(List<Row> rows, double rpm) {
        if (rows.isEmpty()) return "";
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "\n## The LLM advisor (decide role, LLM_RPM %.0f)\n\n", rpm));
        sb.append("| trace | calls | most in 60 s | outcomes | advice judged | applied | rejected by rule | agrees with the policy "
                + "| tokens in / out | violation % vs ours | replica-s vs ours |\n");
        sb.append("|---|---:|---:|---|---:|---:|---|---:|---:|---:|---:|\n");
        for (Row r : rows) {
            var s = r.stats();
            sb.append(String.format(Locale.ROOT, "| %s | %d | %d | %s | %d | %d | %s | %s | %d / %d | %s | %s |\n", r.trace(), s.calls(),
                    s.mostInAMinute(), counts(s.outcomes()), s.judgedCount(), s.appliedCount(), counts(s.rejections()),
                    Double.isNaN(s.agreement()) ? "–" : String.format(Locale.ROOT, "%.0f %%", 100 * s.agreement()), s.tokensIn(), s.tokensOut(),
                    r.ours() == null || r.withAdvisor() == null ? "–"
                            : String.format(Locale.ROOT, "%+.3f (%.3f → %.3f)", r.withAdvisor().violationPct() - r.ours().violationPct(),
                                    r.ours().violationPct(), r.withAdvisor().violationPct()),
                    r.ours() == null || r.withAdvisor() == null ? "–"
                            : String.format(Locale.ROOT, "%+.1f %%", 100 * (r.withAdvisor().replicaSeconds() / r.ours().replicaSeconds() - 1))));
        }
        return sb.toString();
    }

    private static String counts(Map<String, Integer> m) {
        return m.isEmpty() ? "none" : m.entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", "));
    }
}
