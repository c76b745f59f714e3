package dev.autoscaler.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.autoscaler.common.msg.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The monitoring files under {@code deploy/} (the Grafana dashboard and the Prometheus rules) as tests read them, and
 * the metric names their PromQL uses, so a test can hold them against what the services really export.
 */
final class DeployFiles {
    static final String DASHBOARD = "deploy/grafana/autoscaler.json";
    static final String RULES = "deploy/prometheus/rules.yaml";
    static final String RULES_TEST = "deploy/prometheus/rules-test.yaml";

    private DeployFiles() {}

    record DataSource(String type, String uid) {}

    record Target(String refId, String expr, DataSource datasource) {}

    /** A panel; a row holds its own panels when collapsed. */
    record Panel(Integer id, String type, String title, DataSource datasource, List<Target> targets, List<Panel> panels) {}

    /** {@code query} is a string for a datasource variable and an object for a query variable. */
    record Variable(String name, String type, JsonNode query, DataSource datasource) {}

    record Templating(List<Variable> list) {}

    record Dashboard(Integer schemaVersion, String title, String uid, Templating templating, List<Panel> panels) {
        /** Every panel with queries, rows opened up. */
        List<Panel> queryPanels() {
            List<Panel> out = new ArrayList<>();
            for (Panel p : panels == null ? List.<Panel>of() : panels) {
                if (p.panels() != null) out.addAll(p.panels());
                if (!"row".equals(p.type())) out.add(p);
            }
            return out;
        }

        Variable variable(String name) {
            if (templating == null || templating.list() == null) return null;
            return templating.list().stream().filter(v -> name.equals(v.name())).findFirst().orElse(null);
        }
    }

    /** The checkout's root: the tests run in the {@code it} module's directory, the files live beside it. */
    static Path root() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve(RULES))) return p;
        }
        throw new IllegalStateException(RULES + " not found above " + Path.of("").toAbsolutePath());
    }

    static Dashboard dashboard() throws IOException {
        return Json.read(Files.readString(root().resolve(DASHBOARD)), Dashboard.class);
    }

    /**
     * Alert name → expression, read line by line: an {@code expr:} on one line or as a block ({@code |}, {@code >})
     * of the lines indented deeper than it. The rules file is ours and written that way; promtool checks the YAML.
     */
    static Map<String, String> alertExpressions() throws IOException {
        List<String> lines = Files.readAllLines(root().resolve(RULES));
        Map<String, String> out = new LinkedHashMap<>();
        String alert = null;
        for (int i = 0; i < lines.size(); i++) {
            String t = lines.get(i).strip();
            if (t.startsWith("- alert:")) alert = t.substring("- alert:".length()).strip();
            if (!t.startsWith("expr:")) continue;
            String value = t.substring("expr:".length()).strip();
            if (value.startsWith("|") || value.startsWith(">")) value = block(lines, i);
            out.put(alert, value);
        }
        return out;
    }

    private static String block(List<String> lines, int exprLine) {
        int indent = indent(lines.get(exprLine));
        StringBuilder b = new StringBuilder();
        for (int j = exprLine + 1; j < lines.size() && (lines.get(j).isBlank() || indent(lines.get(j)) > indent); j++) {
            b.append(lines.get(j).strip()).append('\n');
        }
        return b.toString().strip();
    }

    private static int indent(String line) {
        return line.length() - line.stripLeading().length();
    }

    private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "offset", "by", "without", "on",
            "ignoring", "group_left", "group_right", "inf", "nan");
    private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'");
    private static final Pattern MATCHERS = Pattern.compile("\\{[^}]*}");
    private static final Pattern RANGE = Pattern.compile("\\[[^]]*]");
    private static final Pattern LABEL_LIST = Pattern.compile("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_:][A-Za-z0-9_:]*");

    /**
     * The metric names a PromQL expression selects: with strings, label matchers, ranges and label lists cut out, every
     * identifier left that is not a function or aggregation (followed by {@code (}), a keyword, part of a number
     * ({@code 1e3}, {@code 5m}) or a Grafana variable ({@code $target}).
     */
    static Set<String> metricNames(String expr) {
        String s = STRING.matcher(expr).replaceAll("\"\"");
        s = MATCHERS.matcher(s).replaceAll("{}");
        s = RANGE.matcher(s).replaceAll("[]");
        s = LABEL_LIST.matcher(s).replaceAll(" ");
        Set<String> names = new TreeSet<>();
        Matcher m = IDENTIFIER.matcher(s);
        while (m.find()) {
            if (isMetric(s, m)) names.add(m.group());
        }
        return names;
    }

    private static boolean isMetric(String s, Matcher m) {
        char before = m.start() == 0 ? ' ' : s.charAt(m.start() - 1);
        if (Character.isDigit(before) || before == '.' || before == '$') return false;
        int next = m.end();
        while (next < s.length() && Character.isWhitespace(s.charAt(next))) next++;
        if (next < s.length() && s.charAt(next) == '(') return false;
        return !KEYWORDS.contains(m.group().toLowerCase());
    }

    /**
     * The names a {@code /metrics} page exports: every sample's name ({@code _bucket}, {@code _count}, {@code _sum}
     * and {@code _total} included as written) and every family its {@code # TYPE} lines declare.
     */
    static Set<String> exportedNames(String scrape) {
        Set<String> names = new TreeSet<>();
        for (String line : scrape.lines().toList()) {
            if (line.startsWith("# TYPE ")) {
                names.add(line.split(" ")[2]);
            } else if (!line.isBlank() && !line.startsWith("#")) {
                Matcher m = IDENTIFIER.matcher(line);
                if (m.lookingAt()) names.add(m.group());
            }
        }
        return names;
    }

    /** Every metric name the dashboard's panels and the alerting rules use, each with where it is used. */
    static Map<String, List<String>> usedMetricNames() throws IOException {
        Map<String, List<String>> used = new java.util.TreeMap<>();
        for (Panel p : dashboard().queryPanels()) {
            for (Target t : p.targets()) {
                metricNames(t.expr()).forEach(n -> used.computeIfAbsent(n, k -> new ArrayList<>()).add("panel " + p.title()));
            }
        }
        alertExpressions().forEach((alert, expr) ->
                metricNames(expr).forEach(n -> used.computeIfAbsent(n, k -> new ArrayList<>()).add("alert " + alert)));
        return used;
    }

    /** Runs a tool in the checkout's root; its exit code and its merged output. */
    static Commands.Run run(List<String> command) throws Exception {
        return Commands.run(root(), null, java.time.Duration.ofSeconds(60), command);
    }
}
