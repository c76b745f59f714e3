package dev.autoscaler.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.autoscaler.common.msg.Json;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class SuiteCliTest {
    record Outcome(int exit, String out, String err) {}

    static Outcome exec(Callable<Integer> command, String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true));
            System.setErr(new PrintStream(e, true));
            int exit = new CommandLine(command).execute(args);
            return new Outcome(exit, o.toString(), e.toString());
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    @Test
    void aTinySuiteRunPrintsOneTableAndWritesEveryRow() throws Exception {
        Path dir = Files.createTempDirectory("suite");
        Path empty = Files.createDirectories(dir.resolve("traces"));
        Outcome r = exec(new BenchCli.Suite(), "--traces-dir", empty.toString(), "--only", "syn_flat,syn_step_4x_once", "--seeds", "1",
                "--policies", "ours,kpa", "--out", dir.resolve("out").toString());
        assertEquals(0, r.exit(), r.err());
        List<String> table = r.out().lines().filter(l -> l.startsWith("|")).toList();
        assertEquals("| trace | hours | ours violation % | ours × oracle | kpa violation % | kpa × oracle |", table.get(0));
        assertEquals(2 + 2 + 1, table.size(), r.out());
        // the suite's order (step before flat), whatever the order of --only
        assertTrue(table.get(2).startsWith("| syn_step_4x_once | 3.0 | "), table.get(2));
        assertTrue(table.get(3).startsWith("| syn_flat | 2.0 | "), table.get(3));
        assertTrue(table.get(4).startsWith("| **total** | 5.0 | **"), table.get(4));
        assertTrue(r.err().contains("note: no *.csv in "), r.err());

        JsonNode json = Json.MAPPER.readTree(dir.resolve("out/suite.json").toFile());
        assertEquals(4, json.get("rows").size());
        JsonNode first = json.get("rows").get(0);
        assertEquals("syn_step_4x_once", first.get("trace").asText());
        assertEquals(1, first.get("seed").asLong());
        assertEquals("ours", first.get("policy").asText());
        assertTrue(first.has("violation_pct") && first.has("oracle_ratio") && first.has("replica_seconds"));
        assertEquals(2, json.get("config").get("traces").size());
        assertEquals(7200, json.get("config").get("traces").get(1).get("duration_sec").asInt());
        JsonNode summaryFirst = json.get("summary").get(0);
        assertEquals(first.get("actions").asDouble(), summaryFirst.get("actions").get("mean").asDouble(), 1e-9, summaryFirst.toString());
    }

    @Test
    void aTinyAblationPrintsADeltaAndAVerdictPerMechanism() throws Exception {
        Path dir = Files.createTempDirectory("ablation");
        Outcome r = exec(new BenchCli.Ablation(), "--traces-dir", dir.resolve("none").toString(), "--only", "syn_flat", "--seeds", "1",
                "--mechanisms", "trend_forecast", "--out", dir.toString());
        assertEquals(0, r.exit(), r.err());
        List<String> table = r.out().lines().filter(l -> l.startsWith("|")).toList();
        // first the compact table on the sums (after the defaults' line), then the wide one per trace
        assertTrue(r.out().contains("\nDefaults summed over 1 trace (mean over seeds, in brackets the spread of the per-seed sums): violation % "), r.out());
        assertTrue(r.out().indexOf("Defaults summed over") < r.out().indexOf("| mechanism |"), r.out());
        assertEquals("| mechanism | what it does | Δ violation % | Δ × oracle | Δ actions | verdict |", table.get(0));
        assertTrue(table.get(2).startsWith("| `trend_forecast` | "), table.get(2));
        assertTrue(table.get(2).matches("\\| `trend_forecast` \\| [^|]+ \\| [-+]\\d+\\.\\d{3} \\| [-+]\\d+\\.\\d{3} \\| [-+]\\d+\\.\\d[^|]* \\| "
                + "(within noise|keeps its place \\((violation|× oracle|actions)(, (× oracle|actions))*\\)) \\|"), table.get(2));
        assertEquals("| trace | default violation % | default × oracle | −trend_forecast Δ violation % | Δ × oracle | verdict |", table.get(3));
        assertEquals(3 + 4, table.size(), r.out());
        assertTrue(table.get(6).startsWith("| **total** |"), table.get(6));
        assertTrue(table.get(6).contains("keeps its place") || table.get(6).contains("within noise"), table.get(6));
        assertTrue(r.out().contains("- −trend_forecast: "), r.out());
        JsonNode json = Json.MAPPER.readTree(dir.resolve("ablation.json").toFile());
        assertEquals(2, json.get("rows").size());
        assertEquals("default", json.get("rows").get(0).get("variant").asText());
        assertEquals("trend_forecast", json.get("rows").get(1).get("variant").asText());
        JsonNode total = json.get("effects").get(1);
        assertEquals("total", total.get("trace").asText());
        assertEquals(json.get("rows").get(0).get("actions").asDouble(), total.get("default_actions").get("mean").asDouble(), 1e-9);
        assertEquals(json.get("rows").get(1).get("actions").asDouble() - json.get("rows").get(0).get("actions").asDouble(),
                total.get("delta_actions").asDouble(), 1e-9);
        assertTrue(total.has("delta_actions_pct") && total.get("default_actions").has("spread"), total.toString());
    }

    @Test
    void aBadSettingIsOneLineNamingItAndExitTwo() throws Exception {
        Path dir = Files.createTempDirectory("suite");
        Outcome value = exec(new BenchCli.Suite(), "--traces-dir", dir.toString(), "--set", "FORECAST=maybe", "--out", dir.toString());
        assertEquals(2, value.exit());
        assertEquals(1, value.err().strip().lines().count(), value.err());
        assertTrue(value.err().startsWith("autoscaler bench suite: invalid FORECAST=\"maybe\""), value.err());
        assertTrue(value.out().isEmpty(), value.out());

        Outcome range = exec(new BenchCli.Ablation(), "--traces-dir", dir.toString(), "--set", "RISE_QUANTILE=2");
        assertEquals(2, range.exit());
        assertTrue(range.err().startsWith("autoscaler bench ablation: default: invalid RISE_QUANTILE=\"2\""), range.err());

        Outcome name = exec(new BenchCli.Suite(), "--traces-dir", dir.toString(), "--set", "forecast=false");
        assertEquals(2, name.exit());
        assertTrue(name.err().startsWith("autoscaler bench suite: --set takes NAME=VALUE") && name.err().contains("got 'forecast'"), name.err());

        Path trace = dir.resolve("t.csv");
        Files.writeString(trace, "t_seconds,rps\n0,10\n");
        Outcome run = exec(new BenchCli.Run(), "--trace", trace.toString(), "--set", "SLO_BUDGET_PCT=-1", "--out", dir.resolve("o").toString());
        assertEquals(2, run.exit());
        assertTrue(run.err().startsWith("autoscaler bench run: invalid SLO_BUDGET_PCT=\"-1\""), run.err());
        Outcome alias = exec(new BenchCli.Frontier(), "--trace", trace.toString(), "--ours", "TARGET_UTILIZATION=7");
        assertEquals(2, alias.exit());
        assertTrue(alias.err().startsWith("autoscaler bench frontier: invalid TARGET_UTILIZATION=\"7\""), alias.err());

        Outcome only = exec(new BenchCli.Suite(), "--traces-dir", dir.toString(), "--only", "syn_flat,nope");
        assertEquals(2, only.exit());
        assertTrue(only.err().contains("--only: no suite trace named 'nope'"), only.err());
        Outcome seeds = exec(new BenchCli.Suite(), "--traces-dir", dir.toString(), "--seeds", "1,1");
        assertEquals(2, seeds.exit());
        assertEquals("autoscaler bench suite: --seeds must be distinct numbers, got [1, 1]", seeds.err().strip());
        Outcome mech = exec(new BenchCli.Ablation(), "--traces-dir", dir.toString(), "--mechanisms", "magic");
        assertEquals(2, mech.exit());
        assertTrue(mech.err().startsWith("autoscaler bench ablation: unknown mechanism 'magic'"), mech.err());
    }

    @Test
    void settingsAreNameValuePairsAndACommaInsideAValueStays() {
        assertEquals(Map.of("SEASONAL_PERIODS", "600,900", "FORECAST", "false"),
                BenchCli.settings(List.of("SEASONAL_PERIODS=600", "900", "FORECAST=false")));
        assertEquals(Map.of(), BenchCli.settings(null));
        assertEquals(Map.of("CAPACITY_RPS", ""), BenchCli.settings(List.of("CAPACITY_RPS=")));
        // the name only, never the value: a value given by mistake may be a key
        Map<String, String> named = Map.of("FORECAST", "'FORECAST'", "=1", "''", "forecast=false", "'forecast'", "1X=2", "'1X'",
                "llm_api_key=sk-secret", "'llm_api_key'");
        named.forEach((bad, shown) -> {
            var e = assertThrows(IllegalArgumentException.class, () -> BenchCli.settings(List.of(bad)), bad);
            assertTrue(e.getMessage().endsWith("got " + shown) && !e.getMessage().contains("sk-secret"), e.getMessage());
        });
        var key = assertThrows(IllegalArgumentException.class, () -> BenchCli.settings(List.of("LLM_API_KEY=sk-secret")));
        assertTrue(key.getMessage().contains("never on the command line") && !key.getMessage().contains("sk-secret"), key.getMessage());
        // a well-formed name the planner does not read is a typo, named with the known ones
        var e = assertThrows(IllegalArgumentException.class, () -> BenchCli.settings(List.of("FORCAST=false")));
        assertTrue(e.getMessage().startsWith("--set: the planner has no setting FORCAST (known: ") && e.getMessage().contains("FORECAST"),
                e.getMessage());
    }

    @Test
    void setAndOursAreOneOption() throws Exception {
        Path dir = Files.createTempDirectory("run");
        Path trace = dir.resolve("t.csv");
        Files.writeString(trace, "t_seconds,rps\n0,10\n60,20\n120,10\n");
        Outcome r = exec(new BenchCli.Frontier(), "--trace", trace.toString(), "--policies", "ours", "--headrooms", "1.0", "--set", "FORECAST=false",
                "--ours", "SEASONAL_PERIODS=600,900");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("| t.csv | ours |"), r.out());
    }
}
